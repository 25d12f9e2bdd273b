// The real binary in cluster mode against the Kubernetes API test server: SecurityPolicies
// created, changed, made invalid and deleted through the API change the webhook's verdicts;
// status conditions are written; /readyz follows the informers; watch drops, 410s and an API
// server restart lose no update; two replicas elect one leader and fail over.
#include <csignal>

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

const char* kUser = kOperatorUser;

json policy(const std::string& name, const std::string& enforcement, json rules) {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicy"},
          {"metadata", {{"name", name}}},
          {"spec", {{"enforcement", enforcement}, {"rules", std::move(rules)}}}};
}

class OperatorE2E : public ClusterTest {
 protected:
  OperatorE2E() : ClusterTest({.bookmark_interval = 1s}) {}

  std::unique_ptr<WebhookProcess> start_webhook(const std::string& identity = "replica-a",
                                                std::vector<std::string> extra = {}) {
    return serve(concat({kFastLeaderElection, extra}), identity);
  }

  // The verdict on `pod`: "allowed", "denied" or "warned".
  static std::string verdict(WebhookProcess& hook, const json& pod) {
    auto r = hook.review(review_json(pod.dump()));
    if (!r.ok() || r->status != 200) return "error";
    json resp = json::parse(r->body)["response"];
    if (!resp.value("allowed", false)) return "denied";
    return resp.contains("warnings") ? "warned" : "allowed";
  }

  // Polls until the verdict is `want`; returns how long it took (or -1 ms on timeout).
  static std::chrono::milliseconds until_verdict(WebhookProcess& hook, const json& pod, const std::string& want) {
    const auto start = std::chrono::steady_clock::now();
    bool ok = eventually([&] { return verdict(hook, pod) == want; }, 20s);
    if (!ok) return -1ms;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }

  json ready_condition(const std::string& name) {
    auto obj = api->store().get("securitypolicies", "", name);
    if (!obj || !obj->contains("status")) return json::object();
    for (const auto& c : (*obj)["status"].value("conditions", json::array()))
      if (c.value("type", "") == "Ready") return c;
    return json::object();
  }

  bool wait_ready_condition(const std::string& name, const std::string& status, std::int64_t generation) {
    return eventually(
        [&] {
          json c = ready_condition(name);
          return c.value("status", "") == status && c.value("observedGeneration", std::int64_t{0}) == generation;
        },
        20s);
  }
};

TEST_F(OperatorE2E, PolicyLifecycleThroughTheApiChangesVerdictsAndStatus) {
  auto hook = start_webhook();
  ASSERT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 20s)) << hook->process().stderr_text();
  EXPECT_EQ(verdict(*hook, privileged_pod()), "allowed");

  api->store().create("securitypolicies", policy("no-privileged", "Deny", {{"privileged", false}}));
  auto took = until_verdict(*hook, privileged_pod(), "denied");
  ASSERT_GE(took.count(), 0) << hook->process().stderr_text();
  std::cout << "[ measured ] create -> denied in " << took.count() << " ms\n";
  EXPECT_EQ(verdict(*hook, compliant_pod()), "allowed");
  ASSERT_TRUE(wait_ready_condition("no-privileged", "True", 1)) << ready_condition("no-privileged").dump();
  EXPECT_EQ(ready_condition("no-privileged")["reason"], "Accepted");

  // Made invalid: never takes effect; the last valid version stays in force and the condition says so.
  auto obj = *api->store().get("securitypolicies", "", "no-privileged");
  obj["spec"]["rules"]["privileged"] = "nope";
  obj["spec"]["enforcement"] = "Warn";
  api->store().update("securitypolicies", obj);
  ASSERT_TRUE(wait_ready_condition("no-privileged", "False", 2)) << ready_condition("no-privileged").dump();
  json cond = ready_condition("no-privileged");
  EXPECT_EQ(cond["reason"], "Invalid");
  EXPECT_THAT(cond.value("message", ""), HasSubstr("spec.rules.privileged"));
  EXPECT_THAT(cond.value("message", ""), HasSubstr("generation 1"));
  EXPECT_EQ(verdict(*hook, privileged_pod()), "denied");

  // Fixed and changed to Warn: takes effect.
  obj = *api->store().get("securitypolicies", "", "no-privileged");
  obj["spec"]["rules"]["privileged"] = false;
  api->store().update("securitypolicies", obj);
  took = until_verdict(*hook, privileged_pod(), "warned");
  ASSERT_GE(took.count(), 0);
  std::cout << "[ measured ] update -> warned in " << took.count() << " ms\n";
  ASSERT_TRUE(wait_ready_condition("no-privileged", "True", 3));

  api->store().remove("securitypolicies", "", "no-privileged");
  took = until_verdict(*hook, privileged_pod(), "allowed");
  ASSERT_GE(took.count(), 0);
  std::cout << "[ measured ] delete -> allowed in " << took.count() << " ms\n";

  // Status is written through the status subresource, conditionally, by our service account.
  auto used = api->requests().permissions(kUser);
  bool wrote_status = false;
  for (const auto& [group, resource, verb] : used)
    wrote_status |= resource == "securitypolicies/status" && verb == "update";
  EXPECT_TRUE(wrote_status);
}

TEST_F(OperatorE2E, InvalidFromTheStartNeverTakesEffect) {
  auto hook = start_webhook();
  ASSERT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 20s));
  json bad = policy("typo", "Deny", {{"privilegd", false}, {"hostPorts", false}});
  api->store().create("securitypolicies", bad);
  ASSERT_TRUE(wait_ready_condition("typo", "False", 1));
  EXPECT_THAT(ready_condition("typo").value("message", ""), HasSubstr("privilegd"));
  EXPECT_THAT(ready_condition("typo").value("message", ""), HasSubstr("not in force"));
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["ports"] = json::array({{{"containerPort", 80}, {"hostPort", 80}}});
  EXPECT_EQ(verdict(*hook, pod), "allowed");
}

TEST_F(OperatorE2E, NamespaceLabelsFromTheApiFeedNamespaceSelector) {
  auto hook = start_webhook();
  ASSERT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 20s));
  api->store().create("namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                     {"metadata", {{"name", "prod"}, {"labels", {{"env", "prod"}}}}}});
  json p = policy("prod-only", "Deny", {{"privileged", false}});
  p["spec"]["match"] = {{"namespaceSelector", {{"matchLabels", {{"env", "prod"}}}}}};
  api->store().create("securitypolicies", p);
  json in_prod = privileged_pod();
  in_prod["metadata"]["namespace"] = "prod";
  ASSERT_GE(until_verdict(*hook, in_prod, "denied").count(), 0);
  EXPECT_EQ(verdict(*hook, privileged_pod()), "allowed");  // default has no env=prod label

  // Relabelled: the selector follows the namespace informer.
  api->store().update("namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                     {"metadata", {{"name", "prod"}, {"labels", {{"env", "staging"}}}}}});
  EXPECT_GE(until_verdict(*hook, in_prod, "allowed").count(), 0);
}

TEST_F(OperatorE2E, WatchDropsExpiryAndRestartLoseNoUpdate) {
  auto hook = start_webhook();
  ASSERT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 20s));
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 20s));

  // A dropped stream: resumed from the last resourceVersion.
  api->drop_watches("securitypolicies");
  api->store().create("securitypolicies", policy("a", "Deny", {{"privileged", false}}));
  ASSERT_GE(until_verdict(*hook, privileged_pod(), "denied").count(), 0);

  // History compacted while the watch is away, then the watch expires: 410 and a relist that
  // also finds the delete that happened meanwhile.
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 20s));
  api->faults().fail_next("watch", "securitypolicies", 503, 2);
  api->drop_watches("securitypolicies");
  api->store().remove("securitypolicies", "", "a");
  api->store().create("securitypolicies", policy("b", "Warn", {{"privileged", false}}));
  api->compact();
  ASSERT_GE(until_verdict(*hook, privileged_pod(), "warned").count(), 0) << hook->process().stderr_text();

  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 20s));
  api->expire_watches("securitypolicies");
  api->store().remove("securitypolicies", "", "b");
  ASSERT_GE(until_verdict(*hook, privileged_pod(), "allowed").count(), 0);

  // A restarted API server with a new history.
  api->restart();
  api->store().create("securitypolicies", policy("c", "Deny", {{"privileged", false}}));
  ASSERT_GE(until_verdict(*hook, privileged_pod(), "denied").count(), 0) << hook->process().stderr_text();

  // What an admin sees of it on /metrics.
  auto m = server::request("GET", "http://127.0.0.1:" + std::to_string(hook->metrics_port()) + "/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(m->body, HasSubstr("kindly_security_watch_restarts_total{reason=\"expired\",resource=\"securitypolicies.kindlyguard.io\"}"));
  EXPECT_THAT(m->body, HasSubstr("kindly_security_watch_restarts_total{reason=\"failed\",resource=\"securitypolicies.kindlyguard.io\"}"));
  EXPECT_THAT(m->body, HasSubstr("kindly_security_api_requests_total{code=\"503\",verb=\"watch\"}"));
}

TEST_F(OperatorE2E, ReadyzWaitsForTheApiServerAndSaysWhy) {
  api->suspend();
  auto hook = start_webhook();
  std::string body;
  EXPECT_EQ(readyz(*hook, &body), 503);
  EXPECT_THAT(body, HasSubstr("securitypolicies"));
  EXPECT_THAT(body, HasSubstr(api->url()));
  api->resume();
  EXPECT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 30s)) << hook->process().stderr_text();
}

// An API server outage after sync: the last policies stay in force and the replica stays ready
// (503 from every replica would take them all out of the Service and, with failurePolicy Fail,
// stop every pod creation in the cluster); the informers and the Lease back off instead of
// spinning; when the API server is back, changes made meanwhile arrive.
TEST_F(OperatorE2E, ApiServerDownMidWayKeepsPoliciesInForceWithoutSpinning) {
  auto hook = start_webhook();
  ASSERT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 20s));
  api->store().create("securitypolicies", policy("a", "Deny", {{"privileged", false}}));
  ASSERT_GE(until_verdict(*hook, privileged_pod(), "denied").count(), 0);

  api->suspend();
  const double cpu_before = cpu_seconds(hook->process().pid());
  for (int i = 0; i < 10; ++i) {  // ten seconds down: many failed watches and lease renewals
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(verdict(*hook, privileged_pod()), "denied");
    EXPECT_EQ(readyz(*hook), 200);
  }
  const double cpu = cpu_seconds(hook->process().pid()) - cpu_before;
  // Retrying without backoff keeps a core busy (ten CPU seconds here); backing off costs a few
  // milliseconds per attempt. The bound is loose enough for a sanitizer build on a loaded machine.
  EXPECT_LT(cpu, 2.5) << "CPU seconds used in ten seconds of API outage";

  // Changed while the webhook could not see it.
  api->store().create("securitypolicies", policy("b", "Deny", {{"hostNamespaces", false}}));
  api->store().remove("securitypolicies", "", "a");
  api->resume();
  ASSERT_GE(until_verdict(*hook, privileged_pod(), "allowed").count(), 0) << hook->process().stderr_text();
  json host_network = compliant_pod();
  host_network["spec"]["hostNetwork"] = true;
  EXPECT_EQ(verdict(*hook, host_network), "denied");
}

TEST_F(OperatorE2E, TwoReplicasElectOneLeaderAndFailOver) {
  auto a = start_webhook("replica-a");
  ASSERT_TRUE(eventually([&] { return readyz(*a) == 200; }, 20s));
  auto holder = [&] {
    auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
    return lease && lease->contains("spec") ? (*lease)["spec"].value("holderIdentity", "") : std::string();
  };
  ASSERT_TRUE(eventually([&] { return holder() == "replica-a"; }, 20s));
  auto b = start_webhook("replica-b");
  ASSERT_TRUE(eventually([&] { return readyz(*b) == 200; }, 20s));

  // Both serve the webhook from their own caches.
  api->store().create("securitypolicies", policy("no-privileged", "Deny", {{"privileged", false}}));
  ASSERT_GE(until_verdict(*a, privileged_pod(), "denied").count(), 0);
  ASSERT_GE(until_verdict(*b, privileged_pod(), "denied").count(), 0);
  EXPECT_EQ(holder(), "replica-a");

  // The leader stops renewing (frozen, as a hung node would be): b takes over after the lease.
  a->process().signal(SIGSTOP);
  EXPECT_TRUE(eventually([&] { return holder() == "replica-b"; }, 30s)) << b->process().stderr_text();
  // The Lease is written before the log line: wait for the line rather than read it at once.
  EXPECT_TRUE(eventually([&] { return b->process().stderr_text().find("became the leader") != std::string::npos; }, 20s))
      << b->process().stderr_text();
  // The new leader's controllers write: a new policy gets its status from b.
  api->store().create("securitypolicies", policy("no-host-ports", "Deny", {{"hostPorts", false}}));
  EXPECT_TRUE(wait_ready_condition("no-host-ports", "True", 1));
  a->process().signal(SIGCONT);
  // a sees it lost the lease and does not take it back.
  EXPECT_TRUE(eventually([&] { return a->process().stderr_text().find("stopped leading") != std::string::npos ||
                                      a->process().stderr_text().find("leader observed") != std::string::npos; },
                         20s));
  EXPECT_EQ(holder(), "replica-b");
}

// Leader election has its own client (issue 21): with the shared client's rate limiter all but
// exhausted (one request, then one per 100 s), the informers wait for tokens, and the Lease is
// still taken and renewed. On one shared client the renewals queued behind everything else.
TEST_F(OperatorE2E, LeaseRenewalsDoNotQueueBehindTheSharedClient) {
  auto a = start_webhook("replica-a", {"--kube-api-qps", "0.01", "--kube-api-burst", "1"});
  auto renewed = [&] {
    auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
    return lease && lease->contains("spec") ? (*lease)["spec"].value("renewTime", "") : std::string();
  };
  ASSERT_TRUE(eventually([&] {
    auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
    return lease && lease->contains("spec") && (*lease)["spec"].value("holderIdentity", "") == "replica-a";
  }, 20s)) << a->process().stderr_text();
  // Renewed again and again while the shared client is starved (renewTime has second precision).
  const std::string first = renewed();
  EXPECT_TRUE(eventually([&] { return !renewed().empty() && renewed() != first; }, 20s)) << a->process().stderr_text();
  EXPECT_EQ(a->process().stderr_text().find("stopped leading"), std::string::npos) << a->process().stderr_text();
}

TEST_F(OperatorE2E, GracefulStopReleasesTheLease) {
  auto a = start_webhook("replica-a");
  ASSERT_TRUE(eventually([&] {
    auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
    return lease && lease->contains("spec") && (*lease)["spec"].value("holderIdentity", "") == "replica-a";
  }, 20s));
  a->process().signal(SIGTERM);
  ASSERT_EQ(a->process().wait_exit(20s), std::optional<int>(0)) << a->process().stderr_text();
  auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ((*lease)["spec"].value("holderIdentity", ""), "");
}

// SIGTERM ends the process within --shutdown-grace plus the operator's stop budget (10 s)
// whatever is in flight (issue 21): here the API server stops answering writes while the
// policy-status controller writes a new policy's status, and a controller's stop waits for its
// reconcile, which alone would hold the process for the client's 30 s request timeout.
TEST_F(OperatorE2E, SigtermExitsInTimeWhateverIsInFlight) {
  auto a = start_webhook("replica-a");
  ASSERT_TRUE(eventually([&] {
    auto lease = api->store().get("leases", "kindlyguard", "kindlyguard-controller");
    return lease && lease->contains("spec") && (*lease)["spec"].value("holderIdentity", "") == "replica-a";
  }, 20s));
  ASSERT_TRUE(eventually([&] { return readyz(*a) == 200; }, 20s));
  kindly::testapi::FaultRule hang;
  hang.verb = "create,update,patch";
  hang.resource = "*";
  hang.code = 0;
  hang.count = -1;
  hang.delay = 120s;
  api->faults().add(hang);
  api->store().create("securitypolicies", policy("no-privileged", "Deny", {{"privileged", false}}));
  // The policy is in force, so its informer event has reached the status controller too.
  ASSERT_GE(until_verdict(*a, privileged_pod(), "denied").count(), 0);
  a->process().signal(SIGTERM);
  // The bound is 1 s + 10 s; 25 s leaves room for a loaded machine and stays under 30 s.
  ASSERT_EQ(a->process().wait_exit(25s), std::optional<int>(0)) << a->process().stderr_text();
}

TEST(OperatorFlags, NoClusterAndNoPolicyDirIsAClearError) {
  TempDir d;
  auto certs = run_binary({"certs", "self-signed", "--out-dir", d.file("tls")});
  ASSERT_EQ(certs.exit_code, 0);
  auto r = run_binary({"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--tls-cert-file",
                       d.file("tls/tls.crt"), "--tls-key-file", d.file("tls/tls.key"), "--kubeconfig",
                       d.file("missing-kubeconfig")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing-kubeconfig"));
  EXPECT_THAT(r.err, HasSubstr("--policy-dir"));
}

}  // namespace
}  // namespace kindlyguard::testing
