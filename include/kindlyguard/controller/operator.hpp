#pragma once
// The operator side of `kindlyguard serve` in a cluster, in the manner of controller-runtime's
// Manager: one API client, shared informers for SecurityPolicies and Namespaces (their labels feed
// namespaceSelector), the live policy set the webhook judges with, the event recorder, leader
// election, and the controllers (operator.cpp lists their factories, one line each). It owns their
// lifetimes, starts them when it leads and stops them in reverse order when it stops leading, and
// answers readiness. Every replica serves the webhook from its own caches; only the leader writes.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/controller/operator_config.hpp"
#include "kindlyguard/controller/owner_lookup.hpp"
#include "kindlyguard/controller/quarantine_attribution.hpp"

namespace kindlyguard::controller {

class Operator {
 public:
  // Connects the API client (nothing is requested yet) and builds every controller, not started.
  // `store` and `sink` must outlive the operator.
  static Result<std::unique_ptr<Operator>> create(OperatorConfig config, policy::PolicyStore& store,
                                                  OperatorSink& sink);
  ~Operator();
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  // Starts the informers every replica needs, then leader election; the controllers, and the
  // informers only they read (the pod cache), run while this replica leads.
  void start();
  // Stops the controllers (releasing the lease), then the informers.
  void stop();

  // "" once the SecurityPolicy, Namespace and SecurityPolicyException informers have synced: the
  // webhook may judge (before the exceptions are known it would deny what one excuses).
  std::string not_synced_reason() const;
  // not_synced_reason(), then every controller's readiness check: what /readyz reports.
  std::string not_ready_reason() const;
  bool is_leader() const;
  // Namespace labels from the cache; nullopt for a namespace not (yet) seen.
  policy::NamespaceLabelsFn namespace_labels() const;

  // For the webhook: the PolicyViolation Events observer (null when turned off), the shared
  // informers, the quarantined pods (every replica: the quarantine guard looks up evicted pods
  // there; pod_cache.hpp) and the event recorder.
  admission::DecisionObserver* violation_events() const { return violation_events_.get(); }
  client::SharedInformers& informers() { return *informers_; }
  client::Informer& quarantined_pods() { return *quarantined_pods_; }
  EventRecorder& events() { return *events_; }
  // For the quarantine guard: records on the pod who quarantined it (every replica).
  QuarantineAttribution& quarantine_attribution() { return *attribution_; }
  const OperatorConfig& config() const { return config_; }

  // For the webhook: the SecurityPolicyExceptions in force (kept by the informer), the lookup
  // that follows a pod's ownerReferences to its top owner (GETs with a tight deadline, cached),
  // and the observer that records which exception excused something (status.lastUsed).
  policy::ExceptionStore& exceptions() { return exception_store_; }
  policy::OwnerLookupFn owner_lookup() { return owners_->fn(); }
  admission::DecisionObserver* exception_usage() { return &exception_usage_; }
  // The Event "ExceptionApproved" on the exception, naming who wrote it (Handler::on_exception_approved).
  void record_exception_approved(const policy::Request& request);

 private:
  Operator(OperatorConfig config, std::unique_ptr<client::ApiClient> api,
           std::unique_ptr<client::ApiClient> election_api, policy::PolicyStore& store, OperatorSink& sink);
  void start_leading();
  void stop_leading();

  // Declared in destruction order's reverse: the client outlives the recorder, which outlives
  // the controllers that record.
  OperatorConfig config_;
  OperatorSink& sink_;
  std::unique_ptr<client::ApiClient> api_;
  // Leader election's own client, as client-go gives it one: its own rate limiter and
  // connections, so lease renewals never queue behind the audit's bulk writes on api_ (a leader
  // of 10,000 pods stepped down four times in three minutes while it wrote reports).
  std::unique_ptr<client::ApiClient> election_api_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<client::SharedInformers> informers_;
  client::Informer* policies_ = nullptr;
  client::Informer* namespaces_ = nullptr;
  client::Informer* quarantined_pods_ = nullptr;
  LivePolicies live_;
  client::Informer* exception_informer_ = nullptr;
  policy::ExceptionStore exception_store_;
  LiveExceptions live_exceptions_;
  ExceptionUsage exception_usage_;
  std::unique_ptr<OwnerLookup> owners_;
  std::unique_ptr<QuarantineAttribution> attribution_;
  std::unique_ptr<OperatorContext> context_;
  std::unique_ptr<admission::DecisionObserver> violation_events_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::unique_ptr<client::LeaderElector> elector_;
  std::atomic<bool> leading_{false};
};

// The leader election identity: $POD_NAME when set (unique in a Deployment), else the host name
// with a random suffix so two processes on one host never share it.
std::string default_identity();

}  // namespace kindlyguard::controller
