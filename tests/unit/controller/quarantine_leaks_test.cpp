// The leak detector: which other NetworkPolicies still let traffic reach or leave a quarantined pod.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/controller/quarantine.hpp"

namespace kindlyguard::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using nlohmann::json;
using Policies = std::vector<std::shared_ptr<const json>>;

json quarantined_pod(json labels = {{"app", "web"}, {"tier", "front"}}) {
  labels["kindlyguard.io/quarantine"] = "true";
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "web-1"}, {"namespace", "team"}, {"labels", labels}}}};
}

std::shared_ptr<const json> np(const std::string& name, const std::string& spec_json) {
  return std::make_shared<const json>(json{{"apiVersion", "networking.k8s.io/v1"},
                                           {"kind", "NetworkPolicy"},
                                           {"metadata", {{"name", name}, {"namespace", "team"}}},
                                           {"spec", json::parse(spec_json)}});
}

std::vector<std::string> names(const std::vector<Leak>& leaks) {
  std::vector<std::string> out;
  for (const auto& l : leaks) out.push_back(l.to_string());
  return out;
}

TEST(QuarantineLeaks, OursIsNeverALeak) {
  QuarantineConfig c;
  c.forensics_namespace = "forensics";
  c.allow_dns = true;
  Policies p = {std::make_shared<const json>(desired_network_policy(c, "team"))};
  EXPECT_THAT(find_leaks(quarantined_pod(), p), IsEmpty());
}

TEST(QuarantineLeaks, EmptyPodSelectorWithAllowRulesLeaks) {
  Policies p = {np("allow-same-namespace", R"({"podSelector": {}, "policyTypes": ["Ingress"],
                                               "ingress": [{"from": [{"podSelector": {}}]}]})")};
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p)), ElementsAre("allow-same-namespace (ingress)"));
}

TEST(QuarantineLeaks, MatchLabelsAndExpressionsThatSelectThePod) {
  Policies p = {
      np("by-app", R"({"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"],
                       "ingress": [{}], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]})"),
      np("by-expr", R"({"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}]},
                        "policyTypes": ["Egress"], "egress": [{"ports": [{"protocol": "TCP", "port": 443}]}]})"),
      np("other-app", R"({"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"], "ingress": [{}]})"),
      np("not-quarantined", R"({"podSelector": {"matchExpressions": [{"key": "kindlyguard.io/quarantine", "operator": "DoesNotExist"}]},
                                "policyTypes": ["Ingress"], "ingress": [{}]})"),
  };
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p)), ElementsAre("by-app (ingress, egress)", "by-expr (egress)"));
}

TEST(QuarantineLeaks, DenyOnlyPoliciesAddNothing) {
  Policies p = {
      np("default-deny", R"({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})"),
      np("empty-lists", R"({"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [], "egress": []})"),
  };
  EXPECT_THAT(find_leaks(quarantined_pod(), p), IsEmpty());
}

TEST(QuarantineLeaks, RulesOfADirectionThePolicyDoesNotGovernAreIgnored) {
  Policies p = {np("egress-only", R"({"podSelector": {}, "policyTypes": ["Egress"], "ingress": [{}]})")};
  EXPECT_THAT(find_leaks(quarantined_pod(), p), IsEmpty());
}

TEST(QuarantineLeaks, WithoutPolicyTypesKubernetesDefaultsApply) {
  // Ingress always; Egress only when there are egress rules.
  Policies p = {np("legacy", R"({"podSelector": {}, "ingress": [{}], "egress": [{}]})"),
                np("legacy-ingress", R"({"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})")};
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p)), ElementsAre("legacy (ingress, egress)", "legacy-ingress (ingress)"));
}

TEST(QuarantineLeaks, AManagedLookalikeIsOnlyOursWhenLabeled) {
  // Someone else's policy under our name (no managed-by label) is judged like any other.
  Policies p = {np("kindlyguard-quarantine", R"({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]})")};
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p)), ElementsAre("kindlyguard-quarantine (ingress)"));
}

TEST(QuarantineLeaks, AnAdminNetworkPolicyInForceCoversTrafficFromAndToPods) {
  Policies p = {
      np("pods-only", R"({"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                          "ingress": [{"from": [{"namespaceSelector": {}}, {"podSelector": {}}]}],
                          "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]})"),
      np("from-anywhere", R"({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 80}]}]})"),
      np("from-a-cidr", R"({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}]})"),
      np("to-anywhere", R"({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]})"),
  };
  // Without the networks peer, egress to addresses is still open.
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p, {true, false})),
              ElementsAre("from-anywhere (ingress)", "from-a-cidr (ingress)", "to-anywhere (egress)"));
  // With it, only ingress from outside the cluster is beyond the AdminNetworkPolicy.
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p, {true, true})),
              ElementsAre("from-anywhere (ingress)", "from-a-cidr (ingress)"));
  EXPECT_EQ(find_leaks(quarantined_pod(), p, {false, false}).size(), 4u);
}

TEST(QuarantineLeaks, APolicyWithoutAReadableSelectorIsTakenToSelect) {
  Policies p = {np("odd", R"({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Bogus"}]},
                              "policyTypes": ["Ingress"], "ingress": [{}]})")};
  EXPECT_THAT(names(find_leaks(quarantined_pod(), p)), ElementsAre("odd (ingress)"));
}

}  // namespace
}  // namespace kindlyguard::controller
