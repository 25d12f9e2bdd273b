#pragma once
// What the quarantine controller's pieces share: the index of pods that matter to it, the
// remembered state of the AdminNetworkPolicy, what has been reported, and the counts behind the
// gauges. Internal to src/controller (quarantine_reconciler.cpp, quarantine_controller.cpp).

#include <atomic>
#include <chrono>
#include <ctime>
#include <optional>
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

// The reconcile key of the records' lifecycle and retention: no namespace can be called this.
inline constexpr const char* kRecordsKey = "*records";
// How long a new leadership holds isolation back for the records' cache to fill.
inline constexpr std::chrono::seconds kRecordsSyncGrace{10};

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
  Controller* controller() const { return controller_.load(); }
  client::Informer& pods() { return *pods_; }
  client::Informer& policies() { return *policies_; }
  client::Informer* records() { return records_; }
  void on_record(const nlohmann::json& record);

 private:
  ReconcileResult reconcile_namespace(const std::string& ns);
  bool apply_policy(const NamespacePlan& plan, const std::string& ns, QuarantineMode mode, std::string& failure);
  std::optional<std::time_t> quarantine_ends(const nlohmann::json& pod);
  bool expire(const nlohmann::json& pod, std::string& failure);
  // quarantine_detach.cpp
  void detach(const nlohmann::json& pod, std::string& failure);
  // On release with kindlyguard.io/quarantine-restore-labels=true; false when it must be retried.
  bool restore_labels(const nlohmann::json& pod, std::string& failure);
  ReconcileResult reconcile_admin_policy();
  // Discovery: does the API server serve adminnetworkpolicies? nullopt when it could not tell.
  std::optional<bool> admin_policy_served();
  void watch_admin_policy();
  void set_coverage(const AdminPolicyCoverage& c);
  std::vector<ObjectPtr> pods_in(const std::string& ns) const;
  std::vector<ObjectPtr> policies_in(const std::string& ns) const;
  void set_counts(const std::string& ns, const std::map<std::string, std::size_t>& quarantined, std::size_t leaks);
  void enqueue(const std::string& key);
  bool patch_annotation(const nlohmann::json& pod, const nlohmann::json& value, std::string& error);

  // ---- QuarantineRecords (quarantine_capture.cpp) ----
  // The record of the pod's current quarantine (state Capturing or Quarantined), if any.
  ObjectPtr active_record(const std::string& pod_uid) const;
  // Makes sure the quarantined pod has its record with the evidence: captures and writes it (or
  // finishes one a crash left Capturing), and keeps spec.quarantinedBy current. False with
  // `error` set when it could not; the isolation goes ahead regardless.
  bool ensure_record(const nlohmann::json& pod, std::string& error);
  // The pod's quarantine ended: its record says so (state, endedAt, releasedBy).
  void end_record(const nlohmann::json& pod, const char* state, const std::string& by, std::string& error);
  // The "*records" key: records of pods that are gone end as PodDeleted; ended records past
  // --forensics-retention are deleted. Answers when to look again.
  ReconcileResult reconcile_records();
  EvidenceInput capture(const nlohmann::json& pod);
  CapturedLog fetch_log(const std::string& ns, const std::string& pod, const std::string& container, bool previous);
  bool write_secret(const nlohmann::json& record, const nlohmann::json& secret, std::string& error);
  bool set_record(nlohmann::json record, std::string& error);
  std::string records_ns() const { return options_.config.forensics.ns; }

  client::ApiClient& api_;
  client::SharedInformers& informers_;
  EventRecorder& events_;
  const QuarantineOptions options_;
  client::Informer* pods_ = nullptr;
  client::Informer* policies_ = nullptr;
  client::Informer* records_ = nullptr;  // QuarantineRecords in records_ns(); null without forensics
  std::atomic<Controller*> controller_{nullptr};

  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>> interesting_;  // namespace -> labeled or annotated pod keys
  // namespace -> (isolated pods by mode, leaky pods)
  std::map<std::string, std::pair<std::map<std::string, std::size_t>, std::size_t>> counts_;
  std::map<std::string, std::map<std::string, std::string>> reported_;  // namespace -> pod uid -> leaks reported
  AdminPolicyCoverage coverage_;
  // Records written but not yet seen in the informer's cache (pod uid -> record): the next
  // reconcile must not capture again.
  std::map<std::string, nlohmann::json> written_records_;
  std::set<std::string> invalid_until_;  // pod uid/value of the quarantine-until values reported invalid
  // When this leadership first wanted the records' cache (see reconcile()).
  std::optional<std::chrono::steady_clock::time_point> first_reconcile_;
  bool admin_served_ = false;
  bool admin_watched_ = false;
  bool admin_warned_ = false;
  nlohmann::json admin_written_;  // the spec we last wrote, and the spec the API server stored for it
  nlohmann::json admin_stored_;
};

}  // namespace kindlyguard::controller::quarantine_detail
