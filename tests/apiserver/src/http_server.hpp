// The HTTP(S) transport: an accept thread and one thread per connection on Boost.Beast, with
// chunked streaming for watches and the ability to cut every connection (suspend, restart).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace kindly::testapi {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// One client connection as the handler sees it.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual bool write(HttpResponse& res) = 0;
  // Streaming: header with Transfer-Encoding: chunked, then chunks, then the last chunk.
  virtual bool write_stream_header(http::response<http::empty_body>& res) = 0;
  virtual bool write_chunk(std::string_view data) = 0;
  virtual bool write_last_chunk() = 0;
  // True once the peer has hung up (checked without blocking).
  virtual bool peer_closed() = 0;
  // Cuts the TCP connection at once (no last chunk, no TLS close_notify).
  virtual void abort() = 0;
  // The socket's descriptor (an identity for close_connections' exception).
  virtual int native_handle() const = 0;
};

// Handles one request; returns whether the connection may be reused.
using HttpHandler = std::function<bool(HttpRequest& req, Connection& conn)>;

class HttpServer {
 public:
  HttpServer(std::string address, unsigned short port, std::shared_ptr<boost::asio::ssl::context> tls,
             HttpHandler handler);
  ~HttpServer();

  void start();    // binds (the port is known afterwards) and starts accepting
  void stop();     // stops accepting, cuts every connection, joins every thread
  void suspend();  // like stop, but resume() binds the same port again
  void resume();
  bool running() const { return running_; }
  unsigned short port() const { return port_; }
  // Cuts every open connection (keep-alive ones included) but `except`; the listener stays.
  void close_connections(int except = -1);

 private:
  struct ConnState {
    std::atomic<int> fd{-1};
    std::atomic<bool> done{false};
  };
  struct Slot {
    std::thread thread;
    std::shared_ptr<ConnState> state;
  };

  void accept_loop();
  void serve(boost::asio::ip::tcp::socket sock, std::shared_ptr<ConnState> st);
  template <class Stream>
  void run(Stream& stream, int fd, ConnState& st);
  void unregister(ConnState& st);
  void reap(bool all);

  const std::string address_;
  unsigned short port_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  HttpHandler handler_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread accept_thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::mutex conns_mu_;
  std::list<Slot> conns_;
};

}  // namespace kindly::testapi
