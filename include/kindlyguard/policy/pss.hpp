#pragma once
// Kubernetes Pod Security Standards (baseline, restricted), judged exactly as the Kubernetes
// Pod Security Admission controller does for a given level and version. One check per file under
// src/policy/pss/, each with the version ranges in which each of its variants applies.

#include <string>
#include <vector>

#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/pod_view.hpp"

namespace kindlyguard::policy::pss {

// The newest Kubernetes minor whose PSS definitions are known; "latest" resolves to it.
int latest_minor();

// One failed check, worded as PSA words it: reason "allowPrivilegeEscalation != false",
// detail `container "app" must set securityContext.allowPrivilegeEscalation=false`.
struct CheckResult {
  std::string check_id;   // PSA's check id, e.g. "allowPrivilegeEscalation", "capabilities_restricted"
  std::string reason;     // forbiddenReason
  std::string detail;     // forbiddenDetail
  std::string field;      // the first offending field path, for our Violation
  std::string container;  // the first offending container, empty when pod-level
};

// All failed checks for `level` at `version` (pod templates included). Empty when allowed.
std::vector<CheckResult> evaluate(PssLevel level, PssVersion version, const PodView& pod);

// PSA's one-line message: `violates PodSecurity "restricted:v1.30": reason (detail), ...`.
std::string format_message(PssLevel level, PssVersion version, const std::vector<CheckResult>& failed);

// The ids of every check known, for documentation and rule-id listings.
std::vector<std::string> check_ids();

}  // namespace kindlyguard::policy::pss
