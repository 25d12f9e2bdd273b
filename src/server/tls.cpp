// TLS policy for the server and the classification of handshake failures.

#include "tls.hpp"

#include <cstring>
#include <memory>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "kindlyguard/certs/openssl_errors.hpp"

namespace kindlyguard::server::detail {
namespace ssl = boost::asio::ssl;
using certs::openssl_error;

namespace {
// TLS 1.2: forward secrecy (ECDHE) and AEAD only, the Mozilla "intermediate" list without DHE.
// RSA variants stay so an operator may bring an RSA certificate (cert-manager's default).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr unsigned char kSessionContext[] = "kindlyguard";
}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const TlsMaterial& m) {
  if (!m.error.empty()) return Error{m.error, ""};
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* h = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION) != 1) return openssl_error("cannot set the minimum TLS version");
  SSL_CTX_set_options(h, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                             SSL_OP_NO_TLSv1_1);
  // Idle keep-alive connections give their OpenSSL record buffers back.
  SSL_CTX_set_mode(h, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(h, kTls12Ciphers) != 1) return openssl_error("cannot set the TLS 1.2 cipher list");
  if (SSL_CTX_set1_groups_list(h, kGroups) != 1) return openssl_error("cannot set the key exchange groups");
  SSL_CTX_set_session_id_context(h, kSessionContext, sizeof kSessionContext - 1);

  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(m.cert_pem), ec);
  if (ec) return openssl_error("cannot load the TLS certificate: " + ec.message());
  ctx->use_private_key(boost::asio::buffer(m.key_pem), ssl::context::pem, ec);
  if (ec) return openssl_error("cannot load the TLS private key (or it does not match the certificate): " + ec.message());
  if (SSL_CTX_check_private_key(h) != 1) return openssl_error("the TLS private key does not match the certificate");

  if (!m.client_ca_pem.empty()) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(m.client_ca_pem.data(), static_cast<int>(m.client_ca_pem.size())), &BIO_free);
    X509_STORE* store = SSL_CTX_get_cert_store(h);
    int count = 0;
    while (bio) {
      std::unique_ptr<X509, decltype(&X509_free)> ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
      if (!ca) break;
      if (X509_STORE_add_cert(store, ca.get()) != 1 || SSL_CTX_add_client_CA(h, ca.get()) != 1)
        return openssl_error("cannot use the client CA certificate");
      ++count;
    }
    ERR_clear_error();  // the loop ends on "no start line"
    if (count == 0) return Error{"the client CA file holds no PEM certificate", ""};
    SSL_CTX_set_verify(h, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_verify_depth(h, 4);
    SSL_CTX_set_purpose(h, X509_PURPOSE_SSL_CLIENT);  // a clientAuth-capable certificate
  }
  return ctx;
}

const char* classify_tls_error(const boost::system::error_code& ec) {
  namespace net = boost::asio;
  if (ec == boost::beast::error::timeout) return "timeout";
  if (ec == net::error::eof || ec == net::ssl::error::stream_truncated || ec == net::error::connection_reset ||
      ec == net::error::broken_pipe)
    return "eof";
  if (ec.category() != net::error::get_ssl_category()) return "other";
  auto code = static_cast<unsigned long>(ec.value());
  if (ERR_GET_LIB(code) != ERR_LIB_SSL) return "other";
  switch (ERR_GET_REASON(code)) {
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return "http_request";
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return "protocol_version";
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_NO_CIPHERS_AVAILABLE:
      return "no_shared_cipher";
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return "no_client_certificate";
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return "bad_client_certificate";
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
      return "malformed";
    default:
      return "other";
  }
}

bool is_client_auth_failure(const char* reason) {
  return std::strcmp(reason, "no_client_certificate") == 0 || std::strcmp(reason, "bad_client_certificate") == 0;
}

}  // namespace kindlyguard::server::detail
