#include "kindly_test_apiserver/server.hpp"

#include <boost/asio/ssl/context.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "server_impl.hpp"

namespace kindly::testapi {

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TestApiServer::Impl::Impl(ServerOptions o)
    : options(std::move(o)),
      registry(options.resources),
      store(registry, options.store),
      bookmark_ms(options.bookmark_interval.count()),
      tokens(options.tokens) {}

TestApiServer::TestApiServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& im = *impl_;
  std::string cert = im.options.tls_cert_pem, key = im.options.tls_key_pem;
  if (cert.empty() && !im.options.tls_cert_file.empty()) cert = read_file(im.options.tls_cert_file);
  if (key.empty() && !im.options.tls_key_file.empty()) key = read_file(im.options.tls_key_file);
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!cert.empty()) {
    if (key.empty()) throw std::invalid_argument("a TLS certificate needs its key");
    tls = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
    tls->set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                     boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                     boost::asio::ssl::context::no_tlsv1_1);
    tls->use_certificate_chain(boost::asio::buffer(cert));
    tls->use_private_key(boost::asio::buffer(key), boost::asio::ssl::context::pem);
  }
  im.http = std::make_unique<HttpServer>(im.options.address, im.options.port, tls,
                                         [&im](HttpRequest& req, Connection& conn) { return im.handle(req, conn); });
}

TestApiServer::~TestApiServer() { stop(); }

unsigned short TestApiServer::start() {
  impl_->stopping = false;
  impl_->suspended = false;
  impl_->http->start();
  return impl_->http->port();
}

void TestApiServer::stop() {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.sleep_mu);
    im.stopping = true;
  }
  im.sleep_cv.notify_all();
  if (im.control_thread.joinable()) im.control_thread.join();
  im.store.drop_watches();
  im.http->stop();
}

unsigned short TestApiServer::port() const { return impl_->http->port(); }
bool TestApiServer::tls() const {
  return !impl_->options.tls_cert_pem.empty() || !impl_->options.tls_cert_file.empty();
}
std::string TestApiServer::url() const {
  return std::string(tls() ? "https" : "http") + "://" + impl_->options.address + ":" + std::to_string(port());
}

ObjectStore& TestApiServer::store() { return impl_->store; }
const ObjectStore& TestApiServer::store() const { return impl_->store; }
ResourceRegistry& TestApiServer::resources() { return impl_->registry; }
FaultInjector& TestApiServer::faults() { return impl_->faults; }
RequestLog& TestApiServer::requests() { return impl_->log; }
const RequestLog& TestApiServer::requests() const { return impl_->log; }
PodLogs& TestApiServer::pod_logs() { return impl_->pod_logs; }

void TestApiServer::set_authorizer(Authorizer authorizer) {
  std::lock_guard lock(impl_->authz_mu);
  impl_->authorizer = std::move(authorizer);
}

void TestApiServer::add_token(const std::string& token, UserInfo user) {
  std::lock_guard lock(impl_->authz_mu);
  impl_->tokens[token] = std::move(user);
}

void TestApiServer::set_bookmark_interval(std::chrono::milliseconds interval) {
  impl_->bookmark_ms = interval.count();
}

std::size_t TestApiServer::drop_watches(std::string_view resource) { return impl_->store.drop_watches(resource); }
std::size_t TestApiServer::expire_watches(std::string_view resource) { return impl_->store.expire_watches(resource); }
void TestApiServer::compact() { impl_->store.compact(); }

void TestApiServer::restart(std::uint64_t rv_jump) {
  impl_->store.restart(rv_jump);
  impl_->http->close_connections();
}

void TestApiServer::suspend() {
  impl_->suspended = true;
  impl_->store.drop_watches();
  impl_->http->suspend();
}

void TestApiServer::resume() {
  impl_->http->resume();
  impl_->suspended = false;
}

bool TestApiServer::suspended() const { return impl_->suspended; }

std::string TestApiServer::kubeconfig(const std::string& token, const std::string& ns) const {
  std::ostringstream y;
  y << "apiVersion: v1\nkind: Config\nclusters:\n- name: kindly-test\n  cluster:\n    server: " << url() << "\n";
  if (tls()) y << "    insecure-skip-tls-verify: true\n";
  y << "users:\n- name: kindly-test\n  user:";
  if (token.empty()) {
    y << " {}\n";
  } else {
    y << "\n    token: " << token << "\n";
  }
  y << "contexts:\n- name: kindly-test\n  context:\n    cluster: kindly-test\n    user: kindly-test\n    namespace: " << ns
    << "\ncurrent-context: kindly-test\n";
  return y.str();
}

void TestApiServer::write_kubeconfig(const std::string& path, const std::string& token, const std::string& ns) const {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << kubeconfig(token, ns);
}

}  // namespace kindly::testapi
