#pragma once
// What the quarantine controller's pieces share: the index of pods that matter to it, the
// remembered state of the AdminNetworkPolicy, what has been reported, and the counts behind the
// gauges. Internal to src/controller (quarantine_reconciler.cpp, quarantine_controller.cpp).

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/controller/quarantine.hpp"

namespace kindlyguard::controller::quarantine_detail {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

class QuarantineState {
 public:
  QuarantineState(client::ApiClient& api, client::SharedInformers& informers, EventRecorder& events,
                  QuarantineOptions options);

  // Informer handlers: keep the index and enqueue the namespace when it matters.
  void on_pod(const nlohmann::json* old_pod, const nlohmann::json* new_pod);
  void on_network_policy(const nlohmann::json& np);
  // Every key there is to reconcile (namespaces with labeled or annotated pods, namespaces with
  // our NetworkPolicy, and the AdminNetworkPolicy key when that option is on).
  std::vector<std::string> keys() const;
  // Leadership ended: the gauges read zero on this replica, and what was reported is forgotten
  // so the next leader term reports afresh.
  void reset();

  ReconcileResult reconcile(const std::string& key);

  void set_controller(Controller* c) { controller_.store(c); }
  client::Informer& pods() { return *pods_; }
  client::Informer& policies() { return *policies_; }

 private:
  ReconcileResult reconcile_namespace(const std::string& ns);
  ReconcileResult reconcile_admin_policy();
  // Discovery: does the API server serve adminnetworkpolicies? nullopt when it could not tell.
  std::optional<bool> admin_policy_served();
  void watch_admin_policy();
  void set_coverage(const AdminPolicyCoverage& c);
  std::vector<ObjectPtr> pods_in(const std::string& ns) const;
  std::vector<ObjectPtr> policies_in(const std::string& ns) const;
  void set_counts(const std::string& ns, std::size_t quarantined, std::size_t leaks);
  void enqueue(const std::string& key);
  bool patch_annotation(const nlohmann::json& pod, const nlohmann::json& value, std::string& error);

  client::ApiClient& api_;
  client::SharedInformers& informers_;
  EventRecorder& events_;
  const QuarantineOptions options_;
  client::Informer* pods_ = nullptr;
  client::Informer* policies_ = nullptr;
  std::atomic<Controller*> controller_{nullptr};

  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>> interesting_;  // namespace -> labeled or annotated pod keys
  std::map<std::string, std::pair<std::size_t, std::size_t>> counts_;  // namespace -> (quarantined, leaky)
  std::map<std::string, std::map<std::string, std::string>> reported_;  // namespace -> pod uid -> leaks reported
  AdminPolicyCoverage coverage_;
  bool admin_served_ = false;
  bool admin_watched_ = false;
  bool admin_warned_ = false;
  nlohmann::json admin_written_;  // the spec we last wrote, and the spec the API server stored for it
  nlohmann::json admin_stored_;
};

}  // namespace kindlyguard::controller::quarantine_detail
