// The quarantine label guard. See quarantine_guard.hpp.
#include "kindlyguard/admission/quarantine_guard.hpp"

#include <algorithm>
#include <optional>

namespace kindlyguard::admission {

using nlohmann::json;

namespace {

// The label's value on the object, nullopt when absent.
std::optional<std::string> label_of(const json* obj, const std::string& key) {
  if (!obj || !obj->is_object()) return std::nullopt;
  auto md = obj->find("metadata");
  if (md == obj->end() || !md->is_object()) return std::nullopt;
  auto labels = md->find("labels");
  if (labels == md->end() || !labels->is_object()) return std::nullopt;
  auto v = labels->find(key);
  if (v == labels->end() || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string judge_quarantine_label(const QuarantineGuardConfig& config, const policy::Request& request) {
  if (request.operation != policy::Operation::Update || request.kind != "Pod") return "";
  const auto before = label_of(request.old_object, config.label_key);
  if (before != config.label_value) return "";  // not quarantined before: nothing to guard
  const auto after = label_of(request.object, config.label_key);
  if (after == config.label_value) return "";   // still quarantined (label-only updates included)

  if (contains(config.release_users, request.username)) return "";
  for (const auto& g : request.groups)
    if (contains(config.release_groups, g)) return "";

  const std::string label = config.label_key + "=" + config.label_value;
  const std::string what = after ? "changing the quarantine label " + label + " to " + quoted(*after)
                                 : "removing the quarantine label " + label;
  std::string groups;
  for (const auto& g : request.groups) groups += (groups.empty() ? "" : ", ") + g;
  return what + " from pod " + request.namespace_ + "/" + request.name + " is reserved: user " +
         quoted(request.username) + " (groups: " + (groups.empty() ? "none" : groups) +
         ") is not in kindlyguard's --quarantine-release-users and in none of its --quarantine-release-groups. "
         "Ask a cluster admin to release the pod, or to add your user or one of your groups to those flags.";
}

RequestGuard quarantine_guard(QuarantineGuardConfig config) {
  return [config = std::move(config)](const policy::Request& request) { return judge_quarantine_label(config, request); };
}

}  // namespace kindlyguard::admission
