#include "kindlyguard/client/watch_event.hpp"

#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::client {

std::string_view WatchEvent::type_name() const {
  switch (type) {
    case Type::Added: return "ADDED";
    case Type::Modified: return "MODIFIED";
    case Type::Deleted: return "DELETED";
    case Type::Bookmark: return "BOOKMARK";
    case Type::Error: return "ERROR";
  }
  return "UNKNOWN";
}

std::string WatchEvent::resource_version() const {
  return type == Type::Error ? "" : k8s::Meta(object).resource_version();
}

std::optional<WatchEvent> WatchEvent::parse(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto type = j.find("type");
  auto object = j.find("object");
  if (type == j.end() || !type->is_string() || object == j.end()) return std::nullopt;
  WatchEvent e;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") e.type = Type::Added;
  else if (t == "MODIFIED") e.type = Type::Modified;
  else if (t == "DELETED") e.type = Type::Deleted;
  else if (t == "BOOKMARK") e.type = Type::Bookmark;
  else if (t == "ERROR") e.type = Type::Error;
  else return std::nullopt;
  e.object = std::move(*object);
  return e;
}

}  // namespace kindlyguard::client
