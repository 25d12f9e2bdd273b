#pragma once
// The webhook's HTTPS edge: TLS termination, HTTP/1.1 keep-alive, limits and timeouts, certificate
// hot reload and graceful shutdown. What a request means is not decided here: the server calls a
// Handler and writes back what it returns.
//
// Why these choices:
// - Asynchronous (Boost.Beast on Boost.Asio), N I/O threads, one strand per connection: the API
//   server keeps connections open, and 1,000 idle keep-alive connections must cost memory, not
//   a thread each. About 80 KiB each, measured: Asio's TLS stream keeps two 17 KiB record
//   buffers and a BIO pair of two more for its whole life, whatever the connection is doing.
// - Handlers run inline on the I/O thread. Admission decisions are CPU-only and take
//   microseconds; a hand-off to a worker pool would cost more than the work. A handler must not
//   block on I/O and must not call shutdown().
// - One TLS context is shared by every connection; a certificate change builds a new context and
//   swaps it in for new connections, while open connections keep the one they started with. A
//   bad new pair is logged and the old one stays: a rotation mistake never takes the webhook down.
//
// Usage:
//   auto server = HttpsServer::start(options, [](const HttpRequest& r) { return HttpResponse{...}; });
//   if (!server) { log::error(server.error().to_string()); return 1; }
//   ... on SIGTERM: (*server)->shutdown(std::chrono::seconds(10));

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;        // "POST"
  std::string target;        // "/validate?timeout=10s"
  std::string content_type;  // the Content-Type header, "" when absent
  std::string body;
  std::string remote;        // peer address "10.0.0.7:51234"
  HeaderList headers;        // every header as received, in order
  std::string client_subject;  // verified client certificate subject (RFC 2253) with mTLS, else ""

  // First header with this name (case-insensitive), "" when absent.
  std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;  // extra headers; Content-Type, Content-Length and Connection are set by the server
};

// Called on the connection's I/O thread; must be thread-safe (several connections at once) and
// quick. An exception becomes a 500 with a JSON error body (and an error log line).
using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8443;  // 0: an ephemeral port, see HttpsServer::port()

  std::string cert_file;       // PEM, leaf first, then intermediates
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // optional: require a client certificate signed by one of these CAs

  size_t max_body_bytes = 8 * 1024 * 1024;  // larger bodies get 413 and the connection is closed
  size_t max_header_bytes = 16 * 1024;      // larger request heads get 431 and the connection is closed

  // Keep-alive: how long an idle connection waits for its next request. Longer than the 90 s idle
  // timeout of Go's HTTP transport (the API server's webhook client), so the client closes idle
  // connections first: a server-side close could race a POST that Go may not retry.
  std::chrono::milliseconds idle_timeout{120'000};
  // From a request's first byte (or the TLS handshake's) to its last: slow clients are cut.
  std::chrono::milliseconds read_timeout{10'000};
  // From the end of the TLS handshake to the first byte of a connection's first request. The
  // API server writes its request as soon as it has connected; a client that connects and then
  // says nothing is holding a connection slot, and is closed long before idle_timeout, which only
  // applies between requests once one has been served (as Go's ReadHeaderTimeout does).
  std::chrono::milliseconds first_request_timeout{10'000};
  // How long writing a response may take before the connection is dropped.
  std::chrono::milliseconds write_timeout{10'000};

  unsigned threads = 0;          // 0: std::thread::hardware_concurrency()
  // Further connections are accepted and closed at once. With ~80 KiB a connection (see above),
  // 1,024 of them are ~80 MiB: a client opening connections by the thousand must meet this limit
  // long before the pod's memory limit (256 MiB in the chart). Keep-alive connections the API
  // server already holds keep working.
  size_t max_connections = 1024;

  // Poll interval for certificate changes (mtime, ctime, size, inode of cert, key and client CA;
  // then the content). Polling rather than inotify: Kubernetes updates Secret volumes by swapping
  // a symlink, which inotify watches on the files miss. 0 disables reloading.
  std::chrono::milliseconds cert_reload_interval{1'000};

  // Called (on an I/O thread, keep it cheap) for every failed TLS handshake, with a stable reason
  // for a metric label: "protocol_version", "no_shared_cipher", "http_request" (plain HTTP to the
  // TLS port), "malformed" (not TLS at all), "timeout", "eof" (peer left mid-handshake), "other".
  std::function<void(const char* reason)> on_tls_failure;
  // Called instead of on_tls_failure when the handshake failed on client authentication (only
  // with client_ca_file): "no_client_certificate" (none sent) or "bad_client_certificate" (not
  // signed by the client CA, expired, not for client use, ...).
  std::function<void(const char* reason)> on_auth_failure;

  // Called with the certificate's notAfter whenever a certificate is loaded: once in start(),
  // then after every successful reload (on an I/O thread). Keeps an expiry gauge current without
  // polling stats().
  std::function<void(std::time_t not_after)> on_certificate_loaded;
};

// Counters for metrics and tests; a snapshot, cheap to take.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;  // over max_connections
  uint64_t active_connections = 0;
  uint64_t requests = 0;
  uint64_t tls_failures = 0;        // failed handshakes, client authentication aside
  uint64_t auth_failures = 0;       // handshakes refused for a missing or bad client certificate
  uint64_t cert_loads = 0;          // successful loads, the first one included
  uint64_t cert_reload_failures = 0; // changed files that could not be loaded (old pair kept)
  std::time_t cert_not_after = 0;   // of the certificate new connections get
  std::string cert_serial_hex;      // idem, uppercase hex
};

class HttpsServer {
 public:
  // Loads the certificate, binds, listens and starts the I/O threads. Fails (no threads left
  // behind) on an unreadable or mismatched certificate/key, a bad address or a busy port.
  static Result<std::unique_ptr<HttpsServer>> start(ServerOptions options, Handler handler);

  ~HttpsServer();  // shutdown(0) if still running
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  uint16_t port() const;  // the bound port (useful with port 0)

  // Stops accepting, closes idle keep-alive connections (and those still handshaking), lets
  // requests already started finish and answers them with Connection: close; whatever is left
  // when `grace` ends is closed. Returns once every I/O thread has stopped, within grace plus the
  // duration of a handler call already running. Idempotent; callable from any thread except an
  // I/O thread (i.e. not from a handler).
  void shutdown(std::chrono::milliseconds grace);

  // Blocks until shutdown() has completed (e.g. main waits while a signal thread shuts down).
  void wait();

  ServerStats stats() const;
  std::time_t certificate_not_after() const { return stats().cert_not_after; }

  struct Impl;

 private:
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kindlyguard::server
