#pragma once
// The background audit (leader only): every --audit-interval, and soon after the policy set
// changes, judges every running pod with the core (policy/background_audit.hpp) and writes what
// admins read:
// - status.violations (pods violating the policy) and status.lastAuditTime on each audited
//   SecurityPolicy (a merge patch of the status subresource: the Ready condition is left alone),
//   written only when it says something new (status_write_due): an idle cluster costs no writes;
// - one PolicyReport (wgpolicyk8s.io/v1alpha2, or with --report-format=openreports an
//   openreports.io/v1alpha1 Report: report_format.hpp) named "kindlyguard" per namespace with judged pods,
//   replaced (never appended to), bounded by max_results, written only when its content changed
//   (timestamps of unchanged results are kept), deleted when the namespace has none left; what a
//   SecurityPolicyException excused is a `skip` result with the exception in its properties;
// - spec.onViolation.quarantine: violators get the quarantine label, with an Event naming the policy;
// - the compliance ratio, for metrics.
// Without the PolicyReport CRD or the permission (policyReports disabled in the chart) the reports
// are skipped with one log line; the rest carries on.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/controller/report_format.hpp"
#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::controller {

inline constexpr const char* kPolicyReportName = "kindlyguard";

struct BackgroundAuditOptions {
  std::size_t max_results = 1000;
  bool reports = true;
  ReportFormat report_format = ReportFormat::PolicyReport;
  std::string quarantine_label_key = "kindlyguard.io/quarantine";
  std::string quarantine_label_value = "true";
  EventRecorder* events = nullptr;  // for QuarantinedByPolicy; may be null
  // The audit waits until this says the caches (pods, policies, namespaces) are complete: an audit
  // of half a cache would write wrong counts and delete reports of namespaces not seen yet.
  std::function<bool()> caches_synced;
  // After each audit: (pods judged, pods compliant), for the compliance ratio.
  std::function<void(std::size_t judged, std::size_t compliant)> on_audit;
  // The status a SecurityPolicy has now, from the informer cache (null: not known), so that a
  // count someone else changed is written back. May be empty.
  std::function<nlohmann::json(const std::string& policy)> policy_status;
  // lastAuditTime is refreshed at least this often while the count stays the same, so that it
  // still shows the audit is alive: one write per policy per period, not one per audit.
  std::chrono::milliseconds status_refresh{std::chrono::hours(1)};
  // The SecurityPolicyExceptions in force (empty: none), applied as in the webhook, with the owner
  // lookup that follows ownerReferences; expiry by the audit's own clock, so an expired exception
  // is ignored by the very next audit.
  std::function<policy::ExceptionSetPtr()> exceptions;
  policy::OwnerLookupFn owners;
  // After each audit: the pods each exception excused something for (status.matchedObjects).
  std::function<void(const std::map<std::string, std::size_t>& matches, policy::Seconds at)> on_exceptions;
  // The wall clock; tests substitute their own.
  std::function<std::chrono::system_clock::time_point()> now;
  // The audit interval: an exception that excused something and expires before the next periodic
  // audit brings an audit at its expiresAt, so the reports stop showing `skip` at that second.
  std::chrono::milliseconds interval{0};
};

// What this process last wrote to one policy's status.
struct AuditStatusWrite {
  std::string uid;            // of the policy object written to (a policy created again is another)
  std::int64_t generation = 0;
  std::size_t violations = 0;
  std::string time;           // the lastAuditTime written (RFC 3339, as format_k8s_time writes it)
  std::chrono::steady_clock::time_point at{};
};

// Whether an audit that counted `violations` for generation `generation` of the policy object
// `uid` writes its status. Every status write comes back as a watch event and costs etcd a
// revision, so only when it says something new:
// - this process has not written it yet (`last` empty), or wrote another count, generation (the
//   spec changed: lastAuditTime then says the new spec was audited) or object;
// - the last write is `refresh` old (lastAuditTime still shows that the audit is alive);
// - `cached_status` (the status there now, from the informer cache; null when not known) has seen
//   our write (its lastAuditTime is not older than ours) yet says another count: someone else
//   wrote it (a replica that led meanwhile, a person), so ours goes back. A cache that has not
//   caught up with our write yet is no reason to write again.
bool status_write_due(const nlohmann::json& cached_status, std::size_t violations, const std::string& uid,
                      std::int64_t generation, const std::optional<AuditStatusWrite>& last,
                      std::chrono::steady_clock::time_point now, std::chrono::milliseconds refresh);

// The report for one namespace, in `format`. `previous` (the report there now, or null) lends the
// timestamps of results that did not change; `now` stamps the others.
nlohmann::json policy_report(const std::string& ns, const policy::NamespaceAudit& audit, const nlohmann::json& previous,
                             std::int64_t now_seconds, ReportFormat format = ReportFormat::PolicyReport);
// Do two reports say the same (results and summary, timestamps aside)?
bool same_report_content(const nlohmann::json& a, const nlohmann::json& b);

Controller::Reconcile background_audit_reconciler(client::ApiClient& api, const client::Informer& pods,
                                                  const policy::PolicyStore& store,
                                                  policy::NamespaceLabelsFn namespace_labels,
                                                  BackgroundAuditOptions options);

}  // namespace kindlyguard::controller
