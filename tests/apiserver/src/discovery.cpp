#include "kindly_test_apiserver/discovery.hpp"

#include <algorithm>
#include <functional>

namespace kindly::testapi::discovery {

using nlohmann::json;

namespace {
const json kVerbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

json group_json(const ResourceRegistry& reg, const std::string& group) {
  json versions = json::array();
  for (const auto& [g, v] : reg.group_versions()) {
    if (g == group) versions.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
  }
  if (versions.empty()) return nullptr;
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions[0]}};
}

std::string gv_path(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

json param(const char* name) {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}
}  // namespace

json api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

json api_group_list(const ResourceRegistry& reg) {
  json groups = json::array();
  std::vector<std::string> seen;
  for (const auto& [g, v] : reg.group_versions()) {
    if (g.empty() || std::find(seen.begin(), seen.end(), g) != seen.end()) continue;
    seen.push_back(g);
    groups.push_back(group_json(reg, g));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json api_group(const ResourceRegistry& reg, const std::string& group) {
  json g = group_json(reg, group);
  if (g.is_null()) return g;
  g["kind"] = "APIGroup";
  g["apiVersion"] = "v1";
  return g;
}

json api_resource_list(const ResourceRegistry& reg, const std::string& group, const std::string& version) {
  json resources = json::array();
  for (const ResourceInfo* r : reg.all()) {
    if (r->group != group || r->version != version) continue;
    json res = {{"name", r->plural},     {"singularName", r->singular}, {"namespaced", r->namespaced},
                {"kind", r->kind},       {"verbs", kVerbs}};
    if (!r->short_names.empty()) res["shortNames"] = r->short_names;
    if (!r->categories.empty()) res["categories"] = r->categories;
    resources.push_back(res);
    if (r->has_status) {
      resources.push_back({{"name", r->plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", r->namespaced},
                           {"kind", r->kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (resources.empty()) return nullptr;
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

json version_info() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", kServerVersion},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2025-01-01T00:00:00Z"},
          {"goVersion", "go1.23.0"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

json openapi_v3_root(const ResourceRegistry& reg, const std::vector<json>& crds) {
  json paths = json::object();
  for (const auto& [g, v] : reg.group_versions()) {
    const std::string p = gv_path(g, v);
    const std::size_t hash = std::hash<std::string>{}(openapi_v3_group_version(reg, g, v, crds).dump());
    paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p + "?hash=" + std::to_string(hash)}};
  }
  return {{"paths", paths}};
}

namespace {

// The schema name the real server gives a custom kind: the reversed group, version and kind
// (kindlyguard.io v1alpha1 SecurityPolicy -> io.kindlyguard.v1alpha1.SecurityPolicy).
std::string schema_name(const std::string& group, const std::string& version, const std::string& kind) {
  std::string reversed;
  std::size_t end = group.size();
  while (true) {
    const std::size_t dot = group.rfind('.', end == 0 ? 0 : end - 1);
    const std::size_t start = dot == std::string::npos ? 0 : dot + 1;
    reversed += (reversed.empty() ? "" : ".") + group.substr(start, end - start);
    if (dot == std::string::npos) break;
    end = dot;
  }
  return reversed + "." + version + "." + kind;
}

// components.schemas for the CRDs of one group version: each served version's openAPIV3Schema
// tagged with its group-version-kind, which is how kubectl explain finds a kind's schema.
json crd_schemas(const std::string& group, const std::string& version, const std::vector<json>& crds) {
  json schemas = json::object();
  for (const json& crd : crds) {
    const json& spec = crd.value("spec", json::object());
    if (spec.value("group", "") != group) continue;
    const std::string kind = spec.value("names", json::object()).value("kind", "");
    for (const json& v : spec.value("versions", json::array())) {
      if (v.value("name", "") != version || !v.value("served", true)) continue;
      const json& validation = v.value("schema", json::object());
      if (!validation.contains("openAPIV3Schema")) continue;
      json schema = validation["openAPIV3Schema"];
      schema["x-kubernetes-group-version-kind"] = json::array({{{"group", group}, {"version", version}, {"kind", kind}}});
      schemas[schema_name(group, version, kind)] = std::move(schema);
    }
  }
  return schemas;
}

}  // namespace

json openapi_v3_group_version(const ResourceRegistry& reg, const std::string& group, const std::string& version,
                              const std::vector<json>& crds) {
  json paths = json::object();
  for (const ResourceInfo* r : reg.all()) {
    if (r->group != group || r->version != version) continue;
    const json gvk = {{"group", r->group}, {"version", r->version}, {"kind", r->kind}};
    const std::string base = "/" + gv_path(group, version) + (r->namespaced ? "/namespaces/{namespace}/" : "/") + r->plural;
    const json write_params = json::array({param("dryRun"), param("fieldManager"), param("fieldValidation")});
    json patch_params = write_params;
    patch_params.push_back(param("force"));
    json item = {
        {"get", {{"x-kubernetes-action", "get"}, {"x-kubernetes-group-version-kind", gvk}, {"responses", {{"200", {{"description", "OK"}}}}}}},
        {"put", {{"x-kubernetes-action", "put"}, {"x-kubernetes-group-version-kind", gvk}, {"parameters", write_params}, {"responses", {{"200", {{"description", "OK"}}}}}}},
        {"patch", {{"x-kubernetes-action", "patch"}, {"x-kubernetes-group-version-kind", gvk}, {"parameters", patch_params}, {"responses", {{"200", {{"description", "OK"}}}}}}},
        {"delete", {{"x-kubernetes-action", "delete"}, {"x-kubernetes-group-version-kind", gvk}, {"parameters", json::array({param("dryRun")})}, {"responses", {{"200", {{"description", "OK"}}}}}}},
    };
    json collection = {
        {"get", {{"x-kubernetes-action", "list"}, {"x-kubernetes-group-version-kind", gvk}, {"responses", {{"200", {{"description", "OK"}}}}}}},
        {"post", {{"x-kubernetes-action", "post"}, {"x-kubernetes-group-version-kind", gvk}, {"parameters", write_params}, {"responses", {{"201", {{"description", "Created"}}}}}}},
    };
    paths[base] = collection;
    paths[base + "/{name}"] = item;
  }
  if (paths.empty()) return nullptr;
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", kServerVersion}}},
          {"paths", paths},
          {"components", {{"schemas", crd_schemas(group, version, crds)}}}};
}

}  // namespace kindly::testapi::discovery
