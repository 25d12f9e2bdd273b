#include "kindlyguard/observe/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/policy/pod_view.hpp"

namespace kindlyguard::observe {

class Metrics::CounterCache {
 public:
  CounterCache(prometheus::Family<prometheus::Counter>& family, std::array<const char*, 3> names)
      : family_(family), names_(names) {}

  prometheus::Counter& get(std::string_view a, std::string_view b, std::string_view c) {
    // Length-prefixed values: no two label sets share a key, whatever bytes they hold.
    thread_local std::string key;
    key.clear();
    for (std::string_view v : {a, b, c}) {
      const auto n = static_cast<std::uint32_t>(v.size());
      key.append(reinterpret_cast<const char*>(&n), sizeof n).append(v);
    }
    {
      std::lock_guard lk(mu_);
      if (auto it = counters_.find(key); it != counters_.end()) return *it->second;
    }
    auto& counter = family_.Add({{names_[0], std::string(a)}, {names_[1], std::string(b)}, {names_[2], std::string(c)}});
    std::lock_guard lk(mu_);
    counters_.emplace(key, &counter);
    return counter;
  }

 private:
  prometheus::Family<prometheus::Counter>& family_;
  std::array<const char*, 3> names_;
  std::mutex mu_;
  std::unordered_map<std::string, prometheus::Counter*> counters_;
};

// The values one label may take, the first `limit` distinct ones as they are, every later one
// as "other": a series is never removed, so a label fed from objects must be capped.
class Metrics::BoundedLabel {
 public:
  explicit BoundedLabel(std::size_t limit) : limit_(limit) {}
  std::string_view get(const std::string& value) {
    std::lock_guard lk(mu_);
    if (auto it = seen_.find(value); it != seen_.end()) return *it;
    if (seen_.size() >= limit_) return "other";
    return *seen_.insert(value).first;  // node-based: the view stays valid
  }

 private:
  const std::size_t limit_;
  std::mutex mu_;
  std::unordered_set<std::string> seen_;
};

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &BuildCounter()
                   .Name("kindly_security_admission_requests_total")
                   .Help("Admission reviews answered, by operation, kind (the judged kinds, else other) and decision (allowed, "
                         "denied, warned, audited; error: answered HTTP 503 because no policy set was loaded)")
                   .Register(*registry_);
  violations_ = &BuildCounter()
                     .Name("kindly_security_violations_total")
                     .Help("Policy violations found in admission reviews (dry runs excluded), by policy, rule and enforcement")
                     .Register(*registry_);
  bad_reviews_ = &BuildCounter()
                      .Name("kindly_security_invalid_reviews_total")
                      .Help("Requests to /validate that were not a valid AdmissionReview (answered 400)")
                      .Register(*registry_);
  tls_failures_ = &BuildCounter()
                       .Name("kindly_security_tls_failures_total")
                       .Help("Failed TLS handshakes, by reason (client certificate failures: kindly_security_auth_failures_total)")
                       .Register(*registry_);
  auth_failures_ = &BuildCounter()
                        .Name("kindly_security_auth_failures_total")
                        .Help("Clients refused by mutual TLS (--client-ca-file), by reason: no_client_certificate, bad_client_certificate")
                        .Register(*registry_);
  policies_ = &BuildGauge()
                   .Name("kindly_security_policies")
                   .Help("SecurityPolicies, by enforcement and readiness (ready=false: invalid; the last valid version, if any, stays in force)")
                   .Register(*registry_);
  api_requests_ = &BuildCounter()
                       .Name("kindly_security_api_requests_total")
                       .Help("Requests to the Kubernetes API server, by verb and HTTP code (0: no answer)")
                       .Register(*registry_);
  reconciles_ = &BuildCounter()
                     .Name("kindly_security_reconcile_total")
                     .Help("Controller reconciles, by controller and result (success, requeue, error)")
                     .Register(*registry_);
  watch_restarts_ = &BuildCounter()
                         .Name("kindly_security_watch_restarts_total")
                         .Help("Informer watches started again, by resource and reason (ended: resumed; failed: dropped or "
                               "refused; expired: 410, relisted)")
                         .Register(*registry_);
  events_ = &BuildCounter()
                 .Name("kindly_security_events_total")
                 .Help("Kubernetes Events the operator recorded, by outcome (created, patched: a series updated, failed, "
                       "dropped_queue_full, dropped_rate_limited)")
                 .Register(*registry_);
  compliance_ratio_ = &BuildGauge()
                          .Name("kindly_security_compliance_ratio")
                          .Help("Running pods that pass every audited policy, over all pods the background audit judged (1 when none)")
                          .Register(*registry_)
                          .Add({});
  pods_judged_ = &BuildGauge()
                      .Name("kindly_security_audit_pods_judged")
                      .Help("Running pods the last background audit judged")
                      .Register(*registry_)
                      .Add({});
  // 50 µs to 1 s: decisions take microseconds; the upper buckets catch a stalled process.
  latency_ = &BuildHistogram()
                  .Name("kindly_security_decision_duration_seconds")
                  .Help("Time from a review's arrival in the handler to its encoded answer")
                  .Register(*registry_)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                                   0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
  cert_expiry_ = &BuildGauge()
                      .Name("kindly_security_certificate_expiry_timestamp_seconds")
                      .Help("notAfter of the serving certificate, as a Unix timestamp")
                      .Register(*registry_)
                      .Add({});
  quarantined_pods_ = &BuildGauge()
                           .Name("kindly_security_quarantined_pods")
                           .Help("Pods carrying the quarantine label and isolated by the quarantine NetworkPolicies, by "
                                 "mode (full, egress, ingress)")
                           .Register(*registry_);
  for (const char* mode : {"full", "egress", "ingress"}) quarantined_pods_->Add({{"mode", mode}});
  // A minute to 30 days: quarantines last from a quick triage to a long investigation.
  quarantine_duration_ = &BuildHistogram()
                              .Name("kindly_security_quarantine_duration_seconds")
                              .Help("How long quarantines lasted, observed as each ends (release, expiry, the pod's deletion)")
                              .Register(*registry_)
                              .Add({}, prometheus::Histogram::BucketBoundaries{60, 300, 900, 3600, 4 * 3600, 12 * 3600,
                                                                               86400, 3 * 86400, 7 * 86400, 30 * 86400});
  evidence_bytes_ = &BuildHistogram()
                         .Name("kindly_security_quarantine_evidence_bytes")
                         .Help("Evidence kept per quarantined pod (the bytes of its QuarantineRecord's Secret)")
                         .Register(*registry_)
                         .Add({}, prometheus::Histogram::BucketBoundaries{4096, 16384, 65536, 262144, 524288, 1048576});
  policy_set_degraded_ = &BuildGauge()
                              .Name("kindly_security_policy_set_degraded")
                              .Help("1 while the policy files (--policy-dir) hold errors: the last valid set stays in force "
                                    "and the replica stays ready; the log names each error")
                              .Register(*registry_)
                              .Add({});
  quarantine_leaks_ = &BuildGauge()
                           .Name("kindly_security_quarantine_leaks")
                           .Help("Quarantined pods that another NetworkPolicy still lets traffic reach or leave")
                           .Register(*registry_)
                           .Add({});
  exceptions_used_ = &BuildCounter()
                          .Name("kindly_security_exceptions_used_total")
                          .Help("Admission reviews (dry runs excluded) in which a SecurityPolicyException excused a "
                                "violation, by exception (namespace/name; after 1000 distinct exceptions, \"other\")")
                          .Register(*registry_);
  exception_labels_ = std::make_unique<BoundedLabel>(kMaxExceptionLabels);
  exceptions_ = &BuildGauge()
                     .Name("kindly_security_exceptions")
                     .Help("SecurityPolicyExceptions by state: active (in force), expired (past expiresAt), invalid "
                           "(excuses nothing; its status says why)")
                     .Register(*registry_);
  exceptions_expired_ = &BuildCounter()
                             .Name("kindly_security_exceptions_expired_total")
                             .Help("SecurityPolicyExceptions that reached their expiresAt while this replica led")
                             .Register(*registry_)
                             .Add({});
  request_counters_ = std::make_unique<CounterCache>(*requests_, std::array<const char*, 3>{"operation", "kind", "decision"});
  violation_counters_ =
      std::make_unique<CounterCache>(*violations_, std::array<const char*, 3>{"policy", "rule", "enforcement"});
}

Metrics::~Metrics() = default;

Status Metrics::serve(const std::string& listen) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, 2);
    listen_ = listen;
    exposer_->RegisterCollectable(registry_);
  } catch (const std::exception& e) {
    return Error{"cannot serve metrics on " + listen + ": " + e.what(), "--metrics-listen"};
  }
  return {};
}

std::string Metrics::listening_address() const {
  if (!exposer_) return "";
  auto ports = exposer_->GetListeningPorts();
  std::string host = listen_.substr(0, listen_.rfind(':'));
  return host + ":" + (ports.empty() ? std::string("?") : std::to_string(ports.front()));
}

// Every label value below that comes from a request is one of a fixed set (the operation is one of
// four words). A series is never removed, so a value copied from the review (a forged kind per
// request) would grow /metrics and memory without bound. What the labels still carry from
// elsewhere is bounded by the admin: policy names (loaded policies), rule ids (the rule and PSS
// registries), enforcement. The exception label too comes from admin-approved objects only, but
// exceptions are created and deleted over a process's life and each leaves its series behind, so
// it is capped: the first kMaxExceptionLabels distinct exceptions by name, then "other".
std::string_view kind_label(std::string_view kind) {
  // The kinds the webhook judges (the pod view's table: Pod, PodTemplate and the workloads); any
  // other kind a review may name, real or forged, is counted as "other".
  return policy::PodView::is_judged_kind(kind) ? kind : std::string_view("other");
}

void Metrics::on_decision(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds latency) {
  request_counters_->get(policy::to_string(r.operation), kind_label(r.kind), decision_word(d)).Increment();
  latency_->Observe(static_cast<double>(latency.count()) / 1e6);
  if (r.dry_run) return;  // a dry run changes nothing in the cluster; it is not a violation
  for (const auto& v : d.violations)
    violation_counters_->get(v.policy, v.rule, policy::to_string(v.enforcement)).Increment();
  // Once per exception per review, however many violations it excused.
  for (std::size_t i = 0; i < d.excused.size(); ++i) {
    const std::string& key = d.excused[i].exception;
    bool counted = false;
    for (std::size_t j = 0; j < i && !counted; ++j) counted = d.excused[j].exception == key;
    if (!counted) exceptions_used_->Add({{"exception", std::string(exception_labels_->get(key))}}).Increment();
  }
}

void Metrics::on_rejected_review(const std::string&) { bad_reviews_->Add({}).Increment(); }

void Metrics::on_unjudged(const policy::Request& r, const std::string&) {
  request_counters_->get(policy::to_string(r.operation), kind_label(r.kind), "error").Increment();
}

void Metrics::set_policy_set_degraded(bool degraded) { policy_set_degraded_->Set(degraded ? 1.0 : 0.0); }

void Metrics::set_certificate_expiry(std::time_t not_after) { cert_expiry_->Set(static_cast<double>(not_after)); }

void Metrics::count_tls_failure(const char* reason) { tls_failures_->Add({{"reason", reason}}).Increment(); }
void Metrics::count_auth_failure(const char* reason) { auth_failures_->Add({{"reason", reason}}).Increment(); }

void Metrics::set_policies(const std::map<std::pair<std::string, bool>, std::size_t>& counts) {
  // Every combination is written, so a count that fell to zero reads 0 rather than its old value.
  for (const char* e : {"Deny", "Warn", "Audit", "Unknown"})
    for (bool ready : {true, false}) {
      auto it = counts.find({e, ready});
      policies_->Add({{"enforcement", e}, {"ready", ready ? "true" : "false"}})
          .Set(it == counts.end() ? 0.0 : static_cast<double>(it->second));
    }
}

void Metrics::set_compliance(std::size_t judged, std::size_t compliant) {
  pods_judged_->Set(static_cast<double>(judged));
  compliance_ratio_->Set(judged == 0 ? 1.0 : static_cast<double>(compliant) / static_cast<double>(judged));
}

void Metrics::count_event(const char* outcome) { events_->Add({{"outcome", outcome}}).Increment(); }

void Metrics::count_api_request(const std::string& verb, int code) {
  api_requests_->Add({{"verb", verb}, {"code", std::to_string(code)}}).Increment();
}

void Metrics::count_watch_restart(const std::string& resource, const char* reason) {
  watch_restarts_->Add({{"resource", resource}, {"reason", reason}}).Increment();
}

void Metrics::count_reconcile(const std::string& controller, const char* result) {
  reconciles_->Add({{"controller", controller}, {"result", result}}).Increment();
}

void Metrics::set_quarantined_pods(const std::map<std::string, std::size_t>& by_mode) {
  for (const char* mode : {"full", "egress", "ingress"}) {  // bounded: no other label value
    auto it = by_mode.find(mode);
    quarantined_pods_->Add({{"mode", mode}}).Set(it == by_mode.end() ? 0.0 : static_cast<double>(it->second));
  }
}
void Metrics::observe_quarantine_duration(double seconds) { quarantine_duration_->Observe(seconds); }
void Metrics::observe_evidence_bytes(std::size_t bytes) { evidence_bytes_->Observe(static_cast<double>(bytes)); }

void Metrics::set_quarantine_leaks(std::size_t n) { quarantine_leaks_->Set(static_cast<double>(n)); }

void Metrics::set_exceptions(const std::map<std::string, std::size_t>& by_state) {
  // Every state is written, so a count that fell to zero reads 0.
  for (const char* state : {"active", "expired", "invalid"}) {
    auto it = by_state.find(state);
    exceptions_->Add({{"state", state}}).Set(it == by_state.end() ? 0.0 : static_cast<double>(it->second));
  }
}

void Metrics::count_exception_expired() { exceptions_expired_->Increment(); }

}  // namespace kindlyguard::observe
