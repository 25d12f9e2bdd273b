// Decision semantics shared by every edge: Deny/Warn/Audit, all matching policies, exemptions,
// match by namespace glob and label selectors, UPDATE only when the spec changes, subresources.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/evaluate.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;

SecurityPolicy no_privileged(std::string name, Enforcement e) {
  SecurityPolicy p;
  p.name = std::move(name);
  p.enforcement = e;
  p.rules.privileged = false;
  return p;
}

json privileged_pod(const std::string& ns = "default") {
  json pod = compliant_pod("web", ns);
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  return pod;
}

Request create(const json& obj) {
  Request r;
  r.uid = "u1";
  r.operation = Operation::Create;
  r.kind = obj.value("kind", "Pod");
  r.namespace_ = obj["metadata"].value("namespace", "default");
  r.username = "alice";
  r.groups = {"system:authenticated", "devs"};
  r.object = &obj;
  return r;
}

// An UPDATE of `obj` through a pod subresource (ephemeralcontainers, resize), `old` before it.
Request subresource_update(const json& obj, const json& old, std::string sub) {
  Request r = create(obj);
  r.operation = Operation::Update;
  r.sub_resource = std::move(sub);
  r.old_object = &old;
  return r;
}

Decision decide(const std::vector<SecurityPolicy>& ps, const Request& r) {
  PolicySet set{ps, 1};
  return evaluate(set, r, name_only_namespace_labels());
}

TEST(Evaluate, DenyListsEveryViolationOfEveryDenyPolicy) {
  json pod = privileged_pod();
  pod["spec"]["hostNetwork"] = true;
  SecurityPolicy a = no_privileged("a", Enforcement::Deny);
  SecurityPolicy b = no_privileged("b", Enforcement::Deny);
  b.rules.host_namespaces = false;
  auto d = decide({a, b}, create(pod));
  EXPECT_TRUE(d.judged);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.code, 403);
  EXPECT_EQ(d.violations.size(), 3u);
  EXPECT_THAT(d.message, HasSubstr("Pod \"web\" is denied by kindlyguard: policy \"a\": [privileged] container \"app\" is privileged"));
  EXPECT_THAT(d.message, HasSubstr("policy \"b\": [privileged]"));
  EXPECT_THAT(d.message, HasSubstr(", [hostNamespaces] Pod \"web\" shares the node's network namespace"));
  EXPECT_THAT(d.message, HasSubstr("(spec.containers[0].securityContext.privileged)"));
}

TEST(Evaluate, WarnBecomesWarningsAuditBecomesAnnotations) {
  auto d = decide({no_privileged("w", Enforcement::Warn), no_privileged("au", Enforcement::Audit)}, create(privileged_pod()));
  EXPECT_TRUE(d.allowed);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_THAT(d.warnings[0], HasSubstr("kindlyguard w/privileged: container \"app\" is privileged"));
  ASSERT_EQ(d.audit_annotations.count("violation.au"), 1u);
  EXPECT_EQ(d.violations.size(), 2u);
}

TEST(Evaluate, CompliantPodIsAllowedWithoutWarnings) {
  json pod = compliant_pod();
  auto d = decide({no_privileged("a", Enforcement::Deny)}, create(pod));
  EXPECT_TRUE(d.judged);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.warnings.empty());
  EXPECT_EQ(d.matched_policies, std::vector<std::string>{"a"});
}

TEST(Evaluate, UserAndGroupExemptions) {
  json pod = privileged_pod();
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  p.exemptions.usernames = {"alice"};
  EXPECT_TRUE(decide({p}, create(pod)).allowed);
  p.exemptions.usernames = {};
  p.exemptions.groups = {"devs"};
  EXPECT_TRUE(decide({p}, create(pod)).allowed);
  p.exemptions.groups = {"ops"};
  EXPECT_FALSE(decide({p}, create(pod)).allowed);
}

TEST(Evaluate, NamespaceGlobsAndExclusions) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  p.match.namespaces = {"prod-*"};
  EXPECT_TRUE(decide({p}, create(privileged_pod("dev"))).allowed);
  EXPECT_FALSE(decide({p}, create(privileged_pod("prod-eu"))).allowed);
  p.match.excluded_namespaces = {"prod-eu"};
  EXPECT_TRUE(decide({p}, create(privileged_pod("prod-eu"))).allowed);
}

TEST(Evaluate, NamespaceSelectorUsesNamespaceLabels) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  p.match.namespace_selector = *k8s::LabelSelector::parse("env=prod");
  PolicySet set{{p}, 1};
  json pod = privileged_pod("shop");
  auto labels = [](const std::string& ns) -> std::optional<k8s::Labels> {
    if (ns == "shop") return k8s::Labels{{"env", "prod"}};
    return std::nullopt;
  };
  EXPECT_FALSE(evaluate(set, create(pod), labels).allowed);
  json other = privileged_pod("lab");
  EXPECT_TRUE(evaluate(set, create(other), labels).allowed) << "unknown namespace: judged on its name label only";
}

TEST(Evaluate, PodSelectorUsesTemplateLabels) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  p.match.pod_selector = *k8s::LabelSelector::parse("app=web");
  json dep = as_workload(privileged_pod(), "Deployment");
  EXPECT_FALSE(decide({p}, create(dep)).allowed);
  p.match.pod_selector = *k8s::LabelSelector::parse("app=db");
  EXPECT_TRUE(decide({p}, create(dep)).allowed);
}

TEST(Evaluate, UpdateIsJudgedOnlyWhenThePodSpecChanges) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  json old_pod = privileged_pod();
  json labeled = old_pod;
  labeled["metadata"]["labels"]["kindlyguard.io/quarantine"] = "true";
  Request r = create(labeled);
  r.operation = Operation::Update;
  r.old_object = &old_pod;
  auto d = decide({p}, r);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.judged);
  json changed = labeled;
  changed["spec"]["containers"][0]["image"] = "registry.example.com/acme/web:2";
  r.object = &changed;
  EXPECT_FALSE(decide({p}, r).allowed);
}

TEST(Evaluate, EphemeralContainerUpdatesAreJudged) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  json old_pod = compliant_pod();
  json debugged = old_pod;
  debugged["spec"]["ephemeralContainers"] = json::parse(
      R"([{"name": "debugger", "image": "busybox", "securityContext": {"privileged": true}}])");
  auto d = decide({p}, subresource_update(debugged, old_pod, "ephemeralcontainers"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.message, HasSubstr("ephemeral container \"debugger\""));
}

// In-place resize (Kubernetes 1.33+) changes a running pod's resources through pods/resize; the
// limits a policy sets must hold there too.
TEST(Evaluate, ResizeUpdatesAreJudged) {
  SecurityPolicy p;
  p.name = "limits";
  p.enforcement = Enforcement::Deny;
  p.rules.resources.emplace().max_limits["memory"] = k8s::Quantity::parse("1Gi").value();
  json old_pod = compliant_pod();
  json resized = old_pod;
  resized["spec"]["containers"][0]["resources"]["limits"]["memory"] = "8Gi";
  Request r = subresource_update(resized, old_pod, "resize");
  auto d = decide({p}, r);
  EXPECT_TRUE(d.judged);
  EXPECT_FALSE(d.allowed);
  resized["spec"]["containers"][0]["resources"]["limits"]["memory"] = "512Mi";
  EXPECT_TRUE(decide({p}, r).allowed);
}

TEST(Evaluate, DeleteConnectAndStatusAreNotJudged) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  json pod = privileged_pod();
  Request r = create(pod);
  for (Operation op : {Operation::Delete, Operation::Connect}) {
    r.operation = op;
    EXPECT_TRUE(decide({p}, r).allowed);
  }
  r.operation = Operation::Update;
  r.sub_resource = "status";
  EXPECT_FALSE(decide({p}, r).judged);
}

TEST(Evaluate, DryRunIsJudged) {
  json pod = privileged_pod();
  Request r = create(pod);
  r.dry_run = true;
  EXPECT_FALSE(decide({no_privileged("a", Enforcement::Deny)}, r).allowed);
}

TEST(Evaluate, KindsWithoutPodsAreNotJudged) {
  json svc = json::parse(R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}})");
  auto d = decide({no_privileged("a", Enforcement::Deny)}, create(svc));
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.judged);
}

TEST(Evaluate, JudgeAllIgnoresUsersButHonoursMatch) {
  SecurityPolicy p = no_privileged("a", Enforcement::Deny);
  p.exemptions.usernames = {"alice"};
  p.match.namespaces = {"default"};
  PolicySet set{{p}, 1};
  json pod = privileged_pod();
  auto view = PodView::from_object(pod);
  EXPECT_EQ(judge_all(set, "default", *view, name_only_namespace_labels()).size(), 1u);
  EXPECT_TRUE(judge_all(set, "other", *view, name_only_namespace_labels()).empty());
}

}  // namespace
}  // namespace kindlyguard::policy
