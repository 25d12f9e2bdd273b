// LivePolicies tells its listeners (the status controller, the background audit, the metrics) of a
// change of what is judged only: the operator's own status writes come back as MODIFIED events, and
// treating them as changes made the audit run back to back for ever (issue 21).
#include "kindlyguard/controller/live_policies.hpp"

#include <gtest/gtest.h>

namespace kindlyguard::controller {
namespace {

using nlohmann::json;

json policy_object(const std::string& name, std::int64_t generation, json rules, const std::string& uid = "uid-1") {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicy"},
          {"metadata", {{"name", name}, {"uid", uid}, {"generation", generation}, {"resourceVersion", "10"}}},
          {"spec", {{"enforcement", "Deny"}, {"rules", std::move(rules)}}}};
}

class LivePoliciesChanges : public ::testing::Test {
 protected:
  LivePoliciesChanges() {
    live.on_change([this](const std::string& n) { told.push_back(n); });
  }
  policy::PolicyStore store;
  LivePolicies live{store};
  std::vector<std::string> told;
};

TEST_F(LivePoliciesChanges, AStatusOnlyUpdateTellsNoListener) {
  json obj = policy_object("p", 1, {{"privileged", false}});
  live.upsert(obj);
  ASSERT_EQ(told, std::vector<std::string>{"p"});
  const auto version = store.get()->version;

  // What the API server sends back after the audit's status patch and the Ready condition's update:
  // a new resourceVersion, the same generation and spec.
  obj["metadata"]["resourceVersion"] = "11";
  obj["status"] = {{"violations", 3}, {"lastAuditTime", "2026-12-02T09:00:00Z"}};
  live.upsert(obj);
  obj["metadata"]["resourceVersion"] = "12";
  obj["status"]["conditions"] = json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "Accepted"}}});
  obj["status"]["observedGeneration"] = 1;
  live.upsert(obj);
  // Labels and annotations are not judged either.
  obj["metadata"]["resourceVersion"] = "13";
  obj["metadata"]["labels"] = {{"team", "security"}};
  live.upsert(obj);

  EXPECT_EQ(told, std::vector<std::string>{"p"});
  EXPECT_EQ(store.get()->version, version);
  EXPECT_TRUE(live.readiness("p")->ready);
}

TEST_F(LivePoliciesChanges, ASpecChangeTellsEveryListener) {
  live.upsert(policy_object("p", 1, {{"privileged", false}}));
  const auto version = store.get()->version;
  live.upsert(policy_object("p", 2, {{"privileged", false}, {"hostPorts", false}}));
  EXPECT_EQ(told, (std::vector<std::string>{"p", "p"}));
  EXPECT_GT(store.get()->version, version);
  EXPECT_EQ(live.readiness("p")->observed_generation, 2);
  // An invalid spec is a change too (the Ready condition must say so).
  live.upsert(policy_object("p", 3, {{"privileged", "nope"}}));
  EXPECT_EQ(told.size(), 3u);
  EXPECT_FALSE(live.readiness("p")->ready);
}

TEST_F(LivePoliciesChanges, WithoutTheStatusSubresourceAStatusWriteBumpsTheGenerationButChangesNothing) {
  live.upsert(policy_object("p", 1, {{"privileged", false}}));
  json obj = policy_object("p", 2, {{"privileged", false}});
  obj["status"] = {{"violations", 0}};
  live.upsert(obj);
  EXPECT_EQ(told.size(), 1u);
}

TEST_F(LivePoliciesChanges, WithoutAGenerationTheSpecDecides) {
  json obj = policy_object("p", 1, {{"privileged", false}});
  obj["metadata"].erase("generation");
  live.upsert(obj);
  obj["status"] = {{"violations", 0}};
  live.upsert(obj);
  EXPECT_EQ(told.size(), 1u);
  obj["spec"]["rules"]["hostPorts"] = false;
  live.upsert(obj);
  EXPECT_EQ(told.size(), 2u);
}

TEST_F(LivePoliciesChanges, DeletedAndCreatedAgainIsAChangeEvenWithTheSameSpec) {
  live.upsert(policy_object("p", 1, {{"privileged", false}}, "uid-1"));
  // Seen by a relist after the watch was away: an update with a new uid.
  live.upsert(policy_object("p", 1, {{"privileged", false}}, "uid-2"));
  EXPECT_EQ(told.size(), 2u);
  EXPECT_EQ(store.get()->policies.at(0).uid, "uid-2");
  // Deleted, then created again with the same uid as before (a test server, a restore): a change.
  live.remove(policy_object("p", 1, {}, "uid-2"));
  live.upsert(policy_object("p", 1, {{"privileged", false}}, "uid-2"));
  EXPECT_EQ(told.size(), 4u);
  EXPECT_EQ(store.get()->policies.size(), 1u);
}

}  // namespace
}  // namespace kindlyguard::controller
