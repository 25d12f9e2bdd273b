// PSS check "hostPathVolumes" (baseline)
//
// HostPath volumes must be forbidden.
//
// Restricted fields:
//   spec.volumes[*].hostPath
// Allowed values: undefined/null
//
// Versions: v1.0+ (one revision). At the restricted level the check "restrictedVolumes"
// replaces it (it forbids hostPath among other volume types).
// Message: hostPath volumes (volumes "a", "b")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool host_path_volumes_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  std::size_t first = 0;
  auto volumes = items(get(pod.spec, "volumes"));
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    if (!get(&volumes[i], "hostPath")) continue;
    if (bad.empty()) first = i;
    bad.push_back(str(get(&volumes[i], "name")));
  }
  if (bad.empty()) return true;
  std::string detail = pluralize("volume", "volumes", bad.size());
  detail += ' ';
  detail += join_quote(bad);
  return fail(out, "hostPath volumes", std::move(detail),
              pod.field("volumes[" + std::to_string(first) + "].hostPath"), {});
}

}  // namespace kindlyguard::policy::pss::detail
