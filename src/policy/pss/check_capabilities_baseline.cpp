// PSS check "capabilities_baseline" (baseline)
//
// Adding NET_RAW or capabilities beyond the default set must be disallowed.
//
// Restricted fields:
//   spec.containers[*].securityContext.capabilities.add
//   spec.initContainers[*].securityContext.capabilities.add
//   spec.ephemeralContainers[*].securityContext.capabilities.add
// Allowed values: undefined/empty, or values from the default set AUDIT_WRITE, CHOWN,
//   DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP,
//   SETUID, SYS_CHROOT (exact, case-sensitive names without the CAP_ prefix)
//
// Versions: v1.0+ (one revision). At the restricted level "capabilities_restricted" replaces it
// from v1.22 on. (Until v1.34 PSA could relax this check for user-namespaced pods behind the
// opt-in UserNamespacesPodSecurityStandards gate, off by default; v1.35 removed that: never relaxed.)
// Message: non-default capabilities (container "a" must not include "NET_RAW" in
//          securityContext.capabilities.add)
#include "check.hpp"

#include <algorithm>
#include <array>

namespace kindlyguard::policy::pss::detail {
namespace {

constexpr std::array<std::string_view, 13> kAllowed = {
    "AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",      "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

bool allowed(std::string_view cap) { return std::find(kAllowed.begin(), kAllowed.end(), cap) != kAllowed.end(); }

}  // namespace

bool capabilities_baseline_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  NameSet caps;
  const Container* first = nullptr;
  for (const Container& c : pod.containers) {
    bool valid = true;
    for (const json& cap : items(get(c.sc, "capabilities", "add"))) {
      std::string_view name = str(&cap);
      if (allowed(name)) continue;
      valid = false;
      caps.insert(name);
    }
    if (valid) continue;
    if (!first) first = &c;
    bad.push_back(c.name);
  }
  if (bad.empty()) return true;
  return fail(out, "non-default capabilities",
              containers_phrase(bad) + " must not include " + join_quote(caps) +
                  " in securityContext.capabilities.add",
              first->view->field("securityContext.capabilities.add"), first->name);
}

}  // namespace kindlyguard::policy::pss::detail
