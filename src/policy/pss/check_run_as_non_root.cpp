// PSS check "runAsNonRoot" (restricted)
//
// Containers must be required to run as non-root users.
//
// Restricted fields:
//   spec.securityContext.runAsNonRoot
//   spec.containers[*].securityContext.runAsNonRoot
//   spec.initContainers[*].securityContext.runAsNonRoot
//   spec.ephemeralContainers[*].securityContext.runAsNonRoot
// Allowed values: true; undefined/null at container level when the pod level is true
//
// Versions:
//   v1.0+  every pod
//   v1.35+ pods with spec.hostUsers: false (a user namespace, KEP-127) are exempt: root in the
//          pod maps to an unprivileged user on the node. (Until v1.34 PSA offered this only
//          behind an opt-in, off-by-default feature gate; v1.35 made it part of the policy.)
// Messages:
//   runAsNonRoot != true (pod and container "a" must not set securityContext.runAsNonRoot=false)
//   runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool run_as_non_root_v1_0(const Pod& pod, CheckResult& out) {
  std::vector<std::string> setters;  // things that explicitly set runAsNonRoot=false
  std::string field;
  std::string_view first_container;
  bool pod_non_root = false;
  if (const json* v = get(pod.sc, "runAsNonRoot")) {
    if (!is_true(v)) {
      setters.emplace_back("pod");
      field = pod.field("securityContext.runAsNonRoot");
    } else {
      pod_non_root = true;
    }
  }
  Names explicitly_bad;
  Names implicitly_bad;
  const Container* first_implicit = nullptr;
  for (const Container& c : pod.containers) {
    if (const json* v = get(c.sc, "runAsNonRoot")) {
      if (is_true(v)) continue;
      explicitly_bad.push_back(c.name);
      if (field.empty()) {
        field = c.view->field("securityContext.runAsNonRoot");
        first_container = c.name;
      }
    } else if (!pod_non_root) {
      if (!first_implicit) first_implicit = &c;
      implicitly_bad.push_back(c.name);
    }
  }
  if (!explicitly_bad.empty()) setters.push_back(containers_phrase(explicitly_bad));
  if (!setters.empty())
    return fail(out, "runAsNonRoot != true", join(setters, " and ") + " must not set securityContext.runAsNonRoot=false",
                std::move(field), first_container);
  if (implicitly_bad.empty()) return true;
  return fail(out, "runAsNonRoot != true",
              "pod or " + containers_phrase(implicitly_bad) + " must set securityContext.runAsNonRoot=true",
              first_implicit->view->field("securityContext.runAsNonRoot"), first_implicit->name);
}

bool run_as_non_root_v1_35(const Pod& pod, CheckResult& out) {
  if (pod.user_namespace) return true;
  return run_as_non_root_v1_0(pod, out);
}

}  // namespace kindlyguard::policy::pss::detail
