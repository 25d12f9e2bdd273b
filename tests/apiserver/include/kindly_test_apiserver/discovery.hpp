// Discovery documents (/api, /apis, APIResourceList), /version and the minimal OpenAPI v3
// documents kubectl needs to send fieldValidation=Strict instead of validating client-side.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "kindly_test_apiserver/resources.hpp"

namespace kindly::testapi::discovery {

inline constexpr const char* kServerVersion = "v1.32.0";

nlohmann::json api_versions(const std::string& server_address);                       // /api
nlohmann::json api_group_list(const ResourceRegistry& reg);                          // /apis
nlohmann::json api_group(const ResourceRegistry& reg, const std::string& group);     // /apis/<g>; null if unknown
nlohmann::json api_resource_list(const ResourceRegistry& reg, const std::string& group,
                                 const std::string& version);                        // null if unknown
nlohmann::json version_info();                                                       // /version
// `crds`: the CustomResourceDefinition objects in the store. Their served versions'
// openAPIV3Schema become components.schemas of their group version's document (as the real
// server publishes them, for `kubectl explain`), and each document's hash in the root changes with
// its content, so kubectl's OpenAPI cache never serves a schema from before a CRD change.
nlohmann::json openapi_v3_root(const ResourceRegistry& reg, const std::vector<nlohmann::json>& crds = {});  // /openapi/v3
// /openapi/v3/api/v1 or /openapi/v3/apis/<g>/<v>; null if unknown.
nlohmann::json openapi_v3_group_version(const ResourceRegistry& reg, const std::string& group,
                                        const std::string& version, const std::vector<nlohmann::json>& crds = {});

}  // namespace kindly::testapi::discovery
