// Rule privileged (spec.rules.privileged: false)
//
// Restricted field: spec.*containers[*].securityContext.privileged
// Allowed: false or unset.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_privileged(const RuleInput& in, std::vector<Finding>& out) {
  for (const ContainerView* c : in.judged_containers())
    if (c->privileged() == true)
      out.push_back({c->name(), c->field("securityContext.privileged"),
                     describe(*c) + " is privileged (full access to the node): set securityContext.privileged=false"});
}

void parse_privileged(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  out.privileged = checking_boolean(spec_rules, id, false, "false: no container may run privileged");
}

}  // namespace kindlyguard::policy::rules
