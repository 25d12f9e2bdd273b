#pragma once
// A read-only view of a Kubernetes object's metadata (ObjectMeta, or a list's ListMeta) for the
// code that reads objects as JSON: the API client and informers, the controllers, the webhook.
// Objects there come from the API server, from a cache, or from a review someone may have forged,
// so the view is tolerant: a missing or wrongly-typed object, metadata or field reads as empty
// ("", 0, no labels) and nothing throws. It borrows the object, which must outlive it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "kindlyguard/k8s/label_selector.hpp"

namespace kindlyguard::k8s {

class Meta {
 public:
  explicit Meta(const nlohmann::json& object);
  explicit Meta(const nlohmann::json* object);  // null: an object without metadata

  std::string name() const;
  std::string namespace_() const;
  std::string uid() const;
  std::string resource_version() const;
  std::int64_t generation() const;
  std::string deletion_timestamp() const;  // "" while the object is not being deleted

  Labels labels() const;  // the labels with string values
  // The label's value; nullopt when it is absent or not a string.
  std::optional<std::string> label(std::string_view key) const;
  // Whether the annotation is there, whatever its value.
  bool has_annotation(std::string_view key) const;

 private:
  std::string string_field(std::string_view key) const;

  const nlohmann::json* metadata_ = nullptr;  // null when the object has none
};

}  // namespace kindlyguard::k8s
