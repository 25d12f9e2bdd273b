// Rule runAsUser (spec.rules.runAsUser: {min, max})
//
// Restricted fields: spec.securityContext.runAsUser, spec.*containers[*].securityContext.runAsUser
// Allowed: every container resolves runAsUser (its own, else the pod's) to a UID within
// [min, max]. An unset UID fails: the image's USER is unknown at admission time.
#include "rule_helpers.hpp"

namespace kindlyguard::policy::rules {

void check_run_as_user(const RuleInput& in, std::vector<Finding>& out) {
  const RunAsUserRule& rule = *in.rules().run_as_user;
  std::string range = rule.min && rule.max ? "between " + std::to_string(*rule.min) + " and " + std::to_string(*rule.max)
                      : rule.min           ? ">= " + std::to_string(*rule.min)
                      : rule.max           ? "<= " + std::to_string(*rule.max)
                                           : "set";
  for (const ContainerView* c : in.judged_containers()) {
    auto user = c->run_as_user();
    if (!user.value) {
      out.push_back({c->name(), c->field("securityContext.runAsUser"),
                     describe(*c) + " does not set runAsUser: set securityContext.runAsUser " + range +
                         " on the container or the pod"});
      continue;
    }
    int64_t uid = *user.value;
    if ((rule.min && uid < *rule.min) || (rule.max && uid > *rule.max))
      out.push_back({c->name(), user.field,
                     describe(*c) + " runs as UID " + std::to_string(uid) + (user.from_pod ? " (from the pod)" : "") +
                         ": set securityContext.runAsUser " + range});
  }
}

}  // namespace kindlyguard::policy::rules
