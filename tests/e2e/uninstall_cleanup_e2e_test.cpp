// `kindlyguard uninstall-cleanup` (the chart's post-delete hook) against the Kubernetes API test
// server: it removes exactly what kindlyguard's controllers created (quarantine NetworkPolicies
// and AdminNetworkPolicy, PolicyReports, the self-managed serving Secret: our name AND our
// managed-by label) and nothing else; it removes nothing while a kindlyguard pod still runs
// (that pod's controllers would restore it); a second run finds nothing and succeeds. It runs
// under exactly the RBAC rules of tests/chart/testdata/cleanup-rbac.json (the chart test checks
// that the chart grants those) and uses every one of them.
#include <set>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindly_test_apiserver/authz.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/process.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const char* kUser = "system:serviceaccount:kindlyguard:kindlyguard-cleanup";
const std::string kOurs = "kindlyguard";
constexpr auto kWait = 60s;

json object(const std::string& api_version, const std::string& kind, const std::string& ns, const std::string& name,
            const std::string& managed_by) {
  json o = {{"apiVersion", api_version}, {"kind", kind}, {"metadata", {{"name", name}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!managed_by.empty()) o["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", managed_by}};
  return o;
}

json rbac_rules() {
  return json::parse(read_file(std::string(KINDLY_SOURCE_DIR) + "/tests/chart/testdata/cleanup-rbac.json"));
}

// The rules the chart grants the cleanup ServiceAccount; with policyReports.format openreports,
// openReportsRule instead of the wgpolicyk8s.io one.
std::vector<json> cleanup_rules(bool openreports) {
  std::vector<json> out;
  const json r = rbac_rules();
  for (const char* set : {"clusterRules", "namespaceRules", "selfManagedRules"})
    for (const auto& rule : r[set]) {
      const bool reports = rule["apiGroups"].front() == "wgpolicyk8s.io";
      out.push_back(reports && openreports ? r["openReportsRule"] : rule);
    }
  return out;
}

// Exactly the rules the chart grants the cleanup ServiceAccount.
kindly::testapi::Authorizer chart_cleanup_rbac(bool openreports = false) {
  std::vector<kindly::testapi::PolicyRule> rules;
  for (const auto& rule : cleanup_rules(openreports)) {
    kindly::testapi::PolicyRule p{rule["apiGroups"].get<std::vector<std::string>>(),
                                  rule["resources"].get<std::vector<std::string>>(),
                                  rule["verbs"].get<std::vector<std::string>>()};
    if (rule.contains("resourceNames")) p.resource_names = {"kindlyguard-tls"};
    rules.push_back(p);
  }
  return kindly::testapi::rules_authorizer(rules, kUser);
}

class UninstallCleanupE2E : public ClusterTest {
 protected:
  UninstallCleanupE2E()
      : ClusterTest({.token = "cleanup", .user = kUser, .namespaces = {"kindlyguard", "shop", "team"},
                     .authorizer = chart_cleanup_rbac()}) {
    install_admin_network_policy_crd();

    // Ours: removed.
    add("networkpolicies", object("networking.k8s.io/v1", "NetworkPolicy", "shop", "kindlyguard-quarantine", kOurs), true);
    add("networkpolicies", object("networking.k8s.io/v1", "NetworkPolicy", "team", "kindlyguard-quarantine", kOurs), true);
    add("adminnetworkpolicies", object("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "", "kindlyguard-quarantine", kOurs), true);
    add("policyreports", object("wgpolicyk8s.io/v1alpha2", "PolicyReport", "shop", "kindlyguard", kOurs), true);
    add("policyreports", object("wgpolicyk8s.io/v1alpha2", "PolicyReport", "team", "kindlyguard", kOurs), true);
    json secret = object("v1", "Secret", "kindlyguard", "kindlyguard-tls", kOurs);
    secret["type"] = "kubernetes.io/tls";
    add("secrets", secret, true);
    // Not ours: kept. Others' policies, our name without our label, our label without our name,
    // Helm's objects, another tool's reports, other Secrets.
    add("networkpolicies", object("networking.k8s.io/v1", "NetworkPolicy", "shop", "allow-web", ""), false);
    add("networkpolicies", object("networking.k8s.io/v1", "NetworkPolicy", "kindlyguard", "kindlyguard", "Helm"), false);
    add("networkpolicies", object("networking.k8s.io/v1", "NetworkPolicy", "team", "tenant-isolation", kOurs), false);
    add("adminnetworkpolicies", object("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "", "cluster-baseline", ""), false);
    add("policyreports", object("wgpolicyk8s.io/v1alpha2", "PolicyReport", "shop", "kyverno-pol-abc", "kyverno"), false);
    add("secrets", object("v1", "Secret", "kindlyguard", "registry-credentials", ""), false);
    add("secrets", object("v1", "Secret", "shop", "kindlyguard-tls", ""), false);
  }

  void add(const std::string& resource, const json& obj, bool ours) {
    api->store().create(resource, obj);
    (ours ? ours_ : theirs_).emplace_back(resource, obj["metadata"].value("namespace", ""), obj["metadata"]["name"]);
  }

  bool exists(const std::tuple<std::string, std::string, std::string>& o) const {
    return api->store().get(std::get<0>(o), std::get<1>(o), std::get<2>(o)).has_value();
  }

  std::unique_ptr<Process> cleanup(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"uninstall-cleanup", "--kubeconfig", kubeconfig(), "--namespace", "kindlyguard",
                                     "--certs-secret", "kindlyguard-tls"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(KINDLY_BINARY, args, dir.path());
  }

  std::vector<std::tuple<std::string, std::string, std::string>> ours_, theirs_;
};

TEST_F(UninstallCleanupE2E, RemovesExactlyKindlyguardsObjectsAndIsIdempotent) {
  auto first = cleanup();
  ASSERT_EQ(first->wait_exit(kWait), 0) << first->stdout_text() << first->stderr_text();
  for (const auto& o : ours_) EXPECT_FALSE(exists(o)) << std::get<0>(o) << " " << std::get<1>(o) << "/" << std::get<2>(o) << " is left";
  for (const auto& o : theirs_) EXPECT_TRUE(exists(o)) << std::get<0>(o) << " " << std::get<1>(o) << "/" << std::get<2>(o) << " was deleted";
  EXPECT_NE(first->stdout_text().find("deleted NetworkPolicy shop/kindlyguard-quarantine"), std::string::npos) << first->stdout_text();
  EXPECT_NE(first->stdout_text().find("kept NetworkPolicy team/tenant-isolation"), std::string::npos) << first->stdout_text();

  // Idempotent: nothing left to do, still success, and nothing else touched.
  const auto rv = api->store().resource_version();
  auto second = cleanup();
  ASSERT_EQ(second->wait_exit(kWait), 0) << second->stdout_text() << second->stderr_text();
  EXPECT_NE(second->stdout_text().find("nothing of kindlyguard's was left"), std::string::npos) << second->stdout_text();
  EXPECT_EQ(api->store().resource_version(), rv) << "the second run wrote something";
  for (const auto& o : theirs_) EXPECT_TRUE(exists(o));
}

TEST_F(UninstallCleanupE2E, UsesExactlyTheChartsCleanupRbac) {
  auto run = cleanup({"--wait-for-pods", "app.kubernetes.io/name=kindlyguard,app.kubernetes.io/instance=kindlyguard"});
  ASSERT_EQ(run->wait_exit(kWait), 0) << run->stdout_text() << run->stderr_text();
  std::set<std::tuple<std::string, std::string, std::string>> want;
  const json r = rbac_rules();
  for (const char* set : {"clusterRules", "namespaceRules", "selfManagedRules"})
    for (const auto& rule : r[set])
      for (const auto& g : rule["apiGroups"])
        for (const auto& res : rule["resources"])
          for (const auto& v : rule["verbs"]) want.emplace(g, res, v);
  EXPECT_EQ(api->requests().permissions(kUser), want) << "tests/chart/testdata/cleanup-rbac.json and what the binary calls differ";
  EXPECT_FALSE(api->requests().wait_for({.user = kUser, .code = 403}, 1, 0ms)) << "a call was refused";
}

// --report-format=openreports (chart policyReports.format): the audit wrote OpenReports Reports,
// so those are what goes, under the chart's RBAC for that format and nothing more.
class UninstallCleanupOpenReportsE2E : public ClusterTest {
 protected:
  UninstallCleanupOpenReportsE2E()
      : ClusterTest({.token = "cleanup", .user = kUser, .namespaces = {"kindlyguard", "shop"},
                     .authorizer = chart_cleanup_rbac(true)}) {
    install_admin_network_policy_crd();
  }
};

TEST_F(UninstallCleanupOpenReportsE2E, RemovesOurReportsUnderTheRbacOfThatFormat) {
  api->store().create("reports", object("openreports.io/v1alpha1", "Report", "shop", "kindlyguard", kOurs));
  api->store().create("reports", object("openreports.io/v1alpha1", "Report", "shop", "kyverno-abc", "kyverno"));
  Process run(KINDLY_BINARY, {"uninstall-cleanup", "--kubeconfig", kubeconfig(), "--namespace", "kindlyguard",
                              "--report-format", "openreports"}, dir.path());
  ASSERT_EQ(run.wait_exit(kWait), 0) << run.stdout_text() << run.stderr_text();
  EXPECT_FALSE(api->store().get("reports", "shop", "kindlyguard"));
  EXPECT_TRUE(api->store().get("reports", "shop", "kyverno-abc"));
  EXPECT_NE(run.stdout_text().find("deleted Report shop/kindlyguard"), std::string::npos) << run.stdout_text();
  EXPECT_FALSE(api->requests().wait_for({.user = kUser, .code = 403}, 1, 0ms)) << "a call was refused";
  EXPECT_TRUE(api->requests().wait_for({.verb = "list", .resource = "reports", .user = kUser}, 1, 0ms));
  EXPECT_FALSE(api->requests().wait_for({.resource = "policyreports", .user = kUser}, 1, 0ms)) << "the other format was touched";

  Process bad(KINDLY_BINARY, {"uninstall-cleanup", "--kubeconfig", kubeconfig(), "--report-format", "v2"}, dir.path());
  EXPECT_EQ(bad.wait_exit(kWait), 2);
  EXPECT_NE(bad.stderr_text().find("\"v2\" is not a report format: use policyreport or openreports"), std::string::npos)
      << bad.stderr_text();
}

TEST_F(UninstallCleanupE2E, RemovesNothingWhileAKindlyguardPodRuns) {
  json pod = compliant_pod("kindlyguard-7d9f-abcde", "kindlyguard");
  pod["metadata"]["labels"] = {{"app.kubernetes.io/name", "kindlyguard"}, {"app.kubernetes.io/instance", "kindlyguard"}};
  api->store().create("pods", pod);
  auto run = cleanup({"--wait-for-pods", "app.kubernetes.io/name=kindlyguard,app.kubernetes.io/instance=kindlyguard",
                      "--wait-timeout", "60s"});
  // It has looked (twice) and found the pod: nothing may be gone yet.
  ASSERT_TRUE(api->requests().wait_for({.verb = "list", .resource = "pods", .user = kUser}, 2, kWait));
  for (const auto& o : ours_) EXPECT_TRUE(exists(o)) << std::get<2>(o) << " removed while kindlyguard still runs";
  EXPECT_TRUE(run->running());
  api->store().remove("pods", "kindlyguard", "kindlyguard-7d9f-abcde");
  ASSERT_EQ(run->wait_exit(kWait), 0) << run->stdout_text() << run->stderr_text();
  for (const auto& o : ours_) EXPECT_FALSE(exists(o));
  for (const auto& o : theirs_) EXPECT_TRUE(exists(o));
}

TEST_F(UninstallCleanupE2E, GivesUpWithoutRemovingAnythingWhenThePodsStay) {
  json pod = compliant_pod("kindlyguard-7d9f-abcde", "kindlyguard");
  pod["metadata"]["labels"] = {{"app.kubernetes.io/name", "kindlyguard"}, {"app.kubernetes.io/instance", "kindlyguard"}};
  api->store().create("pods", pod);
  auto run = cleanup({"--wait-for-pods", "app.kubernetes.io/name=kindlyguard", "--wait-timeout", "2s"});
  ASSERT_EQ(run->wait_exit(kWait), 1) << run->stdout_text() << run->stderr_text();
  EXPECT_NE(run->stderr_text().find("kindlyguard pods still run in namespace kindlyguard (kindlyguard-7d9f-abcde)"), std::string::npos)
      << run->stderr_text();
  for (const auto& o : ours_) EXPECT_TRUE(exists(o));
}

}  // namespace
}  // namespace kindlyguard::testing
