#pragma once
// What the controllers create at run time, which no chart template owns and so `helm uninstall`
// leaves behind, and its removal (`kindlyguard uninstall-cleanup`, run by the chart's post-delete
// hook Job):
// - the quarantine NetworkPolicies `kindlyguard-quarantine` (and `-egress`, `-ingress`), in every namespace;
// - the quarantine AdminNetworkPolicy `kindlyguard-quarantine` (where the API is served);
// - the background audit's PolicyReports `kindlyguard`, in every namespace (where the CRD is);
// - the self-managed serving Secret in the release namespace.
//
// Exactly ours: an object is removed only when it has our name AND carries
// app.kubernetes.io/managed-by=kindlyguard (found by that label selector), and it is deleted with
// a UID precondition, so an object someone recreated in between is never taken with it. An
// object with our name but not our label (someone else's, or a provided certificate Secret) is
// left alone and reported. Idempotent: what is already gone counts as removed, and a second run
// finds nothing to do.
//
// The controllers restore what is deleted under them (a quarantine NetworkPolicy comes back at
// once, the serving Secret too), so the removal waits until no pod of the release's Deployment
// is left (wait_for_pods): running it while they run would be undone. That is why the chart runs
// it after the release's objects are deleted (post-delete), not before.

#include <chrono>
#include <string>
#include <vector>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/controller/report_format.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::controller {

struct UninstallCleanupOptions {
  std::string ns;            // the release namespace: the Secret, the pods to wait for
  std::string certs_secret;  // the self-managed serving Secret; "" = none to remove
  // Label selector of the release's serve pods in `ns`; nothing is removed while one is left.
  // "" = do not wait (the caller knows they are gone).
  std::string wait_for_pods;
  std::chrono::milliseconds wait_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  ReportFormat report_format = ReportFormat::PolicyReport;  // whose reports the audit wrote
};

struct UninstallCleanupReport {
  std::vector<std::string> deleted;  // "NetworkPolicy shop/kindlyguard-quarantine", ...
  std::vector<std::string> skipped;  // what was left alone, and why
};

// Removes the objects above. An error (pods still running at the deadline, a refused call) names
// the object and what to do; what was removed before it stays removed, and a rerun picks up.
Result<UninstallCleanupReport> uninstall_cleanup(client::ApiClient& api, const UninstallCleanupOptions& options);

}  // namespace kindlyguard::controller
