// PSS check "allowPrivilegeEscalation" (restricted)
//
// Privilege escalation (such as via set-user-ID or set-group-ID file mode) should not be allowed.
//
// Restricted fields:
//   spec.containers[*].securityContext.allowPrivilegeEscalation
//   spec.initContainers[*].securityContext.allowPrivilegeEscalation
//   spec.ephemeralContainers[*].securityContext.allowPrivilegeEscalation
// Allowed values: false (undefined counts as true)
//
// Versions:
//   v1.0 - v1.7  not checked (the field exists since Kubernetes v1.8)
//   v1.8+        every container must set it to false
//   v1.25+       pods with spec.os.name: windows are exempt (the API rejects the field on them)
// Message: allowPrivilegeEscalation != false (container "a" must set
//          securityContext.allowPrivilegeEscalation=false)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool allow_privilege_escalation_v1_8(const Pod& pod, CheckResult& out) {
  Names bad;
  const Container* first = nullptr;
  for (const Container& c : pod.containers) {
    if (is_false(get(c.sc, "allowPrivilegeEscalation"))) continue;
    if (!first) first = &c;
    bad.push_back(c.name);
  }
  if (bad.empty()) return true;
  return fail(out, "allowPrivilegeEscalation != false",
              containers_phrase(bad) + " must set securityContext.allowPrivilegeEscalation=false",
              first->view->field("securityContext.allowPrivilegeEscalation"), first->name);
}

bool allow_privilege_escalation_v1_25(const Pod& pod, CheckResult& out) {
  if (pod.windows) return true;
  return allow_privilege_escalation_v1_8(pod, out);
}

}  // namespace kindlyguard::policy::pss::detail
