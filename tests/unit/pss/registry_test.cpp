// The PSS registry: ids, levels, version ranges, overrides, ordering, version resolution and
// PSA's aggregated message.
#include <algorithm>
#include <set>

#include "pss_test_util.hpp"

namespace kindlyguard::policy::pss::testing {
namespace {

TEST(PssRegistry, KnowsEveryPsaCheckOnce) {
  const std::vector<std::string> want = {
      // baseline, sorted
      "appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPathVolumes", "hostPorts",
      "hostProbesAndHostLifecycle", "privileged", "procMount", "seLinuxOptions", "seccompProfile_baseline", "sysctls",
      "windowsHostProcess",
      // restricted, sorted
      "allowPrivilegeEscalation", "capabilities_restricted", "procMount_restricted", "restrictedVolumes",
      "runAsNonRoot", "runAsUser", "seccompProfile_restricted"};
  EXPECT_EQ(check_ids(), want);
}

TEST(PssRegistry, VersionsIncreaseAndOverridesNameBaselineChecks) {
  std::set<std::string> baseline;
  for (const auto& c : checks())
    if (c.level == PssLevel::Baseline) baseline.insert(c.id);
  for (const auto& c : checks()) {
    ASSERT_FALSE(c.since_minors.empty()) << c.id;
    EXPECT_TRUE(std::is_sorted(c.since_minors.begin(), c.since_minors.end())) << c.id;
    EXPECT_EQ(std::adjacent_find(c.since_minors.begin(), c.since_minors.end()), c.since_minors.end()) << c.id;
    EXPECT_LE(c.since_minors.back(), latest_minor()) << c.id;
    for (const auto& o : c.overrides) {
      EXPECT_EQ(c.level, PssLevel::Restricted) << c.id;
      EXPECT_TRUE(baseline.count(o)) << c.id << " overrides unknown baseline check " << o;
    }
  }
}

TEST(PssRegistry, RevisionsAreTheKubernetesOnes) {
  std::map<std::string, std::vector<int>> want = {
      {"appArmorProfile", {0}},      {"capabilities_baseline", {0}},     {"hostNamespaces", {0}},
      {"hostPathVolumes", {0}},      {"hostPorts", {0}},                 {"hostProbesAndHostLifecycle", {34}},
      {"privileged", {0}},           {"procMount", {0, 35}},             {"seLinuxOptions", {0, 31}},
      {"seccompProfile_baseline", {0, 19}}, {"sysctls", {0, 27, 29, 32, 37}}, {"windowsHostProcess", {0}},
      {"allowPrivilegeEscalation", {8, 25}}, {"capabilities_restricted", {22, 25}}, {"procMount_restricted", {35}},
      {"restrictedVolumes", {0}},    {"runAsNonRoot", {0, 35}},          {"runAsUser", {23, 35}},
      {"seccompProfile_restricted", {19, 25}},
  };
  for (const auto& c : checks()) EXPECT_EQ(c.since_minors, want[c.id]) << c.id;
}

TEST(PssVersion, LatestIsTheNewestRevision) {
  EXPECT_EQ(latest_minor(), 37);
  EXPECT_EQ(resolve_minor(latest()), 37);
  EXPECT_EQ(resolve_minor(v(37)), 37);
  EXPECT_EQ(resolve_minor(v(99)), 37);  // newer than known: judged as the newest known
  EXPECT_EQ(resolve_minor(v(30)), 30);
  EXPECT_EQ(resolve_minor(v(0)), 0);
}

TEST(PssEvaluate, PrivilegedLevelAllowsEverything) {
  json spec = {{"hostNetwork", true},
               {"containers", {{{"name", "a"}, {"securityContext", {{"privileged", true}}}}}}};
  EXPECT_TRUE(run(PssLevel::Privileged, latest(), pod(spec)).empty());
}

TEST(PssEvaluate, CompliantPodPassesRestrictedAtEveryVersion) {
  for (int minor = 0; minor <= latest_minor() + 2; ++minor)
    EXPECT_TRUE(run(PssLevel::Restricted, v(minor), pod(good_spec())).empty()) << "v1." << minor;
}

// Which checks a maximally non-compliant pod fails, by version: the version boundaries of the
// whole registry at once, including the baseline checks replaced at restricted.
json bad_everywhere() {
  json c = {{"name", "a"},
            {"ports", {{{"containerPort", 80}, {"hostPort", 80}}}},
            {"livenessProbe", {{"httpGet", {{"host", "10.0.0.1"}, {"port", 80}}}}},
            {"securityContext",
             {{"privileged", true},
              {"procMount", "Unmasked"},
              {"runAsUser", 0},
              {"runAsNonRoot", false},
              {"allowPrivilegeEscalation", true},
              {"capabilities", {{"add", {"SYS_ADMIN"}}}},
              {"seccompProfile", {{"type", "Unconfined"}}},
              {"appArmorProfile", {{"type", "Unconfined"}}},
              {"seLinuxOptions", {{"type", "spc_t"}}},
              {"windowsOptions", {{"hostProcess", true}}}}}};
  return json{{"hostPID", true},
              {"securityContext", {{"sysctls", {{{"name", "kernel.msgmax"}, {"value", "1"}}}}}},
              {"volumes", {{{"name", "h"}, {"hostPath", {{"path", "/"}}}}}},
              {"containers", {c}}};
}

TEST(PssEvaluate, BaselineChecksByVersion) {
  const json p = pod(bad_everywhere(), {{"annotations", {{"seccomp.security.alpha.kubernetes.io/pod", "unconfined"}}}});
  const std::vector<std::string> v1_0 = {"appArmorProfile", "capabilities_baseline", "hostNamespaces",
                                         "hostPathVolumes", "hostPorts", "privileged", "procMount", "seLinuxOptions",
                                         "seccompProfile_baseline", "sysctls", "windowsHostProcess"};
  EXPECT_EQ(ids(run(PssLevel::Baseline, v(0), p)), v1_0);
  EXPECT_EQ(ids(run(PssLevel::Baseline, v(33), p)), v1_0);
  std::vector<std::string> v1_34 = v1_0;
  v1_34.insert(v1_34.begin() + 5, "hostProbesAndHostLifecycle");
  EXPECT_EQ(ids(run(PssLevel::Baseline, v(34), p)), v1_34);
  EXPECT_EQ(ids(run(PssLevel::Baseline, latest(), p)), v1_34);
}

TEST(PssEvaluate, RestrictedChecksByVersion) {
  const json p = pod(bad_everywhere(), {{"annotations", {{"seccomp.security.alpha.kubernetes.io/pod", "unconfined"}}}});
  // v1.0: every baseline check but hostPathVolumes (replaced by restrictedVolumes), plus runAsNonRoot.
  EXPECT_EQ(ids(run(PssLevel::Restricted, v(0), p)),
            (std::vector<std::string>{"appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPorts",
                                      "privileged", "procMount", "seLinuxOptions", "seccompProfile_baseline",
                                      "sysctls", "windowsHostProcess", "restrictedVolumes", "runAsNonRoot"}));
  // v1.8 adds allowPrivilegeEscalation.
  EXPECT_EQ(ids(run(PssLevel::Restricted, v(8), p)).back(), "runAsNonRoot");
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(8), p), "allowPrivilegeEscalation"));
  EXPECT_FALSE(failed(run(PssLevel::Restricted, v(7), p), "allowPrivilegeEscalation"));
  // v1.19: seccompProfile_restricted replaces seccompProfile_baseline.
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(18), p), "seccompProfile_baseline"));
  EXPECT_FALSE(failed(run(PssLevel::Restricted, v(18), p), "seccompProfile_restricted"));
  EXPECT_FALSE(failed(run(PssLevel::Restricted, v(19), p), "seccompProfile_baseline"));
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(19), p), "seccompProfile_restricted"));
  // v1.22: capabilities_restricted replaces capabilities_baseline.
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(21), p), "capabilities_baseline"));
  EXPECT_FALSE(failed(run(PssLevel::Restricted, v(22), p), "capabilities_baseline"));
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(22), p), "capabilities_restricted"));
  // v1.23 adds runAsUser.
  EXPECT_FALSE(failed(run(PssLevel::Restricted, v(22), p), "runAsUser"));
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(23), p), "runAsUser"));
  // v1.35: procMount_restricted replaces procMount.
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(34), p), "procMount"));
  EXPECT_FALSE(failed(run(PssLevel::Restricted, v(35), p), "procMount"));
  EXPECT_TRUE(failed(run(PssLevel::Restricted, v(35), p), "procMount_restricted"));
  EXPECT_EQ(ids(run(PssLevel::Restricted, latest(), p)),
            (std::vector<std::string>{"appArmorProfile", "hostNamespaces", "hostPorts", "hostProbesAndHostLifecycle",
                                      "privileged", "seLinuxOptions", "sysctls", "windowsHostProcess",
                                      "allowPrivilegeEscalation", "capabilities_restricted", "procMount_restricted",
                                      "restrictedVolumes", "runAsNonRoot", "runAsUser", "seccompProfile_restricted"}));
}

TEST(PssMessage, AggregatesLikePsa) {
  std::vector<CheckResult> failed = {
      {"allowPrivilegeEscalation", "allowPrivilegeEscalation != false",
       "container \"app\" must set securityContext.allowPrivilegeEscalation=false", "", "app"},
      {"x", "", "", "", ""},
      {"runAsNonRoot", "runAsNonRoot != true", "", "", ""},
  };
  EXPECT_EQ(format_message(PssLevel::Restricted, v(30), failed),
            "violates PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false (container \"app\" must set "
            "securityContext.allowPrivilegeEscalation=false), unknown forbidden reason, runAsNonRoot != true");
  EXPECT_EQ(format_message(PssLevel::Baseline, latest(), {failed[2]}),
            "violates PodSecurity \"baseline:latest\": runAsNonRoot != true");
  EXPECT_EQ(format_message(PssLevel::Restricted, latest(), {}), "");
  // The version is the one the policy names, not the one it resolves to.
  EXPECT_EQ(format_message(PssLevel::Baseline, v(99), {failed[2]}),
            "violates PodSecurity \"baseline:v1.99\": runAsNonRoot != true");
}

TEST(PssMessage, TypicalRestrictedViolation) {
  json spec = {{"containers", {{{"name", "app"}, {"image", "nginx"}}}}};
  auto r = run(PssLevel::Restricted, latest(), pod(spec));
  EXPECT_EQ(format_message(PssLevel::Restricted, latest(), r),
            "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set "
            "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must set "
            "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"app\" must set "
            "securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set "
            "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
}

}  // namespace
}  // namespace kindlyguard::policy::pss::testing
