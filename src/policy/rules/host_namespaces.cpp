// Rule hostNamespaces (spec.rules.hostNamespaces: false)
//
// Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC
// Allowed: false or unset.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_host_namespaces(const RuleInput& in, std::vector<Finding>& out) {
  const PodView& pod = in.pod();
  for (const char* key : {"hostNetwork", "hostPID", "hostIPC"}) {
    auto it = pod.spec().find(key);
    if (it != pod.spec().end() && it->is_boolean() && it->get<bool>())
      out.push_back({"", pod.field(key),
                     pod.describe() + " shares the node's " +
                         (key[4] == 'N' ? "network" : key[4] == 'P' ? "process" : "IPC") + " namespace: set " + key +
                         "=false or remove it"});
  }
}

void parse_host_namespaces(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  out.host_namespaces = checking_boolean(spec_rules, id, false, "false: no hostNetwork, hostPID or hostIPC");
}

}  // namespace kindlyguard::policy::rules
