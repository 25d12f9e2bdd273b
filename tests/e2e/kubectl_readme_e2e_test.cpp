// The README's cluster sections, typed by an admin: the real kubectl (over HTTPS, as a
// system:masters user) against the Kubernetes API test server, with the real `kindlyguard serve`
// running in cluster mode against the same server. The test server has no controllers, so the
// test starts the binary itself (as the Deployment would) and plays the deployment controller for
// `rollout status`; it calls no webhooks, so the test sends the AdmissionReview the API server
// would. A second test parses README.md and fails naming any kubectl command of those sections
// that the walkthrough does not run (or list, with a reason, as not runnable here). Skips when
// kubectl is not installed.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindly_test_apiserver/server.hpp"
#include "kindly_test_apiserver/tls.hpp"
#include "support/cluster_fixture.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKubectl = "/usr/bin/kubectl";
constexpr auto kWait = 30s;
const std::string kSource = KINDLY_SOURCE_DIR;

// Every kubectl command in the README's cluster sections, as the README writes it (comments and
// `$ ` prompts stripped, whitespace collapsed, pipelines cut at ` | `). The walkthrough runs each
// one verbatim from the source directory; the only substitution is the DaemonSet file the README
// leaves to the reader (node-exporter-daemonset.yaml, written by the test).
const std::vector<std::string> kReadmeCommands = {
    // Install on a cluster
    "kubectl apply -f manifests/install.yaml",
    "kubectl -n kindlyguard rollout status deployment/kindlyguard",
    "kubectl label crd securitypolicies.kindlyguard.io app.kubernetes.io/managed-by=Helm",
    "kubectl annotate crd securitypolicies.kindlyguard.io meta.helm.sh/release-name=kindlyguard "
    "meta.helm.sh/release-namespace=kindlyguard",
    "kubectl delete networkpolicy -A -l app.kubernetes.io/managed-by=kindlyguard --field-selector "
    "metadata.name=kindlyguard-quarantine",
    "kubectl delete adminnetworkpolicy kindlyguard-quarantine --ignore-not-found",
    "kubectl delete policyreports -A -l app.kubernetes.io/managed-by=kindlyguard --field-selector "
    "metadata.name=kindlyguard",
    "kubectl -n kindlyguard delete secret kindlyguard-tls",
    // Exceptions
    "kubectl -n monitoring apply -f node-exporter-daemonset.yaml",
    "kubectl apply -f examples/exceptions/node-exporter.yaml",
    "kubectl -n monitoring get secpolex",
    // Viewing audit events
    "kubectl get securitypolicies",
    "kubectl describe securitypolicy baseline-deny",
    "kubectl get events -A --field-selector reason=PolicyViolation",
    "kubectl get policyreports -A",
    "kubectl get policyreport kindlyguard -n shop -o jsonpath='{.summary}'",
    // Quarantine a pod
    "kubectl -n shop label pod web-7f9c-x2 kindlyguard.io/quarantine=true",
    "kubectl -n shop get networkpolicy kindlyguard-quarantine -o yaml",
    "kubectl -n shop get events --field-selector involvedObject.name=web-7f9c-x2",
    "kubectl -n shop describe pod web-7f9c-x2",
    "kubectl -n shop label pod web-7f9c-x2 kindlyguard.io/quarantine-",
    "kubectl -n shop get events --field-selector reason=QuarantineIncomplete",
};

// README kubectl commands the test server cannot answer, with the reason.
const std::map<std::string, std::string> kNotRunnableHere = {
    // The test server has no /log subresource and no kubelet: there is no container to read from.
    // The audit log lines themselves are asserted by the webhook e2e tests on the binary's stdout.
    {"kubectl logs -n kindlyguard deploy/kindlyguard", "no pods run and /log is not served"},
};

// The README sections whose code blocks an admin types against a cluster.
const std::vector<std::string> kClusterSections = {
    "Install on a cluster", "Exceptions", "Viewing audit events",
    "Pod Security Standards: enforce in one namespace, warn everywhere else", "Quarantine a pod"};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `$ ` prompt and trailing `# comment` removed, a pipeline cut at ` | `, whitespace collapsed.
std::string normalise(std::string line) {
  line = std::regex_replace(line, std::regex(R"(^\s*\$\s+)"), "");
  line = std::regex_replace(line, std::regex(R"(\s+#.*$)"), "");
  if (auto bar = line.find(" | "); bar != std::string::npos) line.resize(bar);
  line = std::regex_replace(line, std::regex(R"(\s+)"), " ");
  line = std::regex_replace(line, std::regex(R"(^ | $)"), "");
  return line;
}

// The kubectl commands of the fenced code blocks under the cluster sections (a `##` heading and
// its `###` subsections), normalised.
std::vector<std::string> readme_kubectl_commands() {
  std::istringstream in(read_text(kSource + "/README.md"));
  std::vector<std::string> out;
  std::string line;
  bool in_section = false, in_block = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0 || std::regex_search(line, std::regex(R"(^\s+```)"))) {
      in_block = !in_block;
      continue;
    }
    if (!in_block && line.rfind("## ", 0) == 0) {
      const std::string title = line.substr(3);
      in_section = std::find(kClusterSections.begin(), kClusterSections.end(), title) != kClusterSections.end();
      continue;
    }
    if (!in_section || !in_block) continue;
    const std::string cmd = normalise(line);
    if (cmd.rfind("kubectl ", 0) == 0) out.push_back(cmd);
  }
  return out;
}

struct KubectlRun {
  int status;
  std::string out;
};

// kubectl as an admin: a kubeconfig whose token is a system:masters user, HTTPS.
class KubectlReadmeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kKubectl)) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
    kindly::testapi::ServerOptions o;
    o.tokens["op-token"] = {kOperatorUser, {"system:serviceaccounts"}};
    o.tokens["admin-token"] = {"kubernetes-admin", {"system:masters", "system:authenticated"}};
    o.require_auth = true;
    o.bookmark_interval = 1s;
    o.watch_poll = 100ms;
    // kubectl sends a kubeconfig's token over HTTPS only.
    const auto cert = kindly::testapi::generate_self_signed_certificate();
    o.tls_cert_pem = cert.cert_pem;
    o.tls_key_pem = cert.key_pem;
    api = std::make_unique<kindly::testapi::TestApiServer>(o);
    api->start();
    api->write_kubeconfig(dir.file("admin.kubeconfig"), "admin-token");
    api->write_kubeconfig(dir.file("operator.kubeconfig"), "op-token", "kindlyguard");
  }

  // A README command, verbatim, from the source directory (its relative paths resolve there).
  KubectlRun readme(const std::string& command) {
    EXPECT_NE(std::find(kReadmeCommands.begin(), kReadmeCommands.end(), command), kReadmeCommands.end())
        << "not in kReadmeCommands: " << command;
    ran.insert(command);
    std::string cmd = command;
    if (auto p = cmd.find("node-exporter-daemonset.yaml"); p != std::string::npos)
      cmd.replace(p, std::string("node-exporter-daemonset.yaml").size(), dir.file("node-exporter-daemonset.yaml"));
    return kubectl(cmd.substr(std::string("kubectl ").size()));
  }

  KubectlRun kubectl(const std::string& args) {
    const std::string cmd = "cd '" + kSource + "' && " + kKubectl + " --kubeconfig " + dir.file("admin.kubeconfig") +
                            " --cache-dir " + dir.file("cache") + " --request-timeout=30s " + args + " 2>&1";
    KubectlRun r{-1, ""};
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    r.status = ::pclose(p);
    return r;
  }

  // A run that must succeed and print `expected` (if given); returned for further checks.
  static KubectlRun succeeded(KubectlRun r, const std::string& expected = "") {
    EXPECT_EQ(r.status, 0) << r.out;
    if (!expected.empty()) {
      EXPECT_THAT(r.out, HasSubstr(expected));
    }
    return r;
  }

  // What the Deployment would run: the binary in cluster mode as the chart's service account.
  std::unique_ptr<WebhookProcess> start_operator() {
    auto hook = std::make_unique<WebhookProcess>(
        WebhookProcess::Cluster{dir.file("operator.kubeconfig")},
        concat({kFastLeaderElection, {"--allow-insecure-kubeconfig"}}),
        std::map<std::string, std::string>{{"POD_NAME", "kindlyguard-0"}});
    EXPECT_TRUE(eventually([&] { return readyz(*hook) == 200; }, kWait)) << hook->process().stderr_text();
    EXPECT_TRUE(eventually(
        [&] { return hook->process().stderr_text().find("controller started") != std::string::npos; }, kWait))
        << hook->process().stderr_text();
    return hook;
  }

  // The deployment controller's part for `rollout status`: every replica updated and available.
  void mark_rolled_out(const std::string& ns, const std::string& name) {
    auto d = api->store().get("deployments", ns, name);
    ASSERT_TRUE(d);
    const auto replicas = (*d)["spec"].value("replicas", 1);
    json status = {{"observedGeneration", (*d)["metadata"]["generation"]},
                   {"replicas", replicas},
                   {"updatedReplicas", replicas},
                   {"readyReplicas", replicas},
                   {"availableReplicas", replicas},
                   {"conditions",
                    json::array({{{"type", "Available"}, {"status", "True"}, {"reason", "MinimumReplicasAvailable"}},
                                 {{"type", "Progressing"}, {"status", "True"}, {"reason", "NewReplicaSetAvailable"}}})}};
    (*d)["status"] = status;
    api->store().update_status("deployments", *d);
  }

  // The operator has written the object's status conditions.
  bool has_conditions(const std::string& resource, const std::string& ns, const std::string& name) {
    return api->store()
        .wait_for_object(
            resource, ns, name, [](const json& o) { return o.contains("status") && o["status"].contains("conditions"); },
            kWait)
        .has_value();
  }

  bool has_event(const std::string& ns, const std::string& reason, const std::string& regarding = "") {
    return api->store().wait_for(
        [&](const kindly::testapi::StoreView& v) {
          for (const auto& e : v.list("events.events.k8s.io", ns))
            if (e.value("reason", "") == reason &&
                (regarding.empty() || e.value("regarding", json::object()).value("name", "") == regarding))
              return true;
          return false;
        },
        kWait);
  }

  TempDir dir;  // declared first: outlives the server
  std::unique_ptr<kindly::testapi::TestApiServer> api;
  std::set<std::string> ran;
};

const char* kDaemonSet = R"(apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  labels: {app.kubernetes.io/name: node-exporter}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: node-exporter}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: node-exporter}
    spec:
      hostNetwork: true
      hostPID: true
      containers:
      - name: node-exporter
        image: quay.io/prometheus/node-exporter:v1.8.2
        ports: [{containerPort: 9100, hostPort: 9100}]
        volumeMounts:
        - {name: proc, mountPath: /host/proc, readOnly: true}
        - {name: sys, mountPath: /host/sys, readOnly: true}
        - {name: root, mountPath: /host/root, readOnly: true}
      volumes:
      - {name: proc, hostPath: {path: /proc}}
      - {name: sys, hostPath: {path: /sys}}
      - {name: root, hostPath: {path: /}}
)";

const char* kPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: web-7f9c-x2
  namespace: shop
  labels: {app: web}
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {privileged: true}
)";

// Lets everything into every pod of the namespace: it makes a quarantine leaky.
const char* kAllowAll = R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
)";

// The AdminNetworkPolicy API (policy.networking.k8s.io/v1alpha1), as a cluster that has it.
const char* kAdminNetworkPolicyCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: adminnetworkpolicies.policy.networking.k8s.io}
spec:
  group: policy.networking.k8s.io
  scope: Cluster
  names: {plural: adminnetworkpolicies, singular: adminnetworkpolicy, kind: AdminNetworkPolicy, shortNames: [anp]}
  versions:
  - {name: v1alpha1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
)";

TEST_F(KubectlReadmeE2E, AnAdminFollowsTheReadme) {
  // Install on a cluster.
  KubectlRun r = succeeded(readme("kubectl apply -f manifests/install.yaml"));
  ASSERT_EQ(r.status, 0);  // nothing below can work without it
  for (const char* created :
       {"namespace/kindlyguard created",
        "customresourcedefinition.apiextensions.k8s.io/securitypolicies.kindlyguard.io created",
        "customresourcedefinition.apiextensions.k8s.io/securitypolicyexceptions.kindlyguard.io created",
        "serviceaccount/kindlyguard created", "clusterrole.rbac.authorization.k8s.io/kindlyguard created",
        "deployment.apps/kindlyguard created",
        "validatingwebhookconfiguration.admissionregistration.k8s.io/kindlyguard created"})
    EXPECT_THAT(r.out, HasSubstr(created));
  ASSERT_NO_FATAL_FAILURE(mark_rolled_out("kindlyguard", "kindlyguard"));
  r = succeeded(readme("kubectl -n kindlyguard rollout status deployment/kindlyguard"), "successfully rolled out");
  r = succeeded(readme("kubectl label crd securitypolicies.kindlyguard.io app.kubernetes.io/managed-by=Helm"),
                "securitypolicies.kindlyguard.io labeled");
  r = succeeded(readme("kubectl annotate crd securitypolicies.kindlyguard.io meta.helm.sh/release-name=kindlyguard "
                       "meta.helm.sh/release-namespace=kindlyguard"), "securitypolicies.kindlyguard.io annotated");
  const auto crd = api->store().get("customresourcedefinitions", "", "securitypolicies.kindlyguard.io");
  ASSERT_TRUE(crd);
  EXPECT_EQ((*crd)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
  EXPECT_EQ((*crd)["metadata"]["annotations"]["meta.helm.sh/release-namespace"], "kindlyguard");

  // The namespaces the later sections use, and a running pod in shop for the background audit.
  for (const char* ns : {"monitoring", "shop"}) {
    r = kubectl(std::string("create namespace ") + ns);
    ASSERT_EQ(r.status, 0) << r.out;
  }
  dir.write("pod.yaml", kPod);
  r = succeeded(kubectl("apply -f " + dir.file("pod.yaml")));
  auto pod = api->store().get("pods", "shop", "web-7f9c-x2");
  ASSERT_TRUE(pod);
  (*pod)["status"] = {{"phase", "Running"}, {"podIP", "10.0.0.7"}};
  api->store().update_status("pods", *pod);

  auto hook = start_operator();

  // Policies and the exception.
  r = succeeded(kubectl("apply -f examples/policies/"), "securitypolicy.kindlyguard.io/baseline-deny created");
  r = succeeded(readme("kubectl apply -f examples/exceptions/node-exporter.yaml"),
                "securitypolicyexception.kindlyguard.io/node-exporter created");
  dir.write("node-exporter-daemonset.yaml", kDaemonSet);
  r = succeeded(readme("kubectl -n monitoring apply -f node-exporter-daemonset.yaml"),
                "daemonset.apps/node-exporter created");

  // The operator's status, then the printer columns.
  ASSERT_TRUE(has_conditions("securitypolicyexceptions", "monitoring", "node-exporter"));
  r = succeeded(readme("kubectl -n monitoring get secpolex"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("NAME +POLICY +EXPIRES +STATUS +AGE"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("node-exporter +kindlyguard-baseline +2027-06-30T00:00:00Z +Active +"));
  r = kubectl("-n monitoring get secpolex -o wide");  // the README: "-o wide shows both"
  EXPECT_THAT(r.out, ::testing::ContainsRegex("STATUS +OWNER +TICKET +AGE"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Active +team-observability +SEC-1234 +"));
  ASSERT_TRUE(has_conditions("securitypolicies", "", "baseline-deny"));
  r = succeeded(readme("kubectl get securitypolicies"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("NAME +ENFORCEMENT +READY +VIOLATIONS +AGE"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("baseline-deny +Deny +True +"));
  r = kubectl("get secpol");
  EXPECT_THAT(r.out, ::testing::ContainsRegex("restricted-warn +Warn +"));

  // The test server calls no webhooks: the review the API server would send for the DaemonSet.
  // The exception excuses kindlyguard-baseline (the chart's default policy, which
  // manifests/install.yaml does not create); the example baseline-deny still denies it, with the
  // rule ids the README's denial shows.
  const auto ds = api->store().get("daemonsets", "monitoring", "node-exporter");
  ASSERT_TRUE(ds);
  auto ds_res = hook->review(review_json(ds->dump()));
  ASSERT_TRUE(ds_res.ok()) << ds_res.error().to_string();
  EXPECT_THAT(ds_res->body, HasSubstr("\"allowed\":false"));
  EXPECT_THAT(ds_res->body, HasSubstr(R"(DaemonSet \"node-exporter\" is denied by kindlyguard: policy \"baseline-deny\": )"
                                      R"([pss/hostNamespaces] violates PodSecurity \"baseline:latest\": host namespaces )"
                                      R"((hostNetwork=true, hostPID=true) (spec.template.spec.hostNetwork), )"
                                      R"([pss/hostPathVolumes] violates PodSecurity \"baseline:latest\": hostPath volumes )"
                                      R"((volumes \"proc\", \"sys\", \"root\") (spec.template.spec.volumes[0].hostPath), )"
                                      R"([pss/hostPorts] violates PodSecurity \"baseline:latest\": hostPort (container )"
                                      R"(\"node-exporter\" uses hostPort 9100) )"
                                      R"((spec.template.spec.containers[0].ports[0].hostPort))"));

  // A denied review (what the API server would send for the DaemonSet's pod) makes a
  // PolicyViolation Event on the policy.
  auto res = hook->review(read_text(kSource + "/examples/reviews/privileged-pod.json"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_THAT(res->body, HasSubstr("\"allowed\":false"));
  ASSERT_TRUE(has_event("", "PolicyViolation", "baseline-deny")) << hook->process().stderr_text();
  r = succeeded(readme("kubectl get events -A --field-selector reason=PolicyViolation"), "PolicyViolation");
  EXPECT_THAT(r.out, HasSubstr("baseline-deny"));
  r = kubectl("get events --field-selector reason=PolicyViolation");  // the kubeconfig's namespace
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Warning +PolicyViolation +Denied create of Pod prod-shop/root-shell"));
  r = succeeded(readme("kubectl describe securitypolicy baseline-deny"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Name: +baseline-deny"));
  EXPECT_THAT(r.out, HasSubstr("Enforcement:"));
  EXPECT_THAT(r.out, HasSubstr("Ready"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Warning +PolicyViolation"));

  // The published schema.
  r = succeeded(kubectl("explain securitypolicy.spec.rules"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("KIND: +SecurityPolicy"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("GROUP: +kindlyguard.io"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("VERSION: +v1alpha1"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("FIELD: +rules <Object>"));
  EXPECT_THAT(r.out, HasSubstr("FIELDS:"));
  EXPECT_THAT(r.out, HasSubstr("runAsNonRoot"));

  // The background audit's reports.
  // Waited for until the privileged pod's baseline failure is in it (the audit may write it more
  // than once while the policies arrive).
  ASSERT_TRUE(api->store().wait_for_object(
      "policyreports", "shop", "kindlyguard",
      [](const json& o) { return o.value("summary", json::object()).value("fail", 0) >= 1; }, kWait))
      << hook->process().stderr_text();
  r = succeeded(readme("kubectl get policyreports -A"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("NAMESPACE +NAME"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("shop +kindlyguard"));
  r = succeeded(readme("kubectl get policyreport kindlyguard -n shop -o jsonpath='{.summary}'"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(^\{.*"fail":[1-9])"));

  // Quarantine a pod, with a leaky NetworkPolicy next to it.
  dir.write("allow-all.yaml", kAllowAll);
  r = succeeded(kubectl("apply -f " + dir.file("allow-all.yaml")));
  r = succeeded(readme("kubectl -n shop label pod web-7f9c-x2 kindlyguard.io/quarantine=true"),
                "pod/web-7f9c-x2 labeled");
  ASSERT_TRUE(api->store().wait_for_object("networkpolicies", "shop", "kindlyguard-quarantine", nullptr, kWait));
  r = kubectl("get networkpolicy -n shop");
  // The full mode's selector is matchExpressions (values true and full), which the test server's
  // POD-SELECTOR column leaves out; the YAML below shows it.
  EXPECT_THAT(r.out, ::testing::ContainsRegex("kindlyguard-quarantine +"));
  r = succeeded(readme("kubectl -n shop get networkpolicy kindlyguard-quarantine -o yaml"),
                "app.kubernetes.io/managed-by: kindlyguard");
  EXPECT_THAT(r.out, ::testing::ContainsRegex("key: kindlyguard.io/quarantine\n *operator: In\n *values:\n *- \"true\"\n *- full"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("policyTypes:\n *- Ingress\n *- Egress"));
  ASSERT_TRUE(has_event("shop", "Quarantined", "web-7f9c-x2"));
  ASSERT_TRUE(has_event("shop", "QuarantineIncomplete", "web-7f9c-x2"));
  r = succeeded(readme("kubectl -n shop get events --field-selector involvedObject.name=web-7f9c-x2"), "Quarantined");
  r = succeeded(readme("kubectl -n shop get events --field-selector reason=QuarantineIncomplete"), "allow-all");
  ASSERT_TRUE(api->store().wait_for_object("pods", "shop", "web-7f9c-x2", [](const json& p) {
    return p["metadata"].contains("annotations") && p["metadata"]["annotations"].contains("kindlyguard.io/quarantined-at");
  }, kWait));
  r = succeeded(readme("kubectl -n shop describe pod web-7f9c-x2"), "kindlyguard.io/quarantined-at");
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Normal +Quarantined"));
  r = succeeded(readme("kubectl -n shop label pod web-7f9c-x2 kindlyguard.io/quarantine-"),
                "pod/web-7f9c-x2 unlabeled");
  ASSERT_TRUE(api->store().wait_for_absent("networkpolicies", "shop", "kindlyguard-quarantine", kWait));

  // Quarantined again, then kindlyguard is gone (`kubectl delete -f manifests/install.yaml`):
  // the clean-up by hand removes what it left.
  r = succeeded(kubectl("-n shop label pod web-7f9c-x2 kindlyguard.io/quarantine=true"));
  ASSERT_TRUE(api->store().wait_for_object("networkpolicies", "shop", "kindlyguard-quarantine", nullptr, kWait));
  hook.reset();
  // The self-managed certificate Secret, as the chart's Deployment keeps it.
  api->store().create("secrets", {{"apiVersion", "v1"}, {"kind", "Secret"},
                                  {"metadata", {{"name", "kindlyguard-tls"}, {"namespace", "kindlyguard"},
                                                {"labels", {{"app.kubernetes.io/managed-by", "kindlyguard"}}}}},
                                  {"type", "kubernetes.io/tls"},
                                  {"data", {{"tls.crt", ""}, {"tls.key", ""}}}});
  r = succeeded(readme("kubectl delete networkpolicy -A -l app.kubernetes.io/managed-by=kindlyguard --field-selector "
                       "metadata.name=kindlyguard-quarantine"),
                "networkpolicy.networking.k8s.io \"kindlyguard-quarantine\" deleted");
  EXPECT_FALSE(api->store().get("networkpolicies", "shop", "kindlyguard-quarantine"));
  EXPECT_TRUE(api->store().get("networkpolicies", "shop", "allow-all"));
  // A cluster with the AdminNetworkPolicy API (the README runs this where it exists).
  dir.write("anp-crd.yaml", kAdminNetworkPolicyCrd);
  succeeded(kubectl("apply -f " + dir.file("anp-crd.yaml")));
  api->store().create("adminnetworkpolicies", {{"apiVersion", "policy.networking.k8s.io/v1alpha1"},
                                               {"kind", "AdminNetworkPolicy"},
                                               {"metadata", {{"name", "kindlyguard-quarantine"}}},
                                               {"spec", {{"priority", 0}, {"subject", {{"namespaces", json::object()}}}}}});
  r = succeeded(readme("kubectl delete adminnetworkpolicy kindlyguard-quarantine --ignore-not-found"),
                "adminnetworkpolicy.policy.networking.k8s.io \"kindlyguard-quarantine\" deleted");
  r = succeeded(readme("kubectl delete policyreports -A -l app.kubernetes.io/managed-by=kindlyguard --field-selector "
                       "metadata.name=kindlyguard"), "policyreport.wgpolicyk8s.io \"kindlyguard\" deleted");
  EXPECT_FALSE(api->store().get("policyreports", "shop", "kindlyguard"));
  r = succeeded(readme("kubectl -n kindlyguard delete secret kindlyguard-tls"), "secret \"kindlyguard-tls\" deleted");

  // Every command of the table was run by this walkthrough.
  for (const auto& c : kReadmeCommands) EXPECT_TRUE(ran.count(c)) << "listed but never run: " << c;
}

TEST(KubectlReadmeCoverage, EveryReadmeKubectlCommandIsExercised) {
  // A renamed section would silently drop its commands: every one must still be a heading.
  const std::string readme_text = read_text(kSource + "/README.md");
  for (const auto& section : kClusterSections)
    EXPECT_NE(readme_text.find("\n## " + section + "\n"), std::string::npos) << "no README section: " << section;
  const auto commands = readme_kubectl_commands();
  ASSERT_GE(commands.size(), 15u) << "README.md parsing found too few kubectl commands";
  for (const auto& c : commands) {
    const bool covered = std::find(kReadmeCommands.begin(), kReadmeCommands.end(), c) != kReadmeCommands.end() ||
                         kNotRunnableHere.count(c);
    EXPECT_TRUE(covered) << "README kubectl command not exercised by kubectl_readme_e2e_test: " << c;
  }
  // And no stale entries: each one is still in the README.
  for (const auto& c : kReadmeCommands)
    EXPECT_NE(std::find(commands.begin(), commands.end(), c), commands.end()) << "no longer in README.md: " << c;
  for (const auto& [c, why] : kNotRunnableHere)
    EXPECT_NE(std::find(commands.begin(), commands.end(), c), commands.end()) << "no longer in README.md: " << c;
}

}  // namespace
}  // namespace kindlyguard::testing
