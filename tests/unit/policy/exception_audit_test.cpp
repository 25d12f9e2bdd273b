// The background audit with SecurityPolicyExceptions: what one excuses is a skip naming it (not a
// failure, not a violating pod), counted per exception; at its expiresAt second it fails again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/util/time.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::compliant_pod;
using kindlyguard::testing::privileged_pod;

Seconds at(const char* text) { return Seconds(std::chrono::seconds(*parse_k8s_time(text))); }

PolicySet deny_privileged() {
  auto parsed = parse_policies("apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: no-priv}\n"
                               "spec: {enforcement: Deny, rules: {privileged: false, hostPorts: false}}\n",
                               "p.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  return PolicySet{parsed.policies, 1};
}

ExceptionSet cni_exception(const std::string& match = "{}") {
  auto docs = decode_documents(
      "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicyException\nmetadata: {name: cni, namespace: shop}\n"
      "spec:\n  exceptions: [{policy: no-priv, rules: [privileged]}]\n  match: " + match +
          "\n  reason: the CNI needs it\n  expiresAt: \"2027-06-30T00:00:00Z\"\n",
      "e.yaml");
  EXPECT_TRUE(docs.ok());
  auto e = parse_exception(docs->front());
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().to_string());
  ExceptionSet set;
  set.exceptions.push_back(*e);
  return set;
}

std::vector<std::shared_ptr<const nlohmann::json>> running(std::vector<nlohmann::json> list) {
  std::vector<std::shared_ptr<const nlohmann::json>> out;
  for (auto& p : list) {
    p["status"] = {{"phase", "Running"}};
    out.push_back(std::make_shared<const nlohmann::json>(std::move(p)));
  }
  return out;
}

const AuditResult* find(const NamespaceAudit& a, const std::string& pod, const std::string& rule) {
  for (const auto& r : a.results)
    if (r.pod == pod && r.rule == rule) return &r;
  return nullptr;
}

TEST(AuditPodsWithExceptions, ExcusedIsSkipNamingTheExceptionUntilTheExpirySecond) {
  const PolicySet set = deny_privileged();
  const ExceptionSet exceptions = cni_exception();
  const auto pods = running({privileged_pod("cni", "shop"), compliant_pod("good", "shop"), privileged_pod("other", "web")});

  AuditOptions o;
  o.exceptions = {&exceptions, at("2027-06-29T23:59:59Z"), {}};
  auto before = audit_pods(set, pods, name_only_namespace_labels(), o);
  const auto& shop = before.namespaces.at("shop");
  EXPECT_EQ(shop.skip, 1u);
  EXPECT_EQ(shop.fail, 0u);
  const AuditResult* r = find(shop, "cni", "privileged");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, AuditResult::Outcome::Skip);
  EXPECT_STREQ(to_string(r->outcome), "skip");
  EXPECT_EQ(r->exception, "shop/cni");
  EXPECT_THAT(r->message, HasSubstr("privileged"));
  EXPECT_EQ(before.violating_pods.at("no-priv"), 1u);  // "other" in web: the exception covers only shop
  EXPECT_EQ(before.exception_matches.at("shop/cni"), 1u);
  EXPECT_EQ(before.namespaces.at("web").fail, 1u);
  EXPECT_EQ(before.pods_compliant, 2u);

  // At expiresAt exactly: judged again.
  o.exceptions.now = at("2027-06-30T00:00:00Z");
  auto after = audit_pods(set, pods, name_only_namespace_labels(), o);
  EXPECT_EQ(after.namespaces.at("shop").skip, 0u);
  EXPECT_EQ(after.namespaces.at("shop").fail, 1u);
  EXPECT_EQ(find(after.namespaces.at("shop"), "cni", "privileged")->outcome, AuditResult::Outcome::Fail);
  EXPECT_TRUE(after.exception_matches.empty());
  EXPECT_EQ(after.violating_pods.at("no-priv"), 2u);
}

TEST(AuditPodsWithExceptions, TopOwnerThroughTheLookupAndForgedReferencesGainNothing) {
  const PolicySet set = deny_privileged();
  const ExceptionSet exceptions = cni_exception("{kinds: [DaemonSet], names: [\"cni*\"]}");
  auto owned = [](const std::string& name, const std::string& uid) {
    auto pod = privileged_pod(name, "shop");
    pod["metadata"]["ownerReferences"] = {
        {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "cni-agent"}, {"uid", uid}, {"controller", true}}};
    return pod;
  };
  const auto pods = running({owned("cni-agent-x1", "ds-uid"), owned("forged", "not-the-uid")});
  int lookups = 0;
  AuditOptions o;
  o.exceptions = {&exceptions, at("2027-01-01T00:00:00Z"),
                  [&](const std::string& ns, const OwnerRef& ref) -> std::optional<nlohmann::json> {
                    ++lookups;
                    EXPECT_EQ(ns, "shop");
                    return nlohmann::json{{"name", ref.name}, {"uid", "ds-uid"}};
                  }};
  auto out = audit_pods(set, pods, name_only_namespace_labels(), o);
  const auto& shop = out.namespaces.at("shop");
  EXPECT_EQ(find(shop, "cni-agent-x1", "privileged")->outcome, AuditResult::Outcome::Skip);
  EXPECT_EQ(find(shop, "forged", "privileged")->outcome, AuditResult::Outcome::Fail);
  EXPECT_EQ(out.exception_matches.at("shop/cni"), 1u);
  EXPECT_EQ(lookups, 2);
}

TEST(AuditPodsWithExceptions, ARuleWithAViolationLeftFails) {
  const PolicySet set = deny_privileged();
  const ExceptionSet exceptions = cni_exception("{containers: [app]}");
  auto pod = privileged_pod("two", "shop");
  auto second = pod["spec"]["containers"][0];
  second["name"] = "sidecar";
  pod["spec"]["containers"].push_back(second);
  AuditOptions o;
  o.exceptions = {&exceptions, at("2027-01-01T00:00:00Z"), {}};
  auto out = audit_pods(set, running({pod}), name_only_namespace_labels(), o);
  const auto& shop = out.namespaces.at("shop");
  EXPECT_EQ(find(shop, "two", "privileged")->outcome, AuditResult::Outcome::Fail);
  EXPECT_EQ(shop.skip, 0u);
}

}  // namespace
}  // namespace kindlyguard::policy
