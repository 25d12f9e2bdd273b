#pragma once
// The operator side of `kindlyguard serve` in a cluster: one API client, shared informers for
// SecurityPolicies and Namespaces (their labels feed namespaceSelector), the live policy set the
// webhook judges with, leader election, and the controllers that write (only while leading).
// Every replica serves the webhook from its own caches; only the leader writes.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/leader_election.hpp"
#include "kindlyguard/client/shared_informers.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/live_policies.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::controller {

struct OperatorOptions {
  bool leader_elect = true;
  client::LeaderElectionConfig leader_election{};  // ns, name, identity; callbacks are set by the operator
  std::chrono::milliseconds resync{std::chrono::minutes(10)};
  // Told of each controller's reconcile outcomes and of informer restarts, for metrics.
  std::function<void(const std::string& controller, const char* result)> on_reconcile;
  std::function<void(const std::string& resource, const char* reason)> on_watch_restart;
};

class Operator {
 public:
  Operator(client::ApiClient& api, policy::PolicyStore& store, OperatorOptions options);
  ~Operator();
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  // Controllers that run only on the leader. Add before start().
  void add_controller(std::unique_ptr<Controller> c);
  client::SharedInformers& informers() { return informers_; }
  client::Informer& policy_informer() { return *policies_; }
  client::Informer& namespace_informer() { return *namespaces_; }
  LivePolicies& live_policies() { return live_; }
  client::ApiClient& api() { return api_; }

  void start();
  // Stops the controllers (releasing the lease), then the informers.
  void stop();

  // "" when the informers have synced; else what the webhook is waiting for.
  std::string not_ready_reason() const;
  bool is_leader() const;
  // Namespace labels from the cache; nullopt for a namespace not (yet) seen.
  policy::NamespaceLabelsFn namespace_labels() const;

 private:
  void start_leading();
  void stop_leading();

  client::ApiClient& api_;
  OperatorOptions options_;
  client::SharedInformers informers_;
  client::Informer* policies_ = nullptr;
  client::Informer* namespaces_ = nullptr;
  LivePolicies live_;
  std::unique_ptr<Controller> status_controller_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::unique_ptr<client::LeaderElector> elector_;
  std::atomic<bool> leading_{false};
};

// The leader election identity: $POD_NAME when set (unique in a Deployment), else the host name
// with a random suffix so two processes on one host never share it.
std::string default_identity();

}  // namespace kindlyguard::controller
