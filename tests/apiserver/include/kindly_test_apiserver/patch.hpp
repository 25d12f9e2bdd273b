// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a strategic merge patch
// that covers what kubectl sends (see README.md for the limits).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace kindly::testapi {

enum class PatchType { Merge, Json, Strategic, Apply };

// Maps a Content-Type to a patch type; throws ApiError 415 for anything else.
PatchType patch_type_from_content_type(const std::string& content_type, bool custom_resource);

// Each throws ApiError (400 for a malformed patch, 422 for a failed JSON-patch test or path).
nlohmann::json apply_merge_patch(const nlohmann::json& target, const nlohmann::json& patch);
nlohmann::json apply_json_patch(const nlohmann::json& target, const nlohmann::json& patch);
// Merge-patch semantics plus: lists of objects with a known merge key (containers by name,
// env by name, ports by containerPort/port, conditions by type, ownerReferences by uid, ...)
// are merged element-wise; $patch (replace/delete/merge), $retainKeys,
// $deleteFromPrimitiveList/<field> and $setElementOrder/<field> directives are honoured;
// metadata.finalizers merges as a set.
nlohmann::json apply_strategic_merge_patch(const nlohmann::json& target, const nlohmann::json& patch);

}  // namespace kindly::testapi
