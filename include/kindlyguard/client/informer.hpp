#pragma once
// An informer: a local cache of one resource (optionally one namespace, label and field
// selector) kept current by list-then-watch, and handlers told of every change, as client-go's
// shared informers do.
//
// - List (paged), then watch from the list's resourceVersion with bookmarks, so nothing between
//   the two is missed. Bookmarks advance the resourceVersion of a quiet watch.
// - A watch that ends cleanly or drops is resumed from the last resourceVersion seen.
// - 410 Gone / Expired (the answer to the watch request, or an ERROR event with code 410): the
//   history we would resume from is gone. Relist, and emit the difference against the cache
//   (adds, updates, deletes), so handlers miss nothing that happened in between.
// - A list is consumed page by page: each page's objects are transformed into the fresh cache
//   before the next page is fetched, so a large list costs one page of raw JSON, not all of it.
// - Errors back off exponentially with jitter (200 ms doubling to 30 s by default), so a down API
//   server costs a few requests a minute, not a busy loop.
// - stop() returns promptly (well within a second) even while a watch is open.
//
// Handlers run on the informer's thread, one at a time, in event order. They must not block for
// long and must not call add_handlers() or stop() on the same informer. get()/list() are safe
// from any thread, handlers included.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/backoff.hpp"
#include "kindlyguard/client/resources.hpp"

namespace kindlyguard::client {

struct InformerOptions {
  ResourceRef resource{};
  std::string ns{};  // "" = every namespace (and always "" for cluster-scoped resources)
  std::string label_selector{};
  std::string field_selector{};
  std::int64_t page_size = 500;
  // The server ends each watch after a random time in [t, 2t), as client-go's reflector asks,
  // so that many watchers don't all come back at once.
  int watch_timeout_seconds = 300;
  std::chrono::seconds idle_slack{30};
  Backoff::Options backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(30000), 2.0, 0.5};
  // Every resync period, on_update(obj, obj) for every cached object (0 = never).
  std::chrono::milliseconds resync{0};
  // Told of every new watch after the first: reason "ended" (the server closed it; resumed),
  // "failed" (dropped or refused; resumed after a backoff) or "expired" (410; relisted). For metrics.
  std::function<void(const std::string& resource, const char* reason)> on_watch_restart{};
  // As client-go's SetTransform: applied to every object from the list and the watch (after kind
  // and apiVersion are filled in) before it enters the cache and before any handler sees it, so
  // the cache holds only what the transform keeps. It must keep metadata.name, .namespace and
  // .resourceVersion, and be pure (it runs on the informer's thread).
  std::function<nlohmann::json(nlohmann::json)> transform{};
};

struct InformerHandlers {
  std::function<void(const nlohmann::json& obj)> on_add{};
  std::function<void(const nlohmann::json& old_obj, const nlohmann::json& new_obj)> on_update{};
  // The last state known: the DELETED event's object, or the cached one when the delete was
  // found by a relist.
  std::function<void(const nlohmann::json& obj)> on_delete{};
  // Once, after the first list has been delivered (or at once, for handlers added later).
  std::function<void()> on_synced{};
};

struct InformerStats {
  std::uint64_t lists = 0;     // successful lists (the first included)
  std::uint64_t relists = 0;   // lists because the watch history expired (410)
  std::uint64_t watches = 0;   // watch requests that got a stream
  std::uint64_t resumes = 0;   // watches resumed after a drop or a clean end
  std::uint64_t errors = 0;    // failed lists/watches and ERROR events other than 410
  std::uint64_t events = 0;    // ADDED/MODIFIED/DELETED applied to the cache
};

class Informer {
 public:
  using ObjectPtr = std::shared_ptr<const nlohmann::json>;

  Informer(ApiClient& client, InformerOptions options);
  ~Informer();  // stop()
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // May be called before or after start(); late handlers first get on_add for the cached objects
  // (and on_synced if the informer has synced).
  void add_handlers(InformerHandlers handlers);
  void start();
  void stop();
  // Drops the cache, the resourceVersion and the synced state of a stopped informer, without
  // telling handlers: the next start() lists afresh, gives on_add for every object and on_synced
  // again. For informers that run only while this replica leads (SharedInformers::Scope).
  void forget();

  bool has_synced() const;
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

  // Snapshot accessors. key: "namespace/name", or "name" for cluster-scoped objects.
  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::size_t size() const;
  // The resourceVersion the informer would resume from.
  std::string resource_version() const;
  InformerStats stats() const;
  const InformerOptions& options() const { return options_; }

 private:
  using Cache = std::map<std::string, ObjectPtr>;
  enum class WatchOutcome { Healthy, Failed, Expired, Stopped };

  void run(std::stop_token stop);
  void resync_loop(std::stop_token stop);
  bool relist(std::stop_token stop);
  // retry_after: what the server asked for when it refused the watch.
  WatchOutcome watch_once(std::stop_token stop, std::chrono::milliseconds& retry_after);
  void apply(WatchEvent&& event, bool& expired, bool& errored);
  void emit_add(const nlohmann::json& obj);
  void emit_update(const nlohmann::json& old_obj, const nlohmann::json& new_obj);
  void emit_delete(const nlohmann::json& obj);
  void mark_synced();
  nlohmann::json normalise(nlohmann::json obj) const;

  ApiClient& client_;
  const InformerOptions options_;

  std::mutex dispatch_mu_;  // serialises cache changes with handler calls; outer to cache_mu_
  std::vector<InformerHandlers> handlers_;
  mutable std::shared_mutex cache_mu_;
  Cache cache_;
  std::string rv_;  // guarded by cache_mu_
  mutable std::mutex sync_mu_;
  mutable std::condition_variable sync_cv_;
  bool synced_ = false;

  mutable std::mutex stats_mu_;
  InformerStats stats_;

  std::mutex life_mu_;
  std::jthread worker_;
  std::jthread resyncer_;
};

}  // namespace kindlyguard::client
