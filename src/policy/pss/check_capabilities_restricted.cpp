// PSS check "capabilities_restricted" (restricted)
//
// Containers must drop ALL capabilities, and may only add back NET_BIND_SERVICE.
//
// Restricted fields:
//   spec.containers[*].securityContext.capabilities.drop
//   spec.initContainers[*].securityContext.capabilities.drop
//   spec.ephemeralContainers[*].securityContext.capabilities.drop
// Allowed values: must include "ALL" (exact, case-sensitive)
//
// Restricted fields:
//   spec.containers[*].securityContext.capabilities.add
//   spec.initContainers[*].securityContext.capabilities.add
//   spec.ephemeralContainers[*].securityContext.capabilities.add
// Allowed values: undefined/empty, "NET_BIND_SERVICE"
//
// Versions (each replaces the baseline "capabilities_baseline" check at the restricted level):
//   v1.22+ every pod
//   v1.25+ pods with spec.os.name: windows are exempt (the API rejects capabilities on them)
// Message: unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"];
//          container "c" must not include "CHOWN" in securityContext.capabilities.add)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool capabilities_restricted_v1_22(const Pod& pod, CheckResult& out) {
  Names missing_drop_all;
  Names adding_forbidden;
  NameSet forbidden_caps;
  std::string field;
  std::string_view first_container;
  for (const Container& c : pod.containers) {
    const json* caps = get(c.sc, "capabilities");
    bool dropped_all = false;
    for (const json& cap : items(get(caps, "drop")))
      if (str(&cap) == "ALL") {
        dropped_all = true;
        break;
      }
    if (!dropped_all) {
      missing_drop_all.push_back(c.name);
      if (field.empty()) {
        field = c.view->field("securityContext.capabilities.drop");
        first_container = c.name;
      }
    }
    bool added_forbidden = false;
    for (const json& cap : items(get(caps, "add"))) {
      std::string_view name = str(&cap);
      if (name == "NET_BIND_SERVICE") continue;
      added_forbidden = true;
      forbidden_caps.insert(name);
    }
    if (added_forbidden) {
      adding_forbidden.push_back(c.name);
      if (field.empty()) {
        field = c.view->field("securityContext.capabilities.add");
        first_container = c.name;
      }
    }
  }
  if (missing_drop_all.empty() && adding_forbidden.empty()) return true;

  std::vector<std::string> details;
  if (!missing_drop_all.empty())
    details.push_back(containers_phrase(missing_drop_all) + " must set securityContext.capabilities.drop=[\"ALL\"]");
  if (!adding_forbidden.empty())
    details.push_back(containers_phrase(adding_forbidden) + " must not include " + join_quote(forbidden_caps) +
                      " in securityContext.capabilities.add");
  return fail(out, "unrestricted capabilities", join(details, "; "), std::move(field), first_container);
}

bool capabilities_restricted_v1_25(const Pod& pod, CheckResult& out) {
  if (pod.windows) return true;
  return capabilities_restricted_v1_22(pod, out);
}

}  // namespace kindlyguard::policy::pss::detail
