// Issue 14, item 10: a JSON value of the wrong type anywhere in a pod spec. 0.1.0 threw from a rule
// (`volumeMounts[].name: 5` under a hostPath allowance: nlohmann's value() -> type_error ->
// `check` aborted with exit 134, the webhook answered 500) or, in most rules, read the value as
// unset and let the pod pass (`privileged: "true"`, `hostNetwork: 1`). Now the pod view checks the
// types of every field a rule reads (pod_schema.hpp): the webhook refuses such an object with code
// 400 naming the field, in every workload kind, and no exception reaches the edges.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/policy_store.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;
using kindlyguard::testing::privileged_pod;

const char* const kKinds[] = {"Pod",        "Deployment", "StatefulSet",          "DaemonSet",
                              "ReplicaSet", "Job",        "ReplicationController", "CronJob"};

// The field path of a pod field inside `kind`.
std::string in_kind(const std::string& kind, const std::string& pod_field) {
  if (kind == "Pod") return pod_field;
  std::string prefix = kind == "CronJob" ? "spec.jobTemplate.spec.template." : "spec.template.";
  return prefix + pod_field;
}

// The rules that read what the cases below mistype, with the hostPath allowance whose read-only
// mount walk threw. (No Pod Security Standard: it forbids the hostPath the crash needs; the schema
// does not depend on the policies anyway.)
std::vector<SecurityPolicy> every_rule() {
  auto parsed = parse_policies(R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: all}
spec:
  enforcement: Deny
  rules:
    runAsNonRoot: true
    privileged: false
    allowPrivilegeEscalation: false
    hostNamespaces: false
    hostPorts: false
    capabilities: {requiredDrop: [ALL]}
    hostPath: {allowed: false, allowedPaths: [{pathPrefix: /var/log, readOnly: true}]}
)",
                               "policies.yaml");
  EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
  return std::move(parsed.policies);
}

// compliant_pod with a /var/log hostPath mounted read-only: passes every rule of every_rule().
json pod_with_log_mount() {
  json pod = compliant_pod();
  pod["spec"]["volumes"] = json::array({{{"name", "logs"}, {"hostPath", {{"path", "/var/log/pods"}}}}});
  pod["spec"]["containers"][0]["volumeMounts"] =
      json::array({{{"name", "logs"}, {"mountPath", "/logs"}, {"readOnly", true}}});
  return pod;
}

Decision decide(const std::vector<SecurityPolicy>& policies, const json& object) {
  Request r;
  r.uid = "u1";
  r.kind = std::string(string_at(object, "kind").value_or(""));
  r.namespace_ = "default";
  r.username = "alice";
  r.object = &object;
  PolicySet set{policies, 1};
  return evaluate(set, r, name_only_namespace_labels());
}

// The review the API server would send for `object`.
std::string review_of(const json& object) {
  json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"request",
                  {{"uid", "u-1"},
                   {"kind", {{"group", ""}, {"version", "v1"}, {"kind", object.value("kind", "")}}},
                   {"operation", "CREATE"},
                   {"namespace", "default"},
                   {"userInfo", {{"username", "alice"}}},
                   {"object", object}}}};
  return review.dump();
}

// One mistyped field: its path in the pod, and how to make it so.
struct Case {
  std::string field;
  std::function<void(json&)> set;
  std::string expected;  // the start of the error message
};

std::vector<Case> cases() {
  return {
      // The reported crash.
      {"spec.containers[0].volumeMounts[0].name", [](json& p) { p["spec"]["containers"][0]["volumeMounts"][0]["name"] = 5; },
       "expected a string, got number 5"},
      // Values 0.1.0 read as "unset" and let pass: each is a setting the runtime would honour
      // had the API server accepted it.
      {"spec.containers[0].securityContext.privileged",
       [](json& p) { p["spec"]["containers"][0]["securityContext"]["privileged"] = "true"; },
       "expected a boolean (true or false), got string \"true\""},
      {"spec.hostNetwork", [](json& p) { p["spec"]["hostNetwork"] = 1; }, "expected a boolean"},
      {"spec.securityContext.runAsNonRoot", [](json& p) { p["spec"]["securityContext"]["runAsNonRoot"] = "false"; },
       "expected a boolean"},
      {"spec.containers[0].securityContext.allowPrivilegeEscalation",
       [](json& p) { p["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = "false"; },
       "expected a boolean"},
      {"spec.containers[0].securityContext.capabilities.drop",
       [](json& p) { p["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"] = "ALL"; },
       "expected a list, got string \"ALL\""},
      {"spec.containers[0].securityContext.capabilities.add[0]",
       [](json& p) { p["spec"]["containers"][0]["securityContext"]["capabilities"]["add"] = {{{"name", "SYS_ADMIN"}}}; },
       "expected a string, got an object"},
      {"spec.containers[0].ports[0].hostPort",
       [](json& p) { p["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", "80"}}}; },
       "expected a 32-bit integer, got string \"80\""},
      {"spec.containers[0].ports[0].hostPort",
       [](json& p) { p["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 4294967376LL}}}; },
       "expected a 32-bit integer, got number 4294967376, which is out of range"},
      {"spec.securityContext.runAsUser", [](json& p) { p["spec"]["securityContext"]["runAsUser"] = 0.5; },
       "expected an integer, got number 0.5"},
      {"spec.volumes[0].hostPath", [](json& p) { p["spec"]["volumes"][0]["hostPath"] = "/var/run/docker.sock"; },
       "expected an object"},
      {"spec.volumes[0].emptyDir", [](json& p) { p["spec"]["volumes"][0]["emptyDir"] = 5; }, "expected an object"},
      {"spec.containers[0].image", [](json& p) { p["spec"]["containers"][0]["image"] = json::array({"nginx"}); },
       "expected a string, got a list"},
      {"spec.containers[0].resources.limits.memory",
       [](json& p) { p["spec"]["containers"][0]["resources"]["limits"]["memory"] = true; }, "expected a quantity"},
      {"spec.containers[0].securityContext.seccompProfile.type",
       [](json& p) { p["spec"]["containers"][0]["securityContext"]["seccompProfile"] = {{"type", 1}}; },
       "expected a string"},
      {"spec.containers[0].livenessProbe.httpGet.host",
       [](json& p) { p["spec"]["containers"][0]["livenessProbe"] = {{"httpGet", {{"host", 10}, {"port", 80}}}}; },
       "expected a string"},
      {"metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]",
       [](json& p) { p["metadata"]["annotations"] = {{"container.apparmor.security.beta.kubernetes.io/app", 5}}; },
       "expected a string"},
      {"metadata.labels.app", [](json& p) { p["metadata"]["labels"]["app"] = false; }, "expected a string"},
      {"spec.containers", [](json& p) { p["spec"]["containers"] = {{"name", "app"}}; }, "expected a list"},
  };
}

TEST(TypeMismatch, EveryCaseInEveryKindIsRefusedNamingTheField) {
  auto policies = every_rule();
  // The unmutated pod passes, so any denial below comes from the mistyped field.
  for (const char* kind : kKinds) {
    json object = as_workload(pod_with_log_mount(), kind);
    if (std::string(kind) == "Pod") object = pod_with_log_mount();
    Decision d = decide(policies, object);
    ASSERT_TRUE(d.allowed) << kind << ": " << d.message;
  }
  for (const auto& c : cases()) {
    json pod = pod_with_log_mount();
    c.set(pod);
    for (const char* kind : kKinds) {
      SCOPED_TRACE(std::string(kind) + " " + c.field);
      json object = std::string(kind) == "Pod" ? pod : as_workload(pod, kind);
      Decision d;
      ASSERT_NO_THROW(d = decide(policies, object));
      EXPECT_TRUE(d.judged);
      EXPECT_FALSE(d.allowed);
      EXPECT_EQ(d.code, 400);
      EXPECT_THAT(d.message, HasSubstr(in_kind(kind, c.field) + ": " + c.expected));
    }
  }
}

TEST(TypeMismatch, TheWebhookAnswersADenialNeverA500) {
  PolicyStore store;
  store.replace(every_rule());
  admission::Handler handler(store, name_only_namespace_labels());
  for (const auto& c : cases()) {
    json pod = pod_with_log_mount();
    c.set(pod);
    for (const char* kind : kKinds) {
      SCOPED_TRACE(std::string(kind) + " " + c.field);
      json object = std::string(kind) == "Pod" ? pod : as_workload(pod, kind);
      admission::Outcome out;
      ASSERT_NO_THROW(out = handler.handle(review_of(object)));
      ASSERT_EQ(out.http_status, 200) << out.body;
      auto resp = json::parse(out.body)["response"];
      EXPECT_EQ(resp["uid"], "u-1");
      EXPECT_EQ(resp["allowed"], false);
      EXPECT_EQ(resp["status"]["code"], 400);
      EXPECT_EQ(resp["status"]["reason"], "BadRequest");
      EXPECT_THAT(resp["status"]["message"].get<std::string>(), HasSubstr(in_kind(kind, c.field)));
    }
  }
}

// A workload whose template is not an object read as "no template": an empty pod that passed.
TEST(TypeMismatch, ABrokenTemplateIsRefusedNotJudgedAsAnEmptyPod) {
  auto policies = every_rule();
  json deployment = as_workload(privileged_pod(), "Deployment");
  deployment["spec"]["template"] = "privileged";
  Decision d = decide(policies, deployment);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.code, 400);
  EXPECT_THAT(d.message, HasSubstr("spec.template: expected an object, got string"));
  json cronjob = as_workload(privileged_pod(), "CronJob");
  cronjob["spec"]["jobTemplate"]["spec"] = json::array();
  d = decide(policies, cronjob);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.message, HasSubstr("spec.jobTemplate.spec: expected an object, got array"));
  json pod = privileged_pod();
  pod["kind"] = 5;
  d = decide(policies, pod);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.message, HasSubstr("kind: expected a string"));
  // Kinds without a pod spec stay unjudged.
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}, {"data", 5}};
  d = decide(policies, cm);
  EXPECT_FALSE(d.judged);
  EXPECT_TRUE(d.allowed);
}

// The API server fills in request.kind; an object that says kind: null is as good as one without.
TEST(TypeMismatch, ANullObjectKindTakesTheRequestKind) {
  PolicyStore store;
  store.replace(every_rule());
  admission::Handler handler(store, name_only_namespace_labels());
  json pod = privileged_pod();
  pod["kind"] = nullptr;
  json review = json::parse(review_of(privileged_pod()));
  review["request"]["object"] = pod;
  auto out = handler.handle(review.dump());
  ASSERT_EQ(out.http_status, 200);
  auto resp = json::parse(out.body)["response"];
  EXPECT_EQ(resp["allowed"], false) << out.body;
  EXPECT_EQ(resp["status"]["code"], 403);
}

// Correct types still pass where the values are fine: null is absent, integers in range, numbers
// as quantities, int-or-string ports.
TEST(TypeMismatch, WellTypedEdgeValuesPass) {
  auto policies = every_rule();
  json pod = pod_with_log_mount();
  auto& c = pod["spec"]["containers"][0];
  c["resources"]["limits"]["cpu"] = 1;
  c["resources"]["requests"]["cpu"] = 0.5;
  c["ports"] = {{{"containerPort", 8080}, {"hostPort", 0}, {"name", "http"}}};
  c["readinessProbe"] = {{"httpGet", {{"port", "http"}}}};
  c["livenessProbe"] = {{"tcpSocket", {{"port", 8080}}}};
  c["securityContext"]["runAsUser"] = 9223372036854775807LL;
  c["securityContext"]["seLinuxOptions"] = nullptr;
  pod["spec"]["hostNetwork"] = nullptr;
  pod["metadata"]["labels"]["gone"] = nullptr;
  for (const char* kind : kKinds) {
    json object = std::string(kind) == "Pod" ? pod : as_workload(pod, kind);
    Decision d = decide(policies, object);
    EXPECT_TRUE(d.allowed) << kind << ": " << d.message;
  }
}

// The last resort: should the core ever throw, the handler refuses the review with a message
// instead of letting the server answer 500 with no text. Driven by a namespace-labels lookup that
// throws (the only callback the core makes).
TEST(TypeMismatch, AnExceptionFromTheCoreIsARefusalWithAMessage) {
  auto parsed = parse_policies(R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: by-label}
spec:
  match: {namespaceSelector: {matchLabels: {env: prod}}}
  rules: {privileged: false}
)",
                               "p.yaml");
  ASSERT_TRUE(parsed.errors.empty());
  PolicyStore store;
  store.replace(std::move(parsed.policies));
  admission::Handler handler(store, [](const std::string&) -> std::optional<k8s::Labels> {
    throw std::runtime_error("informer cache corrupted");
  });
  auto out = handler.handle(review_of(compliant_pod()));
  ASSERT_EQ(out.http_status, 200) << out.body;
  auto resp = json::parse(out.body)["response"];
  EXPECT_EQ(resp["allowed"], false);
  EXPECT_EQ(resp["status"]["code"], 500);
  EXPECT_THAT(resp["status"]["message"].get<std::string>(), HasSubstr("informer cache corrupted"));
}

// The background audit read status.phase with value(), which threw on a number.
TEST(TypeMismatch, TheBackgroundAuditSkipsNothingAndThrowsNothing) {
  auto parsed = parse_policies(R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: p}
spec:
  rules: {privileged: false}
  audit: {background: true}
)",
                               "p.yaml");
  ASSERT_TRUE(parsed.errors.empty());
  PolicySet set{std::move(parsed.policies), 1};
  json pod = privileged_pod();
  pod["status"] = {{"phase", 5}};
  std::vector<std::shared_ptr<const json>> pods = {std::make_shared<const json>(pod)};
  AuditOutcome outcome;
  ASSERT_NO_THROW(outcome = audit_pods(set, pods, name_only_namespace_labels(), {}));
  EXPECT_EQ(outcome.pods_judged, 1u);
  EXPECT_EQ(outcome.violating_pods["p"], 1u);
}

}  // namespace
}  // namespace kindlyguard::policy
