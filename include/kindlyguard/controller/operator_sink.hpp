#pragma once
// What the operator's parts report, in one interface: observe::Metrics implements it, as it
// implements admission::DecisionObserver for the webhook. Every method has an empty default so a
// test (or a sink that cares about one thing) overrides only what it reads. Calls come from
// controller workers, informer threads and the API client's requesting threads: implementations
// must be thread-safe and quick.
#include <cstddef>
#include <map>
#include <string>
#include <utility>

namespace kindlyguard::controller {

class OperatorSink {
 public:
  virtual ~OperatorSink() = default;

  // Every API request: its verb and HTTP code (0 when no answer came).
  virtual void count_api_request(const std::string& /*verb*/, int /*code*/) {}
  // Every reconcile outcome ("success", "requeue", "error") of a controller.
  virtual void count_reconcile(const std::string& /*controller*/, const char* /*result*/) {}
  // An informer's watch started again: reason "ended", "failed" or "expired" (410, relisted).
  virtual void count_watch_restart(const std::string& /*resource*/, const char* /*reason*/) {}
  // What became of an Event the operator recorded (created, patched, failed, dropped_...).
  virtual void count_event(const char* /*outcome*/) {}
  // SecurityPolicies by (enforcement, ready), after every change of the live set.
  virtual void set_policies(const std::map<std::pair<std::string, bool>, std::size_t>& /*counts*/) {}
  // The background audit's last result: pods judged and pods that pass every policy.
  virtual void set_compliance(std::size_t /*judged*/, std::size_t /*compliant*/) {}
  // The quarantine controller (leader only; zeros when leadership ends).
  // Isolated pods by mode ("full", "egress", "ingress"; every mode present).
  virtual void set_quarantined_pods(const std::map<std::string, std::size_t>& /*by_mode*/) {}
  virtual void set_quarantine_leaks(std::size_t /*n*/) {}
  // A quarantine ended (release, expiry, the pod's deletion) after this long; the evidence kept
  // for one pod (the bytes of its record's Secret).
  virtual void observe_quarantine_duration(double /*seconds*/) {}
  virtual void observe_evidence_bytes(std::size_t /*bytes*/) {}
  // SecurityPolicyExceptions by state ("active", "expired", "invalid"), and each expiry as it
  // happens (the exception status controller, leader only).
  virtual void set_exceptions(const std::map<std::string, std::size_t>& /*by_state*/) {}
  virtual void count_exception_expired() {}
};

}  // namespace kindlyguard::controller
