// What a request is in Kubernetes terms (verb, group, resource, subresource, namespace, name),
// worked out from the URL the way kube-apiserver's RequestInfoFactory does.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace kindly::testapi {

struct RequestInfo {
  bool is_resource_request = false;
  std::string path;
  // get, list, watch, create, update, patch, delete, deletecollection for resource requests;
  // the lower-case HTTP method for the others (discovery, /version, /openapi).
  std::string verb;
  std::string api_prefix;  // "api" or "apis"
  std::string api_group;
  std::string api_version;
  std::string resource;     // plural
  std::string subresource;  // "status"
  std::string ns;           // for namespaces themselves: the namespace's own name, as in Kubernetes
  std::string name;
  bool name_in_path = false;  // false when the name came from a metadata.name field selector
  // True when the URL used the legacy /watch/ prefix or ?watch=true.
  bool watch = false;

  // "pods" or "pods/status".
  std::string resource_path() const { return subresource.empty() ? resource : resource + "/" + subresource; }
};

RequestInfo parse_request_info(const std::string& method, const std::string& path,
                               const std::multimap<std::string, std::string>& query);

struct UserInfo {
  std::string name = "system:anonymous";
  std::vector<std::string> groups = {"system:unauthenticated"};
};

}  // namespace kindly::testapi
