#pragma once
// Private to src/server: the server's TLS context policy and TLS error classification, shared by
// the server (and its reload path) and the client.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::server::detail {

// The PEM texts a server context is built from; kept to notice when files really changed.
struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;  // empty: no client authentication
  std::string error;          // set when the files could not be read

  bool operator==(const TlsMaterial&) const = default;
};

// A server context: TLS 1.2 minimum; TLS 1.2 ciphers ECDHE with AES-GCM or CHACHA20-POLY1305
// only; TLS 1.3 suites OpenSSL's defaults (all AEAD); no compression, no renegotiation; session
// tickets on. Fails when the certificate or key does not parse or they do not match. With a
// client CA: a client certificate signed by it is required.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const TlsMaterial& material);

// A stable, low-cardinality reason for a failed TLS handshake (see ServerOptions::on_tls_failure).
const char* classify_tls_error(const boost::system::error_code& ec);

// True for the reasons classify_tls_error gives a failed client authentication:
// "no_client_certificate" and "bad_client_certificate".
bool is_client_auth_failure(const char* reason);

}  // namespace kindlyguard::server::detail
