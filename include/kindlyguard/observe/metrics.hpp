#pragma once
// Prometheus metrics, every name prefixed kindly_security_, served by prometheus-cpp's pull
// exposer on --metrics-listen. Recording happens on request threads, so families are created once
// and label children are cached by prometheus-cpp.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/controller/operator_sink.hpp"

namespace prometheus {
class Exposer;
}

namespace kindlyguard::observe {

// The value of the `kind` label for a review's kind: one of the kinds the webhook judges (Pod,
// PodTemplate and the workloads with a pod template), else "other", so no request adds a series.
std::string_view kind_label(std::string_view kind);

class Metrics : public admission::DecisionObserver, public controller::OperatorSink {
 public:
  Metrics();
  ~Metrics() override;

  // Starts serving /metrics on "ADDR:PORT"; an error names the address.
  Status serve(const std::string& listen);
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // "ADDR:PORT" actually bound (the port is resolved when --metrics-listen asked for port 0).
  std::string listening_address() const;

  // Also counts kindly_security_exceptions_used_total once per exception that excused something;
  // its `exception` label takes at most this many distinct values, then "other".
  static constexpr std::size_t kMaxExceptionLabels = 1000;
  void on_decision(const policy::Request& request, const policy::Decision& decision,
                   std::chrono::microseconds latency) override;
  void on_rejected_review(const std::string& reason) override;
  // Counted as requests with decision "error".
  void on_unjudged(const policy::Request& request, const std::string& reason) override;
  // Standalone mode: the policy files hold errors and the last valid set stays in force.
  void set_policy_set_degraded(bool degraded);

  void set_certificate_expiry(std::time_t not_after);
  void count_tls_failure(const char* reason);
  // A client refused by mTLS (--client-ca-file): "no_client_certificate", "bad_client_certificate".
  void count_auth_failure(const char* reason);
  // SecurityPolicies by enforcement (Deny, Warn, Audit; Unknown for one never valid) and readiness.
  void set_policies(const std::map<std::pair<std::string, bool>, std::size_t>& counts) override;
  // The background audit's last result: running pods that pass every policy / all judged.
  void set_compliance(std::size_t judged, std::size_t compliant) override;
  // The operator side: every API request (verb, HTTP code or 0 when no answer came) and every
  // reconcile outcome (success, requeue, error) per controller.
  void count_api_request(const std::string& verb, int code) override;
  void count_reconcile(const std::string& controller, const char* result) override;
  // An informer's watch started again: reason ended, failed or expired (410, relisted).
  void count_watch_restart(const std::string& resource, const char* reason) override;
  // What became of each Event the operator recorded: created, patched (a series), failed,
  // dropped_queue_full, dropped_rate_limited.
  void count_event(const char* outcome) override;
  // The quarantine controller (leader only; zero elsewhere): pods labeled and isolated, and those
  // another NetworkPolicy still lets traffic reach or leave.
  // kindly_security_quarantined_pods{mode="full|egress|ingress"}.
  void set_quarantined_pods(const std::map<std::string, std::size_t>& by_mode) override;
  void set_quarantine_leaks(std::size_t n) override;
  // kindly_security_quarantine_duration_seconds and kindly_security_quarantine_evidence_bytes.
  void observe_quarantine_duration(double seconds) override;
  void observe_evidence_bytes(std::size_t bytes) override;
  // kindly_security_exceptions{state="active|expired|invalid"} and
  // kindly_security_exceptions_expired_total (the exception status controller).
  void set_exceptions(const std::map<std::string, std::size_t>& by_state) override;
  void count_exception_expired() override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string listen_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* violations_;
  prometheus::Family<prometheus::Counter>* bad_reviews_;
  prometheus::Family<prometheus::Counter>* tls_failures_;
  prometheus::Family<prometheus::Counter>* auth_failures_;
  prometheus::Family<prometheus::Gauge>* policies_;
  prometheus::Family<prometheus::Counter>* api_requests_;
  prometheus::Family<prometheus::Counter>* reconciles_;
  prometheus::Family<prometheus::Counter>* watch_restarts_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Gauge* compliance_ratio_;
  prometheus::Gauge* pods_judged_;
  prometheus::Histogram* latency_;
  prometheus::Gauge* cert_expiry_;
  prometheus::Family<prometheus::Gauge>* quarantined_pods_;
  prometheus::Histogram* quarantine_duration_;
  prometheus::Histogram* evidence_bytes_;
  prometheus::Gauge* quarantine_leaks_;
  prometheus::Gauge* policy_set_degraded_;
  prometheus::Family<prometheus::Gauge>* exceptions_;
  prometheus::Counter* exceptions_expired_;
  // The per-review counters by label values. Family::Add builds a label map, hashes it and takes
  // the family's lock, 0.4 µs a call and once per violation (bench_hotspots Metrics/*); children
  // are never removed, so their addresses can be kept.
  class CounterCache;
  std::unique_ptr<CounterCache> request_counters_;
  std::unique_ptr<CounterCache> violation_counters_;
  // kindly_security_exceptions_used_total{exception="<ns>/<name>"}: bounded (see metrics.cpp).
  prometheus::Family<prometheus::Counter>* exceptions_used_;
  class BoundedLabel;
  std::unique_ptr<BoundedLabel> exception_labels_;
};

}  // namespace kindlyguard::observe
