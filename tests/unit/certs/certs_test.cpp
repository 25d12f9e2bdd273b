// Certificate generation: what the API server (Go crypto/x509) and OpenSSL peers check.

#include "kindlyguard/certs/certs.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "support/process.hpp"

namespace kindlyguard::certs {
namespace {

using kindlyguard::testing::TempDir;  // tests/support

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

X509Ptr load_cert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr x(PEM_read_bio_X509(b, nullptr, nullptr, nullptr));
  BIO_free(b);
  return x;
}

PkeyPtr load_key(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr k(PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr));
  BIO_free(b);
  return k;
}

// Chain verification the way a TLS client does it: CA store, purpose, and optionally a host or IP.
int verify(const CertAndKey& ca, const CertAndKey& leaf, int purpose, const char* host = nullptr, const char* ip = nullptr) {
  X509Ptr ca_cert = load_cert(ca.cert_pem), leaf_cert = load_cert(leaf.cert_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf_cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  if (host) X509_VERIFY_PARAM_set1_host(param, host, 0);
  if (ip) X509_VERIFY_PARAM_set1_ip_asc(param, ip);
  int ok = X509_verify_cert(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

CertAndKey make_ca() {
  auto ca = generate_ca();
  if (!ca) throw std::runtime_error(ca.error().to_string());
  return *ca;
}

TEST(CertsTest, CaIsAnEcdsaP256CertificateAuthority) {
  auto ca = generate_ca(CaOptions{"test-ca", std::chrono::hours(24)});
  ASSERT_TRUE(ca.ok()) << ca.error().to_string();
  EXPECT_NE(ca->key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto info = parse_certificate(ca->cert_pem);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_TRUE(info->is_ca);
  EXPECT_EQ(info->subject, "CN=test-ca,O=kindlyguard");
  EXPECT_EQ(info->issuer, info->subject);
  EXPECT_NEAR(static_cast<double>(info->not_after - std::time(nullptr)), 24 * 3600.0, 120.0);

  X509Ptr x = load_cert(ca->cert_pem);
  PkeyPtr k = load_key(ca->key_pem);
  ASSERT_TRUE(x && k);
  EXPECT_EQ(X509_check_private_key(x.get(), k.get()), 1);
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(k.get(), group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_get_signature_nid(x.get()), NID_ecdsa_with_SHA256);
  EXPECT_TRUE(X509_get_key_usage(x.get()) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(X509_get_extension_flags(x.get()) & EXFLAG_CA);
  EXPECT_EQ(X509_get_version(x.get()), X509_VERSION_3);
}

TEST(CertsTest, ServingCertificateHasSansAndVerifiesAsAServer) {
  CertAndKey ca = make_ca();
  LeafOptions o;
  o.dns_names = {"kindlyguard.kindlyguard-system.svc", "kindlyguard.kindlyguard-system.svc.cluster.local"};
  o.ip_addresses = {"10.96.0.12", "fd00::12"};
  o.validity = std::chrono::hours(48);
  auto leaf = issue(ca, o);
  ASSERT_TRUE(leaf.ok()) << leaf.error().to_string();
  auto info = parse_certificate(leaf->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->dns_names, o.dns_names);
  EXPECT_EQ(info->ip_addresses, o.ip_addresses);
  EXPECT_EQ(info->subject, "CN=kindlyguard.kindlyguard-system.svc,O=kindlyguard");
  EXPECT_EQ(info->issuer, parse_certificate(ca.cert_pem)->subject);
  EXPECT_EQ(info->not_after - info->not_before, 48 * 3600 + 300);  // backdated 5 minutes

  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_SERVER, "kindlyguard.kindlyguard-system.svc"), X509_V_OK);
  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_SERVER, nullptr, "10.96.0.12"), X509_V_OK);
  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_SERVER, nullptr, "fd00::12"), X509_V_OK);
  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_SERVER, "other.svc"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_CLIENT), X509_V_ERR_INVALID_PURPOSE);
  EXPECT_NE(verify(make_ca(), *leaf, X509_PURPOSE_SSL_SERVER), X509_V_OK);

  X509Ptr x = load_cert(leaf->cert_pem);
  PkeyPtr k = load_key(leaf->key_pem);
  EXPECT_EQ(X509_check_private_key(x.get(), k.get()), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(x.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(x.get()) & XKU_SSL_CLIENT);
}

TEST(CertsTest, ClientCertificateVerifiesAsAClient) {
  CertAndKey ca = make_ca();
  LeafOptions o;
  o.common_name = "kube-apiserver";
  o.server_auth = false;
  o.client_auth = true;
  auto leaf = issue(ca, o);
  ASSERT_TRUE(leaf.ok()) << leaf.error().to_string();
  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(verify(ca, *leaf, X509_PURPOSE_SSL_SERVER), X509_V_ERR_INVALID_PURPOSE);
  o.client_auth = false;
  EXPECT_FALSE(issue(ca, o).ok());
}

TEST(CertsTest, InvalidNamesAndAddressesAreRefused) {
  CertAndKey ca = make_ca();
  for (const char* bad : {"has space.example", "", "a,b", "-lead.example", "trail-.example", "a..b", "x\ny"}) {
    SCOPED_TRACE(bad);
    LeafOptions o;
    o.dns_names = {bad};
    auto r = issue(ca, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().path, "dns_names");
  }
  for (const char* bad : {"1.2.3.999", "localhost", "::g", "10.0.0.1/24"}) {
    SCOPED_TRACE(bad);
    LeafOptions o;
    o.ip_addresses = {bad};
    auto r = issue(ca, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().path, "ip_addresses");
  }
  LeafOptions wildcard;
  wildcard.dns_names = {"*.kindlyguard.svc"};
  EXPECT_TRUE(issue(ca, wildcard).ok());
}

TEST(CertsTest, IssueRefusesACaKeyThatDoesNotMatch) {
  CertAndKey ca = make_ca();
  CertAndKey other = make_ca();
  CertAndKey mixed{ca.cert_pem, other.key_pem};
  LeafOptions o;
  o.dns_names = {"x.svc"};
  auto r = issue(mixed, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not match"), std::string::npos);
  EXPECT_FALSE(issue(CertAndKey{"junk", "junk"}, o).ok());
}

TEST(CertsTest, SerialsAreUniqueAndPositive) {
  CertAndKey ca = make_ca();
  std::set<std::string> serials;
  LeafOptions o;
  o.dns_names = {"x.svc"};
  for (int i = 0; i < 20; ++i) {
    auto leaf = issue(ca, o);
    ASSERT_TRUE(leaf.ok());
    auto serial = parse_certificate(leaf->cert_pem)->serial_hex;
    EXPECT_EQ(serial.size(), 32u);
    EXPECT_NE(serial.front(), '-');
    serials.insert(serial);
  }
  EXPECT_EQ(serials.size(), 20u);
}

TEST(CertsTest, ValidityMustBePositive) {
  EXPECT_FALSE(generate_ca(CaOptions{"x", std::chrono::seconds(0)}).ok());
  LeafOptions o;
  o.dns_names = {"x.svc"};
  o.validity = std::chrono::seconds(-5);
  EXPECT_FALSE(issue(make_ca(), o).ok());
}

TEST(CertsTest, ParseRefusesNonCertificates) {
  EXPECT_FALSE(parse_certificate("").ok());
  EXPECT_FALSE(parse_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").ok());
  EXPECT_FALSE(parse_certificate(make_ca().key_pem).ok());
  auto missing = read_certificate_file("/nonexistent/tls.crt");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/tls.crt"), std::string::npos);
}

TEST(CertsTest, WriteFileAtomicReplacesWithModeAndLeavesNoTemporaries) {
  TempDir dir;
  std::string path = dir.file("secret.key");
  ASSERT_TRUE(write_file_atomic(path, "first", 0600).ok());
  struct stat st1 {};
  ASSERT_EQ(::stat(path.c_str(), &st1), 0);
  EXPECT_EQ(st1.st_mode & 0777, 0600u);
  ASSERT_TRUE(write_file_atomic(path, "second", 0644).ok());
  struct stat st2 {};
  ASSERT_EQ(::stat(path.c_str(), &st2), 0);
  EXPECT_EQ(st2.st_mode & 0777, 0644u);
  EXPECT_NE(st1.st_ino, st2.st_ino);  // a new file renamed over the old one, never rewritten in place
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "second");
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(write_file_atomic(dir.file("no/such/dir/file"), "x", 0600).ok());
}

TEST(CertsTest, SelfSignedWritesAServingPairAndItsCa) {
  TempDir dir;
  std::string out = dir.file("certs");  // created on demand
  auto files = self_signed(out, {"kindlyguard.kindlyguard-system.svc"}, {"127.0.0.1"}, std::chrono::hours(24 * 30));
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  EXPECT_EQ(files->cert_file, out + "/tls.crt");
  EXPECT_EQ(files->key_file, out + "/tls.key");
  EXPECT_EQ(files->ca_file, out + "/ca.crt");
  struct stat st {};
  ASSERT_EQ(::stat(files->key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(files->cert_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  auto serving = read_certificate_file(files->cert_file);
  auto ca = read_certificate_file(files->ca_file);
  ASSERT_TRUE(serving.ok() && ca.ok());
  EXPECT_TRUE(ca->is_ca);
  EXPECT_FALSE(serving->is_ca);
  EXPECT_EQ(serving->issuer, ca->subject);
  EXPECT_EQ(serving->dns_names, std::vector<std::string>{"kindlyguard.kindlyguard-system.svc"});
  EXPECT_EQ(serving->ip_addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(serving->serial_hex, files->serving.serial_hex);
  EXPECT_NEAR(static_cast<double>(serving->not_after - std::time(nullptr)), 30 * 86400.0, 120.0);

  std::ifstream kin(files->key_file), cin(files->ca_file);
  std::string key((std::istreambuf_iterator<char>(kin)), {});
  std::string ca_pem((std::istreambuf_iterator<char>(cin)), {});
  EXPECT_EQ(ca_pem, files->ca.cert_pem);
  std::ifstream sin(files->cert_file);
  std::string cert((std::istreambuf_iterator<char>(sin)), {});
  EXPECT_EQ(verify(files->ca, CertAndKey{cert, key}, X509_PURPOSE_SSL_SERVER, nullptr, "127.0.0.1"), X509_V_OK);
  X509Ptr x = load_cert(cert);
  PkeyPtr k = load_key(key);
  EXPECT_EQ(X509_check_private_key(x.get(), k.get()), 1);

  EXPECT_FALSE(self_signed(out, {}, {}).ok());
  EXPECT_FALSE(self_signed(out, {"bad name"}, {}).ok());
}

}  // namespace
}  // namespace kindlyguard::certs
