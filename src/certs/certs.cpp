// Certificate generation and inspection with OpenSSL 3 (EVP keys, X509 builders, no deprecated
// calls). Every OpenSSL object is owned by a unique_ptr with its free function, so an early
// return never leaks.

#include "kindlyguard/certs/certs.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <tuple>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kindlyguard/certs/openssl_errors.hpp"

namespace kindlyguard::certs {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using GensPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using NamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME, GENERAL_NAME_free>>;

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The first certificate, or the private key, of a PEM text; null when there is none.
X509Ptr read_pem_certificate(std::string_view pem) {
  BioPtr b = memory_bio(pem);
  return X509Ptr(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
}
PkeyPtr read_pem_private_key(std::string_view pem) {
  BioPtr b = memory_bio(pem);
  return PkeyPtr(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

// A yes/no question to OpenSSL: a "no" is the answer, not an error, so nothing it queues stays
// behind to be blamed on a later call.
template <class Question>
bool ask_quietly(Question question) {
  ERR_clear_error();
  const bool yes = question();
  ERR_clear_error();
  return yes;
}

PkeyPtr new_p256_key() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

// A random positive 127-bit serial: unique enough that two generations never collide, and
// below the 20-octet limit of RFC 5280.
bool set_random_serial(X509* x) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7f;
  bytes[0] |= 0x40;  // never zero, always 16 octets
  BnPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn) return false;
  return BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) != nullptr;
}

bool set_validity(X509* x, std::chrono::seconds validity, std::time_t issued_at) {
  constexpr long kBackdate = 300;
  long long total = validity.count();
  if (total <= 0) return false;
  std::time_t base = issued_at ? issued_at : std::time(nullptr);
  if (!X509_time_adj_ex(X509_getm_notBefore(x), 0, -kBackdate, &base)) return false;
  int days = static_cast<int>(total / 86400);
  long secs = static_cast<long>(total % 86400);
  return X509_time_adj_ex(X509_getm_notAfter(x), days, secs, &base) != nullptr;
}

// A fresh key and a version 3 certificate for it with a random serial and the validity: what a
// CA and a leaf share before names, extensions and the signature. `kind` ("CA " or "") names
// the certificate in the errors.
struct Draft {
  PkeyPtr key;
  X509Ptr cert;
};
Result<Draft> draft(std::chrono::seconds validity, std::time_t issued_at, const std::string& kind) {
  Draft d{new_p256_key(), X509Ptr(X509_new())};
  if (!d.key || !d.cert) return openssl_error("cannot generate " + kind + "key");
  X509* x = d.cert.get();
  if (X509_set_version(x, X509_VERSION_3) != 1 || !set_random_serial(x) || !set_validity(x, validity, issued_at) ||
      X509_set_pubkey(x, d.key.get()) != 1)
    return openssl_error("cannot fill " + kind + "certificate (validity must be positive)");
  return d;
}

bool add_ext(X509* subject, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, subject, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(subject, ext.get(), -1) == 1;
}

// DNS SAN syntax: labels of letters, digits and '-', dot separated, an optional leading "*."
// wildcard. Refusing anything else keeps junk (spaces, commas, NULs) out of certificates.
bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.substr(0, 2) == "*.") name.remove_prefix(2);
  size_t label = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (name[i - 1] == '-' || name[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
    ++label;
  }
  return true;
}

Result<GensPtr> make_sans(const LeafOptions& o) {
  GensPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) return openssl_error("cannot allocate subjectAltName");
  for (const auto& dns : o.dns_names) {
    if (!valid_dns_name(dns))
      return Error{"invalid DNS name \"" + dns + "\": expected labels of letters, digits and '-' separated by dots", "dns_names"};
    NamePtr gn(GENERAL_NAME_new());
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (!gn || !s || !ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size()))) {
      ASN1_IA5STRING_free(s);
      return openssl_error("cannot encode DNS name");
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, s);
    if (!sk_GENERAL_NAME_push(gens.get(), gn.get())) return openssl_error("cannot add DNS name");
    gn.release();
  }
  for (const auto& ip : o.ip_addresses) {
    unsigned char buf[16];
    int len = 0;
    if (inet_pton(AF_INET, ip.c_str(), buf) == 1) len = 4;
    else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) len = 16;
    else return Error{"invalid IP address \"" + ip + "\": expected IPv4 (10.0.0.1) or IPv6 (::1)", "ip_addresses"};
    NamePtr gn(GENERAL_NAME_new());
    ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
    if (!gn || !s || !ASN1_OCTET_STRING_set(s, buf, len)) {
      ASN1_OCTET_STRING_free(s);
      return openssl_error("cannot encode IP address");
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, s);
    if (!sk_GENERAL_NAME_push(gens.get(), gn.get())) return openssl_error("cannot add IP address");
    gn.release();
  }
  return gens;
}

bool set_name(X509_NAME* name, const std::string& cn) {
  return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("kindlyguard"), -1, -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1;
}

Result<CertAndKey> to_pem(X509* x, EVP_PKEY* key) {
  BioPtr cb(BIO_new(BIO_s_mem()));
  BioPtr kb(BIO_new(BIO_s_mem()));
  if (!cb || !kb || PEM_write_bio_X509(cb.get(), x) != 1 ||
      PEM_write_bio_PrivateKey(kb.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return openssl_error("cannot encode PEM");
  return CertAndKey{bio_to_string(cb.get()), bio_to_string(kb.get())};
}

std::string name_to_string(const X509_NAME* name) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  return bio_to_string(b.get());
}

std::time_t to_time_t(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

Result<std::string> read_file(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot read " + path + ": " + std::strerror(errno), ""};
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{"cannot read " + path + ": " + std::strerror(err), ""};
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

Result<CertAndKey> generate_ca(const CaOptions& options) {
  ERR_clear_error();
  auto drafted = draft(options.validity, options.issued_at, "CA ");
  if (!drafted) return drafted.error();
  auto& [key, x] = *drafted;
  std::string cn = options.common_name.empty() ? "kindlyguard-ca" : options.common_name;
  if (!set_name(X509_get_subject_name(x.get()), cn) || X509_set_issuer_name(x.get(), X509_get_subject_name(x.get())) != 1)
    return openssl_error("cannot set CA name");
  if (!add_ext(x.get(), x.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(x.get(), x.get(), NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") ||
      !add_ext(x.get(), x.get(), NID_subject_key_identifier, "hash") ||
      !add_ext(x.get(), x.get(), NID_authority_key_identifier, "keyid:always"))
    return openssl_error("cannot add CA extensions");
  if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) return openssl_error("cannot sign CA certificate");
  return to_pem(x.get(), key.get());
}

Result<CertAndKey> issue(const CertAndKey& ca, const LeafOptions& options) {
  ERR_clear_error();
  if (!options.server_auth && !options.client_auth)
    return Error{"a certificate needs server_auth, client_auth or both", ""};
  X509Ptr ca_cert = read_pem_certificate(ca.cert_pem);
  PkeyPtr ca_key = read_pem_private_key(ca.key_pem);
  if (!ca_cert || !ca_key) return openssl_error("cannot read the CA certificate and key (PEM expected)");
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    return openssl_error("the CA key does not match the CA certificate");

  auto sans = make_sans(options);
  if (!sans) return sans.error();
  auto drafted = draft(options.validity, options.issued_at, "");
  if (!drafted) return drafted.error();
  auto& [key, x] = *drafted;
  std::string cn = options.common_name;
  if (cn.empty()) cn = options.dns_names.empty() ? "kindlyguard" : options.dns_names.front();
  if (!set_name(X509_get_subject_name(x.get()), cn) ||
      X509_set_issuer_name(x.get(), X509_get_subject_name(ca_cert.get())) != 1)
    return openssl_error("cannot set certificate names");
  std::string eku;
  if (options.server_auth) eku = "serverAuth";
  if (options.client_auth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
  if (!add_ext(x.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(x.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_ext(x.get(), ca_cert.get(), NID_ext_key_usage, eku.c_str()) ||
      !add_ext(x.get(), ca_cert.get(), NID_subject_key_identifier, "hash") ||
      !add_ext(x.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always"))
    return openssl_error("cannot add certificate extensions");
  if (sk_GENERAL_NAME_num(sans->get()) > 0 &&
      X509_add1_ext_i2d(x.get(), NID_subject_alt_name, sans->get(), 0, X509V3_ADD_DEFAULT) != 1)
    return openssl_error("cannot add subjectAltName");
  if (X509_sign(x.get(), ca_key.get(), EVP_sha256()) <= 0) return openssl_error("cannot sign certificate");
  return to_pem(x.get(), key.get());
}

Result<CertInfo> parse_certificate(std::string_view pem) {
  ERR_clear_error();
  X509Ptr x = read_pem_certificate(pem);
  if (!x) return openssl_error("not a PEM certificate");
  CertInfo info;
  info.subject = name_to_string(X509_get_subject_name(x.get()));
  info.issuer = name_to_string(X509_get_issuer_name(x.get()));
  BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  if (bn) {
    char* hex = BN_bn2hex(bn.get());
    if (hex) info.serial_hex = hex;
    OPENSSL_free(hex);
  }
  info.not_before = to_time_t(X509_get0_notBefore(x.get()));
  info.not_after = to_time_t(X509_get0_notAfter(x.get()));
  info.is_ca = X509_check_ca(x.get()) > 0;
  GensPtr gens(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(gens.get(), i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gn->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int len = ASN1_STRING_length(s);
      int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
      if (af && inet_ntop(af, ASN1_STRING_get0_data(s), text, sizeof text)) info.ip_addresses.emplace_back(text);
    }
  }
  return info;
}

Result<CertInfo> read_certificate_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto info = parse_certificate(*text);
  if (!info) return Error{path + ": " + info.error().message, ""};
  return info;
}

Result<std::string> write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Error{"cannot create a temporary file beside " + path + ": " + std::strerror(errno), ""};
  auto fail = [&](const char* what) -> Result<std::string> {
    int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    return Error{std::string("cannot ") + what + " " + path + ": " + std::strerror(err), ""};
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("set the mode of");
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return Error{"cannot write " + path + ": " + std::strerror(err), ""};
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return Error{"cannot rename into " + path + ": " + std::strerror(err), ""};
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: the rename is durable after this
    ::close(dfd);
  }
  return path;
}

Result<SelfSignedFiles> self_signed(const std::string& out_dir, const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses, std::chrono::seconds validity) {
  if (dns_names.empty() && ip_addresses.empty())
    return Error{"a serving certificate needs at least one DNS name or IP address", ""};
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Error{"cannot create directory " + out_dir + ": " + ec.message(), ""};

  auto ca = generate_ca(CaOptions{"kindlyguard-ca", validity});
  if (!ca) return ca.error();
  LeafOptions leaf;
  leaf.dns_names = dns_names;
  leaf.ip_addresses = ip_addresses;
  leaf.validity = validity;
  auto serving = issue(*ca, leaf);
  if (!serving) return serving.error();
  auto info = parse_certificate(serving->cert_pem);
  if (!info) return info.error();

  namespace fs = std::filesystem;
  SelfSignedFiles out;
  out.cert_file = (fs::path(out_dir) / "tls.crt").string();
  out.key_file = (fs::path(out_dir) / "tls.key").string();
  out.ca_file = (fs::path(out_dir) / "ca.crt").string();
  for (auto [file, text, mode] : {std::tuple{&out.key_file, &serving->key_pem, 0600u},
                                  std::tuple{&out.cert_file, &serving->cert_pem, 0644u},
                                  std::tuple{&out.ca_file, &ca->cert_pem, 0644u}}) {
    auto w = write_file_atomic(*file, *text, mode);
    if (!w) return w.error();
  }
  out.ca = std::move(*ca);
  out.serving = std::move(*info);
  return out;
}

std::vector<std::string> split_certificates(std::string_view bundle_pem) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = bundle_pem.find(kBegin, pos)) != std::string_view::npos) {
    std::size_t end = bundle_pem.find(kEnd, pos);
    if (end == std::string_view::npos) break;
    end += kEnd.size();
    out.emplace_back(bundle_pem.substr(pos, end - pos));
    out.back() += '\n';
    pos = end;
  }
  return out;
}

bool key_matches(std::string_view cert_pem, std::string_view key_pem) {
  return ask_quietly([&] {
    X509Ptr cert = read_pem_certificate(cert_pem);
    PkeyPtr key = read_pem_private_key(key_pem);
    return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
  });
}

bool signed_by(std::string_view cert_pem, std::string_view issuer_pem) {
  return ask_quietly([&] {
    X509Ptr cert = read_pem_certificate(cert_pem);
    X509Ptr issuer = read_pem_certificate(issuer_pem);
    EVP_PKEY* pub = issuer ? X509_get0_pubkey(issuer.get()) : nullptr;
    return cert && pub && X509_verify(cert.get(), pub) == 1;
  });
}

}  // namespace kindlyguard::certs
