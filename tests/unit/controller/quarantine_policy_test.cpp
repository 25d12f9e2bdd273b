// The objects the quarantine keeps, field by field, and how a change to ours is recognised.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/controller/quarantine.hpp"

namespace kindlyguard::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

TEST(QuarantineNetworkPolicy, DenyAllForTheLabelFieldByField) {
  QuarantineConfig c;
  json np = desired_network_policy(c, "team-a");
  EXPECT_EQ(np["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(np["kind"], "NetworkPolicy");
  EXPECT_EQ(np["metadata"]["name"], "kindlyguard-quarantine");
  EXPECT_EQ(np["metadata"]["namespace"], "team-a");
  EXPECT_EQ(np["metadata"]["labels"], json({{"app.kubernetes.io/managed-by", "kindlyguard"}}));
  EXPECT_THAT(np["metadata"]["annotations"].value("kindlyguard.io/description", ""), HasSubstr("kindlyguard.io/quarantine=true or full"));
  // The full mode: the configured value, or full.
  EXPECT_EQ(np["spec"]["podSelector"], json::parse(R"({"matchExpressions": [
    {"key": "kindlyguard.io/quarantine", "operator": "In", "values": ["true", "full"]}]})"));
  EXPECT_EQ(np["spec"]["policyTypes"], json({"Ingress", "Egress"}));
  // No allow rules at all: absent, not [{}] (which would allow everything).
  EXPECT_FALSE(np["spec"].contains("ingress"));
  EXPECT_FALSE(np["spec"].contains("egress"));
  EXPECT_EQ(np["spec"].size(), 2u);
  EXPECT_EQ(np.size(), 4u);
}

TEST(QuarantineNetworkPolicy, CustomLabel) {
  QuarantineConfig c;
  c.label_key = "security.example.com/isolate";
  c.label_value = "yes";
  json np = desired_network_policy(c, "ns");
  EXPECT_EQ(np["spec"]["podSelector"], json::parse(R"({"matchExpressions": [
    {"key": "security.example.com/isolate", "operator": "In", "values": ["yes", "full"]}]})"));
  EXPECT_EQ(c.selector(), "security.example.com/isolate in (yes,full,egress,ingress)");
  // A label whose value is full needs no second value.
  c.label_value = "full";
  EXPECT_EQ(desired_network_policy(c, "ns")["spec"]["podSelector"], json({{"matchLabels", {{"security.example.com/isolate", "full"}}}}));
}

TEST(QuarantineNetworkPolicy, ForensicsNamespaceMayStillConnect) {
  QuarantineConfig c;
  c.forensics_namespace = "forensics";
  json np = desired_network_policy(c, "team-a");
  EXPECT_EQ(np["spec"]["ingress"],
            json::parse(R"([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "forensics"}}}]}])"));
  EXPECT_FALSE(np["spec"].contains("egress"));
  EXPECT_EQ(np["spec"]["policyTypes"], json({"Ingress", "Egress"}));
}

TEST(QuarantineNetworkPolicy, DnsEgressOnly) {
  QuarantineConfig c;
  c.allow_dns = true;
  json np = desired_network_policy(c, "team-a");
  EXPECT_FALSE(np["spec"].contains("ingress"));
  EXPECT_EQ(np["spec"]["egress"], json::parse(R"([{
    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}])"));
}

TEST(QuarantineAdminNetworkPolicy, DeniesEverythingForTheLabelAheadOfAll) {
  QuarantineConfig c;
  json anp = desired_admin_network_policy(c);
  EXPECT_EQ(anp["apiVersion"], "policy.networking.k8s.io/v1alpha1");
  EXPECT_EQ(anp["kind"], "AdminNetworkPolicy");
  EXPECT_EQ(anp["metadata"]["name"], "kindlyguard-quarantine");
  EXPECT_FALSE(anp["metadata"].contains("namespace"));
  EXPECT_EQ(anp["metadata"]["labels"], json({{"app.kubernetes.io/managed-by", "kindlyguard"}}));
  EXPECT_EQ(anp["spec"]["priority"], 0);
  EXPECT_EQ(anp["spec"]["subject"], json::parse(R"({"pods": {"namespaceSelector": {},
    "podSelector": {"matchExpressions": [{"key": "kindlyguard.io/quarantine", "operator": "In", "values": ["true", "full"]}]}}})"));
  EXPECT_EQ(anp["spec"]["ingress"],
            json::parse(R"([{"name": "deny-all-ingress", "action": "Deny", "from": [{"namespaces": {}}]}])"));
  EXPECT_EQ(anp["spec"]["egress"], json::parse(R"([{"name": "deny-all-egress", "action": "Deny",
    "to": [{"namespaces": {}}, {"networks": ["0.0.0.0/0", "::/0"]}]}])"));
}

// Issue 14 item 13: an Allow (or Pass) at priority 0 would override every other admin policy's
// deny. The allowances are left undenied instead, for lower-priority admin policies and the
// NetworkPolicies to decide.
TEST(QuarantineAdminNetworkPolicy, NeverAllowsOrPassesEvenWithAllowances) {
  for (bool forensics : {false, true})
    for (bool dns : {false, true}) {
      QuarantineConfig c;
      if (forensics) c.forensics_namespace = "forensics";
      c.allow_dns = dns;
      json anp = desired_admin_network_policy(c);
      for (const char* dir : {"ingress", "egress"}) {
        ASSERT_FALSE(anp["spec"][dir].empty());
        for (const auto& rule : anp["spec"][dir]) EXPECT_EQ(rule["action"], "Deny") << rule.dump();
      }
    }
}

TEST(QuarantineAdminNetworkPolicy, AllowancesAreLeftUndeniedNotAllowed) {
  QuarantineConfig c;
  c.forensics_namespace = "forensics";
  c.allow_dns = true;
  json anp = desired_admin_network_policy(c);
  EXPECT_EQ(anp["spec"]["ingress"], json::parse(R"([{"name": "deny-ingress-except-forensics", "action": "Deny",
    "from": [{"namespaces": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                    "values": ["forensics"]}]}}]}])"));
  ASSERT_EQ(anp["spec"]["egress"].size(), 2u);
  EXPECT_EQ(anp["spec"]["egress"][0], json::parse(R"({"name": "deny-egress-except-dns", "action": "Deny",
    "to": [{"namespaces": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]}},
           {"pods": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchExpressions": [{"key": "k8s-app", "operator": "NotIn", "values": ["kube-dns"]}]}}}]})"));
  const json& ports = anp["spec"]["egress"][1];
  EXPECT_EQ(ports["to"], json::parse(R"([{"pods": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}}])"));
  // Every port of the DNS pods but 53 on TCP and UDP, and SCTP altogether.
  EXPECT_EQ(ports["ports"], json::parse(R"([
    {"portRange": {"protocol": "TCP", "start": 1, "end": 52}}, {"portRange": {"protocol": "TCP", "start": 54, "end": 65535}},
    {"portRange": {"protocol": "UDP", "start": 1, "end": 52}}, {"portRange": {"protocol": "UDP", "start": 54, "end": 65535}},
    {"portRange": {"protocol": "SCTP", "start": 1, "end": 65535}}])"));
}

// What the API server gives back for what we created: the same spec plus server fields.
json as_stored(json np) {
  np["metadata"]["uid"] = "u1";
  np["metadata"]["resourceVersion"] = "17";
  np["metadata"]["generation"] = 1;
  return np;
}

TEST(QuarantinePolicyDifferences, NoneForWhatWeWrote) {
  QuarantineConfig c;
  c.forensics_namespace = "forensics";
  c.allow_dns = true;
  json d = desired_network_policy(c, "team-a");
  EXPECT_TRUE(network_policy_differences(as_stored(d), d).empty());
}

TEST(QuarantinePolicyDifferences, EquivalentSpellingsAreNoChange) {
  QuarantineConfig c;
  json d = desired_network_policy(c, "team-a");
  json a = as_stored(d);
  a["spec"]["podSelector"] = json::parse(
      R"({"matchExpressions": [{"key": "kindlyguard.io/quarantine", "operator": "In", "values": ["full", "true"]}]})");
  a["spec"]["policyTypes"] = {"Egress", "Ingress"};
  a["spec"]["ingress"] = json::array();
  a["metadata"]["labels"]["team"] = "a";  // someone's extra label is harmless
  EXPECT_TRUE(network_policy_differences(a, d).empty());
}

TEST(QuarantinePolicyDifferences, EveryEditThatMattersIsFound) {
  QuarantineConfig c;
  json d = desired_network_policy(c, "team-a");
  json a = as_stored(d);
  a["spec"]["podSelector"] = json::object();                   // now selects every pod
  a["spec"]["policyTypes"] = {"Ingress"};                     // egress no longer governed
  a["spec"]["ingress"] = json::array({json::object()});       // allow all ingress
  a["spec"]["egress"] = json::array({{{"to", json::array({{{"ipBlock", {{"cidr", "0.0.0.0/0"}}}}})}}});
  a["metadata"]["labels"].erase("app.kubernetes.io/managed-by");
  EXPECT_THAT(network_policy_differences(a, d),
              ElementsAre("metadata.labels[app.kubernetes.io/managed-by]", "spec.podSelector", "spec.policyTypes",
                          "spec.ingress", "spec.egress"));
}

TEST(QuarantinePolicyDifferences, ARemovedAllowanceOrAMissingSpecIsAChange) {
  QuarantineConfig c;
  c.allow_dns = true;
  json d = desired_network_policy(c, "team-a");
  json a = as_stored(d);
  a["spec"].erase("egress");
  EXPECT_THAT(network_policy_differences(a, d), ElementsAre("spec.egress"));
  a.erase("spec");
  EXPECT_THAT(network_policy_differences(a, d), ElementsAre("spec.podSelector", "spec.policyTypes", "spec.egress"));
}

TEST(QuarantineLabels, QuarantinedAndManaged) {
  QuarantineConfig c;
  json pod = {{"metadata", {{"name", "p"}, {"labels", {{"kindlyguard.io/quarantine", "true"}}}}}};
  EXPECT_TRUE(is_quarantined(c, pod));
  pod["metadata"]["labels"]["kindlyguard.io/quarantine"] = "false";
  EXPECT_FALSE(is_quarantined(c, pod));
  pod["metadata"].erase("labels");
  EXPECT_FALSE(is_quarantined(c, pod));
  EXPECT_FALSE(is_quarantined(c, json()));
  EXPECT_TRUE(is_managed(desired_network_policy(c, "x")));
  EXPECT_FALSE(is_managed(json::parse(R"({"metadata": {"labels": {"app.kubernetes.io/managed-by": "helm"}}})")));
}

TEST(QuarantineNetworkPolicy, ModesBlockTheirDirectionOnly) {
  QuarantineConfig c;
  c.forensics_namespace = "forensics";
  c.allow_dns = true;
  json egress = desired_network_policy(c, "ns", QuarantineMode::Egress);
  EXPECT_EQ(egress["metadata"]["name"], "kindlyguard-quarantine-egress");
  EXPECT_EQ(egress["spec"]["podSelector"], json({{"matchLabels", {{"kindlyguard.io/quarantine", "egress"}}}}));
  EXPECT_EQ(egress["spec"]["policyTypes"], json({"Egress"}));
  EXPECT_TRUE(egress["spec"].contains("egress"));   // the DNS allowance
  EXPECT_FALSE(egress["spec"].contains("ingress"));  // the forensics allowance belongs to ingress
  json ingress = desired_network_policy(c, "ns", QuarantineMode::Ingress);
  EXPECT_EQ(ingress["metadata"]["name"], "kindlyguard-quarantine-ingress");
  EXPECT_EQ(ingress["spec"]["policyTypes"], json({"Ingress"}));
  EXPECT_TRUE(ingress["spec"].contains("ingress"));
  EXPECT_FALSE(ingress["spec"].contains("egress"));
  EXPECT_TRUE(network_policy_differences(as_stored(egress), egress).empty());
  EXPECT_FALSE(network_policy_differences(as_stored(egress), ingress).empty());
  for (auto m : kQuarantineModes) EXPECT_TRUE(is_quarantine_policy_name(quarantine_policy_name(m)));
  EXPECT_FALSE(is_quarantine_policy_name("kindlyguard-quarantine-other"));
}


}  // namespace
}  // namespace kindlyguard::controller
