#pragma once
// A small blocking HTTP/1.1 client over TLS (or plain TCP), for `kindlyguard health` and tests.
// Not a general-purpose client: no redirects, no proxies, no HTTP/2. Every operation is bounded
// by ClientOptions::timeout.
//
//   auto r = request("GET", "https://127.0.0.1:8443/healthz", "", {}, {.ca_file = "ca.crt"});
//   if (!r || r->status != 200) ...
//
// ClientConnection keeps one connection open for several requests (keep-alive) and can send
// raw bytes, which the server tests use for malformed and slow requests.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::server {

enum class TlsVersion { Default, Tls1_0, Tls1_1, Tls1_2, Tls1_3 };

struct ClientOptions {
  std::string ca_file;                // verify the server against these CAs; empty: the system store
  bool insecure_skip_verify = false;  // no verification at all (a probe against a self-signed pod)
  std::string server_name;            // name to verify and send as SNI; empty: the URL's host
  std::string cert_file;              // client certificate for mTLS (PEM, with key_file)
  std::string key_file;
  std::chrono::milliseconds timeout{10'000};  // per step: connect, handshake, write, read
  size_t max_response_bytes = 64 * 1024 * 1024;

  // Exact TLS control, for tests that prove the server refuses old protocols and weak ciphers.
  // Setting any of these also lowers the client's OpenSSL security level to 0, so the client
  // itself does not refuse what the test wants to offer.
  TlsVersion min_version = TlsVersion::Default;
  TlsVersion max_version = TlsVersion::Default;
  std::string cipher_list;  // TLS <= 1.2 cipher string, e.g. "AES128-SHA"
};

using ClientHeaders = std::vector<std::pair<std::string, std::string>>;

struct ClientResponse {
  int status = 0;
  ClientHeaders headers;
  std::string body;
  bool keep_alive = false;  // false when the server said Connection: close

  // First header with this name (case-insensitive), "" when absent.
  std::string_view header(std::string_view name) const;
};

// One request on a fresh connection. url: http(s)://host[:port][/path?query]; IPv6 hosts in
// brackets. Adds Host, Content-Length and, when a body is given without one, Content-Type:
// application/json. Fails on connection, TLS, timeout or HTTP framing errors; any HTTP status
// is a success here.
Result<ClientResponse> request(std::string_view method, std::string_view url, std::string_view body = {},
                               const ClientHeaders& headers = {}, const ClientOptions& options = {});

class ClientConnection {
 public:
  // Connects (and handshakes for https). The URL's path is ignored.
  static Result<ClientConnection> open(std::string_view url, const ClientOptions& options = {});

  ClientConnection(ClientConnection&&) noexcept;
  ClientConnection& operator=(ClientConnection&&) noexcept;
  ~ClientConnection();

  // Sends one request and reads its response. After a response without keep-alive, or any
  // failure, the connection is closed and further calls fail.
  Result<ClientResponse> request(std::string_view method, std::string_view target, std::string_view body = {},
                                 const ClientHeaders& headers = {});

  // Raw bytes through the (TLS) connection, for malformed or slow requests. Returns the count.
  Result<size_t> send_raw(std::string_view bytes);
  // Reads one response (e.g. after send_raw).
  Result<ClientResponse> read_response();

  bool is_open() const;
  void close();

  // The server's leaf certificate as PEM ("" for plain HTTP), and the negotiated protocol and
  // cipher ("TLSv1.3", "TLS_AES_256_GCM_SHA384").
  std::string peer_certificate_pem() const;
  std::string tls_version() const;
  std::string cipher() const;

  struct Impl;

 private:
  explicit ClientConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kindlyguard::server
