// Optional authorization: a hook the server consults for every resource request, and a small
// RBAC-rule authorizer to run the binary under exactly the permissions the chart grants.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kindly_test_apiserver/request_info.hpp"

namespace kindly::testapi {

// true = allowed. Not consulted for discovery, /version, /openapi or /_test/.
using Authorizer = std::function<bool(const RequestInfo&, const UserInfo&)>;

// An rbac.authorization.k8s.io/v1 PolicyRule ("*" wildcards; resources may be "pods/status").
struct PolicyRule {
  std::vector<std::string> api_groups{};
  std::vector<std::string> resources{};
  std::vector<std::string> verbs{};
  std::vector<std::string> resource_names{};  // empty = all

  bool allows(const RequestInfo& info) const;
};

// Allows what the rules allow for `user` (every user when empty); other users are allowed
// everything.
Authorizer rules_authorizer(std::vector<PolicyRule> rules, std::string user = "");

// kube-apiserver's wording: pods "x" is forbidden: User "u" cannot get resource "pods" in API
// group "" in the namespace "ns"
std::string forbidden_message(const RequestInfo& info, const UserInfo& user);

}  // namespace kindly::testapi
