#pragma once
// The background audit (leader only): every --audit-interval, and soon after the policy set
// changes, judges every running pod with the core (policy/background_audit.hpp) and writes what
// admins read:
// - status.violations (pods violating the policy) and status.lastAuditTime on each audited
//   SecurityPolicy (a merge patch of the status subresource: the Ready condition is left alone);
// - one PolicyReport (wgpolicyk8s.io/v1alpha2) named "kindlyguard" per namespace with judged pods,
//   replaced (never appended to), bounded by max_results, written only when its content changed
//   (timestamps of unchanged results are kept), deleted when the namespace has none left;
// - spec.onViolation.quarantine: violators get the quarantine label, with an Event naming the policy;
// - the compliance ratio, for metrics.
// Without the PolicyReport CRD or the permission (policyReports disabled in the chart) the reports
// are skipped with one log line; the rest carries on.

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::controller {

inline constexpr const char* kPolicyReportName = "kindlyguard";

struct BackgroundAuditOptions {
  std::size_t max_results = 1000;
  bool reports = true;
  std::string quarantine_label_key = "kindlyguard.io/quarantine";
  std::string quarantine_label_value = "true";
  EventRecorder* events = nullptr;  // for QuarantinedByPolicy; may be null
  // The audit waits until this says the caches (pods, policies, namespaces) are complete: an audit
  // of half a cache would write wrong counts and delete reports of namespaces not seen yet.
  std::function<bool()> caches_synced;
  // After each audit: (pods judged, pods compliant), for the compliance ratio.
  std::function<void(std::size_t judged, std::size_t compliant)> on_audit;
};

// The PolicyReport for one namespace. `previous` (the report there now, or null) lends the
// timestamps of results that did not change; `now` stamps the others.
nlohmann::json policy_report(const std::string& ns, const policy::NamespaceAudit& audit, const nlohmann::json& previous,
                             std::int64_t now_seconds);
// Do two reports say the same (results and summary, timestamps aside)?
bool same_report_content(const nlohmann::json& a, const nlohmann::json& b);

Controller::Reconcile background_audit_reconciler(client::ApiClient& api, const client::Informer& pods,
                                                  const policy::PolicyStore& store,
                                                  policy::NamespaceLabelsFn namespace_labels,
                                                  BackgroundAuditOptions options);

}  // namespace kindlyguard::controller
