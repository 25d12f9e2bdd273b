// PSS check "hostNamespaces" (baseline)
//
// Sharing the host namespaces must be disallowed.
//
// Restricted fields:
//   spec.hostNetwork
//   spec.hostPID
//   spec.hostIPC
// Allowed values: false, undefined/null
//
// Versions: v1.0+ (one revision).
// Message: host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool host_namespaces_v1_0(const Pod& pod, CheckResult& out) {
  const bool network = is_true(get(pod.spec, "hostNetwork"));
  const bool pid = is_true(get(pod.spec, "hostPID"));
  const bool ipc = is_true(get(pod.spec, "hostIPC"));
  if (!network && !pid && !ipc) return true;

  std::vector<std::string_view> set;
  if (network) set.push_back("hostNetwork=true");
  if (pid) set.push_back("hostPID=true");
  if (ipc) set.push_back("hostIPC=true");
  const char* first = network ? "hostNetwork" : pid ? "hostPID" : "hostIPC";
  return fail(out, "host namespaces", join(set, ", "), pod.field(first), {});
}

}  // namespace kindlyguard::policy::pss::detail
