// echo_server: the reference for the webhook benchmarks. The same HTTP stack as `kindlyguard
// serve` with nothing of kindlyguard's own on top: Boost.Beast over OpenSSL with the webhook's
// TLS context (src/server/tls.cpp), one io_context run by one thread per core, one strand per
// connection, TCP_NODELAY, keep-alive. A POST is answered "allowed" for its request.uid, found by
// a string search; no JSON parse, no policy, no metrics, no audit log.
//
//   echo_server --tls-cert-file F --tls-key-file F [--listen 127.0.0.1:0] [--threads 0]
// prints {"msg":"echo serving","address":"127.0.0.1:PORT"} on stderr once it listens, and runs
// until SIGINT or SIGTERM.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "tls.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kIdleTimeout{120};
constexpr std::chrono::seconds kReadTimeout{10};

// Bare on purpose: no JSON parse, only the uid found the way the load generator finds it, so the
// ratio to the webhook shows everything kindlyguard adds (decoding included) over TLS and HTTP.
std::string answer(const std::string& body, unsigned& status) {
  const auto req = body.find("\"request\"");
  const auto at = req == std::string::npos ? req : body.find("\"uid\":\"", req);
  const auto end = at == std::string::npos ? at : body.find('"', at + 7);
  if (end == std::string::npos) {
    status = 400;
    return R"({"error":"invalid AdmissionReview","status":400})";
  }
  status = 200;
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"allowed":true,"uid":")" +
         body.substr(at + 7, end - at - 7) + "\"}}";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx) : stream_(std::move(socket), ctx) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(kReadTimeout);
      self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (!ec) self->do_read();
      });
    });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(8 * 1024 * 1024);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->handle();
    });
  }

  void handle() {
    auto req = parser_->release();
    parser_.reset();
    unsigned status = 200;
    std::string body = req.method() == http::verb::post ? answer(req.body(), status) : "ok\n";
    res_.emplace();
    res_->version(11);
    res_->result(status);
    res_->set(http::field::content_type, "application/json");
    res_->keep_alive(req.keep_alive());
    res_->body() = std::move(body);
    res_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kReadTimeout);
    http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      bool keep = self->res_->keep_alive();
      self->res_.reset();
      if (ec || !keep) return self->close();
      self->do_read();
    });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
};

struct Server {
  net::io_context& ioc;
  ssl::context& ctx;
  tcp::acceptor acceptor;

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), ctx)->run();
      }
      accept();
    });
  }
};

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0", cert, key;
  unsigned threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--listen") listen = v;
    else if (a == "--tls-cert-file") cert = v;
    else if (a == "--tls-key-file") key = v;
    else if (a == "--threads") threads = static_cast<unsigned>(std::stoul(v));
    else {
      std::cerr << "usage: echo_server --tls-cert-file F --tls-key-file F [--listen ADDR:PORT] [--threads N]\n";
      return 2;
    }
  }
  kindlyguard::server::detail::TlsMaterial material;
  if (!read_file(cert, material.cert_pem) || !read_file(key, material.key_pem)) {
    std::cerr << "echo_server: cannot read --tls-cert-file and --tls-key-file\n";
    return 2;
  }
  auto ctx = kindlyguard::server::detail::make_server_context(material);
  if (!ctx) {
    std::cerr << "echo_server: " << ctx.error().message << "\n";
    return 2;
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  auto colon = listen.rfind(':');
  net::io_context ioc(static_cast<int>(threads));
  tcp::endpoint ep(net::ip::make_address(listen.substr(0, colon)), static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
  Server server{ioc, **ctx, tcp::acceptor(net::make_strand(ioc))};
  server.acceptor.open(ep.protocol());
  server.acceptor.set_option(net::socket_base::reuse_address(true));
  server.acceptor.bind(ep);
  server.acceptor.listen(net::socket_base::max_listen_connections);
  server.accept();

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });

  auto bound = server.acceptor.local_endpoint();
  std::cerr << nlohmann::json({{"msg", "echo serving"},
                               {"address", bound.address().to_string() + ":" + std::to_string(bound.port())},
                               {"threads", threads}})
                   .dump()
            << std::endl;
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
