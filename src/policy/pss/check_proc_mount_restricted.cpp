// PSS check "procMount_restricted" (restricted)
//
// The default /proc masks are required by the restricted policy, user namespace or not.
//
// Restricted fields:
//   spec.containers[*].securityContext.procMount
//   spec.initContainers[*].securityContext.procMount
//   spec.ephemeralContainers[*].securityContext.procMount
// Allowed values: undefined/null, "Default"
//
// Versions: v1.35+ (one revision). It replaces the baseline "procMount" check at the restricted
// level: from v1.35 baseline lets pods with hostUsers: false unmask /proc, restricted keeps the
// v1.0 rule for every pod. Before v1.35 the baseline check (unconditional then) covers restricted.
// Message: procMount (container "a" must not set securityContext.procMount to "Unmasked")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool proc_mount_restricted_v1_35(const Pod& pod, CheckResult& out) { return proc_mount_v1_0(pod, out); }

}  // namespace kindlyguard::policy::pss::detail
