#pragma once
// The quarantine label guard: a pod's quarantine label (kindlyguard.io/quarantine=true by
// default) may be removed or changed only by the users in --quarantine-release-users and the
// members of the groups in --quarantine-release-groups. Otherwise whoever can update a pod could
// let a quarantined pod out. Judged on pod UPDATE (any subresource: the old and new objects say
// what changed); adding the label, and CREATE with it, are always allowed, so anyone who may edit
// a pod can quarantine it. Dry runs are judged the same (a guard has no side effects).
//
// Pure: no I/O, the request decides.

#include <string>
#include <vector>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::admission {

struct QuarantineGuardConfig {
  std::string label_key = "kindlyguard.io/quarantine";
  std::string label_value = "true";
  std::vector<std::string> release_users;
  std::vector<std::string> release_groups;
};

// "" when the request may go on; else the denial, naming the label, the pod, the user and the
// flags that would allow it.
std::string judge_quarantine_label(const QuarantineGuardConfig& config, const policy::Request& request);

// judge_quarantine_label as a Handler guard.
RequestGuard quarantine_guard(QuarantineGuardConfig config);

}  // namespace kindlyguard::admission
