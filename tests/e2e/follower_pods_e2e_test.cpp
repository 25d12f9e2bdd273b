// Followers do not hold the cluster's pods (issue 21): the pod cache runs only on the replica that
// leads. A follower lists and watches only the quarantined pods (the quarantine guard judges
// evictions from them), never the others; after a failover the new leader lists every pod and
// audits them. The two replicas authenticate as different users, so the API test server's
// request log tells their requests apart.
#include <csignal>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const char* kFollowerUser = "system:serviceaccount:kindlyguard:follower";

class FollowerPods : public ClusterTest {
 protected:
  FollowerPods() : ClusterTest({.namespaces = {"kindlyguard", "shop"}, .bookmark_interval = 1s}) {}

  std::vector<std::string> flags() const { return concat({kFastLeaderElection, {"--audit-interval", "1h"}}); }

  // A second replica that authenticates as kFollowerUser.
  std::unique_ptr<WebhookProcess> serve_as_follower(const std::string& pod_name) {
    api->add_token("follower-token", {kFollowerUser, {"system:serviceaccounts"}});
    const std::string config = dir.file("follower-kubeconfig");
    api->write_kubeconfig(config, "follower-token", "kindlyguard");
    return std::make_unique<WebhookProcess>(WebhookProcess::Cluster{config}, flags(),
                                            std::map<std::string, std::string>{{"POD_NAME", pod_name}});
  }

  // The pods lists and watches `user` made: all of them, or only those of every pod (without the
  // quarantine label's selector, the only one kindlyguard uses on pods).
  std::size_t pod_reads(const std::string& user, bool unselected_only) const {
    std::size_t n = 0;
    for (const char* verb : {"list", "watch"})
      for (const auto& r : api->requests().find({.verb = verb, .resource = "pods", .user = user}))
        if (!unselected_only || r.query.find("labelSelector=") == std::string::npos) ++n;
    return n;
  }

  std::string holder() const {
    auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
    return lease && lease->contains("spec") ? (*lease)["spec"].value("holderIdentity", "") : std::string();
  }

  // What the quarantine guard answers about evicting shop/`name` through `hook`.
  static json evict(WebhookProcess& hook, const std::string& name) {
    json req = {{"uid", "evict-1"},
                {"kind", {{"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"}}},
                {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                {"subResource", "eviction"},
                {"namespace", "shop"},
                {"name", name},
                {"operation", "CREATE"},
                {"userInfo", {{"username", "system:serviceaccount:kube-system:drainer"}, {"groups", json::array()}}},
                {"object", {{"apiVersion", "policy/v1"}, {"kind", "Eviction"},
                            {"metadata", {{"name", name}, {"namespace", "shop"}}}}}};
    auto out = hook.review(json{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}}.dump());
    if (!out.ok() || out->status != 200) return json::object();
    return json::parse(out->body)["response"];
  }
};

TEST_F(FollowerPods, AFollowerNeverListsPodsAndTheNewLeaderDoesAfterFailover) {
  api->store().create("securitypolicies", {{"apiVersion", "kindlyguard.io/v1alpha1"},
                                           {"kind", "SecurityPolicy"},
                                           {"metadata", {{"name", "no-privileged"}}},
                                           {"spec", {{"enforcement", "Deny"}, {"rules", {{"privileged", false}}}}}});
  json quarantined = compliant_pod("evidence", "shop");
  quarantined["metadata"]["labels"]["kindlyguard.io/quarantine"] = "true";
  api->store().create("pods", quarantined);
  api->store().create("pods", compliant_pod("web", "shop"));

  auto a = serve(flags(), "replica-a");
  ASSERT_TRUE(eventually([&] { return holder() == "replica-a"; }, 20s)) << a->process().stderr_text();
  ASSERT_TRUE(eventually([&] { return readyz(*a) == 200; }, 20s)) << a->process().stderr_text();
  // The leader lists every pod (its pod cache) and the quarantined ones (the guard's).
  ASSERT_TRUE(eventually([&] { return pod_reads(kOperatorUser, true) > 0; }, 20s));

  auto b = serve_as_follower("replica-b");
  ASSERT_TRUE(eventually([&] { return readyz(*b) == 200; }, 20s)) << b->process().stderr_text();
  ASSERT_TRUE(eventually([&] { return b->process().stderr_text().find("leader observed") != std::string::npos; }, 20s))
      << b->process().stderr_text();
  // Ready means its quarantined-pods informer has listed and watches; the guard judges from it.
  EXPECT_GT(pod_reads(kFollowerUser, false), 0u);
  EXPECT_EQ(evict(*b, "evidence").value("allowed", true), false);
  EXPECT_EQ(evict(*b, "web").value("allowed", false), true);
  EXPECT_EQ(pod_reads(kFollowerUser, true), 0u) << "a follower listed or watched every pod";
  EXPECT_EQ(holder(), "replica-a");

  // Failover: the leader freezes, b takes the lease, lists every pod and audits them.
  a->process().signal(SIGSTOP);
  ASSERT_TRUE(eventually([&] { return holder() == "replica-b"; }, 30s)) << b->process().stderr_text();
  EXPECT_TRUE(eventually([&] { return pod_reads(kFollowerUser, true) > 0; }, 20s)) << b->process().stderr_text();
  EXPECT_TRUE(eventually([&] {
    for (const auto& r : api->requests().find({.verb = "patch", .user = kFollowerUser}))
      if (r.path.find("securitypolicies") != std::string::npos && r.body.find("lastAuditTime") != std::string::npos)
        return true;
    return false;
  }, 30s)) << b->process().stderr_text();
  a->process().signal(SIGCONT);
  EXPECT_TRUE(eventually([&] { return a->process().stderr_text().find("stopped leading") != std::string::npos ||
                                      a->process().stderr_text().find("leader observed") != std::string::npos; },
                         20s));
}

}  // namespace
}  // namespace kindlyguard::testing
