#include "kindly_test_apiserver/request_info.hpp"

#include <algorithm>
#include <cctype>

#include "util.hpp"

namespace kindly::testapi {

namespace {
bool truthy(const std::string& v) { return v == "1" || util::lower(v) == "true"; }
}  // namespace

RequestInfo parse_request_info(const std::string& method, const std::string& path,
                               const std::multimap<std::string, std::string>& query) {
  RequestInfo info;
  info.path = path;
  info.verb = util::lower(method);
  std::vector<std::string> parts;
  for (auto& p : util::split(path, '/')) {
    if (!p.empty()) parts.push_back(util::url_decode(p, false));
  }
  if (parts.empty() || (parts[0] != "api" && parts[0] != "apis")) return info;
  std::size_t i = 1;
  info.api_prefix = parts[0];
  if (parts[0] == "apis") {
    if (parts.size() < 3) return info;
    info.api_group = parts[1];
    info.api_version = parts[2];
    i = 3;
  } else {
    if (parts.size() < 2) return info;
    info.api_version = parts[1];
    i = 2;
  }
  std::vector<std::string> cur(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  if (cur.empty()) return info;  // discovery of a group version
  info.is_resource_request = true;
  if (cur[0] == "watch") {
    if (cur.size() < 2) return info;
    info.watch = true;
    info.verb = "watch";
    cur.erase(cur.begin());
  } else {
    const std::string m = util::lower(method);
    if (m == "post") info.verb = "create";
    else if (m == "get" || m == "head") info.verb = "get";
    else if (m == "put") info.verb = "update";
    else if (m == "patch") info.verb = "patch";
    else if (m == "delete") info.verb = "delete";
    else info.verb = m;
  }
  if (cur[0] == "namespaces" && cur.size() > 1) {
    info.ns = cur[1];
    if (cur.size() > 2 && cur[2] != "status" && cur[2] != "finalize") cur.erase(cur.begin(), cur.begin() + 2);
  }
  if (cur.size() >= 3) info.subresource = cur[2];
  if (cur.size() >= 2) info.name = cur[1];
  info.name_in_path = !info.name.empty();
  info.resource = cur[0];

  auto q = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  if (info.name.empty() && info.verb == "get") info.verb = truthy(q("watch")) ? "watch" : "list";
  if (info.verb == "get" && truthy(q("watch"))) info.verb = "watch";
  if (info.verb == "watch") info.watch = true;
  if (info.name.empty() && info.verb == "delete") info.verb = "deletecollection";
  if (info.name.empty() && (info.verb == "watch" || info.verb == "list")) {
    // A field selector on metadata.name scopes the request to one object, as in RequestInfoFactory.
    const std::string fs = q("fieldSelector");
    for (const auto& term : util::split(fs, ',')) {
      const std::string t = util::trim(term);
      for (const char* prefix : {"metadata.name==", "metadata.name="}) {
        if (util::starts_with(t, prefix)) {
          info.name = t.substr(std::string(prefix).size());
          break;
        }
      }
      if (!info.name.empty()) break;
    }
  }
  return info;
}

}  // namespace kindly::testapi
