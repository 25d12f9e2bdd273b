#include "kindly_test_apiserver/authz.hpp"

#include <algorithm>

namespace kindly::testapi {

namespace {
bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), "*") != v.end() || std::find(v.begin(), v.end(), x) != v.end();
}
}  // namespace

bool PolicyRule::allows(const RequestInfo& info) const {
  if (!has(verbs, info.verb)) return false;
  if (!has(api_groups, info.api_group)) return false;
  const std::string res = info.resource_path();
  const bool res_ok = has(resources, res) ||
                      (!info.subresource.empty() &&
                       std::find(resources.begin(), resources.end(), info.resource + "/*") != resources.end()) ||
                      (!info.subresource.empty() &&
                       std::find(resources.begin(), resources.end(), "*/" + info.subresource) != resources.end());
  if (!res_ok) return false;
  if (!resource_names.empty()) {
    if (info.name.empty()) return false;
    if (std::find(resource_names.begin(), resource_names.end(), info.name) == resource_names.end()) return false;
  }
  return true;
}

Authorizer rules_authorizer(std::vector<PolicyRule> rules, std::string user) {
  return [rules = std::move(rules), user = std::move(user)](const RequestInfo& info, const UserInfo& u) {
    if (!user.empty() && u.name != user) return true;
    return std::any_of(rules.begin(), rules.end(), [&](const PolicyRule& r) { return r.allows(info); });
  };
}

std::string forbidden_message(const RequestInfo& info, const UserInfo& user) {
  std::string subject = info.api_group.empty() ? info.resource : info.resource + "." + info.api_group;
  if (!info.subresource.empty()) subject += "/" + info.subresource;  // as kube-apiserver writes it
  std::string msg = info.name.empty() ? subject : subject + " \"" + info.name + "\"";
  msg += " is forbidden: User \"" + user.name + "\" cannot " + info.verb + " resource \"" + info.resource_path() +
         "\" in API group \"" + info.api_group + "\"";
  msg += info.ns.empty() ? " at the cluster scope" : " in the namespace \"" + info.ns + "\"";
  return msg;
}

}  // namespace kindly::testapi
