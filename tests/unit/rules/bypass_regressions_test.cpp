// Regression tests for the red-team review of 0.1.0 (issue 14, items 1-6): each case was a way
// around a policy that 0.1.0 let through. SECURITY.md's bypass table names these tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/k8s/image_pattern.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "rules_test_util.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;

using rules_test::judge_json;
using rules_test::policy_with;

json with_caps(json pod, const json& drop, const json& add = nullptr) {
  auto& caps = pod["spec"]["containers"][0]["securityContext"]["capabilities"];
  caps = json::object();
  if (!drop.is_null()) caps["drop"] = drop;
  if (!add.is_null()) caps["add"] = add;
  return pod;
}

// Item 1: containerd prefixes CAP_ to every name but ALL, so a CAP_-prefixed drop drops nothing
// there; a drop counts only when every runtime honours it. Adds count when any runtime grants them.
TEST(BypassRegressions, Item1_CapPrefixedDropsDropNothingOnContainerd) {
  Rules r;
  r.capabilities = CapabilitiesRule{{"ALL"}, std::nullopt};
  auto p = policy_with(r);
  auto v = judge_json(p, with_caps(compliant_pod(), {"CAP_ALL"}));
  ASSERT_EQ(v.size(), 1u) << "CAP_ALL drops nothing on containerd";
  EXPECT_THAT(v[0].message, HasSubstr("does not drop ALL"));
  EXPECT_THAT(v[0].message, HasSubstr("CAP_ALL drops nothing on containerd"));
  EXPECT_EQ(judge_json(p, with_caps(compliant_pod(), {"cap_all"})).size(), 1u);
  for (const char* all : {"ALL", "all", "All"})
    EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {all})).empty()) << all << ": runtimes match ALL in any case";

  r.capabilities = CapabilitiesRule{{"NET_RAW"}, std::nullopt};
  p = policy_with(r);
  EXPECT_EQ(judge_json(p, with_caps(compliant_pod(), {"CAP_NET_RAW"})).size(), 1u);
  EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {"NET_RAW"})).empty());
  EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {"net_raw"})).empty()) << "both runtimes upper-case names";
}

TEST(BypassRegressions, Item1_AddsCountInEverySpellingARuntimeGrants) {
  Rules r;
  r.capabilities = CapabilitiesRule{{"ALL"}, std::vector<std::string>{"NET_BIND_SERVICE"}};
  auto p = policy_with(r);
  for (const char* add : {"SYS_ADMIN", "sys_admin", "CAP_SYS_ADMIN", "cap_sys_admin", "ALL", "all"}) {
    auto v = judge_json(p, with_caps(compliant_pod(), {"ALL"}, {add}));
    ASSERT_EQ(v.size(), 1u) << add;
    EXPECT_EQ(v[0].field, "spec.containers[0].securityContext.capabilities.add");
  }
  EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {"ALL"}, {"CAP_NET_BIND_SERVICE"})).empty());
}

// Item 1, the same class of hole: both runtimes apply drop ALL before single adds, so an add
// grants back what ALL dropped; a single drop comes after the adds and holds.
TEST(BypassRegressions, Item1_AnAddGrantsBackWhatDropAllRemoved) {
  Rules r;
  r.capabilities = CapabilitiesRule{{"NET_RAW"}, std::nullopt};
  auto p = policy_with(r);
  auto v = judge_json(p, with_caps(compliant_pod(), {"ALL"}, {"NET_RAW"}));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("grants NET_RAW back"));
  EXPECT_EQ(judge_json(p, with_caps(compliant_pod(), {"ALL"}, {"CAP_NET_RAW"})).size(), 1u) << "CRI-O grants CAP_NET_RAW";
  EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {"ALL", "NET_RAW"}, {"NET_RAW"})).empty());
  EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {"ALL"}, {"NET_BIND_SERVICE"})).empty());
  EXPECT_TRUE(judge_json(p, with_caps(compliant_pod(), {"ALL"}, {"ALL"})).empty()) << "drop ALL comes after add ALL";
}

// hostPorts, the same class of hole as item 1 (what the runtime really does): with hostNetwork
// every listening port is a host port, declared or not.
TEST(BypassRegressions, HostNetworkBreaksTheHostPortsRule) {
  Rules r;
  r.host_ports = false;
  json pod = compliant_pod();
  pod["spec"]["hostNetwork"] = true;
  auto v = judge_json(policy_with(r), pod);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "spec.hostNetwork");
  EXPECT_EQ(judge_json(policy_with(r), as_workload(pod, "Deployment")).size(), 1u);
  pod["spec"]["hostNetwork"] = false;
  EXPECT_TRUE(judge_json(policy_with(r), pod).empty());
}

json with_host_path(const std::string& path) {
  json pod = compliant_pod();
  pod["spec"]["volumes"] = json::array({{{"name", "host"}, {"hostPath", {{"path", path}}}}});
  pod["spec"]["containers"][0]["volumeMounts"] = json::array({{{"name", "host"}, {"mountPath", "/host"}, {"readOnly", true}}});
  return pod;
}

// Item 2: with allowed: true, every path that reaches the host's runtimes or the host itself is
// still refused, after normalisation, in every workload kind.
TEST(BypassRegressions, Item2_HostPathAlwaysRefusedSetAfterNormalisation) {
  Rules r;
  r.host_path = HostPathRule{true, {}};
  auto p = policy_with(r);
  for (const char* path :
       {"/proc/1/root", "/proc/self/root", "/proc/4242/root/etc", "/proc", "/proc/sys/kernel", "/proc/sysrq-trigger",
        "/run/k3s/containerd/containerd.sock", "/var/snap/microk8s/common/run/containerd.sock", "/run/podman/podman.sock",
        "/var/run/dockershim.sock", "/run/containerd/containerd.sock.ttrpc", "/run/containerd/s/abc",
        "/var/run/docker.sock", "/run/docker.sock", "/var/run/crio/crio.sock", "/run/k0s/containerd.sock",
        "/run/user/1000/podman/podman.sock", "/run/user/1000/docker.sock", "/", "/run", "/var", "/var/run",
        "//proc/1/root", "/proc/./1/root", "/run/containerd/", "proc/1/root", "/var//run///docker.sock"}) {
    EXPECT_EQ(judge_json(p, with_host_path(path)).size(), 1u) << path;
    EXPECT_EQ(judge_json(p, as_workload(with_host_path(path), "DaemonSet")).size(), 1u) << path;
  }
  for (const char* path : {"/data", "/var/log", "/var/lib/app", "/etc/ssl/certs", "/processes", "/running"})
    EXPECT_TRUE(judge_json(p, with_host_path(path)).empty()) << path;
  auto v = judge_json(p, with_host_path("/proc/1/root"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("/proc/1/root is the whole host"));
  EXPECT_EQ(v[0].field, "spec.volumes[0].hostPath.path");
}

TEST(BypassRegressions, Item2_OnlyAnEntryNamingARefusedPathLetsItThrough) {
  Rules r;
  r.host_path = HostPathRule{true, {{"/run", false}, {"/", false}}};
  auto v = judge_json(policy_with(r), with_host_path("/run/containerd/containerd.sock"));
  ASSERT_EQ(v.size(), 1u) << "a broader entry never lets a refused path through";
  EXPECT_THAT(v[0].message, HasSubstr("broader than the refused path"));
  r.host_path = HostPathRule{false, {{"/proc", true}, {"/run/containerd/containerd.sock", false}}};
  auto p = policy_with(r);
  EXPECT_TRUE(judge_json(p, with_host_path("/proc")).empty()) << "node-exporter's /proc, named";
  EXPECT_TRUE(judge_json(p, with_host_path("/run/containerd/containerd.sock")).empty());
  EXPECT_EQ(judge_json(p, with_host_path("/run/containerd")).size(), 1u) << "the directory was not named";
}

TEST(BypassRegressions, Item2_TheMostSpecificAllowanceDecidesReadOnly) {
  Rules r;
  r.host_path = HostPathRule{false, {{"/var", false}, {"/var/log", true}}};
  json pod = with_host_path("/var/log/pods");
  pod["spec"]["containers"][0]["volumeMounts"][0]["readOnly"] = false;
  EXPECT_EQ(judge_json(policy_with(r), pod).size(), 1u);
  r.host_path = HostPathRule{false, {{"/var/log", true}, {"/var", false}}};
  EXPECT_EQ(judge_json(policy_with(r), pod).size(), 1u) << "the order of entries must not loosen readOnly";
}

// Item 3: exemption globs match the normalised reference, segment by segment.
TEST(BypassRegressions, Item3_ImageExemptionsMatchNormalisedReferencesSegmentExact) {
  Rules r;
  r.privileged = false;
  SecurityPolicy p = policy_with(r);
  auto exempt = [&](const std::string& pattern, const std::string& image) {
    p.exemptions.images = {*k8s::ImagePattern::parse(pattern)};
    json pod = kindlyguard::testing::privileged_pod();
    pod["spec"]["containers"][0]["image"] = image;
    return judge_json(p, pod).empty();
  };
  EXPECT_FALSE(exempt("nginx*", "nginx.evil.io/rootkit:1"));
  EXPECT_FALSE(exempt("nginx*", "nginxx/rootkit:1"));
  EXPECT_TRUE(exempt("nginx*", "docker.io/library/nginx:1.25"));
  EXPECT_TRUE(exempt("nginx*", "nginx"));
  EXPECT_TRUE(exempt("nginx*", "index.docker.io/library/nginx-unprivileged:1"));
  EXPECT_TRUE(exempt("docker.io/library/nginx", "nginx:1.25"));
  EXPECT_FALSE(exempt("registry.example.com/tools/*", "registry.example.com/tools/x/y:1"));
  EXPECT_TRUE(exempt("registry.example.com/tools/**", "registry.example.com/tools/x/y:1"));
  EXPECT_FALSE(exempt("registry.example.com/tools/**", "registry.example.com.evil.io/tools/x:1"));
  EXPECT_FALSE(exempt("registry.example.com/tools/**", "registry.example.com:5000/tools/x:1"));
  EXPECT_TRUE(exempt("Registry.Example.com/tools/*", "registry.example.com/tools/x"));
  EXPECT_TRUE(exempt("registry.k8s.io/pause:3.*", "registry.k8s.io/pause:3.9"));
  EXPECT_FALSE(exempt("registry.k8s.io/pause:3.*", "registry.k8s.io/pause:4.0"));
  EXPECT_FALSE(exempt("registry.k8s.io/pause:3.*", "registry.k8s.io/pause:3.9@sha256:" + std::string(64, 'a')))
      << "the runtime pulls the digest; the tag says nothing";
  EXPECT_TRUE(exempt("registry.k8s.io/pause:*", "registry.k8s.io/pause@sha256:" + std::string(64, 'a')));
}

TEST(BypassRegressions, Item3_AmbiguousImagePatternsAreRefused) {
  for (const char* bad : {"*/rootkit", "*.example.com/app", "ghcr.*/acme/*", "registry.example.com", "a//b", "Nginx*",
                          "registry.example.com/tools/a**", ""})
    EXPECT_FALSE(k8s::ImagePattern::parse(bad).ok()) << bad;
  auto parsed = parse_policy(json::parse(R"({"apiVersion": "kindlyguard.io/v1alpha1", "kind": "SecurityPolicy",
    "metadata": {"name": "p"}, "spec": {"exemptions": {"images": ["ok/*", "*/rootkit"]}, "rules": {"privileged": false}}})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().to_string(), HasSubstr("spec.exemptions.images[1]"));
  EXPECT_THAT(parsed.error().to_string(), HasSubstr("registry host or a Docker Hub namespace"));
}

// Item 4: a template UPDATE that only adds an AppArmor unconfined annotation is judged.
TEST(BypassRegressions, Item4_TemplateAnnotationThatAChecksReadsIsJudgedOnUpdate) {
  SecurityPolicy p;
  p.name = "baseline";
  p.pod_security_standard = PodSecurityStandard{PssLevel::Baseline, {}};
  PolicySet set{{p}, 1};
  for (const char* kind : {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}) {
    json old_obj = std::string(kind) == "Pod" ? compliant_pod() : as_workload(compliant_pod(), kind);
    json new_obj = old_obj;
    json& md = std::string(kind) == "Pod"       ? new_obj["metadata"]
               : std::string(kind) == "CronJob" ? new_obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
                                                : new_obj["spec"]["template"]["metadata"];
    md["annotations"]["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined";
    Request req;
    req.operation = Operation::Update;
    req.kind = kind;
    req.namespace_ = "default";
    req.object = &new_obj;
    req.old_object = &old_obj;
    auto d = evaluate(set, req, name_only_namespace_labels());
    EXPECT_FALSE(d.allowed) << kind << ": " << d.note;
    // Other annotation and label changes still pass without judging (quarantine labels a pod).
    json relabeled = old_obj;
    relabeled["metadata"]["labels"]["kindlyguard.io/quarantine"] = "true";
    relabeled["metadata"]["annotations"]["note"] = "x";
    req.object = &relabeled;
    d = evaluate(set, req, name_only_namespace_labels());
    EXPECT_TRUE(d.allowed) << kind;
    EXPECT_FALSE(d.judged) << kind;
  }
}

// Item 5: a digest-pinned reference satisfies tag rules.
TEST(BypassRegressions, Item5_DigestPinnedImagesSatisfyTagRules) {
  Rules r;
  r.images = ImagesRule{{}, {"latest"}, false};
  auto p = policy_with(r);
  auto violations = [&](const std::string& image) {
    json pod = compliant_pod();
    pod["spec"]["containers"][0]["image"] = image;
    return judge_json(p, pod);
  };
  const std::string digest = "@sha256:" + std::string(64, 'b');
  EXPECT_TRUE(violations("registry.example.com/app:latest" + digest).empty());
  EXPECT_TRUE(violations("registry.example.com/app" + digest).empty());
  EXPECT_EQ(violations("registry.example.com/app:latest").size(), 1u);
  EXPECT_EQ(violations("registry.example.com/app").size(), 1u);
}

// Item 6: rule values that check nothing are refused, with the value that checks.
TEST(BypassRegressions, Item6_RuleValuesThatCheckNothingAreRefused) {
  struct Case {
    const char* rule;
    json value;
    const char* hint;
  };
  for (const auto& c : std::vector<Case>{{"privileged", true, "did you mean false?"},
                                         {"runAsNonRoot", false, "did you mean true?"},
                                         {"hostPorts", true, "did you mean false?"},
                                         {"hostNamespaces", true, "did you mean false?"},
                                         {"allowPrivilegeEscalation", true, "did you mean false?"},
                                         {"readOnlyRootFilesystem", false, "did you mean true?"},
                                         {"images", {{"requireDigest", false}}, "checks nothing"}}) {
    json doc = {{"apiVersion", "kindlyguard.io/v1alpha1"},
                {"kind", "SecurityPolicy"},
                {"metadata", {{"name", "p"}}},
                {"spec", {{"rules", {{c.rule, c.value}, {"privileged", false}}}}}};
    if (std::string(c.rule) == "privileged") doc["spec"]["rules"] = {{"privileged", true}};
    auto parsed = parse_policy(doc);
    ASSERT_FALSE(parsed.ok()) << c.rule;
    EXPECT_THAT(parsed.error().to_string(), HasSubstr("spec.rules." + std::string(c.rule)));
    EXPECT_THAT(parsed.error().to_string(), HasSubstr(c.hint)) << c.rule;
  }
  // The review's policy: it loaded, and the privileged pod then passed. Every value is named.
  auto problems = validate_policy(json::parse(R"({"apiVersion": "kindlyguard.io/v1alpha1", "kind": "SecurityPolicy",
    "metadata": {"name": "p"}, "spec": {"rules": {"privileged": true, "runAsNonRoot": false, "hostPorts": true}}})"));
  std::string all;
  for (const auto& e : problems) all += e.to_string() + "\n";
  EXPECT_EQ(problems.size(), 3u) << all;
  EXPECT_THAT(all, HasSubstr("spec.rules.privileged: true checks nothing; did you mean false?"));
  EXPECT_THAT(all, HasSubstr("spec.rules.runAsNonRoot: false checks nothing; did you mean true?"));
  EXPECT_THAT(all, HasSubstr("spec.rules.hostPorts: true checks nothing; did you mean false?"));
}

}  // namespace
}  // namespace kindlyguard::policy
