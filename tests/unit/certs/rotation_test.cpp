#include "kindlyguard/certs/rotation.hpp"

#include <gtest/gtest.h>

#include "kindlyguard/certs/certs.hpp"

namespace kindlyguard::certs {
namespace {

RotationOptions options(std::chrono::seconds ca, std::chrono::seconds cert) {
  RotationOptions o;
  o.dns_names = {"kindlyguard.kg.svc", "kindlyguard.kg.svc.cluster.local"};
  o.ca_validity = ca;
  o.cert_validity = cert;
  return o;
}

CertInfo info(const std::string& pem) {
  auto i = parse_certificate(pem);
  EXPECT_TRUE(i.ok());
  return i.ok() ? *i : CertInfo{};
}

TEST(Rotation, NothingYetCreatesACaAndAServingPairAtOnce) {
  const std::time_t now = std::time(nullptr);
  auto plan = plan_rotation({}, "", now, options(std::chrono::hours(100), std::chrono::hours(10)));
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  const auto& n = plan->next;
  ASSERT_EQ(split_certificates(n.ca_bundle_pem).size(), 1u);
  EXPECT_TRUE(key_matches(n.ca_bundle_pem, n.ca_key_pem));
  EXPECT_TRUE(key_matches(n.tls_cert_pem, n.tls_key_pem));
  EXPECT_TRUE(signed_by(n.tls_cert_pem, n.ca_bundle_pem));
  EXPECT_EQ(info(n.tls_cert_pem).dns_names, (std::vector<std::string>{"kindlyguard.kg.svc", "kindlyguard.kg.svc.cluster.local"}));
  EXPECT_FALSE(plan->waiting_for_trust);  // nothing usable to serve: no point waiting
  EXPECT_GE(plan->changes.size(), 2u);
}

TEST(Rotation, AHealthySetIsLeftAloneAndSaysWhenToLookAgain) {
  const std::time_t now = std::time(nullptr);
  const auto o = options(std::chrono::hours(100), std::chrono::hours(10));
  auto first = plan_rotation({}, "", now, o);
  ASSERT_TRUE(first.ok());
  auto again = plan_rotation(first->next, first->next.ca_bundle_pem, now, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->next, first->next);
  EXPECT_TRUE(again->changes.empty());
  const auto leaf = info(first->next.tls_cert_pem);
  EXPECT_EQ(again->recheck_at, renewal_time(leaf.not_before, leaf.not_after));
}

TEST(Rotation, ServingCertificateIsReissuedAtTwoThirdsOfItsLifetime) {
  const std::time_t now = std::time(nullptr);
  const auto o = options(std::chrono::hours(100), std::chrono::hours(10));
  auto first = plan_rotation({}, "", now, o);
  ASSERT_TRUE(first.ok());
  const auto leaf = info(first->next.tls_cert_pem);
  const std::time_t due = renewal_time(leaf.not_before, leaf.not_after);
  auto before = plan_rotation(first->next, first->next.ca_bundle_pem, due - 1, o);
  EXPECT_EQ(before->next, first->next);
  auto at = plan_rotation(first->next, first->next.ca_bundle_pem, due, o);
  ASSERT_TRUE(at.ok());
  EXPECT_NE(at->next.tls_cert_pem, first->next.tls_cert_pem);
  EXPECT_EQ(at->next.ca_bundle_pem, first->next.ca_bundle_pem);  // same CA
  EXPECT_TRUE(signed_by(at->next.tls_cert_pem, at->next.ca_bundle_pem));
}

TEST(Rotation, NewCaIsTrustedBeforeItSignsAndTheOldOneStaysUntilItExpires) {
  const std::time_t now = std::time(nullptr);
  const auto o = options(std::chrono::seconds(3000), std::chrono::seconds(3000));
  auto first = plan_rotation({}, "", now, o);
  ASSERT_TRUE(first.ok());
  const std::string old_ca = first->next.ca_bundle_pem;
  const auto ca = info(old_ca);
  const std::time_t due = renewal_time(ca.not_before, ca.not_after);

  // At the CA's two-thirds point, with the webhook configuration trusting only the old CA:
  auto step1 = plan_rotation(first->next, old_ca, due, o);
  ASSERT_TRUE(step1.ok());
  auto bundle = split_certificates(step1->next.ca_bundle_pem);
  ASSERT_EQ(bundle.size(), 2u);
  EXPECT_EQ(bundle[1], old_ca);                                       // old CA still trusted
  EXPECT_TRUE(key_matches(bundle[0], step1->next.ca_key_pem));        // the new one signs
  EXPECT_EQ(step1->next.tls_cert_pem, first->next.tls_cert_pem);      // not yet: not trusted
  EXPECT_TRUE(step1->waiting_for_trust);

  // Once the configuration carries the new bundle, the serving certificate moves to the new CA.
  auto step2 = plan_rotation(step1->next, step1->next.ca_bundle_pem, due, o);
  ASSERT_TRUE(step2.ok());
  EXPECT_FALSE(step2->waiting_for_trust);
  EXPECT_TRUE(signed_by(step2->next.tls_cert_pem, bundle[0]));
  EXPECT_EQ(split_certificates(step2->next.ca_bundle_pem).size(), 2u);

  // After the old CA expires it leaves the bundle.
  auto step3 = plan_rotation(step2->next, step2->next.ca_bundle_pem, ca.not_after + 1, o);
  ASSERT_TRUE(step3.ok());
  auto after = split_certificates(step3->next.ca_bundle_pem);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], bundle[0]);
}

TEST(Rotation, WrongNamesAreReissuedAndGarbageStartsOver) {
  const std::time_t now = std::time(nullptr);
  auto o = options(std::chrono::hours(100), std::chrono::hours(10));
  auto first = plan_rotation({}, "", now, o);
  ASSERT_TRUE(first.ok());
  o.dns_names = {"renamed.kg.svc"};
  auto renamed = plan_rotation(first->next, first->next.ca_bundle_pem, now, o);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(info(renamed->next.tls_cert_pem).dns_names, std::vector<std::string>{"renamed.kg.svc"});

  CertificateSet garbage{"not a certificate", "not a key", "junk", "junk"};
  auto fresh = plan_rotation(garbage, "", now, o);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(signed_by(fresh->next.tls_cert_pem, fresh->next.ca_bundle_pem));
}

TEST(Certs, SplitKeyMatchAndSignature) {
  auto ca1 = generate_ca();
  auto ca2 = generate_ca();
  ASSERT_TRUE(ca1.ok() && ca2.ok());
  auto parts = split_certificates("junk\n" + ca1->cert_pem + "between\n" + ca2->cert_pem);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], ca1->cert_pem);
  EXPECT_TRUE(key_matches(ca1->cert_pem, ca1->key_pem));
  EXPECT_FALSE(key_matches(ca1->cert_pem, ca2->key_pem));
  LeafOptions lo;
  lo.dns_names = {"a.svc"};
  auto leaf = issue(*ca1, lo);
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(signed_by(leaf->cert_pem, ca1->cert_pem));
  EXPECT_FALSE(signed_by(leaf->cert_pem, ca2->cert_pem));
}

}  // namespace
}  // namespace kindlyguard::certs
