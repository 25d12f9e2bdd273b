// PSS check "procMount" (baseline)
//
// The default /proc masks are set up to reduce attack surface, and should be required by the
// baseline policy unless the pod runs in a user namespace ("hostUsers: false").
//
// Restricted fields:
//   spec.containers[*].securityContext.procMount
//   spec.initContainers[*].securityContext.procMount
//   spec.ephemeralContainers[*].securityContext.procMount
// Allowed values: undefined/null, "Default"
//   v1.35+: any value when spec.hostUsers is false
//
// Versions:
//   v1.0+  unmasked /proc forbidden for every pod (proc_mount_v1_0, also the restricted
//          "procMount_restricted" check from v1.35)
//   v1.35+ pods with hostUsers: false may set any procMount
// Message: procMount (container "a" must not set securityContext.procMount to "Unmasked")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool proc_mount_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  NameSet types;
  const Container* first = nullptr;
  for (const Container& c : pod.containers) {
    const json* pm = get(c.sc, "procMount");
    if (!pm) continue;
    std::string_view type = str(pm);
    if (type == "Default") continue;
    if (!first) first = &c;
    bad.push_back(c.name);
    types.insert(type);
  }
  if (bad.empty()) return true;
  return fail(out, "procMount",
              containers_phrase(bad) + " must not set securityContext.procMount to " + join_quote(types),
              first->view->field("securityContext.procMount"), first->name);
}

bool proc_mount_baseline_v1_35(const Pod& pod, CheckResult& out) {
  if (pod.user_namespace) return true;
  return proc_mount_v1_0(pod, out);
}

}  // namespace kindlyguard::policy::pss::detail
