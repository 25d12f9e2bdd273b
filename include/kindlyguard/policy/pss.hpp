#pragma once
// Kubernetes Pod Security Standards (baseline, restricted), judged exactly as the Kubernetes
// Pod Security Admission controller does for a given level and version. One check per file under
// src/policy/pss/, each with the version ranges in which each of its variants applies.

#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/pod_view.hpp"

namespace kindlyguard::policy::pss {

// The newest Kubernetes minor whose PSS definitions are known; "latest" resolves to it.
int latest_minor();

// The policy version a PssVersion is judged at, as PSA resolves it: "latest", and any version
// newer than latest_minor(), mean latest_minor(); v1.<n> below that means n.
int resolve_minor(PssVersion version);

// One failed check, worded as PSA words it: reason "allowPrivilegeEscalation != false",
// detail `container "app" must set securityContext.allowPrivilegeEscalation=false`.
struct CheckResult {
  std::string check_id;   // PSA's check id, e.g. "allowPrivilegeEscalation", "capabilities_restricted"
  std::string reason;     // forbiddenReason
  std::string detail;     // forbiddenDetail
  std::string field;      // the first offending field path, for our Violation; right for templates
                          // too (spec.template.spec...). For a setting nobody set, where the first
                          // offending container should set it.
  std::string container;  // the first offending container, empty when pod-level
  Severity severity = Severity::Medium;  // the check's (README "Severities")
};

// All failed checks for `level` at `version` (pod templates included). Empty when allowed.
// Checks come in PSA's order (baseline check ids sorted, then restricted ones sorted); at the
// restricted level the baseline checks that a restricted check replaces are left out, as in PSA.
std::vector<CheckResult> evaluate(PssLevel level, PssVersion version, const PodView& pod);

// The verdict of evaluate() without the wording: true when no check fails. Stops at the first
// failed check.
bool allowed(PssLevel level, PssVersion version, const PodView& pod);

// PSA's one-line message: `violates PodSecurity "restricted:v1.30": reason (detail), ...`, with
// the version as the policy names it ("latest", "v1.30"). "" when nothing failed.
std::string format_message(PssLevel level, PssVersion version, const std::vector<CheckResult>& failed);

// Whether a check reads this pod (template) annotation (AppArmor's per-container annotation; the
// seccomp annotations older kubelets honoured). Such annotations are part of what an UPDATE must
// judge again, like the pod spec.
bool reads_annotation(std::string_view key);

// The ids of every check known, for documentation and rule-id listings, in PSA's order.
std::vector<std::string> check_ids();

// What the registry knows about one check, for documentation.
struct CheckInfo {
  std::string id;
  PssLevel level = PssLevel::Baseline;
  std::vector<int> since_minors;       // v1.<n> from which each revision applies, increasing
  std::vector<std::string> overrides;  // baseline check ids a restricted revision replaces
  Severity severity = Severity::Medium;
};
std::vector<CheckInfo> checks();

}  // namespace kindlyguard::policy::pss
