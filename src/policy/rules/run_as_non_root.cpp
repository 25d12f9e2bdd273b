// Rule runAsNonRoot (spec.rules.runAsNonRoot: true)
//
// Restricted fields:
//   spec.securityContext.runAsNonRoot, spec.{,init,ephemeral}containers[*].securityContext.runAsNonRoot
//   spec.securityContext.runAsUser,    spec.{,init,ephemeral}containers[*].securityContext.runAsUser
// Allowed: every container resolves runAsNonRoot to true (its own setting, else the pod's), as
// Pod Security Admission's restricted check requires; and no container resolves runAsUser to 0,
// because runAsNonRoot=true with runAsUser=0 is a pod the kubelet refuses to start.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_run_as_non_root(const RuleInput& in, std::vector<Finding>& out) {
  for (const ContainerView* c : in.judged_containers()) {
    auto non_root = c->run_as_non_root();
    if (non_root.value != true) {
      std::string why = non_root.value == false ? (non_root.from_pod ? "the pod sets runAsNonRoot=false"
                                                                     : "it sets runAsNonRoot=false")
                                                : "runAsNonRoot is not set";
      out.push_back({c->name(), non_root.value == false ? non_root.field : c->field("securityContext.runAsNonRoot"),
                     describe(*c) + " may run as root (" + why +
                         "): set securityContext.runAsNonRoot=true on the container or the pod"});
    }
    auto user = c->run_as_user();
    if (user.value == 0)
      out.push_back({c->name(), user.field,
                     describe(*c) + " runs as root (runAsUser=0" + (user.from_pod ? ", from the pod" : "") +
                         "): set securityContext.runAsUser to a non-zero UID, e.g. 10001"});
  }
}

void parse_run_as_non_root(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  out.run_as_non_root = checking_boolean(spec_rules, id, true, "true: every container must run as a non-root user");
}

}  // namespace kindlyguard::policy::rules
