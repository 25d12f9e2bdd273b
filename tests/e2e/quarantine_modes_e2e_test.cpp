// Quarantine modes by label value (issue 18): true/full block all traffic, egress blocks egress
// only (the pod keeps serving), ingress blocks ingress only; one managed NetworkPolicy per
// namespace and mode, each with only the allowance of the direction it blocks; a pod moved from
// one mode to another moves between the policies, and its QuarantineRecord follows; changing the
// mode is reserved like a release. The real binary against the API test server.
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"
#include "quarantine_fixture.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

const char* kLabel = kQuarantineLabel;
constexpr auto kWait = kQuarantineWait;

class QuarantineModesE2E : public QuarantineClusterTest {
 protected:


  std::string make_pod(const std::string& name, const json& mode) {
    json labels = {{"app", "web"}};
    if (!mode.is_null()) labels[kLabel] = mode;
    return api->store().create("pods", {{"apiVersion", "v1"}, {"kind", "Pod"},
                                        {"metadata", {{"name", name}, {"namespace", "team"}, {"labels", labels}}},
                                        {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "nginx:1.27"}}})}}}})
        ["metadata"]["uid"];
  }
  void label(const std::string& name, const json& mode) {
    api->store().merge_patch("pods", "team", name, {{"metadata", {{"labels", {{kLabel, mode}}}}}});
  }
  std::optional<json> wait_policy(const std::string& name) {
    return api->store().wait_for_object("networkpolicies", "team", name, nullptr, kWait);
  }
};

const json kDnsEgress = json::parse(R"([{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                                  "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                                          "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}])");
const json kForensicsIngress =
    json::parse(R"([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "forensics"}}}]}])");

TEST_F(QuarantineModesE2E, EachModeHasItsOwnPolicyShape) {
  make_namespace("team");
  make_pod("full", "full");
  make_pod("exfil", "egress");
  make_pod("scanned", "ingress");
  make_pod("free", nullptr);
  auto hook = start_operator({"--quarantine-allow-dns=true", "--quarantine-forensics-namespace=forensics"});

  auto full = wait_policy("kindlyguard-quarantine");
  auto egress = wait_policy("kindlyguard-quarantine-egress");
  auto ingress = wait_policy("kindlyguard-quarantine-ingress");
  ASSERT_TRUE(full && egress && ingress) << hook->process().stderr_text();

  EXPECT_EQ((*full)["spec"]["policyTypes"], json({"Ingress", "Egress"}));
  EXPECT_EQ((*full)["spec"]["ingress"], kForensicsIngress);
  EXPECT_EQ((*full)["spec"]["egress"], kDnsEgress);
  // Egress only: the pod keeps serving, so the policy says nothing of ingress.
  EXPECT_EQ((*egress)["spec"]["podSelector"], json({{"matchLabels", {{kLabel, "egress"}}}}));
  EXPECT_EQ((*egress)["spec"]["policyTypes"], json({"Egress"}));
  EXPECT_EQ((*egress)["spec"]["egress"], kDnsEgress);
  EXPECT_FALSE((*egress)["spec"].contains("ingress"));
  // Ingress only.
  EXPECT_EQ((*ingress)["spec"]["podSelector"], json({{"matchLabels", {{kLabel, "ingress"}}}}));
  EXPECT_EQ((*ingress)["spec"]["policyTypes"], json({"Ingress"}));
  EXPECT_EQ((*ingress)["spec"]["ingress"], kForensicsIngress);
  EXPECT_FALSE((*ingress)["spec"].contains("egress"));
  for (const auto* np : {&*full, &*egress, &*ingress})
    EXPECT_EQ((*np)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kindlyguard");
  // One isolated pod per mode; every mode is always exported.
  EXPECT_TRUE(eventually([&] {
    return metric(*hook, "kindly_security_quarantined_pods{mode=\"full\"}") == 1 &&
           metric(*hook, "kindly_security_quarantined_pods{mode=\"egress\"}") == 1 &&
           metric(*hook, "kindly_security_quarantined_pods{mode=\"ingress\"}") == 1;
  }, kWait));

  // Each record says its mode.
  ASSERT_TRUE(api->store().wait_for([](const kindly::testapi::StoreView& v) {
    std::set<std::string> modes;
    for (const auto& r : v.list("quarantinerecords", "kindlyguard")) modes.insert(r["spec"].value("mode", ""));
    return modes == std::set<std::string>{"full", "egress", "ingress"};
  }, kWait));
}

TEST_F(QuarantineModesE2E, APodMovesBetweenModesAndItsRecordFollows) {
  make_namespace("team");
  const std::string uid = make_pod("web-1", "egress");
  auto hook = start_operator();
  ASSERT_TRUE(wait_policy("kindlyguard-quarantine-egress")) << hook->process().stderr_text();

  label("web-1", "true");
  ASSERT_TRUE(wait_policy("kindlyguard-quarantine")) << hook->process().stderr_text();
  ASSERT_TRUE(api->store().wait_for_absent("networkpolicies", "team", "kindlyguard-quarantine-egress", kWait));
  ASSERT_TRUE(api->store().wait_for([&](const kindly::testapi::StoreView& v) {
    for (const auto& r : v.list("quarantinerecords", "kindlyguard"))
      if (r["spec"]["pod"].value("uid", "") == uid && r["spec"].value("mode", "") == "full") return true;
    return false;
  }, kWait));
  // Still one quarantine: one record, one Quarantined Event.
  EXPECT_EQ(api->store().list("quarantinerecords", "kindlyguard").size(), 1u);

  // An unknown value is no quarantine: released.
  label("web-1", "maybe");
  ASSERT_TRUE(api->store().wait_for_absent("networkpolicies", "team", "kindlyguard-quarantine", kWait));
}

TEST_F(QuarantineModesE2E, ChangingTheModeIsReservedLikeARelease) {
  auto hook = start_operator({"--quarantine-release-users=alice"});
  auto pod = [](const std::string& mode) {
    return json{{"apiVersion", "v1"}, {"kind", "Pod"},
                {"metadata", {{"name", "web-1"}, {"namespace", "team"}, {"labels", {{kLabel, mode}}}}},
                {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "nginx:1.27"}}})}}}};
  };
  auto review = [&](const std::string& before, const std::string& after, const std::string& user) {
    auto answer = hook->review(review_json(pod(after).dump(), "UPDATE", "uid-1", user, pod(before).dump()));
    EXPECT_TRUE(answer.ok());
    return json::parse(answer->body)["response"];
  };
  // Full to egress lets the pod talk out again: a release user's call.
  json denied = review("true", "egress", "bob");
  EXPECT_FALSE(denied["allowed"]);
  EXPECT_THAT(denied["status"].value("message", ""), HasSubstr("changing the quarantine label kindlyguard.io/quarantine=true to \"egress\""));
  EXPECT_FALSE(review("egress", "ingress", "bob")["allowed"]);
  EXPECT_TRUE(review("egress", "true", "alice")["allowed"]);
  // Deleting a pod quarantined in any mode is reserved too.
  json del = json::parse(review_json(pod("ingress").dump(), "DELETE", "uid-2", "bob", pod("ingress").dump()));
  del["request"]["object"] = nullptr;  // as the API server sends a DELETE
  auto answer = hook->review(del.dump());
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(json::parse(answer->body)["response"]["allowed"]);
}

}  // namespace
}  // namespace kindlyguard::testing
