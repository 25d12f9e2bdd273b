#include "tls.hpp"

#include <memory>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "kindlyguard/util/log.hpp"

namespace kindlyguard::client::detail {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::vector<X509Ptr> read_certificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();  // the read that ends the loop leaves "no start line" behind
  return out;
}

bool key_is_valid(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return key != nullptr;
}

}  // namespace

Result<TlsSetup> make_tls_setup(const ClusterConfig& config) {
  if (!config.ca_pem.empty() && read_certificates(config.ca_pem).empty())
    return Error{"the certificate authority holds no PEM certificate.", "certificate-authority"};
  if (!config.client_cert_pem.empty()) {
    auto certs = read_certificates(config.client_cert_pem);
    if (certs.empty()) return Error{"the client certificate holds no PEM certificate.", "client-certificate"};
    if (!key_is_valid(config.client_key_pem))
      return Error{"the client key is not a PEM private key.", "client-key"};
  }
  const std::string ca = config.ca_pem;
  const std::string cert = config.client_cert_pem;
  const std::string key = config.client_key_pem;
  return TlsSetup([ca, cert, key](boost::asio::ssl::context& ctx) {
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    if (!ca.empty()) {
      X509_STORE* store = X509_STORE_new();
      for (auto& x : read_certificates(ca)) X509_STORE_add_cert(store, x.get());  // takes its own reference
      SSL_CTX_set_cert_store(native, store);  // the context owns the store now
    }
    if (!cert.empty()) {
      boost::system::error_code ec;
      ctx.use_certificate_chain(boost::asio::buffer(cert.data(), cert.size()), ec);
      if (!ec) ctx.use_private_key(boost::asio::buffer(key.data(), key.size()), boost::asio::ssl::context::pem, ec);
      if (ec) log::error("cannot load the client certificate for the API server", {{"error", ec.message()}});
    }
  });
}

}  // namespace kindlyguard::client::detail
