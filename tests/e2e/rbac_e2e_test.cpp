// The chart's RBAC is exactly what the binary calls: the real binary, run with the flags the chart
// passes by default, goes through everything it does (policies and their status, self-managed
// certificates, leader election, a quarantine and its release, the background audit's reports
// created, updated and deleted, PolicyViolation Events created and aggregated, an exception's
// status and the owner lookups it makes the webhook do) against the test
// API server as the chart's service account; then every call it made must be granted by the
// rendered ClusterRole/Role of manifests/install.yaml, and every verb granted must have been used.
#include <set>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/policy/parse.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/process.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Permission = std::tuple<std::string, std::string, std::string>;  // (group, resource[/sub], verb)

const char* kUser = kOperatorUser;

std::vector<json> rendered_install() {
  auto docs = policy::decode_documents(read_file(std::string(KINDLY_SOURCE_DIR) + "/manifests/install.yaml"), "install.yaml");
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().to_string());
  return docs.ok() ? *docs : std::vector<json>{};
}

// Every (group, resource, verb) the chart's roles for our service account grant.
std::set<Permission> granted(const std::vector<json>& objects) {
  std::set<Permission> out;
  for (const auto& o : objects) {
    const std::string kind = o.value("kind", "");
    if (kind != "ClusterRole" && kind != "Role") continue;
    for (const auto& rule : o.value("rules", json::array()))
      for (const auto& g : rule["apiGroups"])
        for (const auto& r : rule["resources"])
          for (const auto& v : rule["verbs"]) out.emplace(g.get<std::string>(), r.get<std::string>(), v.get<std::string>());
  }
  return out;
}

std::vector<std::string> args_of(const std::vector<json>& objects) {
  for (const auto& o : objects)
    if (o.value("kind", "") == "Deployment")
      for (const auto& c : o["spec"]["template"]["spec"]["containers"])
        if (c.value("name", "") == "kindlyguard") return c["args"].get<std::vector<std::string>>();
  return {};
}

TEST(ChartRbac, GrantsExactlyWhatTheBinaryCalls) {
  const auto objects = rendered_install();
  const auto grants = granted(objects);
  ASSERT_FALSE(grants.empty());
  auto chart_args = args_of(objects);
  ASSERT_FALSE(chart_args.empty());

  TestCluster cluster({.token = "sa",
                       .groups = {"system:serviceaccounts", "system:serviceaccounts:kindlyguard"},
                       .namespaces = {"kindlyguard", "shop"}});
  kindly::testapi::TestApiServer& api = *cluster.api;
  for (const auto& obj : objects)
    if (obj.value("kind", "") == "ValidatingWebhookConfiguration") api.store().create("validatingwebhookconfigurations", obj);
  api.store().create("securitypolicies", {{"apiVersion", "kindlyguard.io/v1alpha1"},
                                          {"kind", "SecurityPolicy"},
                                          {"metadata", {{"name", "no-privileged"}}},
                                          {"spec", {{"enforcement", "Deny"}, {"rules", {{"privileged", false}}}}}});
  json bad = privileged_pod("bad", "shop");
  bad["status"] = {{"phase", "Running"}};
  api.store().create("pods", bad);

  // The chart's own arguments, with the addresses and files a test process can use, a short
  // audit interval and short leader-election times.
  std::vector<std::string> args;
  for (const auto& a : chart_args) {
    const std::string name = a.substr(0, a.find('='));
    if (a == "serve" || name == "--listen" || name == "--metrics-listen" || name == "--tls-cert-file" ||
        name == "--tls-key-file" || name == "--audit-interval" || name == "--forensics-retention")
      continue;
    args.push_back(a);
  }
  for (const char* a : {"--audit-interval=1s", "--forensics-retention=1s", "--leader-election-lease-duration=3s", "--leader-election-renew-deadline=2s",
                        "--leader-election-retry-period=500ms"})
    args.emplace_back(a);
  WebhookProcess hook(WebhookProcess::Cluster(cluster.kubeconfig()), args,
                      {{"POD_NAME", "kindlyguard-0"}, {"POD_NAMESPACE", "kindlyguard"}});

  // Self-managed certificates and leader election.
  ASSERT_TRUE(api.store().wait_for_object("secrets", "kindlyguard", "kindlyguard-tls", nullptr, 30s)) << hook.process().stderr_text();
  // A damaged Secret is repaired (update).
  auto secret = *api.store().get("secrets", "kindlyguard", "kindlyguard-tls");
  secret["data"].erase("tls.crt");
  api.store().update("secrets", secret);
  ASSERT_TRUE(api.store().wait_for_object("secrets", "kindlyguard", "kindlyguard-tls",
                                          [](const json& s) { return s["data"].contains("tls.crt"); }, 30s));
  ASSERT_TRUE(api.store().wait_for_object("securitypolicies", "", "no-privileged",
                                          [](const json& p) { return p.contains("status") && p["status"].contains("conditions"); }, 30s));
  // The audit's report: created, then updated when the pod is fixed, then deleted with the pod.
  ASSERT_TRUE(api.store().wait_for_object("policyreports", "shop", "kindlyguard", nullptr, 30s));
  auto fixed = *api.store().get("pods", "shop", "bad");
  fixed["spec"]["containers"][0]["securityContext"]["privileged"] = false;
  api.store().update("pods", fixed);
  ASSERT_TRUE(api.store().wait_for_object("policyreports", "shop", "kindlyguard",
                                          [](const json& r) { return r["summary"].value("fail", -1) == 0; }, 30s));
  // Quarantine and release: the evidence captured (the pod, its logs, its Events) into a
  // QuarantineRecord and its Secret in kindlyguard's namespace; the NetworkPolicy created,
  // restored after an edit, deleted; the pod annotated; the record ended, then removed by retention.
  api.pod_logs().set("shop", "bad", "app", "hello\n");
  auto labeled = *api.store().get("pods", "shop", "bad");
  labeled["metadata"]["labels"]["kindlyguard.io/quarantine"] = "true";
  api.store().update("pods", labeled);
  auto np = api.store().wait_for_object("networkpolicies", "shop", "kindlyguard-quarantine", nullptr, 30s);
  ASSERT_TRUE(np);
  const auto quarantined = [](const kindly::testapi::StoreView& v) {
    for (const auto& r : v.list("quarantinerecords", "kindlyguard"))
      if (r["status"].value("state", "") == "Quarantined") return true;
    return false;
  };
  ASSERT_TRUE(api.store().wait_for(quarantined, 30s)) << hook.process().stderr_text();
  auto edited = *np;
  edited["spec"]["policyTypes"] = json::array({"Ingress"});
  api.store().update("networkpolicies", edited);
  ASSERT_TRUE(api.store().wait_for_object("networkpolicies", "shop", "kindlyguard-quarantine",
                                          [](const json& p) { return p["spec"]["policyTypes"].size() == 2; }, 30s));
  auto released = *api.store().get("pods", "shop", "bad");
  released["metadata"]["labels"].erase("kindlyguard.io/quarantine");
  api.store().update("pods", released);
  ASSERT_TRUE(api.store().wait_for_absent("networkpolicies", "shop", "kindlyguard-quarantine", 30s));
  ASSERT_TRUE(api.store().wait_for([](const kindly::testapi::StoreView& v) { return v.list("quarantinerecords", "kindlyguard").empty(); },
                                   30s));
  api.store().remove("pods", "shop", "bad");
  ASSERT_TRUE(api.store().wait_for_absent("policyreports", "shop", "kindlyguard", 30s));
  // PolicyViolation Events: one created, then patched as a series.
  server::ClientOptions tls;
  tls.insecure_skip_verify = true;
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(server::request("POST", hook.url("/validate"), review_json(privileged_pod("x", "shop").dump()),
                                {{"Content-Type", "application/json"}}, tls).ok());
  ASSERT_TRUE(api.requests().wait_for({.verb = "patch", .resource = "events"}, 1, 30s));
  // A SecurityPolicyException: listed and watched, its status written by the leader; one naming
  // kinds makes the webhook follow ownerReferences, reading each kind of owner there is.
  api.store().create("securitypolicyexceptions",
                     {{"apiVersion", "kindlyguard.io/v1alpha1"},
                      {"kind", "SecurityPolicyException"},
                      {"metadata", {{"name", "agent"}, {"namespace", "shop"}}},
                      {"spec", {{"exceptions", json::array({{{"policy", "no-privileged"}, {"rules", {"privileged"}}}})},
                                {"match", {{"kinds", {"DaemonSet"}}}},
                                {"reason", "the node agent"}}}});
  ASSERT_TRUE(api.store().wait_for_object("securitypolicyexceptions", "shop", "agent",
                                          [](const json& e) { return e.contains("status"); }, 30s));
  const std::vector<std::pair<std::string, std::string>> owners = {
      {"apps/v1", "ReplicaSet"}, {"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"apps/v1", "DaemonSet"},
      {"batch/v1", "Job"},       {"batch/v1", "CronJob"},   {"v1", "ReplicationController"}};
  for (const auto& [api_version, kind] : owners) {
    json owned = privileged_pod("owned", "shop");
    owned["metadata"]["ownerReferences"] = json::array(
        {{{"apiVersion", api_version}, {"kind", kind}, {"name", "gone"}, {"uid", "u-" + kind}, {"controller", true}}});
    ASSERT_TRUE(server::request("POST", hook.url("/validate"), review_json(owned.dump()),
                                {{"Content-Type", "application/json"}}, tls).ok());
  }

  std::set<Permission> used;
  for (const auto& p : api.requests().permissions(kUser)) used.insert(p);
  for (const auto& p : used)
    EXPECT_TRUE(grants.count(p)) << "the binary called " << std::get<2>(p) << " " << std::get<1>(p) << " (group \""
                                 << std::get<0>(p) << "\") and the chart does not grant it";
  for (const auto& p : grants)
    EXPECT_TRUE(used.count(p)) << "the chart grants " << std::get<2>(p) << " " << std::get<1>(p) << " (group \""
                               << std::get<0>(p) << "\") and the binary never called it";
}

}  // namespace
}  // namespace kindlyguard::testing
