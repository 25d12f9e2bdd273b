// Rule allowPrivilegeEscalation (spec.rules.allowPrivilegeEscalation: false)
//
// Restricted field: spec.*containers[*].securityContext.allowPrivilegeEscalation
// Allowed: false, set explicitly. Unset means the runtime's default (true), as in PSA restricted.
#include "rule_helpers.hpp"

namespace kindlyguard::policy::rules {

void check_allow_privilege_escalation(const RuleInput& in, std::vector<Finding>& out) {
  for (const ContainerView* c : in.judged_containers()) {
    auto ape = c->allow_privilege_escalation();
    if (ape != false)
      out.push_back({c->name(), c->field("securityContext.allowPrivilegeEscalation"),
                     describe(*c) + (ape ? " allows privilege escalation" : " does not forbid privilege escalation") +
                         ": set securityContext.allowPrivilegeEscalation=false"});
  }
}

}  // namespace kindlyguard::policy::rules
