#pragma once
// policy::OwnerLookupFn over the API server, for the webhook and the background audit: the owner a
// controller ownerReference names, fetched with a GET of its kind (apps/v1 ReplicaSet, Deployment,
// StatefulSet, DaemonSet; batch/v1 Job, CronJob; v1 ReplicationController; any other kind ends
// the walk), answered as the owner's metadata (name, uid, ownerReferences).
//
// The webhook calls it on the request thread, and only when an exception naming kinds or names
// could apply (apply_exceptions is lazy), so:
// - each GET has a tight deadline and no retries: a slow API server costs a review at most
//   `timeout` per step, never a hang; an error ends the walk, so the object is judged as itself
//   and no exception that needs its owner applies (fail closed);
// - answers are cached by (namespace, kind, name, uid) for `ttl` (found or not: a forged
//   reference costs one GET per ttl, not one per review), errors for `error_ttl`, in a cache of at
//   most `max_entries`.
// Thread-safe; no lock is held during a GET.

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/policy/exception.hpp"

namespace kindlyguard::controller {

struct OwnerLookupOptions {
  std::chrono::milliseconds timeout{1500};
  std::chrono::milliseconds ttl{std::chrono::seconds(30)};
  std::chrono::milliseconds error_ttl{std::chrono::seconds(5)};
  std::size_t max_entries = 4096;
  std::function<std::chrono::steady_clock::time_point()> now;  // tests substitute their own
};

// The resource an ownerReference's apiVersion and kind name; nullopt for a kind not followed.
std::optional<client::ResourceRef> owner_resource(const std::string& api_version, const std::string& kind);

class OwnerLookup {
 public:
  // The fetch of one owner (the API client's GET in production).
  using Fetch = std::function<client::ApiResult<nlohmann::json>(const client::ResourceRef&, const std::string& ns,
                                                                const std::string& name)>;
  OwnerLookup(Fetch fetch, OwnerLookupOptions options);
  // GETs through `api` with options.timeout and no retries.
  OwnerLookup(client::ApiClient& api, OwnerLookupOptions options);

  std::optional<nlohmann::json> lookup(const std::string& ns, const policy::OwnerRef& ref);
  // A policy::OwnerLookupFn that calls lookup(); this object must outlive it.
  policy::OwnerLookupFn fn();

  struct Stats {
    std::size_t hits = 0, fetches = 0, errors = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::optional<nlohmann::json> metadata;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator order;
  };
  std::chrono::steady_clock::time_point now() const;

  Fetch fetch_;
  const OwnerLookupOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> cache_;
  std::list<std::string> order_;  // oldest insertion first
  Stats stats_;
};

}  // namespace kindlyguard::controller
