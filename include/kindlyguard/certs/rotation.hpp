#pragma once
// Self-managed webhook certificates: what the Secret should hold next, decided from what it holds
// now, what the webhook configuration trusts, and the time. Pure (the time is an argument); the
// controller does the I/O.
//
// The Secret holds ca.crt (every CA to trust, newest first), ca.key (the newest CA's key, which
// signs), tls.crt and tls.key (the serving pair). Rotation never breaks a request:
// - The CA is replaced at two thirds of its lifetime. The new CA joins the bundle while the old
//   one stays in it until it expires, so serving certificates of either are trusted meanwhile.
// - The serving certificate is reissued at two thirds of its lifetime, when its SANs are not the
//   service's, or when another CA signs now; but only once the webhook configuration trusts the
//   signing CA (else the API server would reject the new certificate). A missing or unreadable
//   serving pair is reissued at once.
// - Anything unreadable in the CA part starts over with a fresh CA.

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::certs {

struct CertificateSet {
  std::string ca_bundle_pem;  // ca.crt
  std::string ca_key_pem;     // ca.key
  std::string tls_cert_pem;   // tls.crt
  std::string tls_key_pem;    // tls.key

  bool operator==(const CertificateSet&) const = default;
};

struct RotationOptions {
  std::vector<std::string> dns_names;  // <service>.<namespace>.svc and .svc.cluster.local
  std::chrono::seconds ca_validity = std::chrono::hours(24 * 365 * 5);
  std::chrono::seconds cert_validity = std::chrono::hours(24 * 365);
};

struct RotationPlan {
  CertificateSet next;                // equal to the input when nothing changes
  std::vector<std::string> changes;   // what changed and why, for logs and Events
  bool waiting_for_trust = false;     // a reissue waits until the webhook configuration trusts the CA
  std::time_t recheck_at = 0;         // when something will next be due (earliest 2/3 point)
};

// `trusted_bundle_pem`: the caBundle the webhook configuration carries now ("" when none).
Result<RotationPlan> plan_rotation(const CertificateSet& current, const std::string& trusted_bundle_pem,
                                   std::time_t now, const RotationOptions& options);

// The time two thirds into [not_before, not_after].
std::time_t renewal_time(std::time_t not_before, std::time_t not_after);

}  // namespace kindlyguard::certs
