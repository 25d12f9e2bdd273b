#include "kindlyguard/k8s/meta.hpp"

#include <nlohmann/json.hpp>

namespace kindlyguard::k8s {

using nlohmann::json;

namespace {

// The member `key` of `j` when `j` is an object that has it, else null.
const json* member(const json* j, std::string_view key) {
  if (!j || !j->is_object()) return nullptr;
  auto it = j->find(key);
  return it != j->end() ? &*it : nullptr;
}

}  // namespace

Meta::Meta(const json& object) : Meta(&object) {}

Meta::Meta(const json* object) {
  const json* md = member(object, "metadata");
  if (md && md->is_object()) metadata_ = md;
}

std::string Meta::string_field(std::string_view key) const {
  const json* v = member(metadata_, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string Meta::name() const { return string_field("name"); }
std::string Meta::namespace_() const { return string_field("namespace"); }
std::string Meta::uid() const { return string_field("uid"); }
std::string Meta::resource_version() const { return string_field("resourceVersion"); }
std::string Meta::deletion_timestamp() const { return string_field("deletionTimestamp"); }

std::int64_t Meta::generation() const {
  const json* v = member(metadata_, "generation");
  return v && v->is_number_integer() ? v->get<std::int64_t>() : 0;
}

Labels Meta::labels() const { return metadata_ ? labels_of(*metadata_) : Labels{}; }

std::optional<std::string> Meta::label(std::string_view key) const {
  const json* v = member(member(metadata_, "labels"), key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

bool Meta::has_annotation(std::string_view key) const {
  return member(member(metadata_, "annotations"), key) != nullptr;
}

}  // namespace kindlyguard::k8s
