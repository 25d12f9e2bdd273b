#include "kindlyguard/controller/policy_status.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kindlyguard::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json policy_object(const std::string& name, std::int64_t generation, json rules) {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicy"},
          {"metadata", {{"name", name}, {"generation", generation}}},
          {"spec", {{"enforcement", "Deny"}, {"rules", std::move(rules)}}}};
}

TEST(LivePolicies, ValidPolicyTakesEffectAndIsAccepted) {
  policy::PolicyStore store;
  LivePolicies live(store);
  std::vector<std::string> changed;
  live.on_change([&](const std::string& n) { changed.push_back(n); });
  live.upsert(policy_object("p", 1, {{"privileged", false}}));
  ASSERT_EQ(store.get()->policies.size(), 1u);
  auto r = live.readiness("p");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ready);
  EXPECT_EQ(r->reason, "Accepted");
  EXPECT_EQ(r->generation_in_force, 1);
  EXPECT_EQ(changed, std::vector<std::string>{"p"});
}

TEST(LivePolicies, InvalidUpdateKeepsTheLastValidVersionInForce) {
  policy::PolicyStore store;
  LivePolicies live(store);
  live.upsert(policy_object("p", 1, {{"privileged", false}}));
  const auto version = store.get()->version;
  live.upsert(policy_object("p", 2, {{"privileged", "nope"}}));
  ASSERT_EQ(store.get()->policies.size(), 1u);
  EXPECT_EQ(store.get()->policies[0].generation, 1);
  auto r = live.readiness("p");
  EXPECT_FALSE(r->ready);
  EXPECT_EQ(r->reason, "Invalid");
  EXPECT_EQ(r->observed_generation, 2);
  EXPECT_EQ(r->generation_in_force, 1);
  EXPECT_THAT(r->message, HasSubstr("spec.rules.privileged"));
  EXPECT_THAT(r->message, HasSubstr("generation 1"));
  EXPECT_GE(store.get()->version, version);
  EXPECT_EQ(live.invalid(), 1u);
}

TEST(LivePolicies, InvalidNewPolicyNeverTakesEffectAndDeleteRemoves) {
  policy::PolicyStore store;
  LivePolicies live(store);
  live.upsert(policy_object("bad", 1, {{"privilegd", false}}));
  EXPECT_TRUE(store.get()->policies.empty());
  EXPECT_THAT(live.readiness("bad")->message, HasSubstr("not in force"));
  EXPECT_FALSE(live.readiness("bad")->generation_in_force);
  live.upsert(policy_object("good", 1, {{"privileged", false}}));
  live.remove(policy_object("good", 1, {}));
  EXPECT_TRUE(store.get()->policies.empty());
  EXPECT_FALSE(live.readiness("good"));
}

TEST(LivePolicies, AStatusOnlyChangeInstallsNoNewSet) {
  policy::PolicyStore store;
  LivePolicies live(store);
  json obj = policy_object("p", 1, {{"privileged", false}});
  live.upsert(obj);
  const auto version = store.get()->version;
  obj["status"] = {{"observedGeneration", 1}};
  live.upsert(obj);
  EXPECT_EQ(store.get()->version, version);
}

TEST(DesiredPolicyStatus, WritesReadyAndObservedGenerationOnlyWhenTheyDiffer) {
  PolicyReadiness ok{true, "Accepted", "The policy is in force.", 3, 3};
  auto first = desired_policy_status(json::object(), ok, "2026-12-02T09:00:00Z");
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["observedGeneration"], 3);
  ASSERT_EQ((*first)["conditions"].size(), 1u);
  const json& c = (*first)["conditions"][0];
  EXPECT_EQ(c["type"], "Ready");
  EXPECT_EQ(c["status"], "True");
  EXPECT_EQ(c["reason"], "Accepted");
  EXPECT_EQ(c["observedGeneration"], 3);
  EXPECT_EQ(c["lastTransitionTime"], "2026-12-02T09:00:00Z");

  // The same verdict again: nothing to write.
  EXPECT_FALSE(desired_policy_status(*first, ok, "2026-12-02T10:00:00Z"));

  // A new generation, still ready: no transition, the old time stays.
  PolicyReadiness ok4 = ok;
  ok4.observed_generation = 4;
  auto second = desired_policy_status(*first, ok4, "2026-12-02T10:00:00Z");
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["conditions"][0]["lastTransitionTime"], "2026-12-02T09:00:00Z");

  // Invalid: a transition.
  PolicyReadiness bad{false, "Invalid", "spec.rules.privileged: expected true or false", 5, 4};
  auto third = desired_policy_status(*second, bad, "2026-12-02T11:00:00Z");
  ASSERT_TRUE(third);
  EXPECT_EQ((*third)["conditions"][0]["status"], "False");
  EXPECT_EQ((*third)["conditions"][0]["lastTransitionTime"], "2026-12-02T11:00:00Z");
}

TEST(DesiredPolicyStatus, KeepsTheAuditFieldsAndOtherConditions) {
  json current = {{"violations", 7},
                  {"lastAuditTime", "2026-12-01T00:00:00Z"},
                  {"conditions", json::array({{{"type", "Audited"}, {"status", "True"}}})}};
  PolicyReadiness ok{true, "Accepted", "The policy is in force.", 1, 1};
  auto next = desired_policy_status(current, ok, "2026-12-02T09:00:00Z");
  ASSERT_TRUE(next);
  EXPECT_EQ((*next)["violations"], 7);
  EXPECT_EQ((*next)["lastAuditTime"], "2026-12-01T00:00:00Z");
  EXPECT_EQ((*next)["conditions"].size(), 2u);
}

}  // namespace
}  // namespace kindlyguard::controller
