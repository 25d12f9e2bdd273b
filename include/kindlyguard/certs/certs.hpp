#pragma once
// Certificates for the webhook's TLS: a private CA, certificates it signs, PEM files written so a
// reloading server never reads half a file, and what a PEM certificate says (expiry for metrics,
// SANs for checks). Keys are ECDSA P-256 and signatures ECDSA-SHA256: small, fast to handshake and
// accepted by every Kubernetes client. OpenSSL stays behind this header (OpenSSL 3 EVP APIs).
//
// Kubernetes' API server verifies webhook certificates with Go's crypto/x509, which ignores the
// subject CN: the DNS names and IPs it dials must be SANs. The serving certificate therefore
// always carries them; the CN is cosmetic.

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::certs {

// A certificate and its private key, both PEM (the key is PKCS#8, "BEGIN PRIVATE KEY").
struct CertAndKey {
  std::string cert_pem;
  std::string key_pem;
};

struct CaOptions {
  std::string common_name = "kindlyguard-ca";
  std::chrono::seconds validity = std::chrono::hours(24 * 365 * 10);
  std::time_t issued_at = 0;  // 0: now (tests and planners that reason about time set it)
};

// A self-signed CA: basicConstraints critical CA:TRUE (pathlen 0), keyUsage critical
// keyCertSign+cRLSign+digitalSignature, subject key identifier.
Result<CertAndKey> generate_ca(const CaOptions& options = {});

struct LeafOptions {
  std::string common_name;               // empty: the first DNS name, else "kindlyguard"
  std::vector<std::string> dns_names;    // e.g. kindlyguard.kindlyguard-system.svc
  std::vector<std::string> ip_addresses; // textual IPv4 or IPv6, e.g. 127.0.0.1, ::1
  std::chrono::seconds validity = std::chrono::hours(24 * 365);
  bool server_auth = true;               // extendedKeyUsage serverAuth
  bool client_auth = false;              // extendedKeyUsage clientAuth (mTLS client certificates)
  std::time_t issued_at = 0;             // 0: now
};

// A leaf certificate signed by `ca`: CA:FALSE, keyUsage digitalSignature, the requested
// extendedKeyUsage, SANs from dns_names and ip_addresses, authority key identifier of the CA.
// notBefore is backdated 5 minutes so a peer whose clock lags a little still accepts it.
// Fails on an invalid DNS name or IP, or a CA key that does not match the CA certificate.
Result<CertAndKey> issue(const CertAndKey& ca, const LeafOptions& options);

// What a certificate says. Serial numbers are uppercase hex without separators (OpenSSL's
// BN_bn2hex), so two certificates compare by serial_hex.
struct CertInfo {
  std::string subject;  // RFC 2253, e.g. CN=kindlyguard.svc
  std::string issuer;
  std::string serial_hex;
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  bool is_ca = false;
};

// The first certificate in a PEM text (a chain file starts with the leaf).
Result<CertInfo> parse_certificate(std::string_view pem);
Result<CertInfo> read_certificate_file(const std::string& path);

// Every certificate of a PEM bundle, each as its own PEM block, in order; other blocks are skipped.
std::vector<std::string> split_certificates(std::string_view bundle_pem);
// Does the private key belong to the certificate?
bool key_matches(std::string_view cert_pem, std::string_view key_pem);
// Was `cert_pem` signed by the key of `issuer_pem` (signature check only, no time or chain policy)?
bool signed_by(std::string_view cert_pem, std::string_view issuer_pem);

// Replaces `path` with `content` atomically: a temporary file in the same directory, chmod to
// `mode`, fsync, rename over the target, fsync the directory. A reader sees the old file or the
// new one, never a mix. Returns the path written.
Result<std::string> write_file_atomic(const std::string& path, std::string_view content, unsigned mode);

struct SelfSignedFiles {
  std::string cert_file;  // <out_dir>/tls.crt, 0644
  std::string key_file;   // <out_dir>/tls.key, 0600
  std::string ca_file;    // <out_dir>/ca.crt,  0644: the caBundle for the webhook configuration
  CertAndKey ca;          // kept in memory only: whoever rotates may store the CA key elsewhere
  CertInfo serving;
};

// A fresh CA and a serving certificate it signs (serverAuth, the given SANs), both valid for
// `validity`, written as tls.crt, tls.key and ca.crt in out_dir (created if missing). The key is
// written before the certificate; a reloading server that sees the new key with the old
// certificate treats the pair as not settled yet and keeps serving the old one.
Result<SelfSignedFiles> self_signed(const std::string& out_dir, const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses,
                                    std::chrono::seconds validity = std::chrono::hours(24 * 365));

}  // namespace kindlyguard::certs
