#pragma once
// `serve` in a cluster: the API client from --kubeconfig / $KUBECONFIG / in-cluster config, and
// the operator (informers, live policies, leader election, controllers) around it.

#include <functional>
#include <memory>
#include <string>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/controller/operator.hpp"
#include "kindlyguard/observe/metrics.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::cli {

// The flags cluster mode adds to `serve`.
std::vector<FlagSpec> cluster_flags();

struct ClusterMode {
  std::unique_ptr<client::ApiClient> api;
  std::unique_ptr<controller::Operator> op;
  std::unique_ptr<controller::EventRecorder> events;  // Events from the leader's controllers
  std::string own_namespace;  // where our Lease and Secret live
  // Further conditions for /readyz besides synced informers ("" = fine).
  std::vector<std::function<std::string()>> readiness_checks;
  std::vector<std::shared_ptr<void>> keep_alive;  // objects the handlers above point into

  std::string not_ready_reason() const;
  ~ClusterMode();
};

// The flags of certs.mode (self-managed, provided, cert-manager), and the self-managed setup:
// bootstrap serving files so the server can start, the Secret informer that keeps them equal to
// the Secret on every replica, and the leader's rotation controller. Call before start().
std::vector<FlagSpec> certs_flags();
Result<bool> setup_webhook_certs(const Flags& flags, ClusterMode& cluster, const std::string& cert_file,
                                 const std::string& key_file);

// The background audit (leader), PolicyViolation Events (every replica) and policy metrics.
// Call before start().
std::vector<FlagSpec> audit_flags();
Result<bool> setup_background_audit(const Flags& flags, ClusterMode& cluster, policy::PolicyStore& store,
                                    observe::Metrics& metrics, admission::Handler& handler);

// Builds the client and the operator (not started). Errors name the flag or file to fix.
Result<std::unique_ptr<ClusterMode>> make_cluster_mode(const Flags& flags, policy::PolicyStore& store,
                                                       observe::Metrics& metrics);

}  // namespace kindlyguard::cli
