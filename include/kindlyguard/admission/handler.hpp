#pragma once
// POST /validate: AdmissionReview in, AdmissionReview out. Decodes, asks the core, encodes, and
// tells the observers (audit log, metrics, events) what was decided. Thread-safe.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/admission/review.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::admission {

struct Outcome {
  int http_status = 200;
  std::string body;  // AdmissionReview JSON, or a JSON error for 4xx
};

// Told about every decision, on the request thread: must be quick and must not block.
class DecisionObserver {
 public:
  virtual ~DecisionObserver() = default;
  virtual void on_decision(const policy::Request& request, const policy::Decision& decision,
                           std::chrono::microseconds latency) = 0;
  virtual void on_rejected_review(const std::string& /*reason*/) {}
};

// Extra request-level checks that are not policy rules (e.g. the quarantine label guard).
// Returning a non-empty string denies the request with that message.
using RequestGuard = std::function<std::string(const policy::Request&)>;

class Handler {
 public:
  Handler(const policy::PolicyStore& store, policy::NamespaceLabelsFn namespace_labels)
      : store_(store), namespace_labels_(std::move(namespace_labels)) {}

  void add_observer(DecisionObserver* o) { observers_.push_back(o); }
  void add_guard(RequestGuard g) { guards_.push_back(std::move(g)); }

  Outcome handle(std::string_view body) const;

 private:
  const policy::PolicyStore& store_;
  policy::NamespaceLabelsFn namespace_labels_;
  std::vector<DecisionObserver*> observers_;
  std::vector<RequestGuard> guards_;
};

// {"error": "...", "status": 400} as the body of a 4xx answer.
std::string error_body(int status, const std::string& message);

}  // namespace kindlyguard::admission
