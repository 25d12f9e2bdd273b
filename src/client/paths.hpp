#pragma once
// URL paths and query strings of the Kubernetes REST API.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kindlyguard/client/resources.hpp"

namespace kindlyguard::client::detail {

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view s);

// /api/v1/namespaces/<ns>/pods[/<name>[/<subresource>]], /apis/<g>/<v>/<plural>... for cluster-scoped.
// An empty ns on a namespaced resource gives the all-namespaces collection.
std::string resource_path(const ResourceRef& r, const std::string& ns, const std::string& name = "",
                          const std::string& subresource = "");

class Query {
 public:
  Query& add(std::string key, std::string value);
  // Adds only when the value is not empty.
  Query& add_if(std::string key, const std::string& value);
  // "" or "?a=b&c=d"
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// "pods", "pods/status" or "leases.coordination.k8s.io": the resource as metrics name it.
std::string metric_resource(const ResourceRef& r, const std::string& subresource = "");

}  // namespace kindlyguard::client::detail
