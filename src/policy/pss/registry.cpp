// Every Pod Security Standards check: id (PSA's check id), level, and the revisions with the
// policy version from which each applies (a revision holds until the next one; the last one holds
// for every newer version). A restricted revision may replace a baseline check at the restricted
// level ("overrides"); otherwise every baseline check also applies at restricted.
//
// Adding a check: one new check_*.cpp, its functions in check.hpp, one entry here.
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

const std::vector<CheckDef>& registry() {
  static const std::vector<CheckDef> kChecks = {
      // ---- baseline ----
      {"appArmorProfile", PssLevel::Baseline, Severity::Medium, {{0, app_armor_profile_v1_0}}},
      {"capabilities_baseline", PssLevel::Baseline, Severity::High, {{0, capabilities_baseline_v1_0}}},
      {"hostNamespaces", PssLevel::Baseline, Severity::High, {{0, host_namespaces_v1_0}}},
      {"hostPathVolumes", PssLevel::Baseline, Severity::High, {{0, host_path_volumes_v1_0}}},
      {"hostPorts", PssLevel::Baseline, Severity::Medium, {{0, host_ports_v1_0}}},
      {"hostProbesAndHostLifecycle", PssLevel::Baseline, Severity::Medium, {{34, host_probes_and_lifecycle_v1_34}}},
      {"privileged", PssLevel::Baseline, Severity::Critical, {{0, privileged_v1_0}}},
      {"procMount", PssLevel::Baseline, Severity::High, {{0, proc_mount_v1_0}, {35, proc_mount_baseline_v1_35}}},
      {"seLinuxOptions", PssLevel::Baseline, Severity::High, {{0, selinux_options_v1_0}, {31, selinux_options_v1_31}}},
      {"seccompProfile_baseline",
       PssLevel::Baseline, Severity::Medium,
       {{0, seccomp_profile_baseline_v1_0}, {19, seccomp_profile_baseline_v1_19}}},
      {"sysctls",
       PssLevel::Baseline, Severity::High,
       {{0, sysctls_v1_0}, {27, sysctls_v1_27}, {29, sysctls_v1_29}, {32, sysctls_v1_32}, {37, sysctls_v1_37}}},
      {"windowsHostProcess", PssLevel::Baseline, Severity::Critical, {{0, windows_host_process_v1_0}}},
      // ---- restricted ----
      {"allowPrivilegeEscalation",
       PssLevel::Restricted, Severity::High,
       {{8, allow_privilege_escalation_v1_8}, {25, allow_privilege_escalation_v1_25}}},
      {"capabilities_restricted",
       PssLevel::Restricted, Severity::Medium,
       {{22, capabilities_restricted_v1_22, "capabilities_baseline"},
        {25, capabilities_restricted_v1_25, "capabilities_baseline"}}},
      {"procMount_restricted", PssLevel::Restricted, Severity::High, {{35, proc_mount_restricted_v1_35, "procMount"}}},
      {"restrictedVolumes", PssLevel::Restricted, Severity::Medium, {{0, restricted_volumes_v1_0, "hostPathVolumes"}}},
      {"runAsNonRoot", PssLevel::Restricted, Severity::High, {{0, run_as_non_root_v1_0}, {35, run_as_non_root_v1_35}}},
      {"runAsUser", PssLevel::Restricted, Severity::High, {{23, run_as_user_v1_23}, {35, run_as_user_v1_35}}},
      {"seccompProfile_restricted",
       PssLevel::Restricted, Severity::Medium,
       {{19, seccomp_profile_restricted_v1_19, "seccompProfile_baseline"},
        {25, seccomp_profile_restricted_v1_25, "seccompProfile_baseline"}}},
  };
  return kChecks;
}

}  // namespace kindlyguard::policy::pss::detail
