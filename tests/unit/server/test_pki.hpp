#pragma once
// Helpers for the server and certificate tests: a test PKI written to a temporary directory,
// and a deadline-bounded wait (tests poll for an event, they never sleep and hope).

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

#include "kindlyguard/certs/certs.hpp"
#include "support/process.hpp"

namespace kindlyguard::server::test {

using kindlyguard::testing::TempDir;

// Polls `cond` until it holds or `limit` passes; true when it held. Bounds are generous: a
// loaded CI machine may be slow, but a correct server gets there long before.
inline bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  return kindlyguard::testing::eventually(cond, limit);
}

// A CA and a serving certificate for 127.0.0.1 / localhost, written as tls.crt, tls.key, ca.crt.
struct TestPki {
  TempDir dir;
  certs::CertAndKey ca;
  certs::CertAndKey serving;
  std::string cert_file = dir.file("tls.crt");
  std::string key_file = dir.file("tls.key");
  std::string ca_file = dir.file("ca.crt");

  TestPki() {
    auto c = certs::generate_ca();
    if (!c) throw std::runtime_error(c.error().to_string());
    ca = *c;
    serving = issue_serving();
    write(serving);
    if (!certs::write_file_atomic(ca_file, ca.cert_pem, 0644)) throw std::runtime_error("cannot write ca.crt");
  }

  certs::CertAndKey issue_serving() const {
    certs::LeafOptions o;
    o.dns_names = {"localhost"};
    o.ip_addresses = {"127.0.0.1", "::1"};
    auto s = certs::issue(ca, o);
    if (!s) throw std::runtime_error(s.error().to_string());
    return *s;
  }

  certs::CertAndKey issue_client(const std::string& cn) const {
    certs::LeafOptions o;
    o.common_name = cn;
    o.server_auth = false;
    o.client_auth = true;
    auto s = certs::issue(ca, o);
    if (!s) throw std::runtime_error(s.error().to_string());
    return *s;
  }

  // Key first, then certificate, each by atomic rename: the order a rotation uses.
  void write(const certs::CertAndKey& pair) const {
    if (!certs::write_file_atomic(key_file, pair.key_pem, 0600)) throw std::runtime_error("cannot write key");
    if (!certs::write_file_atomic(cert_file, pair.cert_pem, 0644)) throw std::runtime_error("cannot write cert");
  }
};

inline std::string serial_of(const std::string& pem) {
  auto info = certs::parse_certificate(pem);
  return info ? info->serial_hex : std::string("<unparseable>");
}

}  // namespace kindlyguard::server::test
