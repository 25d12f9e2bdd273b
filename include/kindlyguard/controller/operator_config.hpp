#pragma once
// How the operator is assembled, in the manner of controller-runtime's Manager:
// - OperatorConfig: every setting, as plain values, parsed and validated once (cli/serve_config);
// - OperatorContext: what a controller factory may use (the API client, the shared informers, the
//   event recorder, the live policies and store, the sink) and add (readiness checks);
// - a ControllerFactory per controller, in its own file, listed one line each in operator.cpp.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/leader_election.hpp"
#include "kindlyguard/client/shared_informers.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/controller/exception_usage.hpp"
#include "kindlyguard/controller/live_exceptions.hpp"
#include "kindlyguard/controller/live_policies.hpp"
#include "kindlyguard/controller/operator_sink.hpp"
#include "kindlyguard/controller/quarantine.hpp"
#include "kindlyguard/controller/report_format.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/exception_store.hpp"
#include "kindlyguard/policy/policy_store.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::controller {

struct ApiConnection {
  std::string kubeconfig;  // "": $KUBECONFIG, then in-cluster, then ~/.kube/config
  std::string context;     // "": the kubeconfig's current-context
  bool allow_insecure = false;
  double qps = 50;
  int burst = 100;
};

struct BackgroundAuditConfig {
  std::chrono::milliseconds interval{std::chrono::minutes(10)};  // 0: no background audit
  std::size_t max_results = 1000;  // per namespace's PolicyReport
  bool reports = true;             // write PolicyReports
  ReportFormat report_format = ReportFormat::PolicyReport;  // --report-format
};

struct CertificatesConfig {
  enum class Mode { Provided, SelfManaged, CertManager };
  Mode mode = Mode::Provided;
  // The serving files the HTTPS server reloads; self-managed writes them from the Secret.
  std::string cert_file, key_file;
  std::string secret_name = "kindlyguard-tls";
  std::string webhook_config_name = "kindlyguard";
  std::string service_name = "kindlyguard";
  std::chrono::seconds ca_validity{std::chrono::hours(43800)};
  std::chrono::seconds cert_validity{std::chrono::hours(8760)};
};

struct ExceptionsConfig {
  std::vector<std::string> admin_namespaces;  // --exception-namespaces
  // ExceptionExpiring Events this long before an exception's expiresAt.
  std::chrono::seconds expiring_warning{std::chrono::hours(168)};
};

struct OperatorConfig {
  ApiConnection api;
  bool leader_elect = true;
  // ns "": $POD_NAMESPACE as the flags read it, else the kubeconfig's namespace, else "default".
  // identity "": default_identity(). Callbacks are the operator's.
  client::LeaderElectionConfig leader_election{};
  std::chrono::milliseconds resync{std::chrono::minutes(10)};
  QuarantineConfig quarantine;
  BackgroundAuditConfig audit;
  CertificatesConfig certs;
  ExceptionsConfig exceptions;
  // PolicyViolation Events for the webhook's denied, warned and audited requests (every replica).
  bool violation_events = true;
};

// What a controller factory works with. References live as long as the Operator.
class OperatorContext {
 public:
  OperatorContext(const OperatorConfig& config, client::ApiClient& api, client::SharedInformers& informers,
                  EventRecorder& events, LivePolicies& live_policies, policy::PolicyStore& store, OperatorSink& sink,
                  client::Informer& policies, policy::NamespaceLabelsFn namespace_labels,
                  std::function<bool()> caches_synced)
      : config(config), api(api), informers(informers), events(events), live_policies(live_policies), store(store),
        sink(sink), policies(policies), namespace_labels(std::move(namespace_labels)),
        caches_synced(std::move(caches_synced)) {}

  const OperatorConfig& config;  // leader_election.ns resolved: the operator's own namespace
  client::ApiClient& api;
  client::SharedInformers& informers;
  EventRecorder& events;
  LivePolicies& live_policies;
  policy::PolicyStore& store;
  OperatorSink& sink;
  client::Informer& policies;               // SecurityPolicies, cluster-wide
  policy::NamespaceLabelsFn namespace_labels;  // from the Namespace informer
  std::function<bool()> caches_synced;      // the policy, namespace and exception informers have synced

  // SecurityPolicyExceptions: the informer (all namespaces), what was made of each object, the
  // set in force, their use (webhook and audit) and the owner lookup that follows ownerReferences.
  // Set by the Operator before any factory runs.
  struct Exceptions {
    client::Informer* informer = nullptr;
    LiveExceptions* live = nullptr;
    policy::ExceptionStore* store = nullptr;
    ExceptionUsage* usage = nullptr;
    policy::OwnerLookupFn owners;
  } exceptions;

  // A further condition for /readyz ("" = fine), checked on every probe from then on.
  void add_readiness_check(std::function<std::string()> check) { readiness_checks_.push_back(std::move(check)); }
  const std::vector<std::function<std::string()>>& readiness_checks() const { return readiness_checks_; }

 private:
  std::vector<std::function<std::string()>> readiness_checks_;
};

// A controller's factory: registers the informers and handlers it needs, and returns the
// controller the operator runs while it leads (nullptr when the config turns it off). An error
// names the flag or file to fix.
using ControllerFactory = Result<std::unique_ptr<Controller>> (*)(OperatorContext& context);

}  // namespace kindlyguard::controller
