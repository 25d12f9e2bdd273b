#pragma once
// What the SecurityPolicyException end-to-end tests (webhook and check) judge: the baseline policy
// that denies node-exporter, and node-exporter's pod as its DaemonSet runs it.

#include <string>

#include "support/fixtures.hpp"

namespace kindlyguard::testing {

inline constexpr const char* kBaselineDeny = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: baseline-deny}
spec:
  enforcement: Deny
  podSecurityStandard: {level: baseline}
)";

// The SecurityPolicyException that excuses node-exporter's host access from baseline-deny: for
// its DaemonSet (or `kinds`), its container and image only.
inline std::string node_exporter_exception(const std::string& expires_at = "2027-06-30T00:00:00Z",
                                           const std::string& kinds = "[DaemonSet]") {
  return R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: node-exporter, namespace: monitoring}
spec:
  exceptions:
    - policy: baseline-deny
      rules: [pss/hostNamespaces, pss/hostPathVolumes, pss/hostPorts]
  match:
    kinds: )" + kinds + R"(
    names: ["node-exporter*"]
    selector: {matchLabels: {app.kubernetes.io/name: node-exporter}}
    containers: [node-exporter]
    images: [quay.io/prometheus/node-exporter]
  reason: Needs host PID and /proc, /sys to export node metrics.
  ticket: SEC-1234
  expiresAt: ")" + expires_at + "\"\n";
}

// Host PID, host port 9100 on container "node-exporter"; with `host_access`, also host network
// and /proc from the host.
inline json node_exporter_pod(bool host_access = true, const std::string& name = "node-exporter") {
  json pod = compliant_pod(name, "monitoring");
  pod["metadata"]["labels"] = {{"app.kubernetes.io/name", "node-exporter"}};
  pod["spec"]["hostPID"] = true;
  auto& c = pod["spec"]["containers"][0];
  c["name"] = "node-exporter";
  c["image"] = "quay.io/prometheus/node-exporter:v1.8.2";
  c["ports"] = json::array({{{"containerPort", 9100}, {"hostPort", 9100}}});
  if (host_access) {
    pod["spec"]["hostNetwork"] = true;
    pod["spec"]["volumes"] = json::array({{{"name", "proc"}, {"hostPath", {{"path", "/proc"}}}}});
  }
  return pod;
}

}  // namespace kindlyguard::testing
