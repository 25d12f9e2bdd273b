// Rule runAsUser (spec.rules.runAsUser: {min, max})
//
// Restricted fields: spec.securityContext.runAsUser, spec.*containers[*].securityContext.runAsUser
// Allowed: every container resolves runAsUser (its own, else the pod's) to a UID within
// [min, max]. An unset UID fails: the image's USER is unknown at admission time.
// The policy: min and max are user IDs (0 to 2147483647), min <= max, at least one of them set.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

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

void parse_run_as_user(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  constexpr int64_t kMaxUserId = 2147483647;  // Kubernetes validates runAsUser as 0..MaxInt32
  RuleFields r(spec_rules, id);
  RunAsUserRule rule;
  for (auto key : {"min", "max"}) {
    auto v = r.integer(key);
    if (!v) continue;
    if (*v < 0 || *v > kMaxUserId) {
      r.errors().add(r.path(key), std::to_string(*v) + " is not a user ID; expected 0 to 2147483647");
      continue;
    }
    (std::string_view(key) == "min" ? rule.min : rule.max) = *v;
  }
  if (rule.min && rule.max && *rule.min > *rule.max)
    r.errors().add(r.path("min"), "min (" + std::to_string(*rule.min) + ") is greater than max (" +
                                      std::to_string(*rule.max) + ")");
  if (r.finish_rule(rule.min || rule.max, "set min, max or both (a user ID range the containers must run in)"))
    out.run_as_user = rule;
}

}  // namespace kindlyguard::policy::rules
