// Rule privileged (spec.rules.privileged: false)
//
// Restricted field: spec.*containers[*].securityContext.privileged
// Allowed: false or unset.
#include "rule_helpers.hpp"

namespace kindlyguard::policy::rules {

void check_privileged(const RuleInput& in, std::vector<Finding>& out) {
  for (const ContainerView* c : in.judged_containers())
    if (c->privileged() == true)
      out.push_back({c->name(), c->field("securityContext.privileged"),
                     describe(*c) + " is privileged (full access to the node): set securityContext.privileged=false"});
}

}  // namespace kindlyguard::policy::rules
