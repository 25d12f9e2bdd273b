// Rule probes: which containers must set which probes, when a probe is usable, the Job exemption
// from readiness, and the message (container, field path, a probe to paste).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "support/fixtures.hpp"
#include "unit/rules/rules_test_util.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;
using rules_test::judge_json;
using rules_test::policy_with;

SecurityPolicy probes(bool liveness, bool readiness, bool startup = false) {
  Rules r;
  r.probes = ProbesRule{liveness, readiness, startup};
  return policy_with(r);
}

json with_probes(json pod) {
  auto& c = pod["spec"]["containers"][0];
  c["ports"] = json::parse(R"([{"name": "http", "containerPort": 8080}])");
  c["livenessProbe"] = json::parse(R"({"httpGet": {"path": "/healthz", "port": "http"}})");
  c["readinessProbe"] = json::parse(R"({"tcpSocket": {"port": 8080}})");
  c["startupProbe"] = json::parse(R"({"exec": {"command": ["/bin/check"]}})");
  return pod;
}

TEST(ProbesRule, AContainerWithUsableProbesPassesInEveryWorkloadKind) {
  const auto p = probes(true, true, true);
  json pod = with_probes(compliant_pod());
  EXPECT_TRUE(judge_json(p, pod).empty());
  for (const char* kind : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"})
    EXPECT_TRUE(judge_json(p, as_workload(pod, kind)).empty()) << kind;
}

TEST(ProbesRule, AMissingProbeNamesContainerFieldAndAProbeOnTheFirstDeclaredPort) {
  json pod = compliant_pod();
  pod["spec"]["containers"].push_back(pod["spec"]["containers"][0]);
  pod["spec"]["containers"][1]["name"] = "sidecar-like";
  pod["spec"]["containers"][1]["ports"] = json::parse(R"([{"containerPort": 9090}, {"containerPort": 9091}])");
  auto v = judge_json(probes(true, false), pod);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].rule, "probes");
  EXPECT_EQ(v[0].container, "app");
  EXPECT_EQ(v[0].field, "spec.containers[0].livenessProbe");
  EXPECT_EQ(v[0].message,
            "container \"app\" has no livenessProbe: add one, e.g. livenessProbe: {httpGet: {path: /healthz, port: 8080}}");
  EXPECT_EQ(v[1].field, "spec.containers[1].livenessProbe");
  EXPECT_THAT(v[1].message, HasSubstr("livenessProbe: {httpGet: {path: /healthz, port: 9090}}"));
  // Readiness and startup examples differ.
  v = judge_json(probes(false, true, true), compliant_pod());
  ASSERT_EQ(v.size(), 2u);
  EXPECT_THAT(v[0].message, HasSubstr("readinessProbe: {httpGet: {path: /readyz, port: 8080}}"));
  EXPECT_THAT(v[1].message, HasSubstr("startupProbe: {httpGet: {path: /healthz, port: 8080}, failureThreshold: 30"));
  // Template field paths point into the template.
  v = judge_json(probes(true, false), as_workload(compliant_pod(), "Deployment"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.template.spec.containers[0].livenessProbe");
}

TEST(ProbesRule, SidecarsCountInitContainersAndEphemeralContainersDoNot) {
  json pod = with_probes(compliant_pod());
  json init = compliant_pod()["spec"]["containers"][0];
  init["name"] = "setup";
  json sidecar = init;
  sidecar["name"] = "proxy";
  sidecar["restartPolicy"] = "Always";
  json debug = init;
  debug["name"] = "debugger";
  pod["spec"]["initContainers"] = json::array({init, sidecar});
  pod["spec"]["ephemeralContainers"] = json::array({debug});
  auto v = judge_json(probes(true, false), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].container, "proxy");
  EXPECT_EQ(v[0].field, "spec.initContainers[1].livenessProbe");
  EXPECT_THAT(v[0].message, HasSubstr("init container \"proxy\" has no livenessProbe"));
}

TEST(ProbesRule, JobPodsNeedNoReadinessProbeButStillLiveness) {
  json pod = compliant_pod();
  for (const char* kind : {"Job", "CronJob"}) {
    EXPECT_TRUE(judge_json(probes(false, true), as_workload(pod, kind)).empty()) << kind;
    EXPECT_EQ(judge_json(probes(true, true), as_workload(pod, kind)).size(), 1u) << kind;
  }
  // A pod a Job controls.
  json owned = pod;
  owned["metadata"]["ownerReferences"] =
      json::parse(R"([{"apiVersion": "batch/v1", "kind": "Job", "name": "report", "uid": "1", "controller": true}])");
  EXPECT_TRUE(judge_json(probes(false, true), owned).empty());
  // Not a batch Job: a custom kind that happens to be named Job.
  owned["metadata"]["ownerReferences"][0]["apiVersion"] = "example.com/v1";
  EXPECT_EQ(judge_json(probes(false, true), owned).size(), 1u);
  // A Deployment's pods do need one.
  EXPECT_EQ(judge_json(probes(false, true), as_workload(pod, "Deployment")).size(), 1u);
}

TEST(ProbesRule, UnusableProbesAreNamedWithWhy) {
  struct Case {
    const char* probe;
    const char* why;
  };
  const Case cases[] = {
      {R"({})", "has no handler"},
      {R"({"periodSeconds": 5})", "has no handler"},
      {R"({"exec": {"command": ["/bin/x"]}, "tcpSocket": {"port": 80}})", "sets exec and tcpSocket"},
      {R"({"exec": {}})", "exec handler without a command"},
      {R"({"exec": {"command": []}})", "exec handler without a command"},
      {R"({"exec": {"command": [""]}})", "exec handler without a command"},
      {R"({"httpGet": {"path": "/"}})", "httpGet has no port"},
      {R"({"httpGet": {"port": 0}})", "httpGet has port 0, outside 1..65535"},
      {R"({"httpGet": {"port": 70000}})", "httpGet has port 70000"},
      {R"({"httpGet": {"port": "metrics"}})", "names port \"metrics\", which the container does not declare"},
      {R"({"tcpSocket": {"port": "admin"}})", "tcpSocket names port \"admin\""},
      {R"({"grpc": {"port": 0}})", "grpc has port 0"},
      {R"({"grpc": {}})", "grpc has no port"},
  };
  for (const auto& c : cases) {
    json pod = compliant_pod();
    pod["spec"]["containers"][0]["ports"] = json::parse(R"([{"name": "http", "containerPort": 8080}])");
    pod["spec"]["containers"][0]["livenessProbe"] = json::parse(c.probe);
    auto v = judge_json(probes(true, false), pod);
    ASSERT_EQ(v.size(), 1u) << c.probe;
    EXPECT_EQ(v[0].field, "spec.containers[0].livenessProbe");
    EXPECT_THAT(v[0].message, HasSubstr("has an unusable livenessProbe")) << c.probe;
    EXPECT_THAT(v[0].message, HasSubstr(c.why)) << c.probe;
    EXPECT_THAT(v[0].message, HasSubstr("livenessProbe: {httpGet: {path: /healthz, port: 8080}}")) << c.probe;
  }
  for (const char* usable : {R"({"grpc": {"port": 9000}})", R"({"tcpSocket": {"port": "http"}})",
                             R"({"httpGet": {"port": 65535}})", R"({"exec": {"command": ["cat", "/tmp/ok"]}})"}) {
    json pod = compliant_pod();
    pod["spec"]["containers"][0]["ports"] = json::parse(R"([{"name": "http", "containerPort": 8080}])");
    pod["spec"]["containers"][0]["livenessProbe"] = json::parse(usable);
    EXPECT_TRUE(judge_json(probes(true, false), pod).empty()) << usable;
  }
}

TEST(ProbesRule, ExemptImagesAreLeftOut) {
  auto p = probes(true, true);
  p.exemptions.images.push_back(*k8s::ImagePattern::parse("registry.example.com/acme/*"));
  EXPECT_TRUE(judge_json(p, compliant_pod()).empty());
}

TEST(ProbesRule, ParsesBooleansAndRefusesARuleThatChecksNothing) {
  auto parse = [](const std::string& rule) {
    return parse_policies("apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\nspec:\n  rules:\n    probes: " +
                              rule + "\n",
                          "p.yaml");
  };
  auto ok = parse("{liveness: true, readiness: true, startup: false}");
  ASSERT_TRUE(ok.errors.empty()) << ok.errors[0].to_string();
  ASSERT_TRUE(ok.policies[0].rules.probes.has_value());
  EXPECT_TRUE(ok.policies[0].rules.probes->liveness);
  EXPECT_TRUE(ok.policies[0].rules.probes->readiness);
  EXPECT_FALSE(ok.policies[0].rules.probes->startup);
  for (const char* bad : {"{}", "{liveness: false}", "{liveness: \"true\"}", "{livenes: true}", "true"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.errors.empty()) << bad;
    EXPECT_THAT(r.errors[0].to_string(), HasSubstr("spec.rules.probes")) << bad;
  }
  EXPECT_THAT(parse("{livenes: true}").errors[0].to_string(), HasSubstr("liveness"));
  EXPECT_THAT(parse("{startup: false}").errors[0].to_string(), HasSubstr("checks nothing"));
}

}  // namespace
}  // namespace kindlyguard::policy
