// Each rule: passing and failing cases, pod- vs container-level settings, every container kind
// and every workload kind, with the message and field path a user would see.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/evaluate.hpp"
#include "rules_test_util.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;

using rules_test::judge_json;
using rules_test::policy_with;

Rules all_rules() {
  Rules r;
  r.run_as_non_root = true;
  r.run_as_user = RunAsUserRule{10000, std::nullopt};
  r.read_only_root_filesystem = true;
  r.capabilities = CapabilitiesRule{{"ALL"}, std::vector<std::string>{"NET_BIND_SERVICE"}};
  r.allow_privilege_escalation = false;
  r.privileged = false;
  r.host_namespaces = false;
  r.host_ports = false;
  r.host_path = HostPathRule{false, {{"/var/log", true}}};
  r.seccomp = SeccompRule{{"RuntimeDefault", "Localhost"}};
  ResourcesRule res;
  res.require_limits = {"cpu", "memory"};
  res.require_requests = {"cpu", "memory"};
  res.max_limits.emplace("memory", *k8s::Quantity::parse("512Mi"));
  res.max_limits.emplace("cpu", *k8s::Quantity::parse("2"));
  r.resources = res;
  r.images = ImagesRule{{"registry.example.com", "ghcr.io/acme"}, {"latest"}, false};
  return r;
}

TEST(Rules, CompliantPodPassesEveryRuleInEveryWorkloadKind) {
  auto p = policy_with(all_rules());
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(p, pod).empty());
  for (const char* kind : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"})
    EXPECT_TRUE(judge_json(p, as_workload(pod, kind)).empty()) << kind;
}

TEST(Rules, RunAsNonRootPodLevelTrueCoversContainers) {
  Rules r;
  r.run_as_non_root = true;
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["securityContext"].erase("runAsNonRoot");
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "runAsNonRoot");
  EXPECT_EQ(v[0].container, "app");
  EXPECT_EQ(v[0].field, "spec.containers[0].securityContext.runAsNonRoot");
  EXPECT_THAT(v[0].message, HasSubstr("container \"app\" may run as root"));
  EXPECT_THAT(v[0].message, HasSubstr("set securityContext.runAsNonRoot=true"));
}

TEST(Rules, RunAsNonRootContainerFalseOverridesPodTrue) {
  Rules r;
  r.run_as_non_root = true;
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = false;
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("it sets runAsNonRoot=false"));
}

TEST(Rules, RunAsNonRootContainerTrueOverridesPodFalse) {
  Rules r;
  r.run_as_non_root = true;
  json pod = compliant_pod();
  pod["spec"]["securityContext"]["runAsNonRoot"] = false;
  pod["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = true;
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
}

TEST(Rules, RunAsNonRootExplicitUidZeroIsAViolationEvenWithRunAsNonRoot) {
  Rules r;
  r.run_as_non_root = true;
  json pod = compliant_pod();
  pod["spec"]["securityContext"]["runAsUser"] = 0;
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.securityContext.runAsUser");
  EXPECT_THAT(v[0].message, HasSubstr("runAsUser=0, from the pod"));
  pod["spec"]["containers"][0]["securityContext"]["runAsUser"] = 1000;  // container wins
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
}

TEST(Rules, EveryContainerKindIsJudged) {
  Rules r;
  r.privileged = false;
  json pod = compliant_pod();
  json bad = {{"name", "x"}, {"image", "registry.example.com/x:1"}, {"securityContext", {{"privileged", true}}}};
  for (const char* list : {"initContainers", "ephemeralContainers"}) {
    json p = pod;
    p["spec"][list] = json::array({bad});
    auto v = judge_json(policy_with(r), p);
    ASSERT_EQ(v.size(), 1u) << list;
    EXPECT_EQ(v[0].field, std::string("spec.") + list + "[0].securityContext.privileged");
    EXPECT_THAT(v[0].message, HasSubstr(std::string(list) == "initContainers" ? "init container \"x\"" : "ephemeral container \"x\""));
  }
}

TEST(Rules, WorkloadFieldPathsPointIntoTheTemplate) {
  Rules r;
  r.privileged = false;
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  auto v = judge_json(policy_with(r), as_workload(pod, "CronJob"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged");
  v = judge_json(policy_with(r), as_workload(pod, "Deployment"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.template.spec.containers[0].securityContext.privileged");
}

TEST(Rules, RunAsUserRange) {
  Rules r;
  r.run_as_user = RunAsUserRule{10000, 20000};
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["securityContext"]["runAsUser"] = 999;
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("UID 999 (from the pod)"));
  EXPECT_THAT(v[0].message, HasSubstr("between 10000 and 20000"));
  pod["spec"]["securityContext"].erase("runAsUser");
  v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("does not set runAsUser"));
  pod["spec"]["containers"][0]["securityContext"]["runAsUser"] = 30000;
  EXPECT_EQ(judge_json(policy_with(r), pod).size(), 1u);
}

TEST(Rules, ReadOnlyRootFilesystem) {
  Rules r;
  r.read_only_root_filesystem = true;
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["containers"][0]["securityContext"].erase("readOnlyRootFilesystem");
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.containers[0].securityContext.readOnlyRootFilesystem");
}

TEST(Rules, CapabilitiesDropAndAdd) {
  Rules r;
  r.capabilities = CapabilitiesRule{{"NET_RAW", "SYS_ADMIN"}, std::vector<std::string>{"NET_BIND_SERVICE"}};
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty()) << "ALL drops everything";
  auto& caps = pod["spec"]["containers"][0]["securityContext"]["capabilities"];
  caps["drop"] = {"net_raw"};
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("does not drop SYS_ADMIN"));
  caps["drop"] = {"NET_RAW", "sys_admin"};
  caps["add"] = {"NET_BIND_SERVICE", "SYS_TIME"};
  v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.containers[0].securityContext.capabilities.add");
  EXPECT_THAT(v[0].message, HasSubstr("adds SYS_TIME"));
}

TEST(Rules, AllowPrivilegeEscalationMustBeExplicitlyFalse) {
  Rules r;
  r.allow_privilege_escalation = false;
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["containers"][0]["securityContext"].erase("allowPrivilegeEscalation");
  EXPECT_EQ(judge_json(policy_with(r), pod).size(), 1u);
  pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = true;
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("allows privilege escalation"));
}

TEST(Rules, HostNamespaces) {
  Rules r;
  r.host_namespaces = false;
  json pod = compliant_pod();
  pod["spec"]["hostNetwork"] = false;
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["hostNetwork"] = true;
  pod["spec"]["hostPID"] = true;
  pod["spec"]["hostIPC"] = true;
  auto v = judge_json(policy_with(r), as_workload(pod, "DaemonSet"));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].field, "spec.template.spec.hostNetwork");
  EXPECT_THAT(v[0].message, HasSubstr("DaemonSet \"web\" shares the node's network namespace"));
  EXPECT_THAT(v[1].message, HasSubstr("process namespace"));
  EXPECT_THAT(v[2].message, HasSubstr("IPC namespace"));
}

TEST(Rules, HostPorts) {
  Rules r;
  r.host_ports = false;
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["ports"] = json::parse(R"([{"containerPort": 80}, {"containerPort": 443, "hostPort": 0}])");
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["containers"][0]["ports"][1]["hostPort"] = 8443;
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.containers[0].ports[1].hostPort");
  EXPECT_THAT(v[0].message, HasSubstr("hostPort 8443"));
}

json with_host_path(json pod, const std::string& path, bool mount_read_only) {
  pod["spec"]["volumes"] = json::array({{{"name", "host"}, {"hostPath", {{"path", path}}}}});
  pod["spec"]["containers"][0]["volumeMounts"] =
      json::array({{{"name", "host"}, {"mountPath", "/host"}, {"readOnly", mount_read_only}}});
  return pod;
}

TEST(Rules, HostPathAllowedPrefixesMatchWholeSegments) {
  Rules r;
  r.host_path = HostPathRule{false, {{"/var/log", true}}};
  auto p = policy_with(r);
  EXPECT_TRUE(judge_json(p, with_host_path(compliant_pod(), "/var/log/pods", true)).empty());
  EXPECT_TRUE(judge_json(p, with_host_path(compliant_pod(), "/var/log/", true)).empty());
  EXPECT_EQ(judge_json(p, with_host_path(compliant_pod(), "/var/logs", true)).size(), 1u);
  EXPECT_EQ(judge_json(p, with_host_path(compliant_pod(), "/var/log/../../etc", true)).size(), 1u);
  auto v = judge_json(p, with_host_path(compliant_pod(), "/var/log", false));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.containers[0].volumeMounts[0].readOnly");
  EXPECT_THAT(v[0].message, HasSubstr("writable"));
  v = judge_json(p, with_host_path(compliant_pod(), "/etc", true));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.volumes[0].hostPath.path");
}

TEST(Rules, HostPathRuntimeSocketIsNeverAllowedImplicitly) {
  Rules r;
  r.host_path = HostPathRule{true, {}};
  auto p = policy_with(r);
  EXPECT_TRUE(judge_json(p, with_host_path(compliant_pod(), "/data", false)).empty());
  for (const char* sock : {"/var/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/var/run"}) {
    auto v = judge_json(p, with_host_path(compliant_pod(), sock, true));
    ASSERT_EQ(v.size(), 1u) << sock;
    EXPECT_THAT(v[0].message, HasSubstr("kindlyguard always refuses it"));
  }
  r.host_path->allowed_paths = {{"/var/run/docker.sock", false}};
  EXPECT_TRUE(judge_json(policy_with(r), with_host_path(compliant_pod(), "/var/run/docker.sock", false)).empty());
}

TEST(Rules, Seccomp) {
  Rules r;
  r.seccomp = SeccompRule{{"RuntimeDefault", "Localhost"}};
  json pod = compliant_pod();
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
  pod["spec"]["containers"][0]["securityContext"]["seccompProfile"] = {{"type", "Unconfined"}};
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.containers[0].securityContext.seccompProfile.type");
  EXPECT_THAT(v[0].message, HasSubstr("\"Unconfined\""));
  pod["spec"]["containers"][0]["securityContext"].erase("seccompProfile");
  pod["spec"]["securityContext"].erase("seccompProfile");
  v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("has no seccomp profile"));
}

TEST(Rules, ResourcesRequiredAndMaximaCompareExactQuantities) {
  Rules r;
  ResourcesRule res;
  res.require_requests = {"cpu"};
  res.max_limits.emplace("memory", *k8s::Quantity::parse("0.5Gi"));
  r.resources = res;
  json pod = compliant_pod();
  auto& c = pod["spec"]["containers"][0];
  c["resources"]["limits"]["memory"] = "512Mi";
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty()) << "512Mi == 0.5Gi";
  c["resources"]["limits"]["memory"] = 536870912;
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty()) << "plain bytes as a number";
  c["resources"]["limits"]["memory"] = "536870913";
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("above the maximum 0.5Gi"));
  c["resources"]["limits"].erase("memory");
  c["resources"]["requests"].erase("cpu");
  v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].field, "spec.containers[0].resources.requests.cpu");
  EXPECT_EQ(v[1].field, "spec.containers[0].resources.limits.memory");
}

TEST(Rules, ImagesRegistriesTagsDigests) {
  Rules r;
  r.images = ImagesRule{{"registry.example.com", "ghcr.io/acme"}, {"latest"}, false};
  auto image_violations = [&](const std::string& image) {
    json pod = compliant_pod();
    pod["spec"]["containers"][0]["image"] = image;
    return judge_json(policy_with(r), pod);
  };
  EXPECT_TRUE(image_violations("registry.example.com/acme/web:1.0").empty());
  EXPECT_TRUE(image_violations("ghcr.io/acme/web@sha256:" + std::string(64, 'a')).empty());
  EXPECT_EQ(image_violations("ghcr.io/acmeevil/web:1.0").size(), 1u);
  EXPECT_EQ(image_violations("registry.example.com.evil.io/web:1.0").size(), 1u);
  auto v = image_violations("nginx");
  ASSERT_EQ(v.size(), 2u) << "docker.io and no tag";
  EXPECT_THAT(v[0].message, HasSubstr("from docker.io, which is not a trusted registry"));
  EXPECT_THAT(v[1].message, HasSubstr("with no tag, which runs :latest"));
  EXPECT_THAT(image_violations("registry.example.com/web:latest")[0].message, HasSubstr("with tag :latest"));
  r.images->require_digest = true;
  v = image_violations("registry.example.com/web:1.0");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("without a digest"));
}

TEST(Rules, ExemptImagesSkipContainerRules) {
  Rules r;
  r.privileged = false;
  SecurityPolicy p = policy_with(r);
  p.exemptions.images = {*k8s::ImagePattern::parse("registry.example.com/tools/*")};
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["image"] = "registry.example.com/tools/debug:1";
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  EXPECT_TRUE(judge_json(p, pod).empty());
  pod["spec"]["containers"][0]["image"] = "registry.example.com/app:1";
  EXPECT_EQ(judge_json(p, pod).size(), 1u);
}

}  // namespace
}  // namespace kindlyguard::policy
