// The quarantine label guard: who may take a pod out of quarantine.
#include "kindlyguard/admission/quarantine_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/admission/review.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::admission {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using nlohmann::json;

json pod(json labels) {
  json p = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "web-1"}, {"namespace", "team"}}},
            {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "nginx:1.27"}}})}}}};
  if (!labels.is_null()) p["metadata"]["labels"] = std::move(labels);
  return p;
}

const json kQuarantined = {{"app", "web"}, {"kindlyguard.io/quarantine", "true"}};
const json kFree = {{"app", "web"}};

QuarantineGuardConfig config() {
  QuarantineGuardConfig c;
  c.release_users = {"alice@example.com"};
  c.release_groups = {"security-team", "system:masters"};
  return c;
}

struct Req {
  json old_obj, obj;
  policy::Request r;
  Req(json old_o, json new_o, std::string user, std::vector<std::string> groups,
      policy::Operation op = policy::Operation::Update)
      : old_obj(std::move(old_o)), obj(std::move(new_o)) {
    r.operation = op;
    r.kind = "Pod";
    r.resource = "pods";
    r.namespace_ = "team";
    r.name = "web-1";
    r.username = std::move(user);
    r.groups = std::move(groups);
    r.object = &obj;
    r.old_object = old_obj.is_null() ? nullptr : &old_obj;
  }
};

TEST(QuarantineGuard, RemovalByAnOrdinaryUserIsDeniedWithAClearMessage) {
  Req q(pod(kQuarantined), pod(kFree), "bob", {"developers", "system:authenticated"});
  std::string denial = judge_quarantine_label(config(), q.r);
  EXPECT_THAT(denial, HasSubstr("removing the quarantine label kindlyguard.io/quarantine=true"));
  EXPECT_THAT(denial, HasSubstr("pod team/web-1"));
  EXPECT_THAT(denial, HasSubstr("user \"bob\""));
  EXPECT_THAT(denial, HasSubstr("developers, system:authenticated"));
  EXPECT_THAT(denial, HasSubstr("--quarantine-release-users"));
  EXPECT_THAT(denial, HasSubstr("--quarantine-release-groups"));
}

TEST(QuarantineGuard, ChangingTheValueIsARemovalToo) {
  json changed = kQuarantined;
  changed["kindlyguard.io/quarantine"] = "false";
  Req q(pod(kQuarantined), pod(changed), "bob", {});
  std::string denial = judge_quarantine_label(config(), q.r);
  EXPECT_THAT(denial, HasSubstr("changing the quarantine label kindlyguard.io/quarantine=true to \"false\""));
  EXPECT_THAT(denial, HasSubstr("(groups: none)"));
  // All labels gone at once: still a removal.
  Req all(pod(kQuarantined), pod(nullptr), "bob", {});
  EXPECT_THAT(judge_quarantine_label(config(), all.r), HasSubstr("removing"));
}

TEST(QuarantineGuard, ReleaseUsersMayRemoveIt) {
  Req q(pod(kQuarantined), pod(kFree), "alice@example.com", {"system:authenticated"});
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
}

TEST(QuarantineGuard, MembersOfReleaseGroupsMayRemoveIt) {
  Req q(pod(kQuarantined), pod(kFree), "carol", {"system:authenticated", "security-team"});
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
  Req admin(pod(kQuarantined), pod(kFree), "kubernetes-admin", {"system:masters"});
  EXPECT_THAT(judge_quarantine_label(config(), admin.r), IsEmpty());
}

TEST(QuarantineGuard, NamesMatchExactly) {
  Req q(pod(kQuarantined), pod(kFree), "alice", {"security"});
  EXPECT_THAT(judge_quarantine_label(config(), q.r), HasSubstr("user \"alice\""));
}

TEST(QuarantineGuard, WithNothingConfiguredNobodyMayRemoveIt) {
  Req q(pod(kQuarantined), pod(kFree), "system:admin", {"system:masters"});
  EXPECT_THAT(judge_quarantine_label(QuarantineGuardConfig{}, q.r), HasSubstr("is reserved"));
}

TEST(QuarantineGuard, AddingTheLabelIsAlwaysAllowed) {
  Req q(pod(kFree), pod(kQuarantined), "bob", {});
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
  Req from_none(pod(nullptr), pod(kQuarantined), "bob", {});
  EXPECT_THAT(judge_quarantine_label(config(), from_none.r), IsEmpty());
}

TEST(QuarantineGuard, CreateWithTheLabelIsAllowed) {
  Req q(nullptr, pod(kQuarantined), "bob", {}, policy::Operation::Create);
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
}

TEST(QuarantineGuard, OtherUpdatesOfAQuarantinedPodAreAllowed) {
  json more = kQuarantined;
  more["incident"] = "INC-42";
  Req labels(pod(kQuarantined), pod(more), "bob", {});
  EXPECT_THAT(judge_quarantine_label(config(), labels.r), IsEmpty());
  json annotated = pod(kQuarantined);
  annotated["metadata"]["annotations"] = {{"note", "under investigation"}};
  Req ann(pod(kQuarantined), annotated, "bob", {});
  EXPECT_THAT(judge_quarantine_label(config(), ann.r), IsEmpty());
}

TEST(QuarantineGuard, AnotherValueBeforeWasNotAQuarantine) {
  json before = kFree;
  before["kindlyguard.io/quarantine"] = "false";
  Req q(pod(before), pod(kFree), "bob", {});
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
}

TEST(QuarantineGuard, TheConfiguredLabelIsTheOneGuarded) {
  QuarantineGuardConfig c = config();
  c.label_key = "security.example.com/isolate";
  c.label_value = "yes";
  Req builtin(pod(kQuarantined), pod(kFree), "bob", {});
  EXPECT_THAT(judge_quarantine_label(c, builtin.r), IsEmpty());
  Req custom(pod({{"security.example.com/isolate", "yes"}}), pod(kFree), "bob", {});
  EXPECT_THAT(judge_quarantine_label(c, custom.r), HasSubstr("security.example.com/isolate=yes"));
}

TEST(QuarantineGuard, OnlyPodsAreGuarded) {
  Req q(pod(kQuarantined), pod(kFree), "bob", {});
  q.r.kind = "Deployment";
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
  q.r.kind = "Pod";
  q.r.operation = policy::Operation::Delete;
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
}

// Through the admission handler, as the webhook runs it: HTTP 200, allowed false, code 403.
TEST(QuarantineGuard, InstalledInTheHandlerDeniesTheReview) {
  policy::PolicyStore store;
  Handler handler(store, policy::name_only_namespace_labels());
  handler.add_guard(quarantine_guard(config()));
  json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"request",
                  {{"uid", "u-1"},
                   {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                   {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                   {"namespace", "team"},
                   {"name", "web-1"},
                   {"operation", "UPDATE"},
                   {"userInfo", {{"username", "bob"}, {"groups", {"developers"}}}},
                   {"object", pod(kFree)},
                   {"oldObject", pod(kQuarantined)}}}};
  auto out = handler.handle(review.dump());
  ASSERT_EQ(out.http_status, 200);
  json resp = json::parse(out.body)["response"];
  EXPECT_FALSE(resp["allowed"]);
  EXPECT_EQ(resp["status"]["code"], 403);
  EXPECT_THAT(resp["status"].value("message", ""), HasSubstr("--quarantine-release-groups"));

  review["request"]["userInfo"]["groups"] = {"security-team"};
  json ok = json::parse(handler.handle(review.dump()).body)["response"];
  EXPECT_TRUE(ok["allowed"]);
}

}  // namespace
}  // namespace kindlyguard::admission
