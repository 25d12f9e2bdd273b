// Rule allowPrivilegeEscalation (spec.rules.allowPrivilegeEscalation: false)
//
// Restricted field: spec.*containers[*].securityContext.allowPrivilegeEscalation
// Allowed: false, set explicitly. Unset means the runtime's default (true), as in PSA restricted.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

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

void parse_allow_privilege_escalation(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  out.allow_privilege_escalation =
      checking_boolean(spec_rules, id, false, "false: every container must set allowPrivilegeEscalation=false");
}

}  // namespace kindlyguard::policy::rules
