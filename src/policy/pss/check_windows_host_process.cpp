// PSS check "windowsHostProcess" (baseline)
//
// Pods and containers must not set securityContext.windowsOptions.hostProcess to true
// (Windows HostProcess containers have privileged access to the Windows node).
//
// Restricted fields:
//   spec.securityContext.windowsOptions.hostProcess
//   spec.containers[*].securityContext.windowsOptions.hostProcess
//   spec.initContainers[*].securityContext.windowsOptions.hostProcess
//   spec.ephemeralContainers[*].securityContext.windowsOptions.hostProcess
// Allowed values: undefined/null, false
//
// Versions: v1.0+ (one revision).
// Message: hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {

bool windows_host_process_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  const Container* first = nullptr;
  for (const Container& c : pod.containers) {
    if (!is_true(get(get(c.sc, "windowsOptions"), "hostProcess"))) continue;
    if (!first) first = &c;
    bad.push_back(c.name);
  }
  const bool pod_bad = is_true(get(get(pod.sc, "windowsOptions"), "hostProcess"));
  if (!pod_bad && bad.empty()) return true;

  std::vector<std::string> setters;
  if (pod_bad) setters.emplace_back("pod");
  if (!bad.empty()) setters.push_back(containers_phrase(bad));
  return fail(out, "hostProcess",
              join(setters, " and ") + " must not set securityContext.windowsOptions.hostProcess=true",
              pod_bad ? pod.field("securityContext.windowsOptions.hostProcess")
                      : first->view->field("securityContext.windowsOptions.hostProcess"),
              pod_bad ? std::string_view() : first->name);
}

}  // namespace kindlyguard::policy::pss::detail
