// PSS check "sysctls" (baseline)
//
// Sysctls can disable security mechanisms or affect all containers on a host, and should be
// disallowed except for an allowed "safe" subset: a sysctl is safe when it is namespaced in the
// container or the pod and isolated from other pods and processes on the same node.
//
// Restricted fields:
//   spec.securityContext.sysctls[*].name
// Allowed values (each version adds to the previous one):
//   v1.0+  kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
//          net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start
//   v1.27+ net.ipv4.ip_local_reserved_ports
//   v1.29+ net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl,
//          net.ipv4.tcp_keepalive_probes
//   v1.32+ net.ipv4.tcp_rmem, net.ipv4.tcp_wmem
//   v1.37+ net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat
//          (kubernetes/kubernetes PR #138389)
// Message: forbidden sysctls (kernel.msgmax, othersysctl) -- names in pod order, repeats kept.
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

// The safe sysctls with the minor version from which each is allowed.
struct SafeSysctl {
  std::string_view name;
  int since_minor;
};
constexpr SafeSysctl kSafe[] = {
    {"kernel.shm_rmid_forced", 0},
    {"net.ipv4.ip_local_port_range", 0},
    {"net.ipv4.tcp_syncookies", 0},
    {"net.ipv4.ping_group_range", 0},
    {"net.ipv4.ip_unprivileged_port_start", 0},
    {"net.ipv4.ip_local_reserved_ports", 27},
    {"net.ipv4.tcp_keepalive_time", 29},
    {"net.ipv4.tcp_fin_timeout", 29},
    {"net.ipv4.tcp_keepalive_intvl", 29},
    {"net.ipv4.tcp_keepalive_probes", 29},
    {"net.ipv4.tcp_rmem", 32},
    {"net.ipv4.tcp_wmem", 32},
    {"net.ipv4.tcp_slow_start_after_idle", 37},
    {"net.ipv4.tcp_notsent_lowat", 37},
};

bool safe(std::string_view name, int minor) {
  for (const SafeSysctl& s : kSafe)
    if (s.since_minor <= minor && s.name == name) return true;
  return false;
}

bool sysctls(const Pod& pod, CheckResult& out, int minor) {
  Names forbidden;
  std::size_t first = 0;
  auto list = items(get(pod.sc, "sysctls"));
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string_view name = str(get(&list[i], "name"));
    if (safe(name, minor)) continue;
    if (forbidden.empty()) first = i;
    forbidden.push_back(name);
  }
  if (forbidden.empty()) return true;
  return fail(out, "forbidden sysctls", join(forbidden, ", "),
              pod.field("securityContext.sysctls[" + std::to_string(first) + "].name"), {});
}

}  // namespace

bool sysctls_v1_0(const Pod& pod, CheckResult& out) { return sysctls(pod, out, 0); }
bool sysctls_v1_27(const Pod& pod, CheckResult& out) { return sysctls(pod, out, 27); }
bool sysctls_v1_29(const Pod& pod, CheckResult& out) { return sysctls(pod, out, 29); }
bool sysctls_v1_32(const Pod& pod, CheckResult& out) { return sysctls(pod, out, 32); }
bool sysctls_v1_37(const Pod& pod, CheckResult& out) { return sysctls(pod, out, 37); }

}  // namespace kindlyguard::policy::pss::detail
