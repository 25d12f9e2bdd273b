#include "kindlyguard/certs/rotation.hpp"

#include <algorithm>
#include <set>

#include "kindlyguard/certs/certs.hpp"

namespace kindlyguard::certs {

std::time_t renewal_time(std::time_t not_before, std::time_t not_after) {
  return not_before + (not_after - not_before) * 2 / 3;
}

namespace {

std::string join(const std::vector<std::string>& pems) {
  std::string out;
  for (const auto& p : pems) out += p;
  return out;
}

bool bundle_contains(const std::string& bundle, const std::string& cert_pem) {
  for (const auto& c : split_certificates(bundle))
    if (c == cert_pem) return true;
  return false;
}

Result<CertAndKey> new_ca(const RotationOptions& o, std::time_t now) {
  CaOptions ca;
  ca.common_name = "kindlyguard-webhook-ca-" + std::to_string(now);  // a distinct subject per generation
  ca.validity = o.ca_validity;
  ca.issued_at = now;
  return generate_ca(ca);
}

}  // namespace

Result<RotationPlan> plan_rotation(const CertificateSet& current, const std::string& trusted_bundle_pem,
                                   std::time_t now, const RotationOptions& options) {
  RotationPlan plan;
  plan.next = current;
  CertificateSet& next = plan.next;
  std::time_t recheck = now + static_cast<std::time_t>(options.cert_validity.count());

  // The signing CA: the bundle's certificate that the key belongs to.
  std::vector<std::string> cas = split_certificates(current.ca_bundle_pem);
  std::string signing;
  for (const auto& c : cas)
    if (key_matches(c, current.ca_key_pem)) signing = c;
  if (!signing.empty()) {
    auto info = parse_certificate(signing);
    if (!info.ok() || !info->is_ca || info->not_after <= now) signing.clear();
    else {
      if (now >= renewal_time(info->not_before, info->not_after)) {
        auto ca = new_ca(options, now);
        if (!ca.ok()) return ca.error();
        plan.changes.push_back("the CA reached two thirds of its lifetime: a new CA joins the bundle; the old one stays "
                               "trusted until it expires");
        cas.insert(cas.begin(), ca->cert_pem);
        signing = ca->cert_pem;
        next.ca_key_pem = ca->key_pem;
      } else {
        recheck = std::min(recheck, renewal_time(info->not_before, info->not_after));
      }
    }
  }
  if (signing.empty()) {
    auto ca = new_ca(options, now);
    if (!ca.ok()) return ca.error();
    plan.changes.push_back(current.ca_bundle_pem.empty() ? "no CA yet: created one"
                                                         : "the CA is missing, expired or does not match its key: "
                                                           "created a new one");
    cas = {ca->cert_pem};
    signing = ca->cert_pem;
    next.ca_key_pem = ca->key_pem;
    next.tls_cert_pem.clear();  // signed by a CA nobody trusts any more
    next.tls_key_pem.clear();
  }

  // Expired CAs leave the bundle (the signing one is valid by now).
  std::vector<std::string> kept;
  for (const auto& c : cas) {
    auto info = parse_certificate(c);
    if (info.ok() && info->not_after > now) kept.push_back(c);
    else plan.changes.push_back("an expired CA left the bundle");
    if (info.ok() && info->not_after > now && c != signing) recheck = std::min(recheck, info->not_after);
  }
  next.ca_bundle_pem = join(kept);

  // The serving pair.
  std::string why;
  bool pair_unusable = false;
  auto leaf = parse_certificate(current.tls_cert_pem);
  if (next.tls_cert_pem.empty() || !leaf.ok() || !key_matches(current.tls_cert_pem, current.tls_key_pem)) {
    why = "no usable serving certificate: issued one";
    pair_unusable = true;
  } else if (leaf->not_after <= now) {
    why = "the serving certificate expired: reissued";
    pair_unusable = true;
  } else {
    std::set<std::string> have(leaf->dns_names.begin(), leaf->dns_names.end());
    std::set<std::string> want(options.dns_names.begin(), options.dns_names.end());
    if (have != want) why = "the serving certificate's DNS names are not the service's: reissued";
    else if (!signed_by(current.tls_cert_pem, signing)) {
      // Signed by an older CA still in the bundle: fine until it is due, then signed by the new one.
      bool issuer_trusted = false;
      for (const auto& c : kept) issuer_trusted |= signed_by(current.tls_cert_pem, c);
      if (!issuer_trusted) {
        why = "the serving certificate's CA is no longer trusted: reissued";
        pair_unusable = true;
      } else if (now >= renewal_time(leaf->not_before, leaf->not_after)) {
        why = "the serving certificate reached two thirds of its lifetime: reissued by the new CA";
      } else {
        why = "a new CA signs now: the serving certificate moves to it";
      }
    } else if (now >= renewal_time(leaf->not_before, leaf->not_after)) {
      why = "the serving certificate reached two thirds of its lifetime: reissued";
    } else {
      recheck = std::min(recheck, renewal_time(leaf->not_before, leaf->not_after));
    }
  }
  if (!why.empty()) {
    // The API server must trust the signer first, unless there is nothing usable to serve anyway.
    const bool trusted = bundle_contains(trusted_bundle_pem, signing);
    if (trusted || pair_unusable) {
      CertAndKey ca{signing, next.ca_key_pem};
      LeafOptions lo;
      lo.dns_names = options.dns_names;
      lo.validity = options.cert_validity;
      lo.issued_at = now;
      auto issued = issue(ca, lo);
      if (!issued.ok()) return issued.error();
      next.tls_cert_pem = issued->cert_pem;
      next.tls_key_pem = issued->key_pem;
      plan.changes.push_back(why);
      auto info = parse_certificate(issued->cert_pem);
      if (info.ok()) recheck = std::min(recheck, renewal_time(info->not_before, info->not_after));
    } else {
      plan.waiting_for_trust = true;
    }
  }
  plan.recheck_at = std::max(recheck, now + 1);
  return plan;
}

}  // namespace kindlyguard::certs
