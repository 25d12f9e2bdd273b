// PSS check "runAsUser" (restricted)
//
// Containers must not set runAsUser to 0 (root).
//
// Restricted fields:
//   spec.securityContext.runAsUser
//   spec.containers[*].securityContext.runAsUser
//   spec.initContainers[*].securityContext.runAsUser
//   spec.ephemeralContainers[*].securityContext.runAsUser
// Allowed values: non-zero values, undefined/null
//
// Versions:
//   v1.0 - v1.22 not checked
//   v1.23+       every pod
//   v1.35+       pods with spec.hostUsers: false (a user namespace, KEP-127) are exempt
// Message: runAsUser=0 (pod and container "a" must not set runAsUser=0)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

bool is_zero(const json* v) { return v && v->is_number() && *v == 0; }

}  // namespace

bool run_as_user_v1_23(const Pod& pod, CheckResult& out) {
  std::vector<std::string> setters;
  std::string field;
  std::string_view first_container;
  if (is_zero(get(pod.sc, "runAsUser"))) {
    setters.emplace_back("pod");
    field = pod.field("securityContext.runAsUser");
  }
  Names bad;
  for (const Container& c : pod.containers) {
    if (!is_zero(get(c.sc, "runAsUser"))) continue;
    bad.push_back(c.name);
    if (field.empty()) {
      field = c.view->field("securityContext.runAsUser");
      first_container = c.name;
    }
  }
  if (!bad.empty()) setters.push_back(containers_phrase(bad));
  if (setters.empty()) return true;
  return fail(out, "runAsUser=0", join(setters, " and ") + " must not set runAsUser=0", std::move(field),
              first_container);
}

bool run_as_user_v1_35(const Pod& pod, CheckResult& out) {
  if (pod.user_namespace) return true;
  return run_as_user_v1_23(pod, out);
}

}  // namespace kindlyguard::policy::pss::detail
