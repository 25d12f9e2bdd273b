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
    repoint();
  }
  // r points into this object's own json: a copy points into the copy.
  Req(const Req& o) : old_obj(o.old_obj), obj(o.obj), r(o.r) { repoint(); }
  Req& operator=(const Req&) = delete;
  void repoint() {
    r.object = obj.is_null() ? nullptr : &obj;
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
  q.r.resource = "deployments";
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
  q.r.operation = policy::Operation::Delete;
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
}

// ---- issue 14 item 11: every way a label can change ----

// The API server keeps metadata changes made through pods/status (its status strategy resets only
// spec, deletionTimestamp and ownerReferences): a status update is a way out too.
TEST(QuarantineGuard, RemovalThroughPodsStatusIsDenied) {
  Req q(pod(kQuarantined), pod(kFree), "bob", {"system:authenticated"});
  q.r.sub_resource = "status";
  EXPECT_THAT(judge_quarantine_label(config(), q.r), HasSubstr("(through pods/status) is reserved"));
  Req node(pod(kQuarantined), pod(kFree), "system:node:worker-1", {"system:nodes"});
  node.r.sub_resource = "status";
  EXPECT_THAT(judge_quarantine_label(config(), node.r), HasSubstr("user \"system:node:worker-1\""));
  Req release(pod(kQuarantined), pod(kFree), "alice@example.com", {});
  release.r.sub_resource = "status";
  EXPECT_THAT(judge_quarantine_label(config(), release.r), IsEmpty());
  // An ordinary status update (labels unchanged) goes on.
  json with_status = pod(kQuarantined);
  with_status["status"] = {{"phase", "Running"}};
  Req ordinary(pod(kQuarantined), with_status, "system:node:worker-1", {"system:nodes"});
  ordinary.r.sub_resource = "status";
  EXPECT_THAT(judge_quarantine_label(config(), ordinary.r), IsEmpty());
}

// ---- issue 14 item 12: deletion and eviction ----

Req deletion(const json& labels, std::string user, std::vector<std::string> groups = {}) {
  return Req(pod(labels), nullptr, std::move(user), std::move(groups), policy::Operation::Delete);  // oldObject only
}

TEST(QuarantineGuard, DeletingAQuarantinedPodIsReservedWithAClearMessage) {
  Req q = deletion(kQuarantined, "bob", {"developers"});
  GuardDenial d = judge_quarantine(config(), q.r);
  EXPECT_EQ(d.code, 403);
  EXPECT_THAT(d.message, HasSubstr("pod team/web-1 is quarantined (label kindlyguard.io/quarantine=true)"));
  EXPECT_THAT(d.message, HasSubstr("kept as evidence"));
  EXPECT_THAT(d.message, HasSubstr("user \"bob\" (groups: developers)"));
  EXPECT_THAT(d.message, HasSubstr("--quarantine-release-users"));
  EXPECT_THAT(d.message, HasSubstr("--quarantine-release-groups"));
  EXPECT_THAT(d.message, HasSubstr("release the pod (remove the label kindlyguard.io/quarantine)"));
  // A dry run is judged the same.
  q.r.dry_run = true;
  EXPECT_EQ(judge_quarantine(config(), q.r).message, d.message);
}

TEST(QuarantineGuard, DeletingAnUnquarantinedPodIsNotOurBusiness) {
  EXPECT_THAT(judge_quarantine_label(config(), deletion(kFree, "bob").r), IsEmpty());
  json other = kFree;
  other["kindlyguard.io/quarantine"] = "false";
  EXPECT_THAT(judge_quarantine_label(config(), deletion(other, "bob").r), IsEmpty());
}

TEST(QuarantineGuard, ReleaseUsersAndGroupsMayDelete) {
  EXPECT_THAT(judge_quarantine_label(config(), deletion(kQuarantined, "alice@example.com").r), IsEmpty());
  EXPECT_THAT(judge_quarantine_label(config(), deletion(kQuarantined, "carol", {"security-team"}).r), IsEmpty());
}

// Scale-downs, rollouts, garbage collection, namespace deletion and lost nodes must not stall:
// the cluster's controllers may delete (issue 18 detaches quarantined pods from their owners).
TEST(QuarantineGuard, TheClustersControllersMayDeleteByDefault) {
  for (const char* user : {"system:serviceaccount:kube-system:replicaset-controller",
                           "system:serviceaccount:kube-system:statefulset-controller",
                           "system:serviceaccount:kube-system:daemon-set-controller",
                           "system:serviceaccount:kube-system:job-controller",
                           "system:serviceaccount:kube-system:generic-garbage-collector",
                           "system:serviceaccount:kube-system:namespace-controller",
                           "system:serviceaccount:kube-system:pod-garbage-collector",
                           "system:serviceaccount:kube-system:taint-eviction-controller",
                           "system:kube-controller-manager"})
    EXPECT_THAT(judge_quarantine_label(config(), deletion(kQuarantined, user).r), IsEmpty()) << user;
  // Not any kube-system account, and not by group.
  EXPECT_THAT(judge_quarantine_label(config(), deletion(kQuarantined, "system:serviceaccount:kube-system:default").r),
              HasSubstr("kept as evidence"));
  EXPECT_THAT(judge_quarantine_label(config(), deletion(kQuarantined, "mallory", {"system:serviceaccounts:kube-system"}).r),
              HasSubstr("kept as evidence"));
}

TEST(QuarantineGuard, DeleteUsersAreConfigurable) {
  QuarantineGuardConfig c = config();
  c.delete_users = {};
  EXPECT_THAT(judge_quarantine_label(c, deletion(kQuarantined, "system:serviceaccount:kube-system:replicaset-controller").r),
              HasSubstr("kept as evidence"));
  c.delete_users = {"ci-cleaner"};
  EXPECT_THAT(judge_quarantine_label(c, deletion(kQuarantined, "ci-cleaner").r), IsEmpty());
}

// The kubelet's final delete, or a force delete, of a pod whose deletion someone allowed started.
TEST(QuarantineGuard, APodAlreadyBeingDeletedMayBeDeleted) {
  Req q = deletion(kQuarantined, "system:node:worker-1", {"system:nodes"});
  q.old_obj["metadata"]["deletionTimestamp"] = "2026-12-03T10:00:00Z";
  EXPECT_THAT(judge_quarantine_label(config(), q.r), IsEmpty());
}

Req eviction(std::string user, std::vector<std::string> groups = {}) {
  json ev = {{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", "web-1"}, {"namespace", "team"}}}};
  Req q(nullptr, ev, std::move(user), std::move(groups), policy::Operation::Create);
  q.r.kind = "Eviction";
  q.r.sub_resource = "eviction";
  return q;
}

QuarantineGuardConfig with_pod(const json& labels) {
  QuarantineGuardConfig c = config();
  auto p = std::make_shared<const json>(pod(labels));
  c.pod_lookup = [p](const std::string& ns, const std::string& name) -> Result<std::shared_ptr<const json>> {
    if (ns == "team" && name == "web-1") return p;
    return std::shared_ptr<const json>();
  };
  return c;
}

// Eviction is what kubectl drain uses: 429 (as a PodDisruptionBudget that allows no disruption)
// makes it wait and print why, instead of taking the evidence away.
TEST(QuarantineGuard, EvictingAQuarantinedPodWaitsLikeAPodDisruptionBudget) {
  GuardDenial d = judge_quarantine(with_pod(kQuarantined), eviction("system:serviceaccount:kube-system:cluster-autoscaler").r);
  EXPECT_EQ(d.code, 429);
  EXPECT_THAT(d.message, HasSubstr("pod team/web-1 is quarantined"));
  EXPECT_THAT(d.message, HasSubstr("cannot be evicted"));
  EXPECT_THAT(d.message, HasSubstr("--quarantine-release-groups"));
  // Release users may; unquarantined and absent pods are not our business.
  EXPECT_THAT(judge_quarantine(with_pod(kQuarantined), eviction("alice@example.com").r).message, IsEmpty());
  EXPECT_THAT(judge_quarantine(with_pod(kFree), eviction("bob").r).message, IsEmpty());
  Req other = eviction("bob");
  other.r.name = "web-2";
  EXPECT_THAT(judge_quarantine(with_pod(kQuarantined), other.r).message, IsEmpty());
}

TEST(QuarantineGuard, AnEvictionThatCannotBeJudgedYetIsRetried) {
  QuarantineGuardConfig c = config();
  c.pod_lookup = [](const std::string&, const std::string&) -> Result<std::shared_ptr<const json>> {
    return Error{"its pod cache has not synced yet", ""};
  };
  GuardDenial d = judge_quarantine(c, eviction("bob").r);
  EXPECT_EQ(d.code, 429);
  EXPECT_THAT(d.message, HasSubstr("cannot tell yet whether pod team/web-1 is quarantined"));
  // Without a lookup (standalone mode) evictions are not guarded.
  EXPECT_THAT(judge_quarantine(config(), eviction("bob").r).message, IsEmpty());
}

TEST(QuarantineGuard, InTheHandlerADeleteIsDeniedAndAnEvictionAnswered429) {
  policy::PolicyStore store;
  Handler handler(store, policy::name_only_namespace_labels());
  handler.add_guard(quarantine_guard(with_pod(kQuarantined)));
  json del = {{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request",
               {{"uid", "u-1"},
                {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                {"namespace", "team"},
                {"name", "web-1"},
                {"operation", "DELETE"},
                {"dryRun", true},
                {"userInfo", {{"username", "bob"}}},
                {"oldObject", pod(kQuarantined)}}}};
  json resp = json::parse(handler.handle(del.dump()).body)["response"];
  EXPECT_FALSE(resp["allowed"]);
  EXPECT_EQ(resp["status"]["code"], 403);
  EXPECT_THAT(resp["status"].value("message", ""), HasSubstr("kept as evidence"));

  json ev = del;
  ev["request"].erase("oldObject");
  ev["request"]["operation"] = "CREATE";
  ev["request"]["dryRun"] = false;
  ev["request"]["kind"] = {{"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"}};
  ev["request"]["subResource"] = "eviction";
  ev["request"]["object"] = {{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", "web-1"}, {"namespace", "team"}}}};
  resp = json::parse(handler.handle(ev.dump()).body)["response"];
  EXPECT_FALSE(resp["allowed"]);
  EXPECT_EQ(resp["status"]["code"], 429);
  EXPECT_EQ(resp["status"]["reason"], "TooManyRequests");
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
