// PSS check "seccompProfile_restricted" (restricted)
//
// Seccomp profiles must be specified, and only the runtime default and localhost profiles are
// allowed.
//
// Restricted fields:
//   spec.securityContext.seccompProfile.type
//   spec.containers[*].securityContext.seccompProfile.type
//   spec.initContainers[*].securityContext.seccompProfile.type
//   spec.ephemeralContainers[*].securityContext.seccompProfile.type
// Allowed values: "RuntimeDefault", "Localhost"; a container may leave it undefined when the pod
//   level sets an allowed value.
//
// Versions (each replaces the baseline "seccompProfile_baseline" check at the restricted level):
//   v1.19+ every pod
//   v1.25+ pods with spec.os.name: windows are exempt (the API rejects seccomp on Windows pods)
// Before v1.19 restricted judges seccomp through the baseline annotation check only.
// Messages:
//   seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined")
//   seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to
//                   "RuntimeDefault" or "Localhost")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool seccomp_profile_restricted_v1_19(const Pod& pod, CheckResult& out) {
  std::vector<std::string> setters;
  NameSet bad_values;
  bool pod_set = false;
  std::string field;
  std::string_view first_container;
  if (const json* profile = get(pod.sc, "seccompProfile")) {
    std::string_view type = str(get(profile, "type"));
    if (!valid_seccomp_type(type)) {
      setters.emplace_back("pod");
      bad_values.insert(type);
      field = pod.field("securityContext.seccompProfile.type");
    } else {
      pod_set = true;
    }
  }
  Names explicitly_bad;
  Names implicitly_bad;
  const Container* first_implicit = nullptr;
  for (const Container& c : pod.containers) {
    if (const json* profile = get(c.sc, "seccompProfile")) {
      std::string_view type = str(get(profile, "type"));
      if (valid_seccomp_type(type)) continue;
      explicitly_bad.push_back(c.name);
      bad_values.insert(type);
      if (field.empty()) {
        field = c.view->field("securityContext.seccompProfile.type");
        first_container = c.name;
      }
    } else if (!pod_set) {
      if (!first_implicit) first_implicit = &c;
      implicitly_bad.push_back(c.name);
    }
  }
  if (!explicitly_bad.empty()) setters.push_back(containers_phrase(explicitly_bad));
  if (!setters.empty())
    return fail(out, "seccompProfile",
                join(setters, " and ") + " must not set securityContext.seccompProfile.type to " +
                    join_quote(bad_values),
                std::move(field), first_container);
  if (implicitly_bad.empty()) return true;
  return fail(out, "seccompProfile",
              "pod or " + containers_phrase(implicitly_bad) +
                  " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
              first_implicit->view->field("securityContext.seccompProfile.type"), first_implicit->name);
}

bool seccomp_profile_restricted_v1_25(const Pod& pod, CheckResult& out) {
  if (pod.windows) return true;
  return seccomp_profile_restricted_v1_19(pod, out);
}

}  // namespace kindlyguard::policy::pss::detail
