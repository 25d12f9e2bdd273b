// The HTTPS server: an acceptor, N I/O threads each running its own io_context, one Session per
// connection living on one of them, and the certificate files' watch (cert_reloader.hpp).
//
// One io_context per thread rather than N threads on one shared io_context with a strand per
// connection: a connection's handlers then run on one thread by construction, and a completed
// read never wakes the other thread to run its continuation. With the shared design, context
// switches were the largest single cost at 1,000 reviews/s (finish_task_switch, 15% of the
// webhook's CPU). New connections go round-robin to the threads.
//
// A connection's life: TLS handshake (read_timeout) -> idle (first_request_timeout before the
// first request, idle_timeout between requests, waiting for the first byte of a request) ->
// reading (read_timeout for the whole request) -> handler -> writing (write_timeout) -> idle
// again, or a lingering close. Timeouts are beast::tcp_stream deadlines:
// when one passes, the socket is closed and the pending operation fails with error::timeout.

#include "kindlyguard/server/https_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "beast.hpp"
#include "cert_reloader.hpp"
#include "kindlyguard/util/log.hpp"
#include "tls.hpp"

namespace kindlyguard::server {
using std::chrono::milliseconds;

std::string_view HttpRequest::header(std::string_view name) const { return detail::find_header(headers, name); }

namespace {

// After a response that closes the connection, unread request bytes are drained for a while
// before the socket closes: closing with unread data sends a TCP RST, which can destroy the
// response (e.g. a 413) before the client reads it.
constexpr milliseconds kLingerReadGap{2'000};
constexpr milliseconds kLingerTotal{5'000};
// The read that waits for a request's first bytes takes up to one TLS record (16 KiB), so a
// typical review arrives in one read instead of a 1 KiB read and a doubling chain of small ones;
// webhook CPU per review fell by a sixth (bench/RESULTS.md). The buffer is freed again before
// the next wait: an idle keep-alive connection holds this one read buffer and nothing else.
constexpr size_t kFirstReadBytes = 16 * 1024;

std::string endpoint_text(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string a = addr.to_string();
  if (addr.is_v6()) a = "[" + a + "]";
  return a + ":" + std::to_string(ep.port());
}

// A JSON string literal; error messages are ours, but escape anyway.
std::string json_error(std::string_view message) {
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"}";
}

bool header_value_ok(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

class Session;

}  // namespace

struct HttpsServer::Impl {
  ServerOptions opts;
  Handler handler;

  std::atomic<uint64_t> accepted{0}, rejected{0}, active{0}, requests{0}, tls_failures{0}, auth_failures{0};
  std::atomic<bool> stopping{false};

  std::mutex sessions_mu;
  std::condition_variable drained_cv;
  std::unordered_map<void*, std::weak_ptr<Session>> sessions;

  std::mutex life_mu;
  std::condition_variable stopped_cv;
  bool shutdown_started = false;
  bool stopped = false;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;

  // Asio objects last: destroyed first, so handlers still queued (and the sessions they own)
  // go while the members above still exist.
  struct Worker {
    net::io_context ioc{1};  // run by one thread only
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  };
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<unsigned> next_worker{0};
  // The acceptor and the timers live on the first worker: its one thread serialises them.
  tcp::acceptor acceptor{workers.front()->ioc};
  net::steady_timer accept_retry{workers.front()->ioc};
  // The TLS context and the certificate files' watch (its timer on the first worker too); set
  // by start() before anything runs.
  std::unique_ptr<detail::CertReloader> certs;

  static std::vector<std::unique_ptr<Worker>> make_workers(unsigned n) {
    std::vector<std::unique_ptr<Worker>> w;
    for (unsigned i = 0; i < std::max(1u, n); ++i) w.push_back(std::make_unique<Worker>());
    return w;
  }

  Impl(ServerOptions o, Handler h, unsigned nthreads)
      : opts(std::move(o)), handler(std::move(h)), workers(make_workers(nthreads)) {}

  net::io_context& next_context() { return workers[next_worker++ % workers.size()]->ioc; }

  // A failed handshake: client authentication failures (mTLS) apart from the others, since they
  // mean someone without a valid client certificate tried to reach the webhook.
  void tls_failure(const char* reason, const std::string& remote, const boost::system::error_code& ec) {
    const bool auth = detail::is_client_auth_failure(reason);
    (auth ? auth_failures : tls_failures)++;
    log::debug(auth ? "client authentication failed" : "tls handshake failed",
               {{"remote", remote}, {"reason", reason}, {"error", ec.message()}});
    const auto& callback = auth ? opts.on_auth_failure : opts.on_tls_failure;
    if (callback) {
      try {
        callback(reason);
      } catch (...) {
      }
    }
  }

  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void run_thread(net::io_context& ioc);
  void shutdown(milliseconds grace);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpsServer::Impl& srv, tcp::socket&& socket, std::shared_ptr<ssl::context> ctx)
      : srv_(srv), ctx_(std::move(ctx)), stream_(std::move(socket), *ctx_) {
    boost::system::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : endpoint_text(ep);
  }

  ~Session() {
    std::lock_guard lk(srv_.sessions_mu);
    srv_.sessions.erase(this);
    srv_.active--;
    srv_.drained_cv.notify_all();
  }

  void run() {
    {
      std::lock_guard lk(srv_.sessions_mu);
      srv_.sessions[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::on_run, shared_from_this()));
  }

  // Posted by shutdown(): a connection that is not in the middle of a request goes now; one that
  // is finishes it (the write path sees `stopping` and closes after the response).
  void on_shutdown() {
    if (phase_ == Phase::Handshake || phase_ == Phase::Idle) close_now();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class Phase { Start, Handshake, Idle, Reading, Handling, Writing, Lingering, Closed };

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void on_run() {
    if (srv_.stopping) return close_now();
    phase_ = Phase::Handshake;
    tcp().expires_after(srv_.opts.read_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec) {
      srv_.tls_failure(detail::classify_tls_error(ec), remote_, ec);
      return close_now();
    }
    if (!srv_.opts.client_ca_file.empty()) {
      if (X509* peer = SSL_get0_peer_certificate(stream_.native_handle())) {
        std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), &BIO_free);
        if (b && X509_NAME_print_ex(b.get(), X509_get_subject_name(peer), 0, XN_FLAG_RFC2253) >= 0) {
          char* data = nullptr;
          long n = BIO_get_mem_data(b.get(), &data);
          if (n > 0) client_subject_.assign(data, static_cast<size_t>(n));
        }
      }
    }
    do_read();
  }

  void do_read() {
    if (srv_.stopping) return close_now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(srv_.opts.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(srv_.opts.max_body_bytes);
    if (buffer_.size() > 0) return start_request();  // pipelined bytes already here
    phase_ = Phase::Idle;
    buffer_.shrink_to_fit();  // an idle connection keeps no request buffer
    tcp().expires_after(served_any_ ? srv_.opts.idle_timeout : srv_.opts.first_request_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (phase_ == Phase::Closed) return;
    if (ec) return close_now();  // idle timeout, the client closed, or shutdown
    buffer_.commit(n);
    start_request();
  }

  void start_request() {
    phase_ = Phase::Reading;
    tcp().expires_after(srv_.opts.read_timeout);  // one deadline for head and body together
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (phase_ == Phase::Closed) return;
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    auto expect = req[http::field::expect];
    if (!expect.empty()) {
      if (!beast::iequals(expect, "100-continue"))
        return respond_error(http::status::expectation_failed, "unsupported Expect header");
      if (!parser_->is_done()) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                                [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                  if (self->phase_ == Phase::Closed) return;
                                  if (wec) return self->close_now();
                                  self->read_body();
                                });
      }
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (phase_ == Phase::Closed) return;
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return respond_error(http::status::payload_too_large,
                           "request body exceeds the limit of " + std::to_string(srv_.opts.max_body_bytes) + " bytes");
    if (ec == http::error::header_limit)
      return respond_error(http::status::request_header_fields_too_large,
                           "request header exceeds the limit of " + std::to_string(srv_.opts.max_header_bytes) +
                               " bytes");
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      log::debug("malformed http request", {{"remote", remote_}, {"error", ec.message()}});
      return respond_error(http::status::bad_request, "malformed HTTP request: " + ec.message());
    }
    // Timeout (slow client), EOF or reset mid-request, TLS error: nobody to answer.
    log::debug("connection closed while reading a request", {{"remote", remote_}, {"error", ec.message()}});
    close_now();
  }

  void respond_error(http::status status, const std::string& message) {
    auto res = std::make_unique<http::response<http::string_body>>(status, 11);
    res->set(http::field::content_type, "application/json");
    res->body() = json_error(message);
    res->keep_alive(false);
    res->prepare_payload();
    write(std::move(res), false);
  }

  void handle() {
    phase_ = Phase::Handling;
    served_any_ = true;
    srv_.requests++;
    http::request<http::string_body> req = parser_->release();
    parser_.reset();

    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.content_type = std::string(req[http::field::content_type]);
    in.remote = remote_;
    in.client_subject = client_subject_;
    in.headers.reserve(16);
    for (const auto& f : req) in.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    in.body = std::move(req.body());

    HttpResponse out;
    try {
      out = srv_.handler(in);
    } catch (const std::exception& e) {
      log::error("request handler failed", {{"target", in.target}, {"error", e.what()}});
      out = HttpResponse{500, "application/json", json_error("internal error"), {}};
    } catch (...) {
      log::error("request handler failed", {{"target", in.target}, {"error", "unknown exception"}});
      out = HttpResponse{500, "application/json", json_error("internal error"), {}};
    }

    bool keep = req.keep_alive() && !srv_.stopping;
    auto res = std::make_unique<http::response<http::string_body>>();
    res->version(req.version() == 10 ? 10 : 11);
    res->result(out.status >= 100 && out.status <= 999 ? static_cast<unsigned>(out.status) : 500u);
    if (!out.content_type.empty() && header_value_ok(out.content_type))
      res->set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) {
      if (k.empty() || !header_value_ok(k) || !header_value_ok(v) || beast::iequals(k, "content-length") ||
          beast::iequals(k, "transfer-encoding") || beast::iequals(k, "connection") ||
          beast::iequals(k, "content-type"))
        continue;
      res->insert(k, v);
    }
    res->keep_alive(keep);
    if (req.method() == http::verb::head) {
      res->content_length(out.body.size());  // a HEAD answer says the length but carries no body
    } else {
      res->body() = std::move(out.body);
      res->prepare_payload();
    }
    write(std::move(res), keep);
  }

  void write(std::unique_ptr<http::response<http::string_body>> res, bool keep) {
    phase_ = Phase::Writing;
    res_ = std::move(res);
    tcp().expires_after(srv_.opts.write_timeout);
    http::async_write(stream_, *res_, beast::bind_front_handler(&Session::on_write, shared_from_this(), keep));
  }

  void on_write(bool keep, beast::error_code ec, std::size_t) {
    res_.reset();
    if (phase_ == Phase::Closed) return;
    if (ec) return close_now();
    if (!keep || srv_.stopping) return linger_close();
    do_read();
  }

  // Half-close and read (and drop) whatever the client still sends, until it closes too or
  // the linger time is over; then close. Raw TCP: nothing here needs decrypting.
  void linger_close() {
    phase_ = Phase::Lingering;
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTotal;
    drain_ = std::make_unique<std::array<char, 16 * 1024>>();
    drain();
  }

  void drain() {
    auto left = std::chrono::duration_cast<milliseconds>(linger_deadline_ - std::chrono::steady_clock::now());
    if (left <= milliseconds(0)) return close_now();
    tcp().expires_after(std::min(left, kLingerReadGap));
    tcp().async_read_some(net::buffer(*drain_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->phase_ == Phase::Closed) return;
      if (ec) return self->close_now();
      self->drain();
    });
  }

  void close_now() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  HttpsServer::Impl& srv_;
  std::shared_ptr<ssl::context> ctx_;  // before stream_: outlives it
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::string remote_;
  std::string client_subject_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<http::response<http::string_body>> res_;
  std::unique_ptr<std::array<char, 16 * 1024>> drain_;
  std::chrono::steady_clock::time_point linger_deadline_{};
  Phase phase_ = Phase::Start;
  bool served_any_ = false;  // a request has been handled: keep-alive rules from now on
};

}  // namespace

void HttpsServer::Impl::do_accept() {
  acceptor.async_accept(next_context(),
                        [this](boost::system::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpsServer::Impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of file descriptors and the like: back off instead of spinning.
    log::warn("accept failed", {{"error", ec.message()}});
    accept_retry.expires_after(milliseconds(100));
    accept_retry.async_wait([this](boost::system::error_code wec) {
      if (!wec && acceptor.is_open()) do_accept();
    });
    return;
  }
  boost::system::error_code ignored;
  if (stopping) {
    socket.close(ignored);
    return;
  }
  if (active.load() >= opts.max_connections) {
    rejected++;
    log::debug("connection limit reached, closing a new connection",
               {{"max_connections", std::to_string(opts.max_connections)}});
    socket.close(ignored);
    return do_accept();
  }
  accepted++;
  active++;
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<Session>(*this, std::move(socket), certs->context())->run();
  do_accept();
}

void HttpsServer::Impl::run_thread(net::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log::error("unexpected exception on an I/O thread", {{"error", e.what()}});
    }
  }
}

void HttpsServer::Impl::shutdown(milliseconds grace) {
  {
    std::unique_lock lk(life_mu);
    if (shutdown_started) {
      stopped_cv.wait(lk, [this] { return stopped; });
      return;
    }
    shutdown_started = true;
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  stopping = true;
  net::post(acceptor.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
  });
  certs->stop();

  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lk(sessions_mu);
    live.reserve(sessions.size());
    for (auto& [_, w] : sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) net::post(s->executor(), [s] { s->on_shutdown(); });
  live.clear();

  {
    std::unique_lock lk(sessions_mu);
    drained_cv.wait_until(lk, deadline, [this] { return active.load() == 0; });
  }
  uint64_t left = active.load();
  if (left > 0)
    log::warn("shutdown grace period over, closing remaining connections", {{"connections", std::to_string(left)}});
  for (auto& w : workers) {
    w->work.reset();
    w->ioc.stop();
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
  log::info("https server stopped", {{"port", std::to_string(bound_port)}});
  {
    std::lock_guard lk(life_mu);
    stopped = true;
  }
  stopped_cv.notify_all();
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() {
  if (impl_) impl_->shutdown(milliseconds(0));
}

Result<std::unique_ptr<HttpsServer>> HttpsServer::start(ServerOptions options, Handler handler) {
  if (!handler) return Error{"the HTTPS server needs a request handler", ""};
  if (options.cert_file.empty() || options.key_file.empty())
    return Error{"the HTTPS server needs a certificate file and a key file", ""};
  unsigned n = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), n);
  const ServerOptions& o = impl->opts;

  auto certs = detail::CertReloader::load(impl->workers.front()->ioc.get_executor(),
                                         {o.cert_file, o.key_file, o.client_ca_file}, o.on_certificate_loaded);
  if (!certs) return certs.error();
  impl->certs = std::move(*certs);

  boost::system::error_code ec;
  auto address = net::ip::make_address(o.address, ec);
  if (ec) return Error{"invalid listen address \"" + o.address + "\": expected an IPv4 or IPv6 address", ""};
  tcp::endpoint ep(address, o.port);
  auto& acc = impl->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + endpoint_text(ep) + ": " + ec.message(), ""};
  impl->bound_port = acc.local_endpoint(ec).port();

  impl->do_accept();
  impl->certs->watch(o.cert_reload_interval);
  impl->threads.reserve(n);
  for (auto& w : impl->workers) impl->threads.emplace_back([p = impl.get(), c = &w->ioc] { p->run_thread(*c); });

  log::info("https server listening",
            {{"address", o.address}, {"port", std::to_string(impl->bound_port)}, {"threads", std::to_string(n)},
             {"client_auth", o.client_ca_file.empty() ? "off" : "required"}, {"serial", impl->certs->status().serial_hex}});
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

uint16_t HttpsServer::port() const { return impl_->bound_port; }

void HttpsServer::shutdown(milliseconds grace) { impl_->shutdown(grace); }

void HttpsServer::wait() {
  std::unique_lock lk(impl_->life_mu);
  impl_->stopped_cv.wait(lk, [this] { return impl_->stopped; });
}

ServerStats HttpsServer::stats() const {
  ServerStats s;
  s.connections_accepted = impl_->accepted;
  s.connections_rejected = impl_->rejected;
  s.active_connections = impl_->active;
  s.requests = impl_->requests;
  s.tls_failures = impl_->tls_failures;
  s.auth_failures = impl_->auth_failures;
  auto certs = impl_->certs->status();
  s.cert_loads = certs.loads;
  s.cert_reload_failures = certs.reload_failures;
  s.cert_not_after = certs.not_after;
  s.cert_serial_hex = std::move(certs.serial_hex);
  return s;
}

}  // namespace kindlyguard::server
