#pragma once
// POST /validate: AdmissionReview in, AdmissionReview out. Decodes, asks the core, encodes, and
// tells the observers (audit log, metrics, events) what was decided. Thread-safe.
// Pods and workloads go to the policies (with the SecurityPolicyExceptions in force);
// SecurityPolicy and SecurityPolicyException writes go to resource_validation.hpp instead, and
// are judged even before a policy set is loaded, since they need none.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/admission/resource_validation.hpp"
#include "kindlyguard/admission/review.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::admission {

struct Outcome {
  int http_status = 200;
  std::string body;  // AdmissionReview JSON, or a JSON error for 4xx and 503
};

// Told about every decision, on the request thread: must be quick and must not block.
class DecisionObserver {
 public:
  virtual ~DecisionObserver() = default;
  virtual void on_decision(const policy::Request& request, const policy::Decision& decision,
                           std::chrono::microseconds latency) = 0;
  virtual void on_rejected_review(const std::string& /*reason*/) {}
  // A valid review answered with an error instead of a decision (no policy set loaded yet).
  virtual void on_unjudged(const policy::Request& /*request*/, const std::string& /*reason*/) {}
};

// What a guard says: an empty message lets the request go on; otherwise it is denied with that
// message and code (403; 429 asks the client to retry later, as a PodDisruptionBudget does for an
// eviction, so `kubectl drain` waits instead of failing).
struct GuardDenial {
  GuardDenial() = default;
  GuardDenial(std::string m, int c = 403) : message(std::move(m)), code(c) {}  // implicit: a guard may return a string
  std::string message;
  int code = 403;
};

// Extra request-level checks that are not policy rules (e.g. the quarantine guard).
using RequestGuard = std::function<GuardDenial(const policy::Request&)>;

class Handler {
 public:
  Handler(const policy::PolicyStore& store, policy::NamespaceLabelsFn namespace_labels)
      : store_(store), namespace_labels_(std::move(namespace_labels)) {}

  void add_observer(DecisionObserver* o) { observers_.push_back(o); }
  void add_guard(RequestGuard g) { guards_.push_back(std::move(g)); }
  // Fail closed: while `missing` returns a reason (no valid policy set loaded, informers not
  // synced), no review is judged. Each is answered HTTP 503 with that reason, so the API server
  // applies the webhook's failurePolicy: Fail rejects, Ignore admits. (`allowed: true` would admit
  // what was never judged; `allowed: false` would reject even under Ignore.)
  void require_policy_set(std::function<std::string()> missing) { missing_policy_set_ = std::move(missing); }
  // The SecurityPolicyExceptions in force (read once per request; a null set applies none) and
  // the lookup that follows ownerReferences to a pod's top owner (empty: none is followed).
  void set_exceptions(std::function<policy::ExceptionSetPtr()> exceptions, policy::OwnerLookupFn owners = {});
  // The clock that decides an exception's expiry; the system clock unless a test sets another.
  void set_clock(std::function<policy::Seconds()> now);
  // Who may write SecurityPolicyExceptions, checked on their CREATE and UPDATE.
  void set_exception_approval(ExceptionApproval approval);
  // Called on the request thread after an approved SecurityPolicyException CREATE or UPDATE (not
  // for dry runs), with the approving request: cluster mode records an Event on the exception.
  // The API server may still fail the write afterwards (another webhook, a conflict).
  void on_exception_approved(std::function<void(const policy::Request&)> hook) { exception_approved_ = std::move(hook); }

  Outcome handle(std::string_view body) const;

 private:
  policy::Decision decide(const policy::Request& req) const;

  const policy::PolicyStore& store_;
  policy::NamespaceLabelsFn namespace_labels_;
  std::vector<DecisionObserver*> observers_;
  std::vector<RequestGuard> guards_;
  std::function<std::string()> missing_policy_set_;
  std::function<policy::ExceptionSetPtr()> exceptions_;
  policy::OwnerLookupFn owners_;
  std::function<policy::Seconds()> now_;
  ExceptionApproval approval_;
  std::function<void(const policy::Request&)> exception_approved_;
};

// {"error": "...", "status": 400} as the body of a 4xx answer.
std::string error_body(int status, const std::string& message);
// The 503 body of a review that was not judged: a metav1.Status carrying `message`.
std::string unavailable_body(const std::string& message);

}  // namespace kindlyguard::admission
