#include "kindly_test_apiserver/patch.hpp"

#include <algorithm>
#include <set>

#include "kindly_test_apiserver/status.hpp"
#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

PatchType patch_type_from_content_type(const std::string& content_type, bool custom_resource) {
  const std::string ct = util::lower(util::trim(content_type.substr(0, content_type.find(';'))));
  if (ct == "application/merge-patch+json") return PatchType::Merge;
  if (ct == "application/json-patch+json") return PatchType::Json;
  if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") return PatchType::Apply;
  if (ct == "application/strategic-merge-patch+json" && !custom_resource) return PatchType::Strategic;
  const std::string accepted = custom_resource
                                   ? "application/json-patch+json, application/merge-patch+json, "
                                     "application/apply-patch+yaml"
                                   : "application/json-patch+json, application/merge-patch+json, "
                                     "application/apply-patch+yaml, application/strategic-merge-patch+json";
  throw errors::unsupported_media_type(content_type, accepted);
}

json apply_merge_patch(const json& target, const json& patch) {
  json out = target;
  out.merge_patch(patch);
  return out;
}

json apply_json_patch(const json& target, const json& patch) {
  if (!patch.is_array()) throw errors::bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  try {
    return target.patch(patch);
  } catch (const json::out_of_range& e) {
    throw ApiError(422, "Invalid", std::string("the server rejected our request due to an error in our request: ") +
                                       e.what());
  } catch (const json::exception& e) {
    throw ApiError(422, "Invalid", std::string("the server rejected our request due to an error in our request: ") +
                                       e.what());
  }
}

namespace {

// Field name -> merge key, for the lists Kubernetes types declare patchStrategy=merge on.
std::string merge_key_for(const std::string& field, const json& element) {
  static const std::map<std::string, std::string> keys = {
      {"containers", "name"},        {"initContainers", "name"},   {"ephemeralContainers", "name"},
      {"volumes", "name"},           {"env", "name"},              {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"}, {"conditions", "type"},
      {"ownerReferences", "uid"},    {"hostAliases", "ip"},        {"topologySpreadConstraints", "topologyKey"},
      {"resourceClaims", "name"},    {"schedulingGates", "name"},  {"secrets", "name"},
  };
  if (field == "ports") {
    if (element.is_object() && element.contains("containerPort")) return "containerPort";
    return "port";
  }
  auto it = keys.find(field);
  return it == keys.end() ? "" : it->second;
}

bool primitive_merge_list(const std::string& field) { return field == "finalizers"; }

json strategic(const json& target, const json& patch);

json merge_list(const std::string& field, const json& target, const json& patch) {
  if (!patch.is_array()) return patch;
  // $patch: replace inside a list replaces the list with the remaining elements.
  json rest = json::array();
  bool replace = false;
  for (const auto& el : patch) {
    if (el.is_object() && el.contains("$patch") && el["$patch"] == "replace") {
      replace = true;
      continue;
    }
    rest.push_back(el);
  }
  if (replace) return rest;
  if (primitive_merge_list(field)) {
    json out = target.is_array() ? target : json::array();
    for (const auto& el : patch) {
      if (std::find(out.begin(), out.end(), el) == out.end()) out.push_back(el);
    }
    return out;
  }
  if (patch.empty()) return patch;
  const std::string key = merge_key_for(field, patch.front());
  if (key.empty() || !patch.front().is_object()) return patch;
  json out = target.is_array() ? target : json::array();
  for (const auto& el : patch) {
    if (!el.is_object() || !el.contains(key)) {
      out.push_back(el);
      continue;
    }
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const json& t) { return t.is_object() && t.contains(key) && t[key] == el[key]; });
    const bool del = el.contains("$patch") && el["$patch"] == "delete";
    if (del) {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      *it = strategic(*it, el);
    } else {
      out.push_back(strategic(json::object(), el));
    }
  }
  return out;
}

json strategic(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.contains("$patch")) {
    const auto& directive = patch["$patch"];
    if (directive == "replace") {
      json out = patch;
      out.erase("$patch");
      return out;
    }
    if (directive == "delete") return nullptr;
  }
  json out = target.is_object() ? target : json::object();
  std::vector<std::string> retain;
  bool has_retain = false;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    if (k == "$patch") continue;
    if (k == "$retainKeys") {
      has_retain = true;
      for (const auto& v : it.value()) {
        if (v.is_string()) retain.push_back(v.get<std::string>());
      }
      continue;
    }
    if (util::starts_with(k, "$setElementOrder/")) continue;
    if (util::starts_with(k, "$deleteFromPrimitiveList/")) {
      const std::string field = k.substr(std::string("$deleteFromPrimitiveList/").size());
      if (out.contains(field) && out[field].is_array()) {
        json kept = json::array();
        for (const auto& v : out[field]) {
          if (std::find(it.value().begin(), it.value().end(), v) == it.value().end()) kept.push_back(v);
        }
        out[field] = kept;
      }
      continue;
    }
    const json& v = it.value();
    if (v.is_null()) {
      out.erase(k);
    } else if (v.is_object()) {
      json merged = strategic(out.contains(k) ? out[k] : json::object(), v);
      if (merged.is_null()) {
        out.erase(k);
      } else {
        out[k] = std::move(merged);
      }
    } else if (v.is_array()) {
      out[k] = merge_list(k, out.contains(k) ? out[k] : json(), v);
    } else {
      out[k] = v;
    }
  }
  if (has_retain) {
    for (auto it = out.begin(); it != out.end();) {
      if (std::find(retain.begin(), retain.end(), it.key()) == retain.end() && !patch.contains(it.key())) {
        it = out.erase(it);
      } else {
        ++it;
      }
    }
  }
  return out;
}

}  // namespace

json apply_strategic_merge_patch(const json& target, const json& patch) {
  if (!patch.is_object()) throw errors::bad_request("strategic merge patch must be a JSON object");
  return strategic(target, patch);
}

}  // namespace kindly::testapi
