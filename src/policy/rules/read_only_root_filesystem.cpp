// Rule readOnlyRootFilesystem (spec.rules.readOnlyRootFilesystem: true)
//
// Restricted field: spec.*containers[*].securityContext.readOnlyRootFilesystem (container only:
// there is no pod-level setting). Allowed: true. Write to an emptyDir mounted where needed.
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_read_only_root_filesystem(const RuleInput& in, std::vector<Finding>& out) {
  for (const ContainerView* c : in.judged_containers()) {
    // Ephemeral debug containers cannot be given a read-only root filesystem usefully and
    // never serve traffic; the rule is about the workload's own containers.
    if (c->kind() == ContainerKind::EphemeralContainer) continue;
    if (c->read_only_root_filesystem() != true)
      out.push_back({c->name(), c->field("securityContext.readOnlyRootFilesystem"),
                     describe(*c) + " has a writable root filesystem: set "
                                    "securityContext.readOnlyRootFilesystem=true (mount an emptyDir where it must write)"});
  }
}

void parse_read_only_root_filesystem(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  out.read_only_root_filesystem =
      checking_boolean(spec_rules, id, true, "true: every container must have a read-only root filesystem");
}

}  // namespace kindlyguard::policy::rules
