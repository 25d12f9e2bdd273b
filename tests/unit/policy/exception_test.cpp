// SecurityPolicyException: the parser's messages, and the one matcher every path uses (owner
// chains, globs, images, containers vs pod-level findings, namespaces, expiry at the second).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/util/time.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;

constexpr const char* kBaselineDeny = R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: baseline-deny}
spec:
  enforcement: Deny
  podSecurityStandard: {level: baseline}
  rules: {runAsNonRoot: true}
)";

json exception_json(const std::string& extra_spec = "", const std::string& ns = "monitoring") {
  std::string text = R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: node-exporter, namespace: )" + ns + R"(}
spec:
  exceptions:
    - policy: baseline-deny
      rules: [pss/hostNamespaces, pss/hostPathVolumes, pss/hostPorts, runAsNonRoot]
  reason: Needs host PID and /proc, /sys to export node metrics.
)" + extra_spec;
  auto docs = decode_documents(text, "exception.yaml");
  EXPECT_TRUE(docs.ok()) << docs.error().to_string();
  return docs->front();
}

SecurityPolicyException exception_from(const std::string& extra_spec = "", const std::string& ns = "monitoring") {
  auto e = parse_exception(exception_json(extra_spec, ns));
  EXPECT_TRUE(e.ok()) << e.error().to_string();
  return e.ok() ? *e : SecurityPolicyException{};
}

// node-exporter as its DaemonSet runs it: host PID and network, /proc and /sys, host port 9100,
// runs as root (nobody set runAsNonRoot).
json node_exporter_pod(const std::string& ns = "monitoring") {
  json pod = compliant_pod("node-exporter-abcde", ns);
  pod["metadata"]["labels"] = {{"app.kubernetes.io/name", "node-exporter"}};
  pod["spec"]["hostPID"] = true;
  pod["spec"]["hostNetwork"] = true;
  auto& c = pod["spec"]["containers"][0];
  c["name"] = "node-exporter";
  c["image"] = "quay.io/prometheus/node-exporter:v1.8.2";
  c["ports"] = json::array({{{"containerPort", 9100}, {"hostPort", 9100}}});
  c["securityContext"].erase("runAsNonRoot");
  pod["spec"].erase("securityContext");
  pod["spec"]["volumes"] = json::array({{{"name", "proc"}, {"hostPath", {{"path", "/proc"}}}}});
  return pod;
}

struct Judged {
  std::vector<Violation> violations;
  std::vector<ExcusedViolation> excused;
};

class ExceptionMatching : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = parse_policies(kBaselineDeny, "p.yaml");
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().to_string();
    policies.policies = parsed.policies;
  }

  Judged judge(const json& object, std::vector<SecurityPolicyException> exceptions, OwnerLookupFn owners = {},
               Seconds now = Seconds(std::chrono::seconds(1'800'000'000))) {
    ExceptionSet set;
    set.exceptions = std::move(exceptions);
    set.admin_namespaces = admin;
    auto view = PodView::from_object(object);
    EXPECT_TRUE(view.ok()) << view.error().to_string();
    Judged out;
    std::string ns = view->namespace_();
    out.violations = judge_all(policies, ns, *view, name_only_namespace_labels(), ExceptionScope{&set, now, owners},
                               &out.excused);
    return out;
  }

  PolicySet policies;
  std::vector<std::string> admin;
};

std::vector<std::string> rules_of(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.rule);
  return out;
}

// ---- parsing -------------------------------------------------------------------------------------

TEST(ExceptionParse, TheIssuesExampleParses) {
  auto e = exception_from(R"(  match:
    namespaces: [monitoring]
    kinds: [DaemonSet]
    names: ["node-exporter*"]
    selector: {matchLabels: {app.kubernetes.io/name: node-exporter}}
    containers: [node-exporter]
    images: [quay.io/prometheus/node-exporter]
  ticket: SEC-1234
  owner: team-observability
  expiresAt: "2027-06-30T00:00:00Z"
)");
  EXPECT_EQ(e.key(), "monitoring/node-exporter");
  ASSERT_EQ(e.exceptions.size(), 1u);
  EXPECT_EQ(e.exceptions[0].policy, "baseline-deny");
  EXPECT_EQ(e.match.kinds, std::vector<std::string>{"DaemonSet"});
  EXPECT_EQ(e.ticket, "SEC-1234");
  EXPECT_EQ(e.owner, "team-observability");
  ASSERT_TRUE(e.expires_at.has_value());
  EXPECT_EQ(format_k8s_time(e.expires_at->time_since_epoch().count()), "2027-06-30T00:00:00Z");
}

TEST(ExceptionParse, EveryProblemNamesItsField) {
  json e = exception_json();
  e["spec"]["exceptions"][0]["rules"] = json::array({"runAsNonroot", "hostNamespace", "*"});
  e["spec"]["reason"] = "  ";
  e["spec"]["expiresAt"] = "30/06/2027";
  e["spec"]["match"] = {{"kinds", {"Daemonset"}}, {"image", {"x"}}};
  auto errors = validate_exception(e);
  std::vector<std::string> text;
  for (const auto& err : errors) text.push_back(err.to_string());
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("spec.exceptions[0].rules[0]: \"runAsNonroot\" is not a rule id")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("did you mean runAsNonRoot?")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("spec.exceptions[0].rules[1]: \"hostNamespace\" is not a rule id")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("\"*\" excuses the whole policy and must stand alone")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("spec.reason: must not be blank")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("spec.expiresAt: \"30/06/2027\" is not an RFC 3339 time")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("spec.match.kinds[0]: \"Daemonset\" is not a workload kind")));
  EXPECT_THAT(text, ::testing::Contains(HasSubstr("spec.match.image")));
}

TEST(ExceptionParse, RequiredFieldsAndWrongKinds) {
  json e = exception_json();
  e["spec"].erase("reason");
  e["spec"].erase("exceptions");
  auto errors = validate_exception(e);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "spec.exceptions");
  EXPECT_EQ(errors[1].path, "spec.reason");
  json policy = exception_json();
  policy["kind"] = "SecurityPolicy";
  EXPECT_FALSE(parse_exception(policy).ok());
}

TEST(ExceptionParse, ExceptionsComeOutOfPolicyFilesBesideThePolicies) {
  std::string text = std::string(kBaselineDeny) + "---\n" + exception_json().dump();
  auto parsed = parse_policies(text, "all.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.policies.size(), 1u);
  ASSERT_EQ(parsed.exceptions.size(), 1u);
  EXPECT_EQ(parsed.exceptions[0].key(), "monitoring/node-exporter");

  json broken = exception_json();
  broken["spec"]["reason"] = "";
  auto bad = parse_policies(std::string(kBaselineDeny) + "---\n" + broken.dump(), "all.yaml");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_THAT(bad.errors[0].to_string(), HasSubstr("all.yaml (document 2, \"node-exporter\"): spec.reason"));
}

TEST(Rfc3339, WhatKubernetesWritesAndWhatItRefuses) {
  EXPECT_EQ(parse_k8s_time("2027-06-30T00:00:00Z"), std::optional<std::time_t>(1814313600));
  EXPECT_EQ(parse_k8s_time("2027-06-30T02:00:00+02:00"), std::optional<std::time_t>(1814313600));
  EXPECT_EQ(parse_k8s_time("2027-06-29T19:00:00.999-05:00"), std::optional<std::time_t>(1814313600));
  EXPECT_EQ(parse_k8s_time("2024-02-29T12:00:00z"), std::optional<std::time_t>(1709208000));
  for (const char* bad : {"2027-06-30", "2027-06-30T00:00:00", "2023-02-29T00:00:00Z", "2027-13-01T00:00:00Z",
                          "2027-06-30T24:00:00Z", "2027-06-30T00:00:00+2:00", "2027-06-30 00:00:00Z",
                          "2027-06-30T00:00:00.Z", "2027-06-30T00:00:00Zjunk", "tomorrow"})
    EXPECT_FALSE(parse_k8s_time(bad).has_value()) << bad;
}

// ---- matching --------------------------------------------------------------------------------------

TEST_F(ExceptionMatching, WithoutAnExceptionNodeExporterIsDenied) {
  auto j = judge(node_exporter_pod(), {});
  EXPECT_THAT(rules_of(j.violations), ::testing::IsSupersetOf({"pss/hostNamespaces", "pss/hostPathVolumes",
                                                               "pss/hostPorts", "runAsNonRoot"}));
  EXPECT_TRUE(j.excused.empty());
}

TEST_F(ExceptionMatching, ExcusesExactlyTheNamedRulesOfTheNamedPolicy) {
  auto e = exception_from();
  e.exceptions[0].rules = {"pss/hostNamespaces", "pss/hostPathVolumes"};
  auto j = judge(node_exporter_pod(), {e});
  EXPECT_THAT(rules_of(j.violations), ::testing::UnorderedElementsAre("pss/hostPorts", "runAsNonRoot"));
  ASSERT_EQ(j.excused.size(), 2u);
  EXPECT_EQ(j.excused[0].exception, "monitoring/node-exporter");

  e.exceptions[0].rules = {"*"};
  EXPECT_TRUE(judge(node_exporter_pod(), {e}).violations.empty());
  e.exceptions[0].policy = "another-policy";
  EXPECT_EQ(judge(node_exporter_pod(), {e}).excused.size(), 0u);
}

TEST_F(ExceptionMatching, OwnNamespaceOnlyUnlessItLivesInAnAdminNamespace) {
  auto e = exception_from();
  EXPECT_TRUE(judge(node_exporter_pod("other"), {e}).excused.empty());  // default: its own namespace only

  auto wide = exception_from("  match: {namespaces: [\"team-*\"]}\n", "monitoring");
  EXPECT_FALSE(invalid_reason(wide, {}).empty());
  EXPECT_THAT(invalid_reason(wide, {}), HasSubstr("--exception-namespaces"));
  EXPECT_TRUE(judge(node_exporter_pod("team-a"), {wide}).excused.empty());
  admin = {"monitoring"};
  EXPECT_TRUE(invalid_reason(wide, admin).empty());
  EXPECT_FALSE(judge(node_exporter_pod("team-a"), {wide}).excused.empty());
  EXPECT_TRUE(judge(node_exporter_pod("monitoring"), {wide}).excused.empty());  // listed namespaces replace the default
  auto own = exception_from("  match: {namespaces: [monitoring]}\n");
  EXPECT_TRUE(invalid_reason(own, {}).empty());
}

TEST_F(ExceptionMatching, ExpiryIsExactToTheSecond) {
  auto e = exception_from("  expiresAt: \"2027-06-30T00:00:00Z\"\n");
  const Seconds at(std::chrono::seconds(1814313600));
  EXPECT_FALSE(judge(node_exporter_pod(), {e}, {}, at - std::chrono::seconds(1)).excused.empty());
  EXPECT_TRUE(judge(node_exporter_pod(), {e}, {}, at).excused.empty());
  EXPECT_TRUE(judge(node_exporter_pod(), {e}, {}, at + std::chrono::seconds(1)).excused.empty());
  EXPECT_TRUE(expired(e, at));
  EXPECT_FALSE(expired(e, at - std::chrono::seconds(1)));
}

TEST_F(ExceptionMatching, SelectorOnThePodLabels) {
  auto e = exception_from("  match: {selector: {matchLabels: {app.kubernetes.io/name: node-exporter}}}\n");
  EXPECT_FALSE(judge(node_exporter_pod(), {e}).excused.empty());
  json other = node_exporter_pod();
  other["metadata"]["labels"]["app.kubernetes.io/name"] = "miner";
  EXPECT_TRUE(judge(other, {e}).excused.empty());
}

TEST_F(ExceptionMatching, ContainerFindingsNeedTheirContainerPodFindingsNeedEveryContainer) {
  auto e = exception_from("  match: {containers: [node-exporter]}\n");
  auto alone = judge(node_exporter_pod(), {e});
  EXPECT_TRUE(alone.violations.empty()) << ::testing::PrintToString(rules_of(alone.violations));

  // A sidecar that is not covered: its own runAsNonRoot finding stays, and so do the pod-level
  // grants (host namespaces, hostPath) it would share, and the PSS findings that judge every container.
  json pod = node_exporter_pod();
  json sidecar = pod["spec"]["containers"][0];
  sidecar["name"] = "proxy";
  sidecar["image"] = "quay.io/brancz/kube-rbac-proxy:v0.18.0";
  sidecar.erase("ports");
  pod["spec"]["containers"].push_back(sidecar);
  auto two = judge(pod, {e});
  auto kept = rules_of(two.violations);
  EXPECT_THAT(kept, ::testing::IsSupersetOf({"pss/hostNamespaces", "pss/hostPathVolumes"}));
  bool proxy_kept = false, exporter_excused = false;
  for (const auto& v : two.violations) proxy_kept |= v.rule == "runAsNonRoot" && v.container == "proxy";
  for (const auto& x : two.excused) exporter_excused |= x.violation.rule == "runAsNonRoot" && x.violation.container == "node-exporter";
  EXPECT_TRUE(proxy_kept);
  EXPECT_TRUE(exporter_excused);
}

TEST_F(ExceptionMatching, APrivilegedSidecarListedAfterTheCoveredContainerIsNotExcused) {
  // PSS names only the first offending container; the exception must not stretch to the rest.
  auto e = exception_from("  match: {containers: [node-exporter]}\n");
  e.exceptions[0].rules = {"pss/privileged"};
  json pod = node_exporter_pod();
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  json evil = pod["spec"]["containers"][0];
  evil["name"] = "evil";
  evil.erase("ports");
  pod["spec"]["containers"].push_back(evil);
  auto j = judge(pod, {e});
  EXPECT_THAT(rules_of(j.violations), ::testing::Contains("pss/privileged"));
}

TEST_F(ExceptionMatching, ImagesAreNormalisedAndSegmentExact) {
  auto e = exception_from("  match: {images: [quay.io/prometheus/node-exporter]}\n");
  EXPECT_TRUE(judge(node_exporter_pod(), {e}).violations.empty());
  json digest = node_exporter_pod();
  digest["spec"]["containers"][0]["image"] =
      "quay.io/prometheus/node-exporter@sha256:0000000000000000000000000000000000000000000000000000000000000000";
  EXPECT_TRUE(judge(digest, {e}).violations.empty());
  for (const char* image : {"quay.io/prometheus/node-exporter-evil:v1", "quay.io/prometheus/node-exporter/x:v1",
                            "docker.io/prometheus/node-exporter:v1", "quay.io.evil.com/prometheus/node-exporter:v1"}) {
    json pod = node_exporter_pod();
    pod["spec"]["containers"][0]["image"] = image;
    EXPECT_FALSE(judge(pod, {e}).violations.empty()) << image;
  }
  auto tagged = exception_from("  match: {images: [\"quay.io/prometheus/node-exporter:v1.8.*\"]}\n");
  EXPECT_TRUE(judge(node_exporter_pod(), {tagged}).violations.empty());
  json newer = node_exporter_pod();
  newer["spec"]["containers"][0]["image"] = "quay.io/prometheus/node-exporter:v1.9.0";
  EXPECT_FALSE(judge(newer, {tagged}).violations.empty());
}

// ---- owner chains ------------------------------------------------------------------------------------

json owned_by(json object, const std::string& kind, const std::string& name, const std::string& uid,
              const std::string& api = "apps/v1") {
  object["metadata"]["ownerReferences"] =
      json::array({{{"apiVersion", api}, {"kind", kind}, {"name", name}, {"uid", uid}, {"controller", true}}});
  return object;
}

// A Deployment "web" (uid d-1) whose ReplicaSet "web-5d8f" (uid rs-1) made the pod.
OwnerLookupFn cluster() {
  return [](const std::string& ns, const OwnerRef& ref) -> std::optional<json> {
    if (ns != "monitoring") return std::nullopt;
    if (ref.kind == "ReplicaSet" && ref.name == "web-5d8f")
      return owned_by(json{{"metadata", {{"name", "web-5d8f"}, {"uid", "rs-1"}}}}, "Deployment", "web", "d-1")["metadata"];
    if (ref.kind == "Deployment" && ref.name == "web") return json{{"name", "web"}, {"uid", "d-1"}};
    if (ref.kind == "DaemonSet" && ref.name == "node-exporter") return json{{"name", "node-exporter"}, {"uid", "ds-1"}};
    return std::nullopt;
  };
}

TEST(TopOwner, FollowsControllerReferencesWhoseOwnerExistsWithThatUid) {
  json pod = owned_by(compliant_pod("web-5d8f-x1", "monitoring"), "ReplicaSet", "web-5d8f", "rs-1");
  pod["kind"] = "Pod";
  auto w = top_owner(pod, "monitoring", cluster());
  EXPECT_EQ(w.kind, "Deployment");
  EXPECT_EQ(w.name, "web");

  json rs = owned_by(json{{"kind", "ReplicaSet"}, {"metadata", {{"name", "web-5d8f"}}}}, "Deployment", "web", "d-1");
  EXPECT_EQ(top_owner(rs, "monitoring", cluster()).kind, "Deployment");

  json forged = owned_by(compliant_pod("x", "monitoring"), "DaemonSet", "node-exporter", "not-its-uid");
  forged["kind"] = "Pod";
  EXPECT_EQ(top_owner(forged, "monitoring", cluster()).kind, "Pod");
  json missing = owned_by(compliant_pod("x", "monitoring"), "DaemonSet", "ghost", "g-1");
  missing["kind"] = "Pod";
  EXPECT_EQ(top_owner(missing, "monitoring", cluster()).name, "x");
  json not_controller = owned_by(compliant_pod("x", "monitoring"), "DaemonSet", "node-exporter", "ds-1");
  not_controller["kind"] = "Pod";
  not_controller["metadata"]["ownerReferences"][0]["controller"] = false;
  EXPECT_EQ(top_owner(not_controller, "monitoring", cluster()).kind, "Pod");
  EXPECT_EQ(top_owner(pod, "monitoring", {}).kind, "Pod");  // no lookup: judged as itself
}

TEST(TopOwner, ACycleOfReferencesEnds) {
  OwnerLookupFn loop = [](const std::string&, const OwnerRef& ref) -> std::optional<json> {
    return owned_by(json{{"metadata", {{"name", ref.name}, {"uid", ref.uid}}}}, "ReplicaSet", "a", "u-a")["metadata"];
  };
  json rs = owned_by(json{{"kind", "ReplicaSet"}, {"metadata", {{"name", "a"}, {"uid", "u-a"}}}}, "ReplicaSet", "a", "u-a");
  EXPECT_EQ(top_owner(rs, "ns", loop).name, "a");
}

TEST_F(ExceptionMatching, ThePodTheReplicaSetAndTheDeploymentGetTheSameAnswer) {
  auto e = exception_from("  match: {kinds: [Deployment], names: [\"we?\"]}\n");
  json pod = node_exporter_pod();
  pod["kind"] = "Pod";
  json deployment = as_workload(pod, "Deployment");
  deployment["metadata"]["name"] = "web";
  json rs = owned_by(as_workload(pod, "ReplicaSet"), "Deployment", "web", "d-1");
  rs["metadata"]["name"] = "web-5d8f";
  json owned_pod = owned_by(pod, "ReplicaSet", "web-5d8f", "rs-1");
  for (const json* object : {&deployment, &rs, &owned_pod}) {
    auto j = judge(*object, {e}, cluster());
    EXPECT_TRUE(j.violations.empty()) << object->value("kind", "") << ": " << ::testing::PrintToString(rules_of(j.violations));
  }
  // The same pod without the chain, and with a forged link, is judged as a bare pod.
  EXPECT_FALSE(judge(pod, {e}, cluster()).violations.empty());
  EXPECT_FALSE(judge(owned_by(pod, "ReplicaSet", "web-5d8f", "forged"), {e}, cluster()).violations.empty());
}

TEST_F(ExceptionMatching, KindsAndNamesOfABarePod) {
  auto e = exception_from("  match: {kinds: [Pod], names: [\"node-exporter-*\"]}\n");
  json pod = node_exporter_pod();
  pod["kind"] = "Pod";
  EXPECT_TRUE(judge(pod, {e}).violations.empty());
  auto ds = exception_from("  match: {kinds: [DaemonSet]}\n");
  EXPECT_FALSE(judge(pod, {ds}).violations.empty());
}

TEST_F(ExceptionMatching, EvaluateWarnsNamingTheExceptionAndAllowsWhatItExcused) {
  auto e = exception_from("  expiresAt: \"2027-06-30T00:00:00Z\"\n");
  e.exceptions[0].rules = {"*"};
  ExceptionSet set;
  set.exceptions = {e};
  json pod = node_exporter_pod();
  pod["kind"] = "Pod";
  Request r;
  r.uid = "u";
  r.kind = "Pod";
  r.namespace_ = "monitoring";
  r.object = &pod;
  auto d = evaluate(policies, r, name_only_namespace_labels(),
                    ExceptionScope{&set, Seconds(std::chrono::seconds(1814313599)), {}});
  EXPECT_TRUE(d.allowed) << d.message;
  EXPECT_TRUE(d.violations.empty());
  EXPECT_FALSE(d.excused.empty());
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_THAT(d.warnings[0], HasSubstr("SecurityPolicyException monitoring/node-exporter excuses baseline-deny/"));
  EXPECT_THAT(d.warnings[0], HasSubstr("reason: Needs host PID"));
  EXPECT_THAT(d.warnings[0], HasSubstr("expires 2027-06-30T00:00:00Z"));

  auto later = evaluate(policies, r, name_only_namespace_labels(),
                        ExceptionScope{&set, Seconds(std::chrono::seconds(1814313600)), {}});
  EXPECT_FALSE(later.allowed);
  EXPECT_TRUE(later.excused.empty());
}

}  // namespace
}  // namespace kindlyguard::policy
