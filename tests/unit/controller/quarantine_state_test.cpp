// The desired state of a namespace as a pure function of the cached pods and NetworkPolicies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/controller/quarantine.hpp"

namespace kindlyguard::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using nlohmann::json;
using Objects = std::vector<std::shared_ptr<const json>>;
using Action = NamespacePlan::PolicyAction;

std::shared_ptr<const json> pod(const std::string& name, const std::string& ns, json labels, json annotations = nullptr) {
  json p = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"namespace", ns}, {"uid", name + "-uid"}}}};
  if (!labels.is_null()) p["metadata"]["labels"] = labels;
  if (!annotations.is_null()) p["metadata"]["annotations"] = annotations;
  return std::make_shared<const json>(std::move(p));
}

std::shared_ptr<const json> stored(json obj) {
  obj["metadata"]["uid"] = "np-uid";
  obj["metadata"]["resourceVersion"] = "5";
  return std::make_shared<const json>(std::move(obj));
}

const json kLabeled = {{"app", "web"}, {"kindlyguard.io/quarantine", "true"}};
const json kPlain = {{"app", "web"}};
const json kMarked = {{"kindlyguard.io/quarantined-at", "2026-01-01T00:00:00Z"}};

std::vector<std::string> names(const Objects& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back((*p)["metadata"]["name"]);
  return out;
}

TEST(QuarantinePlan, NothingToDoWithoutLabeledPods) {
  QuarantineConfig c;
  auto plan = plan_namespace(c, "team", {pod("a", "team", kPlain), pod("b", "team", nullptr)}, {});
  EXPECT_EQ(plan.action, Action::None);
  EXPECT_TRUE(plan.desired.is_null());
  EXPECT_THAT(plan.quarantined, IsEmpty());
  EXPECT_THAT(plan.released, IsEmpty());
}

TEST(QuarantinePlan, ALabeledPodNeedsThePolicy) {
  QuarantineConfig c;
  auto plan = plan_namespace(c, "team", {pod("a", "team", kLabeled), pod("b", "team", kPlain)}, {});
  EXPECT_EQ(plan.action, Action::Create);
  EXPECT_EQ(plan.desired, desired_network_policy(c, "team"));
  EXPECT_THAT(names(plan.quarantined), ElementsAre("a"));
}

TEST(QuarantinePlan, OnlyTheNamespaceAskedAbout) {
  QuarantineConfig c;
  auto plan = plan_namespace(c, "team", {pod("a", "other", kLabeled)},
                             {stored(desired_network_policy(c, "other"))});
  EXPECT_EQ(plan.action, Action::None);
  EXPECT_FALSE(plan.actual);
}

TEST(QuarantinePlan, InPlaceAndUnchangedIsNothingToDo) {
  QuarantineConfig c;
  auto plan = plan_namespace(c, "team", {pod("a", "team", kLabeled, kMarked)}, {stored(desired_network_policy(c, "team"))});
  EXPECT_EQ(plan.action, Action::None);
  EXPECT_TRUE(plan.actual);
  EXPECT_THAT(names(plan.quarantined), ElementsAre("a"));
}

TEST(QuarantinePlan, EditedBySomeoneElseIsRestored) {
  QuarantineConfig c;
  json edited = desired_network_policy(c, "team");
  edited["spec"]["ingress"] = json::array({json::object()});
  auto plan = plan_namespace(c, "team", {pod("a", "team", kLabeled)}, {stored(edited)});
  EXPECT_EQ(plan.action, Action::Update);
  EXPECT_THAT(plan.differences, ElementsAre("spec.ingress"));
}

TEST(QuarantinePlan, ConfigurationChangesAreUpdates) {
  QuarantineConfig before;
  QuarantineConfig after;
  after.allow_dns = true;
  auto plan = plan_namespace(after, "team", {pod("a", "team", kLabeled)}, {stored(desired_network_policy(before, "team"))});
  EXPECT_EQ(plan.action, Action::Update);
  EXPECT_THAT(plan.differences, ElementsAre("spec.egress"));
}

TEST(QuarantinePlan, NoLabeledPodLeftRemovesOursAndReleasesTheMarkedOnes) {
  QuarantineConfig c;
  auto plan = plan_namespace(c, "team", {pod("a", "team", kPlain, kMarked), pod("b", "team", kPlain)},
                             {stored(desired_network_policy(c, "team"))});
  EXPECT_EQ(plan.action, Action::Delete);
  EXPECT_THAT(names(plan.released), ElementsAre("a"));
  EXPECT_THAT(plan.quarantined, IsEmpty());
}

TEST(QuarantinePlan, OneOfTwoReleasedKeepsThePolicy) {
  QuarantineConfig c;
  auto plan = plan_namespace(c, "team", {pod("a", "team", kPlain, kMarked), pod("b", "team", kLabeled, kMarked)},
                             {stored(desired_network_policy(c, "team"))});
  EXPECT_EQ(plan.action, Action::None);
  EXPECT_THAT(names(plan.released), ElementsAre("a"));
  EXPECT_THAT(names(plan.quarantined), ElementsAre("b"));
}

TEST(QuarantinePlan, AChangedLabelValueIsARelease) {
  QuarantineConfig c;
  json changed = kLabeled;
  changed["kindlyguard.io/quarantine"] = "false";
  auto plan = plan_namespace(c, "team", {pod("a", "team", changed, kMarked)}, {stored(desired_network_policy(c, "team"))});
  EXPECT_EQ(plan.action, Action::Delete);
  EXPECT_THAT(names(plan.released), ElementsAre("a"));
}

TEST(QuarantinePlan, UnmanagedPoliciesAreNeverTouched) {
  QuarantineConfig c;
  json theirs = desired_network_policy(c, "team");
  theirs["metadata"].erase("labels");
  // With pods to isolate: blocked (reported), not overwritten.
  auto plan = plan_namespace(c, "team", {pod("a", "team", kLabeled)}, {stored(theirs)});
  EXPECT_EQ(plan.action, Action::Blocked);
  // Without: not deleted.
  plan = plan_namespace(c, "team", {pod("a", "team", kPlain)}, {stored(theirs)});
  EXPECT_EQ(plan.action, Action::None);
  // Other policies in the namespace are not ours whatever their labels say.
  json other = desired_network_policy(c, "team");
  other["metadata"]["name"] = "allow-web";
  plan = plan_namespace(c, "team", {pod("a", "team", kPlain)}, {stored(other)});
  EXPECT_EQ(plan.action, Action::None);
  EXPECT_FALSE(plan.actual);
}

}  // namespace
}  // namespace kindlyguard::controller
