// PSS check "privileged" (baseline)
//
// Privileged pods disable most security mechanisms and must be disallowed.
//
// Restricted fields:
//   spec.containers[*].securityContext.privileged
//   spec.initContainers[*].securityContext.privileged
//   spec.ephemeralContainers[*].securityContext.privileged
// Allowed values: false, undefined/null
//
// Versions: v1.0+ (one revision).
// Message: privileged (container "a" must not set securityContext.privileged=true)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool privileged_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  const Container* first = nullptr;
  for (const Container& c : pod.containers) {
    if (!is_true(get(c.sc, "privileged"))) continue;
    if (!first) first = &c;
    bad.push_back(c.name);
  }
  if (bad.empty()) return true;
  return fail(out, "privileged", containers_phrase(bad) + " must not set securityContext.privileged=true",
              first->view->field("securityContext.privileged"), first->name);
}

}  // namespace kindlyguard::policy::pss::detail
