// `kindlyguard uninstall-cleanup`: removes what kindlyguard's controllers created at run time
// (quarantine NetworkPolicies and AdminNetworkPolicy, PolicyReports, the self-managed serving
// Secret), which `helm uninstall` does not own. The chart runs it as a post-delete hook Job with
// its own ServiceAccount; an admin who installed with kubectl can run it by hand (see README).
// This file only maps flags; the rules live in controller/uninstall_cleanup.
#include <cstdlib>
#include <iostream>

#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/client/kube_config.hpp"
#include "kindlyguard/controller/uninstall_cleanup.hpp"

namespace kindlyguard::cli {

int uninstall_cleanup_command(int argc, char** argv) {
  Flags flags("uninstall-cleanup",
              "Removes what kindlyguard created at run time and no chart or manifest owns: the quarantine\n"
              "NetworkPolicies and AdminNetworkPolicy, the PolicyReports and the self-managed serving Secret.\n"
              "Only objects with kindlyguard's names AND the label app.kubernetes.io/managed-by=kindlyguard are\n"
              "deleted. Run it after kindlyguard is stopped (--wait-for-pods waits for that): the running\n"
              "controllers would restore what it removes. Exit 0 done (also when nothing was left), 1 failed, 2 bad flags.",
              {{"kubeconfig", "kubeconfig file (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)", ""},
               {"kube-context", "kubeconfig context (default: its current-context)", ""},
               {"allow-insecure-kubeconfig", "accept a kubeconfig with insecure-skip-tls-verify (never in production)", "false",
                true},
               {"namespace", "kindlyguard's namespace: the serving Secret and the pods to wait for (default: $POD_NAMESPACE)", ""},
               {"certs-secret", "the self-managed serving Secret to remove (only when labeled as kindlyguard's); empty: none", ""},
               {"wait-for-pods", "label selector of kindlyguard's serve pods; nothing is removed while one is left", ""},
               {"wait-timeout", "give up (removing nothing) when those pods are still there after this long", "2m"},
               {"report-format", "the reports the audit wrote, to remove: policyreport (wgpolicyk8s.io) or openreports (openreports.io)",
                "policyreport"}});
  if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;
  controller::UninstallCleanupOptions o;
  o.ns = flags.get("namespace");
  if (o.ns.empty())
    if (const char* pod_ns = std::getenv("POD_NAMESPACE"); pod_ns && *pod_ns) o.ns = pod_ns;
  o.certs_secret = flags.get("certs-secret");
  o.wait_for_pods = flags.get("wait-for-pods");
  auto timeout = flags.get_duration("wait-timeout");
  if (!timeout.ok()) {
    std::cerr << "error: " << timeout.error().to_string() << "\n";
    return 2;
  }
  o.wait_timeout = *timeout;
  const auto format = controller::parse_report_format(flags.get("report-format"));
  if (!format) {
    std::cerr << "error: --report-format: \"" << flags.get("report-format") << "\" is not a report format: use policyreport or openreports\n";
    return 2;
  }
  o.report_format = *format;
  if (o.ns.empty() && (!o.certs_secret.empty() || !o.wait_for_pods.empty())) {
    std::cerr << "error: --namespace (or $POD_NAMESPACE) is required with --certs-secret and --wait-for-pods\n";
    return 2;
  }
  auto config = client::resolve_config(flags.get("kubeconfig"), flags.get("kube-context"),
                                       flags.get_bool("allow-insecure-kubeconfig"));
  if (!config.ok()) {
    std::cerr << "error: no Kubernetes API to clean up: " << config.error().to_string() << " (give --kubeconfig, or run in a pod)\n";
    return 2;
  }
  auto api = client::ApiClient::create(*config);
  if (!api.ok()) {
    std::cerr << "error: Kubernetes API client: " << api.error().to_string() << "\n";
    return 2;
  }
  auto report = controller::uninstall_cleanup(**api, o);
  if (!report.ok()) {
    std::cerr << "error: " << report.error().to_string() << "\n";
    return 1;
  }
  for (const auto& d : report->deleted) std::cout << "deleted " << d << "\n";
  for (const auto& s : report->skipped) std::cout << "kept " << s << "\n";
  std::cout << (report->deleted.empty() ? "nothing of kindlyguard's was left\n" : "done\n");
  return 0;
}

}  // namespace kindlyguard::cli
