// The table of resources the test API server serves: what a real cluster's discovery would say
// about each (group, version, kind, plural, scope, subresources, short names).
#pragma once

#include <deque>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kindly::testapi {

struct ResourceInfo {
  std::string group;       // "" for the core group
  std::string version;     // "v1"
  std::string kind;        // "Pod"
  std::string plural;      // "pods"
  std::string singular;    // "pod"
  bool namespaced = true;
  bool has_status = false;  // serves <plural>/status; the main endpoint then ignores status
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // Served like a CustomResourceDefinition: list items keep kind/apiVersion, delete answers a
  // Status, strategic-merge patches are refused with 415.
  bool custom = false;
  // DELETE answers the deleted object rather than a Status (pods, services, namespaces).
  bool returns_deleted_object = false;
  // Field selectors beyond metadata.name and metadata.namespace.
  std::vector<std::string> field_labels;

  // "v1" or "apps/v1".
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "pods" or "leases.coordination.k8s.io": the qualified resource used in error messages.
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
  std::string list_kind() const { return kind + "List"; }
};

// Thread-safe, append-only: pointers handed out stay valid for the registry's life (creating a
// CustomResourceDefinition registers its resource while requests are in flight).
class ResourceRegistry {
 public:
  // Every resource kindlyguard uses (see README.md for the list).
  static ResourceRegistry with_defaults();

  ResourceRegistry() = default;
  ResourceRegistry(const ResourceRegistry& other);
  ResourceRegistry& operator=(const ResourceRegistry& other);

  // Adds or, when (group, version, plural) is already known, leaves the existing entry.
  const ResourceInfo& add(ResourceInfo info);

  const ResourceInfo* find(std::string_view group, std::string_view version, std::string_view plural) const;
  // The way kubectl names resources: "pods", "pod", "po", "Pod", "leases.coordination.k8s.io",
  // "secpol". The core group wins on ambiguity (events).
  const ResourceInfo* resolve(std::string_view name) const;
  // Like resolve, but throws std::invalid_argument for an unknown name.
  const ResourceInfo& at(std::string_view name) const;

  std::vector<const ResourceInfo*> all() const;
  // Distinct (group, version) pairs in registration order; the core group first.
  std::vector<std::pair<std::string, std::string>> group_versions() const;

 private:
  mutable std::shared_mutex mu_;
  std::deque<ResourceInfo> items_;
};

}  // namespace kindly::testapi
