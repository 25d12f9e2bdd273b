#include "kindlyguard/controller/owner_lookup.hpp"

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

std::optional<client::ResourceRef> owner_resource(const std::string& api_version, const std::string& kind) {
  const std::string group = api_version.find('/') == std::string::npos ? "" : api_version.substr(0, api_version.find('/'));
  for (const client::ResourceRef* r :
       {&client::resources::replica_sets, &client::resources::deployments, &client::resources::stateful_sets,
        &client::resources::daemon_sets, &client::resources::jobs, &client::resources::cron_jobs,
        &client::resources::replication_controllers})
    if (r->kind == kind && r->group == group) return *r;
  return std::nullopt;
}

OwnerLookup::OwnerLookup(Fetch fetch, OwnerLookupOptions options) : fetch_(std::move(fetch)), options_(std::move(options)) {}

OwnerLookup::OwnerLookup(client::ApiClient& api, OwnerLookupOptions options)
    : OwnerLookup(
          [&api, timeout = options.timeout](const client::ResourceRef& r, const std::string& ns, const std::string& name) {
            client::CallOptions call;
            call.timeout = timeout;
            call.max_retries = 0;
            return api.get(r, ns, name, call);
          },
          options) {}

std::chrono::steady_clock::time_point OwnerLookup::now() const {
  return options_.now ? options_.now() : std::chrono::steady_clock::now();
}

std::optional<json> OwnerLookup::lookup(const std::string& ns, const policy::OwnerRef& ref) {
  auto resource = owner_resource(ref.api_version, ref.kind);
  if (!resource || ref.name.empty()) return std::nullopt;
  // The uid is part of the key: an owner deleted and created again under the same name is looked
  // up afresh, and a forged uid has its own (negative) entry.
  const std::string key = ns + "/" + ref.kind + "/" + ref.name + "/" + ref.uid;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires > now()) {
      ++stats_.hits;
      return it->second.metadata;
    }
  }
  auto got = fetch_(*resource, ns, ref.name);
  std::optional<json> metadata;
  bool error = false;
  if (got.ok()) {
    // Only what the walk reads is kept, so the cache stays small.
    const k8s::Meta meta(*got);
    metadata = json{{"name", meta.name()}, {"uid", meta.uid()}};
    if (got->contains("metadata") && (*got)["metadata"].is_object() && (*got)["metadata"].contains("ownerReferences"))
      (*metadata)["ownerReferences"] = (*got)["metadata"]["ownerReferences"];
  } else if (!got.error().is_not_found()) {
    error = true;
    log::warn("owner lookup failed; no exception that names the owner applies",
              {{"owner", ns + "/" + ref.kind + "/" + ref.name}, {"error", got.error().to_string()}});
  }
  std::lock_guard lock(mu_);
  ++stats_.fetches;
  if (error) ++stats_.errors;
  const auto at = now();
  if (auto it = cache_.find(key); it != cache_.end()) {
    order_.erase(it->second.order);
    cache_.erase(it);
  }
  while (cache_.size() >= options_.max_entries && !order_.empty()) {
    cache_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  cache_[key] = Entry{metadata, at + (error ? options_.error_ttl : options_.ttl), std::prev(order_.end())};
  return metadata;
}

policy::OwnerLookupFn OwnerLookup::fn() {
  return [this](const std::string& ns, const policy::OwnerRef& ref) { return lookup(ns, ref); };
}

OwnerLookup::Stats OwnerLookup::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace kindlyguard::controller
