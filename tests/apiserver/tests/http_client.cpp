#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>

namespace kta_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Either a plain socket or a TLS stream over one.
struct Conn {
  net::io_context ioc;
  std::unique_ptr<net::ssl::context> ctx;
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<net::ssl::stream<tcp::socket>> secure;

  bool connect(unsigned short port, const ClientOptions& o) {
    beast::error_code ec;
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    if (!o.tls) {
      plain = std::make_unique<tcp::socket>(ioc);
      plain->connect(ep, ec);
      return !ec;
    }
    ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    if (!o.ca_pem.empty()) {
      ctx->add_certificate_authority(net::buffer(o.ca_pem));
      ctx->set_verify_mode(net::ssl::verify_peer);
    } else {
      ctx->set_verify_mode(net::ssl::verify_none);
    }
    secure = std::make_unique<net::ssl::stream<tcp::socket>>(ioc, *ctx);
    if (!o.ca_pem.empty()) secure->set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
    secure->next_layer().connect(ep, ec);
    if (ec) return false;
    secure->handshake(net::ssl::stream_base::client, ec);
    return !ec;
  }
  int fd() { return plain ? plain->native_handle() : secure->next_layer().native_handle(); }

  template <class F>
  auto with(F&& f) {
    if (plain) return f(*plain);
    return f(*secure);
  }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

http::verb to_verb(const std::string& m) { return http::string_to_verb(m); }

}  // namespace

HttpClient::HttpClient(unsigned short port, ClientOptions opts) : port_(port), opts_(std::move(opts)) {}

Response HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                             const std::string& content_type, const std::map<std::string, std::string>& headers) {
  Response out;
  Conn c;
  if (!c.connect(port_, opts_)) {
    out.connect_failed = true;
    return out;
  }
  http::request<http::string_body> req{to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::user_agent, "kta-test");
  if (!opts_.token.empty()) req.set(http::field::authorization, "Bearer " + opts_.token);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(false);
  req.prepare_payload();
  beast::error_code ec;
  c.with([&](auto& s) { http::write(s, req, ec); });
  if (ec) {
    out.connect_failed = true;
    return out;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  c.with([&](auto& s) { http::read(s, buf, parser, ec); });
  if (!parser.is_done()) {
    out.connect_failed = true;
    return out;
  }
  auto& res = parser.get();
  out.code = res.result_int();
  out.body = res.body();
  for (const auto& f : res) out.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  return out;
}

struct WatchStream::Impl {
  Conn conn;
  std::thread reader;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<json> events;
  std::string partial;
  bool ended = false;
  bool clean = false;
  // Beast keeps a reference to the chunk callback: it lives here, as long as the parser.
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_body;
};

WatchStream::WatchStream(unsigned short port, const std::string& target, ClientOptions opts,
                         const std::string& accept)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  if (!im.conn.connect(port, opts)) {
    im.ended = true;
    return;
  }
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::accept, accept);
  if (!opts.token.empty()) req.set(http::field::authorization, "Bearer " + opts.token);
  beast::error_code ec;
  im.conn.with([&](auto& s) { http::write(s, req, ec); });
  if (ec) {
    im.ended = true;
    return;
  }
  // Read the header here so status() is known when the constructor returns.
  auto buf = std::make_shared<beast::flat_buffer>();
  auto parser = std::make_shared<http::response_parser<http::string_body>>();
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  im.conn.with([&](auto& s) { http::read_header(s, *buf, *parser, ec); });
  if (ec) {
    im.ended = true;
    return;
  }
  status_ = parser->get().result_int();
  im.on_body = [&im](std::uint64_t, beast::string_view data, beast::error_code&) -> std::size_t {
    std::lock_guard lock(im.mu);
    im.partial.append(data.data(), data.size());
    std::size_t nl;
    while ((nl = im.partial.find('\n')) != std::string::npos) {
      json j = json::parse(im.partial.substr(0, nl), nullptr, false);
      im.partial.erase(0, nl + 1);
      if (!j.is_discarded()) im.events.push_back(std::move(j));
    }
    im.cv.notify_all();
    return data.size();
  };
  parser->on_chunk_body(im.on_body);
  im.reader = std::thread([&im, buf, parser] {
    beast::error_code rec;
    while (!parser->is_done()) {
      im.conn.with([&](auto& s) { http::read_some(s, *buf, *parser, rec); });
      if (rec) break;
    }
    std::lock_guard lock(im.mu);
    // A non-chunked answer (an error Status) counts as one "event" body for the test to inspect.
    if (!parser->get().chunked() && !parser->get().body().empty()) {
      json j = json::parse(parser->get().body(), nullptr, false);
      if (!j.is_discarded()) im.events.push_back(j);
    }
    im.ended = true;
    im.clean = parser->is_done() && !rec;
    im.cv.notify_all();
  });
}

WatchStream::~WatchStream() { close(); }

std::optional<json> WatchStream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [&] { return !impl_->events.empty() || impl_->ended; });
  if (impl_->events.empty()) return std::nullopt;
  json j = std::move(impl_->events.front());
  impl_->events.pop_front();
  return j;
}

bool WatchStream::wait_end(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->ended; });
}

bool WatchStream::ended() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ended;
}

bool WatchStream::ended_cleanly() const {
  std::lock_guard lock(impl_->mu);
  return impl_->clean;
}

void WatchStream::close() {
  if (!impl_) return;
  if (impl_->reader.joinable()) {
    bool ended;
    {
      std::lock_guard lock(impl_->mu);
      ended = impl_->ended;
    }
    if (!ended) ::shutdown(impl_->conn.fd(), SHUT_RDWR);
    impl_->reader.join();
  }
}

}  // namespace kta_test
