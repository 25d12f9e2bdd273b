// The object store: one global, monotonically increasing resourceVersion, the event history
// watches replay from, and the write rules of kube-apiserver (uid, creationTimestamp,
// generation, optimistic concurrency, status subresource, finalizers, namespace cascade).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kindly_test_apiserver/resources.hpp"
#include "kindly_test_apiserver/selectors.hpp"
#include "kindly_test_apiserver/watch_hub.hpp"

namespace kindly::testapi {

// How a write treats the object it is given.
enum class WriteMode {
  Api,     // the main endpoint: status is ignored for resources with a status subresource
  Status,  // the /status subresource: only status is taken
  Direct,  // C++ test code: the object is taken whole (status too) and namespaces need not exist
};

struct Preconditions {
  std::string uid;
  std::string resource_version;
};

struct ListOptions {
  LabelSelector labels;
  FieldSelector fields;
  std::string resource_version;        // "", "0" or a decimal RV
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
  std::int64_t limit = 0;
  std::string continue_token;
};

struct ListResult {
  std::vector<nlohmann::json> items;
  std::uint64_t resource_version = 0;
  std::string continue_token;
  std::optional<std::int64_t> remaining_item_count;
};

struct WatchOptions {
  LabelSelector labels;
  FieldSelector fields;
  std::string resource_version;  // "" / "0": synthetic ADDED for the current state first
  bool allow_bookmarks = false;
  bool send_initial_events = false;  // streaming list: ADDEDs, then a BOOKMARK marking their end
};

struct DeleteResult {
  nlohmann::json object;  // the deleted object, or the object now pending deletion
  bool deleted = true;    // false when finalizers keep it (deletionTimestamp set)
};

class ObjectStore;

// Read-only access for wait_for predicates; valid only inside the predicate (the store lock is
// held, so the predicate must not call back into the store).
class StoreView {
 public:
  const nlohmann::json* get(std::string_view resource, const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list(std::string_view resource, const std::string& ns = "") const;
  std::uint64_t resource_version() const;
  std::size_t watch_count(std::string_view resource = "") const;

 private:
  friend class ObjectStore;
  explicit StoreView(const ObjectStore& s) : s_(s) {}
  const ObjectStore& s_;
};

class ObjectStore {
 public:
  struct Config {
    std::size_t history_limit = 10000;  // events kept for watch replay; older ones are compacted
    std::chrono::milliseconds too_large_rv_wait{3000};  // how long a list/watch waits for a future RV
    std::uint64_t initial_resource_version = 1;
    bool require_namespace = true;  // API writes into a missing namespace get 404
    std::vector<std::string> initial_namespaces = {"default", "kube-system", "kube-public", "kube-node-lease"};
  };

  ObjectStore(ResourceRegistry& registry, Config config);
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  ResourceRegistry& registry() { return registry_; }

  // ---- API semantics (the HTTP handlers call these; each throws ApiError) ----
  nlohmann::json create(const ResourceInfo& r, const std::string& ns, nlohmann::json obj, WriteMode mode,
                        bool dry_run = false);
  nlohmann::json get(const ResourceInfo& r, const std::string& ns, const std::string& name) const;
  nlohmann::json update(const ResourceInfo& r, const std::string& ns, const std::string& name, nlohmann::json obj,
                        WriteMode mode, bool dry_run = false);
  // Read-modify-write in one critical section (PATCH). With create_if_missing (server-side
  // apply) the mutator is given an empty object when there is none; *created says which.
  using Mutator = std::function<nlohmann::json(const nlohmann::json& current)>;
  nlohmann::json modify(const ResourceInfo& r, const std::string& ns, const std::string& name, const Mutator& m,
                        WriteMode mode, bool dry_run = false, bool create_if_missing = false,
                        bool* created = nullptr);
  DeleteResult remove(const ResourceInfo& r, const std::string& ns, const std::string& name,
                      const Preconditions& pre = {}, bool dry_run = false);
  std::vector<nlohmann::json> remove_collection(const ResourceInfo& r, const std::string& ns,
                                                const ListOptions& opts, bool dry_run = false);
  ListResult list(const ResourceInfo& r, const std::string& ns, const ListOptions& opts) const;

  // Opens a watch. A resourceVersion older than the history gives a watcher that yields one
  // ERROR event (410 Expired) and ends, as the real server does.
  std::shared_ptr<Watcher> watch(const ResourceInfo& r, const std::string& ns, const WatchOptions& opts);
  void release(const std::shared_ptr<Watcher>& w);
  // Queues a BOOKMARK at the current resourceVersion (ordered after every event already queued).
  void bookmark(Watcher& w, bool initial_events_end = false);

  // ---- direct access for C++ tests (WriteMode::Direct; resources by name: "pods",
  //      "securitypolicies", "leases.coordination.k8s.io", "secpol") ----
  // The namespace comes from metadata.namespace ("default" when a namespaced object has none).
  nlohmann::json create(std::string_view resource, nlohmann::json obj);
  std::optional<nlohmann::json> get(std::string_view resource, const std::string& ns, const std::string& name) const;
  // Replaces the object (status included); checks metadata.resourceVersion only when set.
  nlohmann::json update(std::string_view resource, nlohmann::json obj);
  nlohmann::json update_status(std::string_view resource, nlohmann::json obj);
  nlohmann::json merge_patch(std::string_view resource, const std::string& ns, const std::string& name,
                             const nlohmann::json& patch);
  // Creates or replaces (ignoring resourceVersion).
  nlohmann::json upsert(std::string_view resource, nlohmann::json obj);
  bool remove(std::string_view resource, const std::string& ns, const std::string& name);
  std::vector<nlohmann::json> list(std::string_view resource, const std::string& ns = "",
                                   std::string_view label_selector = "") const;

  // ---- history, watches, waiting ----
  std::uint64_t resource_version() const;
  // Every event with a resourceVersion above this is still in the history.
  std::uint64_t compacted_resource_version() const;
  void compact();
  // A new resourceVersion history: every watch dropped, history emptied, RV jumps ahead.
  void restart(std::uint64_t rv_jump = 1000);
  std::size_t drop_watches(std::string_view resource = "");
  // Sends each open watch an ERROR 410 Expired event, then ends it.
  std::size_t expire_watches(std::string_view resource = "");
  std::size_t watch_count(std::string_view resource = "") const;
  // The most events queued for one open watch (on the resource) and not yet sent.
  std::size_t watch_backlog(std::string_view resource = "") const;
  // Waits until the predicate holds (re-checked on every change and watch open/close).
  bool wait_for(const std::function<bool(const StoreView&)>& pred, std::chrono::milliseconds timeout) const;
  // Convenience: waits until the object exists and the predicate holds for it.
  std::optional<nlohmann::json> wait_for_object(std::string_view resource, const std::string& ns,
                                                const std::string& name,
                                                const std::function<bool(const nlohmann::json&)>& pred,
                                                std::chrono::milliseconds timeout) const;
  bool wait_for_absent(std::string_view resource, const std::string& ns, const std::string& name,
                       std::chrono::milliseconds timeout) const;
  bool wait_for_watches(std::string_view resource, std::size_t at_least, std::chrono::milliseconds timeout) const;
  // A copy of the history (for assertions on what watchers could see).
  std::vector<StoredEvent> history() const;

 private:
  friend class StoreView;
  using Key = std::pair<std::string, std::string>;  // (namespace, name)
  using Table = std::map<Key, nlohmann::json>;
  struct Bucket {
    const ResourceInfo* resource = nullptr;
    Table objects;
  };

  const ResourceInfo& resolve(std::string_view resource) const;
  Table& table(const ResourceInfo& r);
  const Table* table_if(const ResourceInfo& r) const;
  nlohmann::json* find_locked(const ResourceInfo& r, const std::string& ns, const std::string& name);
  nlohmann::json create_locked(const ResourceInfo& r, const std::string& ns, nlohmann::json obj, WriteMode mode,
                               bool dry_run);
  nlohmann::json replace_locked(const ResourceInfo& r, const nlohmann::json& current, nlohmann::json next,
                                bool dry_run);
  nlohmann::json merge_for_mode(const ResourceInfo& r, const nlohmann::json& current, const nlohmann::json& body,
                                WriteMode mode) const;
  void check_body_identity(const ResourceInfo& r, const std::string& ns, const std::string& name,
                           nlohmann::json& body) const;
  DeleteResult remove_locked(const ResourceInfo& r, const std::string& ns, const std::string& name,
                             const Preconditions& pre, bool dry_run, bool force);
  std::uint64_t commit(const ResourceInfo& r, const std::string& type, nlohmann::json& obj,
                       const nlohmann::json& previous);
  // What changed since rv, as the difference from the current table: for each key written after
  // rv, the object it held at rv (nullptr: none). Costs the history after rv, not the table.
  std::map<Key, const nlohmann::json*> state_at_overlay(const ResourceInfo& r, std::uint64_t rv) const;
  void wait_for_rv(std::unique_lock<std::mutex>& lock, std::uint64_t rv) const;
  void on_crd_written(const nlohmann::json& crd);
  nlohmann::json bookmark_object(const ResourceInfo& r, bool initial_events_end) const;

  ResourceRegistry& registry_;
  const Config config_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::uint64_t rv_;
  std::uint64_t floor_;
  std::map<std::string, Bucket> objects_;  // by qualified resource (shared by all its versions)
  std::deque<StoredEvent> history_;
  WatchHub hub_;
  std::uint64_t next_watch_id_ = 1;
};

// metadata.resourceVersion as a number (0 when absent).
std::uint64_t resource_version_of(const nlohmann::json& obj);

}  // namespace kindly::testapi
