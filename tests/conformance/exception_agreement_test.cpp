// Issue 16: the webhook (evaluate), `kindlyguard check` (judge_all) and the background audit
// (audit_pods) must give every object the same verdict under the same SecurityPolicyExceptions.
// The corpus is every pod of the PSA fixtures (shared/conformance/psa), judged as a pod and as a
// Deployment's template, against three policies and exceptions that excuse by rule, container,
// image, selector, kind and name, plus an expired one and one for another namespace.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "manifest.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard::policy;

const std::string kPsaDir = std::string(KINDLY_CONFORMANCE_DIR) + "/psa";

constexpr const char* kPolicies = R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: baseline-deny}
spec: {enforcement: Deny, podSecurityStandard: {level: baseline}}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: restricted-warn}
spec: {enforcement: Warn, podSecurityStandard: {level: restricted}}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: hardening}
spec:
  enforcement: Deny
  rules:
    runAsNonRoot: true
    readOnlyRootFilesystem: true
    capabilities: {requiredDrop: [ALL]}
    privileged: false
    hostNamespaces: false
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: privileged-container1, namespace: team-a}
spec:
  exceptions:
    - {policy: baseline-deny, rules: [pss/privileged, pss/capabilities_baseline]}
    - {policy: hardening, rules: [privileged]}
  match: {containers: [container1]}
  reason: the first container of the fixtures is a privileged agent
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: busybox-root, namespace: team-a}
spec:
  exceptions:
    - {policy: hardening, rules: [runAsNonRoot, readOnlyRootFilesystem]}
    - {policy: restricted-warn, rules: ["*"]}
  match: {images: ["k8s.gcr.io/pause*", "registry.k8s.io/pause*"]}
  reason: the pause image runs as root
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: host-namespaces, namespace: team-a}
spec:
  exceptions:
    - {policy: baseline-deny, rules: [pss/hostNamespaces, pss/hostPorts]}
    - {policy: hardening, rules: [hostNamespaces]}
  match: {kinds: [Deployment], names: ["host*"]}
  reason: the host agents
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: expired, namespace: team-a}
spec:
  exceptions: [{policy: baseline-deny, rules: ["*"]}]
  reason: was fine until last year
  expiresAt: "2026-01-01T00:00:00Z"
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: elsewhere, namespace: team-b}
spec:
  exceptions: [{policy: hardening, rules: ["*"]}]
  reason: another team's namespace
)";

using Key = std::tuple<std::string, std::string, std::string>;  // policy, rule, container

std::set<Key> keys(const std::vector<Violation>& vs) {
  std::set<Key> out;
  for (const auto& v : vs) out.insert({v.policy, v.rule, v.container});
  return out;
}
std::set<Key> keys(const std::vector<ExcusedViolation>& xs) {
  std::set<Key> out;
  for (const auto& x : xs) out.insert({x.violation.policy, x.violation.rule, x.violation.container});
  return out;
}

json as_deployment(const json& pod, const std::string& name) {
  json tmpl = {{"metadata", pod.value("metadata", json::object())}, {"spec", pod.value("spec", json::object())}};
  tmpl["metadata"].erase("name");
  tmpl["metadata"].erase("namespace");
  return json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", name}, {"namespace", "team-a"}}},
              {"spec", {{"selector", {{"matchLabels", {{"app", name}}}}}, {"template", tmpl}}}};
}

TEST(ExceptionAgreement, WebhookCheckAndAuditGiveEveryFixtureTheSameVerdict) {
  auto parsed = parse_policies(kPolicies, "agreement.yaml");
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().to_string();
  PolicySet policies;
  policies.policies = parsed.policies;
  ExceptionSet exceptions;
  exceptions.exceptions = parsed.exceptions;
  ASSERT_EQ(exceptions.exceptions.size(), 5u);
  const ExceptionScope scope{&exceptions, Seconds(std::chrono::seconds(1'800'000'000)), {}};
  const auto labels = name_only_namespace_labels();

  std::string error;
  auto rows = conformance::manifest_rows(kPsaDir, error);
  ASSERT_TRUE(error.empty()) << error;
  std::map<std::string, std::vector<json>> files;
  std::size_t objects = 0, with_excused = 0, allowed_by_exception = 0;
  for (const auto& row : rows) {
    if (row[4] != "Pod") continue;
    auto& docs = files[row[1]];
    if (docs.empty()) {
      auto decoded = decode_documents(conformance::read_text(kPsaDir + "/" + row[1]), row[1]);
      ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
      docs = std::move(*decoded);
    }
    json pod = docs.at(std::stoul(row[2]));
    pod["metadata"]["namespace"] = "team-a";
    pod["metadata"]["uid"] = "uid-" + row[0];
    // Half the fixtures run their first container from an image no exception names.
    if (objects % 2 == 1 && pod["spec"].contains("containers") && !pod["spec"]["containers"].empty())
      pod["spec"]["containers"][0]["image"] = "docker.io/library/nginx:1.27";
    for (const std::string name : {"host-agent", "web"}) {
      for (const json& object : {pod, as_deployment(pod, name)}) {
        if (object["kind"] == "Pod" && name != "web") continue;
        ++objects;
        SCOPED_TRACE(row[0] + " as " + object["kind"].get<std::string>() + " " + name);
        auto view = PodView::from_object(object);
        ASSERT_TRUE(view.ok()) << view.error().to_string();

        // The webhook.
        Request req;
        req.uid = "u";
        req.kind = object["kind"];
        req.namespace_ = "team-a";
        req.object = &object;
        Decision webhook = evaluate(policies, req, labels, scope);
        // `kindlyguard check`.
        std::vector<ExcusedViolation> check_excused;
        auto check = judge_all(policies, "team-a", *view, labels, scope, &check_excused);

        EXPECT_EQ(keys(webhook.violations), keys(check));
        EXPECT_EQ(keys(webhook.excused), keys(check_excused));
        EXPECT_EQ(webhook.allowed, strongest_enforcement(check) != Enforcement::Deny);
        if (!webhook.excused.empty()) ++with_excused;
        if (webhook.allowed && !webhook.excused.empty() &&
            std::any_of(webhook.excused.begin(), webhook.excused.end(),
                        [](const ExcusedViolation& x) { return x.violation.enforcement == Enforcement::Deny; }))
          ++allowed_by_exception;

        // The background audit judges running pods only.
        if (object["kind"] != "Pod") continue;
        AuditOptions options;
        options.exceptions = scope;
        auto audit = audit_pods(policies, {std::make_shared<const json>(object)}, labels, options);
        std::set<std::pair<std::string, std::string>> failing, skipped, violated, excused;
        for (const auto& v : check) violated.insert({v.policy, v.rule});
        for (const auto& x : check_excused) excused.insert({x.violation.policy, x.violation.rule});
        for (const auto& [ns, result] : audit.namespaces)
          for (const auto& r : result.results) {
            if (r.outcome == AuditResult::Outcome::Skip) {
              skipped.insert({r.policy, r.rule});
              EXPECT_FALSE(r.exception.empty());
            } else if (r.outcome != AuditResult::Outcome::Pass) {
              failing.insert({r.policy, r.rule});
            }
          }
        EXPECT_EQ(failing, violated);
        std::set<std::pair<std::string, std::string>> only_excused;
        for (const auto& e : excused)
          if (!violated.count(e)) only_excused.insert(e);
        EXPECT_EQ(skipped, only_excused);
      }
    }
  }
  // The corpus exercises the exceptions, not only the policies.
  EXPECT_GT(objects, 1000u);
  EXPECT_GT(with_excused, 100u);
  EXPECT_GT(allowed_by_exception, 10u);
  std::printf("[ agreement ] %zu objects, %zu with excused violations, %zu allowed only by an exception\n", objects,
              with_excused, allowed_by_exception);
}

}  // namespace
