// Rule hostPorts (spec.rules.hostPorts: false)
//
// Restricted field: spec.*containers[*].ports[*].hostPort
// Allowed: unset or 0, and no spec.hostNetwork (with it, every listening port is a host port). A
// hostPort binds the node's address and bypasses Services and NetworkPolicies.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_host_ports(const RuleInput& in, std::vector<Finding>& out) {
  // With hostNetwork every port a container listens on is a port of the node, declared or not
  // (the API server even defaults hostPort to containerPort), so hostNetwork breaks this rule too.
  const json& spec = in.pod().spec();
  if (spec.is_object()) {
    auto hn = spec.find("hostNetwork");
    if (hn != spec.end() && hn->is_boolean() && hn->get<bool>())
      out.push_back({"", in.pod().field("hostNetwork"),
                     in.pod().describe() + " uses the node's network (hostNetwork), so every port its containers "
                                          "listen on is a host port: remove hostNetwork and expose ports through a Service"});
  }
  for (const ContainerView* c : in.judged_containers()) {
    auto ports = c->raw().find("ports");
    if (ports == c->raw().end() || !ports->is_array()) continue;
    for (std::size_t i = 0; i < ports->size(); ++i) {
      const auto& p = (*ports)[i];
      auto hp = p.is_object() ? p.find("hostPort") : p.end();
      // Any non-zero number, not only integers: the API server sends int32s, but a review from
      // elsewhere must not slip a host port through as 8080.0.
      if (hp == p.end() || !hp->is_number() || *hp == 0) continue;
      out.push_back({c->name(), c->field("ports[" + std::to_string(i) + "].hostPort"),
                     describe(*c) + " binds hostPort " + hp->dump() +
                         " on the node: remove hostPort and expose the port through a Service"});
    }
  }
}

void parse_host_ports(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  out.host_ports = checking_boolean(spec_rules, id, false, "false: no container may bind a host port");
}

}  // namespace kindlyguard::policy::rules
