// SecurityPolicyExceptions in cluster mode, from the real binary against the Kubernetes API test
// server: an exception created through the API excuses within a second (measured); a pod reached
// through ReplicaSet -> Deployment gets the Deployment's answer and a forged ownerReference does
// not; the background audit's PolicyReport says `skip` naming the exception where the webhook
// allows, and `fail` where it denies; status conditions go Active -> Expired at expiresAt with
// ExceptionExpiring / ExceptionExpired Events, and the webhook denies again from that second; an
// invalid exception excuses nothing and says why; a deleted one excuses nothing.
#include <ctime>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/util/time.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

const char* kEvents = "events.events.k8s.io";  // the test server's "events" is core/v1
const char* kExceptions = "securitypolicyexceptions";

json deny_privileged() {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicy"},
          {"metadata", {{"name", "no-privileged"}}},
          {"spec", {{"enforcement", "Deny"}, {"rules", {{"privileged", false}}}}}};
}

json exception(const std::string& name, json match = json::object(), const std::string& expires = "") {
  json spec = {{"exceptions", json::array({{{"policy", "no-privileged"}, {"rules", json::array({"privileged"})}}})},
               {"reason", "The CNI agent configures the host network."},
               {"ticket", "SEC-1"}};
  if (!match.empty()) spec["match"] = std::move(match);
  if (!expires.empty()) spec["expiresAt"] = expires;
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicyException"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", std::move(spec)}};
}

json running(json pod) {
  pod["status"] = {{"phase", "Running"}};
  return pod;
}

json owned_by(json object, const json& owner) {
  object["metadata"]["ownerReferences"] = {{{"apiVersion", owner["apiVersion"]},
                                            {"kind", owner["kind"]},
                                            {"name", owner["metadata"]["name"]},
                                            {"uid", owner["metadata"]["uid"]},
                                            {"controller", true}}};
  return object;
}

class ExceptionCluster : public ClusterTest {
 protected:
  ExceptionCluster() : ClusterTest({.namespaces = {"kindlyguard", "shop"}, .bookmark_interval = 1s}) {}

  std::unique_ptr<WebhookProcess> start(std::vector<std::string> extra = {}) {
    auto hook = serve(concat({kFastLeaderElection, {"--audit-interval", "1s"}, extra}));
    EXPECT_TRUE(eventually([&] { return readyz(*hook) == 200; }, 20s)) << hook->process().stderr_text();
    return hook;
  }

  // The answer to a CREATE review of `object`: allowed, its warnings.
  struct Answer {
    std::string verdict;  // "allowed", "denied", "excused" (allowed with an exception's warning), "error"
    std::string text;     // warnings or the denial message
  };
  static Answer answer(WebhookProcess& hook, const json& object) {
    auto r = hook.review(review_json(object.dump()));
    if (!r.ok() || r->status != 200) return {"error", r.ok() ? r->body : r.error().to_string()};
    json resp = json::parse(r->body)["response"];
    if (!resp.value("allowed", false)) return {"denied", resp["status"].value("message", "")};
    std::string warnings;
    for (const auto& w : resp.value("warnings", json::array())) warnings += w.get<std::string>() + "\n";
    return {warnings.find("SecurityPolicyException") != std::string::npos ? "excused" : "allowed", warnings};
  }
  static std::string verdict(WebhookProcess& hook, const json& object) { return answer(hook, object).verdict; }

  json condition(const std::string& name, const std::string& type) {
    auto obj = api->store().get(kExceptions, "shop", name);
    if (!obj || !obj->contains("status")) return json::object();
    for (const auto& c : (*obj)["status"].value("conditions", json::array()))
      if (c.value("type", "") == type) return c;
    return json::object();
  }
  bool wait_condition(const std::string& name, const std::string& type, std::chrono::milliseconds timeout = 20s) {
    return eventually([&] { return condition(name, type).value("status", "") == "True"; }, timeout);
  }

  std::vector<json> events_about(const std::string& name, const std::string& reason) {
    std::vector<json> out;
    for (const auto& e : api->store().list(kEvents, "shop"))
      if (e["regarding"].value("name", "") == name && e.value("reason", "") == reason) out.push_back(e);
    return out;
  }
};

TEST_F(ExceptionCluster, CreateExcusesWithinASecondInvalidExcusesNothingDeleteDeniesAgain) {
  api->store().create("securitypolicies", deny_privileged());
  auto hook = start();
  const json pod = privileged_pod("cni-agent", "shop");
  ASSERT_TRUE(eventually([&] { return verdict(*hook, pod) == "denied"; }, 20s)) << hook->process().stderr_text();

  const auto created = std::chrono::steady_clock::now();
  api->store().create(kExceptions, exception("cni"));
  ASSERT_TRUE(eventually([&] { return verdict(*hook, pod) == "excused"; }, 20s)) << hook->process().stderr_text();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - created);
  std::cout << "[ measured ] SecurityPolicyException create -> excused in " << took.count() << " ms\n";
  // Informer-driven (about 40 ms when the machine is idle); the bound only tells a watch from the
  // resync (10 minutes), so a loaded CI machine cannot make it fail.
  EXPECT_LE(took, 10s);
  auto a = answer(*hook, pod);
  EXPECT_THAT(a.text, HasSubstr("SecurityPolicyException shop/cni excuses no-privileged/privileged"));
  EXPECT_THAT(a.text, HasSubstr("The CNI agent configures the host network."));
  // Only its own namespace.
  EXPECT_EQ(verdict(*hook, privileged_pod("cni-agent", "default")), "denied");

  ASSERT_TRUE(wait_condition("cni", "Active")) << api->store().get(kExceptions, "shop", "cni")->dump();
  EXPECT_EQ(condition("cni", "Active")["reason"], "Accepted");
  EXPECT_EQ(condition("cni", "Active")["observedGeneration"], 1);
  EXPECT_EQ(condition("cni", "Expired")["status"], "False");
  EXPECT_EQ(condition("cni", "Invalid")["status"], "False");
  // lastUsed follows the webhook's use.
  ASSERT_TRUE(eventually([&] { return api->store().get(kExceptions, "shop", "cni")->value("status", json::object()).contains("lastUsed"); }, 20s));

  // Invalid: a reason left blank. The parser's message, and nothing excused.
  json bad = exception("blank");
  bad["spec"]["reason"] = " ";
  bad["spec"]["exceptions"][0]["rules"] = json::array({"hostPorts"});
  api->store().create(kExceptions, bad);
  ASSERT_TRUE(wait_condition("blank", "Invalid")) << api->store().get(kExceptions, "shop", "blank")->dump();
  EXPECT_THAT(condition("blank", "Invalid").value("message", ""), HasSubstr("spec.reason"));
  EXPECT_EQ(condition("blank", "Active")["status"], "False");

  const auto deleted = std::chrono::steady_clock::now();
  api->store().remove(kExceptions, "shop", "cni");
  ASSERT_TRUE(eventually([&] { return verdict(*hook, pod) == "denied"; }, 20s));
  std::cout << "[ measured ] SecurityPolicyException delete -> denied in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - deleted).count()
            << " ms\n";
}

TEST_F(ExceptionCluster, OwnerChainGetsTheDeploymentsAnswerForgedReferencesDoNotAndTheAuditAgrees) {
  api->store().create("securitypolicies", deny_privileged());
  const json deployment = api->store().create("deployments", as_workload(privileged_pod("cni", "shop"), "Deployment"));
  json rs = as_workload(privileged_pod("cni-5d8f", "shop"), "ReplicaSet");
  rs = api->store().create("replicasets", owned_by(rs, deployment));
  const json pod = owned_by(privileged_pod("cni-5d8f-x2x", "shop"), rs);
  json forged = privileged_pod("cni-forged", "shop");
  forged["metadata"]["ownerReferences"] = owned_by(forged, rs)["metadata"]["ownerReferences"];
  forged["metadata"]["ownerReferences"][0]["uid"] = "not-the-replicaset";
  const json bare = privileged_pod("cni-bare", "shop");  // same namespace, no owner
  for (const json& p : {pod, forged, bare}) api->store().create("pods", running(p));
  api->store().create(kExceptions,
                      exception("cni", {{"kinds", json::array({"Deployment"})}, {"names", json::array({"cni*"})}}));
  auto hook = start();

  // The Deployment, its ReplicaSet and its pod get one answer; the forged and the bare pod another.
  ASSERT_TRUE(eventually([&] { return verdict(*hook, pod) == "excused"; }, 20s)) << hook->process().stderr_text();
  EXPECT_EQ(verdict(*hook, deployment), "excused");
  EXPECT_EQ(verdict(*hook, rs), "excused");
  EXPECT_EQ(verdict(*hook, forged), "denied");
  EXPECT_EQ(verdict(*hook, bare), "denied");

  // The background audit: skip naming the exception where the webhook excuses, fail where it denies.
  auto report = api->store().wait_for_object(
      "policyreports", "shop", "kindlyguard",
      [](const json& r) { return r["summary"].value("skip", 0) == 1 && r["summary"].value("fail", 0) == 2; }, 30s);
  ASSERT_TRUE(report) << hook->process().stderr_text();
  std::map<std::string, json> by_pod;
  for (const auto& r : (*report)["results"])
    if (r["rule"] == "privileged") by_pod[r["resources"][0]["name"]] = r;
  EXPECT_EQ(by_pod["cni-5d8f-x2x"]["result"], "skip");
  EXPECT_EQ(by_pod["cni-5d8f-x2x"]["properties"]["exception"], "shop/cni");
  EXPECT_THAT(by_pod["cni-5d8f-x2x"].value("message", ""), HasSubstr("shop/cni"));
  EXPECT_EQ(by_pod["cni-forged"]["result"], "fail");
  EXPECT_EQ(by_pod["cni-bare"]["result"], "fail");
  ASSERT_TRUE(eventually([&] { return api->store().get("securitypolicies", "", "no-privileged")->value("status", json::object()).value("violations", -1) == 2; }, 20s));

  // status.matchedObjects from the audit.
  ASSERT_TRUE(eventually(
      [&] { return api->store().get(kExceptions, "shop", "cni")->value("status", json::object()).value("matchedObjects", -1) == 1; },
      20s))
      << api->store().get(kExceptions, "shop", "cni")->dump();
  // The owners are read with get (the chart's RBAC must grant it).
  std::set<std::string> got;
  for (const auto& [group, resource, verb] : api->requests().permissions(kOperatorUser))
    if (verb == "get") got.insert(resource);
  EXPECT_TRUE(got.count("replicasets")) << "owners read with get";
  EXPECT_TRUE(got.count("deployments"));
}

// The wall clock in whole seconds as the binary reads it (system_clock). Not std::time(): glibc
// answers it from the coarse clock, which can lag a tick behind, so right after a second begins
// it may still say the previous one while the binary, woken at that exact second, already acted.
std::time_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST_F(ExceptionCluster, ExpiresAtTheSecondWithConditionsAndEventsAndTheWebhookDeniesFromThen) {
  api->store().create("securitypolicies", deny_privileged());
  api->store().create("pods", running(privileged_pod("cni-agent", "shop")));
  auto hook = start({"--exception-expiring-warning", "5s"});
  const json pod = privileged_pod("cni-agent", "shop");
  ASSERT_TRUE(eventually([&] { return verdict(*hook, pod) == "denied"; }, 30s)) << hook->process().stderr_text();
  // Seconds ahead of a process that is already judging, whole seconds (as expiresAt is written):
  // room for a loaded machine to see the exception in force before it ends.
  const std::time_t expires = wall_seconds() + 10;
  const std::string expires_text = format_k8s_time(expires);
  api->store().create(kExceptions, exception("cni", json::object(), expires_text));

  ASSERT_TRUE(eventually([&] { return verdict(*hook, pod) == "excused"; }, 20s)) << hook->process().stderr_text();
  EXPECT_THAT(answer(*hook, pod).text, HasSubstr("expires " + expires_text));
  ASSERT_TRUE(wait_condition("cni", "Active", 10s)) << hook->process().stderr_text();

  // ExpiresSoon and its Event from expiresAt - 5s.
  ASSERT_TRUE(eventually([&] { return condition("cni", "Active").value("reason", "") == "ExpiresSoon"; }, 10s))
      << api->store().get(kExceptions, "shop", "cni")->dump();
  EXPECT_GE(wall_seconds(), expires - 5);
  ASSERT_TRUE(eventually([&] { return !events_about("cni", "ExceptionExpiring").empty(); }, 10s));
  EXPECT_EQ(events_about("cni", "ExceptionExpiring")[0]["type"], "Warning");

  // The webhook stops excusing at the second itself, with no lag.
  ASSERT_TRUE(eventually([&] { return wall_seconds() >= expires; }, 10s));
  EXPECT_EQ(verdict(*hook, pod), "denied");

  // Expired condition and Event at expiresAt.
  ASSERT_TRUE(wait_condition("cni", "Expired", 10s)) << api->store().get(kExceptions, "shop", "cni")->dump();
  const auto observed = wall_seconds();
  std::cout << "[ measured ] Expired condition seen " << observed - expires << " s after expiresAt\n";
  EXPECT_LE(observed - expires, 5);  // measured 0 s; scheduled at the second, not polled
  EXPECT_EQ(condition("cni", "Expired")["message"], "expired at " + expires_text);
  EXPECT_EQ(condition("cni", "Active")["status"], "False");
  ASSERT_TRUE(eventually([&] { return !events_about("cni", "ExceptionExpired").empty(); }, 10s));

  // The audit judges the pod again: fail, no skip.
  auto report = api->store().wait_for_object(
      "policyreports", "shop", "kindlyguard",
      [](const json& r) { return r["summary"].value("fail", 0) == 1 && r["summary"].value("skip", 0) == 0; }, 20s);
  EXPECT_TRUE(report);
  // Said once: a little later there is still one Event of each, and the gauge counts it expired.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(events_about("cni", "ExceptionExpired").size(), 1u);
  EXPECT_EQ(events_about("cni", "ExceptionExpired")[0].value("series", json::object()).value("count", 1), 1);
  EXPECT_EQ(metric(*hook, "kindly_security_exceptions{state=\"expired\"}"), 1);
  EXPECT_EQ(metric(*hook, "kindly_security_exceptions_expired_total"), 1);
}

}  // namespace
}  // namespace kindlyguard::testing
