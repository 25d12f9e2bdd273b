// Issue 14, "Quarantine that can be escaped or abused": the real binary over real TLS, with forged
// reviews shaped as the API server sends them.
//
// - item 11: the label cannot be removed through pods/status (the API server keeps metadata
//   changes made there);
// - item 12: a quarantined pod cannot be deleted (DELETE reviews carry only oldObject) except by
//   the release users and groups and the cluster's controllers (--quarantine-delete-users), a pod
//   already being deleted may be finished, and an eviction gets 429 (drain waits) in cluster mode,
//   where the pod informer says whether the evicted pod is quarantined;
// - item 13: the AdminNetworkPolicy kept with every allowance on has Deny rules only.
// Every wait is event-driven with a generous deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

const char* kLabel = "kindlyguard.io/quarantine";
constexpr auto kWait = 30s;

json pod(const std::string& name, bool quarantined) {
  json labels = {{"app", "web"}};
  if (quarantined) labels[kLabel] = "true";
  return {{"apiVersion", "v1"}, {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "team"}, {"labels", labels}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "nginx:1.27"}}})}}}};
}

// A review as the API server sends it for `operation` on pods[/sub] by `user`.
json review(const std::string& operation, const std::string& sub, const json& object, const json& old_object,
            const std::string& user, json groups = json::array({"system:authenticated"}), bool dry_run = false) {
  const bool eviction = sub == "eviction";
  json req = {{"uid", "escape-1"},
              {"kind", eviction ? json{{"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"}}
                                : json{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
              {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
              {"namespace", "team"},
              {"name", (object.is_null() ? old_object : object)["metadata"].value("name", "")},
              {"operation", operation},
              {"userInfo", {{"username", user}, {"groups", std::move(groups)}}},
              {"dryRun", dry_run}};
  if (!sub.empty()) req["subResource"] = sub;
  if (!object.is_null()) req["object"] = object;
  if (!old_object.is_null()) req["oldObject"] = old_object;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}};
}

json eviction_of(const std::string& name) {
  return {{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", name}, {"namespace", "team"}}}};
}

json answer(WebhookProcess& hook, const json& r) {
  auto out = hook.review(r.dump());
  EXPECT_TRUE(out.ok());
  if (!out.ok()) return json::object();
  EXPECT_EQ(out->status, 200) << out->body;
  return json::parse(out->body)["response"];
}

std::unique_ptr<WebhookProcess> standalone(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--quarantine-release-users=alice@example.com",
                                   "--quarantine-release-groups=security-team"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto hook = std::make_unique<WebhookProcess>(std::map<std::string, std::string>{{"policy.yaml", kDenyPrivileged}}, args);
  // Ready once the policy set is loaded: before that every review is answered 503.
  EXPECT_TRUE(eventually([&] { return readyz(*hook) == 200; }, kWait)) << hook->process().stderr_text();
  return hook;
}

// Item 11: pods/status updates may change labels on a real API server.
TEST(QuarantineEscapeE2E, ThePodStatusSubresourceCannotRemoveTheLabel) {
  auto hook = standalone();
  json out = answer(*hook, review("UPDATE", "status", pod("web-1", false), pod("web-1", true), "bob"));
  EXPECT_FALSE(out["allowed"]);
  EXPECT_EQ(out["status"]["code"], 403);
  EXPECT_THAT(out["status"].value("message", ""), HasSubstr("removing the quarantine label kindlyguard.io/quarantine=true"));
  EXPECT_THAT(out["status"].value("message", ""), HasSubstr("through pods/status"));
  EXPECT_TRUE(answer(*hook, review("UPDATE", "status", pod("web-1", false), pod("web-1", true), "alice@example.com"))["allowed"]);
  // The kubelet's ordinary status updates go on.
  json running = pod("web-1", true);
  running["status"] = {{"phase", "Running"}};
  EXPECT_TRUE(answer(*hook, review("UPDATE", "status", running, pod("web-1", true), "system:node:w1", json::array({"system:nodes"})))["allowed"]);
}

// Item 12: deletion replaces the pod (through its owner) and loses the evidence.
TEST(QuarantineEscapeE2E, DeletingAQuarantinedPodIsReserved) {
  auto hook = standalone();
  for (bool dry_run : {false, true}) {
    json out = answer(*hook, review("DELETE", "", nullptr, pod("web-1", true), "bob", json::array({"developers"}), dry_run));
    EXPECT_FALSE(out["allowed"]) << "dryRun " << dry_run;
    EXPECT_EQ(out["status"]["code"], 403);
    const std::string msg = out["status"].value("message", "");
    EXPECT_THAT(msg, HasSubstr("pod team/web-1 is quarantined"));
    EXPECT_THAT(msg, HasSubstr("user \"bob\" (groups: developers)"));
    EXPECT_THAT(msg, HasSubstr("--quarantine-release-users"));
    EXPECT_THAT(msg, HasSubstr("release the pod"));
  }
  EXPECT_TRUE(answer(*hook, review("DELETE", "", nullptr, pod("web-1", true), "alice@example.com"))["allowed"]);
  EXPECT_TRUE(answer(*hook, review("DELETE", "", nullptr, pod("web-1", true), "carol", json::array({"security-team"})))["allowed"]);
  EXPECT_TRUE(answer(*hook, review("DELETE", "", nullptr, pod("web-1", false), "bob"))["allowed"]);
  // A scale-down and the garbage collector are not held up.
  for (const char* controller : {"system:serviceaccount:kube-system:replicaset-controller",
                                 "system:serviceaccount:kube-system:generic-garbage-collector"})
    EXPECT_TRUE(answer(*hook, review("DELETE", "", nullptr, pod("web-1", true), controller,
                                     {"system:serviceaccounts", "system:serviceaccounts:kube-system"}))["allowed"])
        << controller;
  // The kubelet finishes a deletion someone allowed.
  json terminating = pod("web-1", true);
  terminating["metadata"]["deletionTimestamp"] = "2026-12-03T10:00:00Z";
  EXPECT_TRUE(answer(*hook, review("DELETE", "", nullptr, terminating, "system:node:w1", json::array({"system:nodes"})))["allowed"]);
}

TEST(QuarantineEscapeE2E, DeleteUsersCanBeNarrowedToNobody) {
  auto hook = standalone({"--quarantine-delete-users="});
  json out = answer(*hook, review("DELETE", "", nullptr, pod("web-1", true),
                                  "system:serviceaccount:kube-system:replicaset-controller"));
  EXPECT_FALSE(out["allowed"]);
  EXPECT_THAT(out["status"].value("message", ""), HasSubstr("kept as evidence"));
}

// Cluster mode: the operator against the Kubernetes API test server.
class QuarantineEscapeClusterE2E : public ClusterTest {
 protected:
  QuarantineEscapeClusterE2E() : ClusterTest({.namespaces = {"kindlyguard", "team"}, .bookmark_interval = 1s}) {}

  std::unique_ptr<WebhookProcess> start_operator(std::vector<std::string> extra = {}) {
    auto hook = serve(concat({kFastLeaderElection, {"--quarantine-release-users=alice@example.com"}, extra}));
    // Ready: the informers (the pod cache included) have synced.
    EXPECT_TRUE(eventually([&] { return readyz(*hook) == 200; }, kWait)) << hook->process().stderr_text();
    return hook;
  }
};

// Item 12: kubectl drain evicts; a quarantined pod's eviction gets 429, as from a
// PodDisruptionBudget that allows no disruption, so the drain waits and prints why.
TEST_F(QuarantineEscapeClusterE2E, EvictingAQuarantinedPodWaitsLikeAPodDisruptionBudget) {
  api->store().create("pods", pod("web-1", true));
  api->store().create("pods", pod("web-2", false));
  auto hook = start_operator();

  json out = answer(*hook, review("CREATE", "eviction", eviction_of("web-1"), nullptr, "system:serviceaccount:kube-system:drainer"));
  EXPECT_FALSE(out["allowed"]);
  EXPECT_EQ(out["status"]["code"], 429);
  EXPECT_EQ(out["status"]["reason"], "TooManyRequests");
  EXPECT_THAT(out["status"].value("message", ""), HasSubstr("pod team/web-1 is quarantined"));
  EXPECT_THAT(out["status"].value("message", ""), HasSubstr("cannot be evicted"));
  // Dry runs alike; release users may evict; other and absent pods are not our business.
  EXPECT_FALSE(answer(*hook, review("CREATE", "eviction", eviction_of("web-1"), nullptr, "bob", json::array({"system:authenticated"}), true))["allowed"]);
  EXPECT_TRUE(answer(*hook, review("CREATE", "eviction", eviction_of("web-1"), nullptr, "alice@example.com"))["allowed"]);
  EXPECT_TRUE(answer(*hook, review("CREATE", "eviction", eviction_of("web-2"), nullptr, "bob"))["allowed"]);
  EXPECT_TRUE(answer(*hook, review("CREATE", "eviction", eviction_of("gone"), nullptr, "bob"))["allowed"]);

  // Quarantined while running: the pod cache follows, and so does the answer.
  api->store().merge_patch("pods", "team", "web-2", {{"metadata", {{"labels", {{kLabel, "true"}}}}}});
  // Until the cache has the label the eviction is allowed, and an allowed answer has no status.
  EXPECT_TRUE(eventually([&] {
    const json out = answer(*hook, review("CREATE", "eviction", eviction_of("web-2"), nullptr, "bob"));
    return out.is_object() && out.contains("status") && out["status"].is_object() && out["status"].value("code", 0) == 429;
  }, kWait));
}

// Item 13: with every allowance on, the AdminNetworkPolicy still only denies: an Allow (or Pass)
// at priority 0 would override what another admin policy denies.
TEST_F(QuarantineEscapeClusterE2E, TheAdminNetworkPolicyNeverAllows) {
  install_admin_network_policy_crd();
  auto hook = start_operator({"--quarantine-adminnetworkpolicy=true", "--quarantine-allow-dns=true",
                              "--quarantine-forensics-namespace=forensics"});
  auto anp = api->store().wait_for_object("adminnetworkpolicies", "", "kindlyguard-quarantine", nullptr, kWait);
  ASSERT_TRUE(anp) << hook->process().stderr_text();
  for (const char* dir : {"ingress", "egress"}) {
    ASSERT_FALSE((*anp)["spec"][dir].empty());
    for (const auto& rule : (*anp)["spec"][dir]) EXPECT_EQ(rule["action"], "Deny") << rule.dump();
  }
  // Forensics ingress and DNS egress are left undenied (other policies decide), not allowed.
  EXPECT_EQ((*anp)["spec"]["ingress"][0]["from"][0]["namespaces"]["matchExpressions"][0]["values"], json({"forensics"}));
}

}  // namespace
}  // namespace kindlyguard::testing
