#include "http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <stdexcept>

namespace kindly::testapi {

namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace beast = boost::beast;

namespace {

template <class Stream>
class StreamConnection final : public Connection {
 public:
  StreamConnection(Stream& s, int fd) : s_(s), fd_(fd) {}

  bool write(HttpResponse& res) override {
    beast::error_code ec;
    http::write(s_, res, ec);
    return !ec;
  }
  bool write_stream_header(http::response<http::empty_body>& res) override {
    beast::error_code ec;
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    http::write_header(s_, sr, ec);
    return !ec;
  }
  bool write_chunk(std::string_view data) override {
    beast::error_code ec;
    net::write(s_, http::make_chunk(net::const_buffer(data.data(), data.size())), ec);
    return !ec;
  }
  bool write_last_chunk() override {
    beast::error_code ec;
    net::write(s_, http::make_chunk_last(), ec);
    return !ec;
  }
  bool peer_closed() override {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
  }
  void abort() override { ::shutdown(fd_, SHUT_RDWR); }
  int native_handle() const override { return fd_; }

 private:
  Stream& s_;
  int fd_;
};

}  // namespace

HttpServer::HttpServer(std::string address, unsigned short port, std::shared_ptr<net::ssl::context> tls,
                       HttpHandler handler)
    : address_(std::move(address)), port_(port), tls_(std::move(tls)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (running_) return;
  ioc_ = std::make_unique<net::io_context>();
  acceptor_ = std::make_unique<tcp::acceptor>(*ioc_);
  const tcp::endpoint ep(net::ip::make_address(address_), port_);
  acceptor_->open(ep.protocol());
  acceptor_->set_option(net::socket_base::reuse_address(true));
  acceptor_->bind(ep);
  acceptor_->listen(net::socket_base::max_listen_connections);
  port_ = acceptor_->local_endpoint().port();
  stopping_ = false;
  running_ = true;
  accept_thread_ = std::thread([this] { accept_loop(); });
}

void HttpServer::accept_loop() {
  while (!stopping_) {
    tcp::socket sock(*ioc_);
    beast::error_code ec;
    acceptor_->accept(sock, ec);
    if (ec) {
      if (stopping_) break;
      continue;
    }
    sock.set_option(tcp::no_delay(true), ec);
    auto st = std::make_shared<ConnState>();
    st->fd = sock.native_handle();
    std::lock_guard lock(conns_mu_);
    if (stopping_) break;
    reap(false);
    Slot slot;
    slot.state = st;
    slot.thread = std::thread([this, s = std::move(sock), st]() mutable { serve(std::move(s), st); });
    conns_.push_back(std::move(slot));
  }
}

void HttpServer::serve(tcp::socket sock, std::shared_ptr<ConnState> st) {
  const int fd = sock.native_handle();
  if (tls_) {
    net::ssl::stream<tcp::socket> stream(std::move(sock), *tls_);
    beast::error_code ec;
    stream.handshake(net::ssl::stream_base::server, ec);
    if (!ec) run(stream, fd, *st);
    unregister(*st);
  } else {
    run(sock, fd, *st);
    unregister(*st);
  }
  st->done = true;
}

template <class Stream>
void HttpServer::run(Stream& stream, int fd, ConnState& st) {
  beast::flat_buffer buffer;
  StreamConnection<Stream> conn(stream, fd);
  while (!stopping_ && st.fd >= 0) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.header_limit(1024 * 1024);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec) return;
    HttpRequest req = parser.release();
    bool keep = false;
    try {
      keep = handler_(req, conn);
    } catch (const std::exception&) {
      return;
    }
    if (!keep || !req.keep_alive()) return;
  }
}

void HttpServer::unregister(ConnState& st) {
  std::lock_guard lock(conns_mu_);
  st.fd = -1;
}

void HttpServer::reap(bool all) {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (all || it->state->done) {
      if (it->thread.joinable()) it->thread.join();
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::close_connections(int except) {
  std::lock_guard lock(conns_mu_);
  for (auto& c : conns_) {
    const int fd = c.state->fd.load();
    if (fd >= 0 && fd != except) ::shutdown(fd, SHUT_RDWR);
  }
}

void HttpServer::stop() {
  if (!running_) return;
  stopping_ = true;
  if (acceptor_) ::shutdown(acceptor_->native_handle(), SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  beast::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  close_connections();
  std::list<Slot> slots;
  {
    std::lock_guard lock(conns_mu_);
    slots.swap(conns_);
  }
  for (auto& s : slots) {
    if (s.thread.joinable()) s.thread.join();
  }
  acceptor_.reset();
  ioc_.reset();
  running_ = false;
}

void HttpServer::suspend() { stop(); }

void HttpServer::resume() { start(); }

}  // namespace kindly::testapi
