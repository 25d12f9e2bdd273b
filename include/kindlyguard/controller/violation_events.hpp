#pragma once
// PolicyViolation Warning Events regarding the SecurityPolicy, for denied, warned and audited
// admission requests: `kubectl describe securitypolicy X` shows who tried what. Never for a dry
// run (it must leave nothing behind); never blocking the answer (the recorder queues, aggregates
// repeats into a series, so a crash-looping ReplicaSet makes one Event with a count, and
// rate-limits new series per policy and requesting namespace, so one namespace cannot hide the
// violations of the others).
// Every replica records the requests it answered.

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::controller {

class PolicyViolationEvents : public admission::DecisionObserver {
 public:
  PolicyViolationEvents(EventRecorder& events, const policy::PolicyStore& store) : events_(events), store_(store) {}
  void on_decision(const policy::Request& request, const policy::Decision& decision,
                   std::chrono::microseconds latency) override;

  // The Events one decision gives (one per policy with violations); for tests.
  static std::vector<EventRecord> events_for(const policy::Request& request, const policy::Decision& decision,
                                             const policy::PolicySet& set);

 private:
  EventRecorder& events_;
  const policy::PolicyStore& store_;
};

}  // namespace kindlyguard::controller
