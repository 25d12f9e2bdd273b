// The rule registry: adding a rule is one new file and one line here. Rule ids are the field names
// under spec.rules and never change once released (metrics, reports and alerts key on them).
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::policy {
namespace rules {
void check_run_as_non_root(const RuleInput&, std::vector<Finding>&);
void check_run_as_user(const RuleInput&, std::vector<Finding>&);
void check_read_only_root_filesystem(const RuleInput&, std::vector<Finding>&);
void check_capabilities(const RuleInput&, std::vector<Finding>&);
void check_allow_privilege_escalation(const RuleInput&, std::vector<Finding>&);
void check_privileged(const RuleInput&, std::vector<Finding>&);
void check_host_namespaces(const RuleInput&, std::vector<Finding>&);
void check_host_ports(const RuleInput&, std::vector<Finding>&);
void check_host_path(const RuleInput&, std::vector<Finding>&);
void check_seccomp(const RuleInput&, std::vector<Finding>&);
void check_resources(const RuleInput&, std::vector<Finding>&);
void check_images(const RuleInput&, std::vector<Finding>&);
}  // namespace rules

const std::vector<RuleDefinition>& rule_registry() {
  using namespace rules;
  static const std::vector<RuleDefinition> kRules = {
      {"runAsNonRoot", "containers must run as a non-root user",
       [](const Rules& r) { return r.run_as_non_root.value_or(false); }, check_run_as_non_root},
      {"runAsUser", "containers must run with a UID in the allowed range",
       [](const Rules& r) { return r.run_as_user.has_value(); }, check_run_as_user},
      {"readOnlyRootFilesystem", "containers must have a read-only root filesystem",
       [](const Rules& r) { return r.read_only_root_filesystem.value_or(false); }, check_read_only_root_filesystem},
      {"capabilities", "containers must drop the required capabilities and add only allowed ones",
       [](const Rules& r) { return r.capabilities.has_value(); }, check_capabilities},
      {"allowPrivilegeEscalation", "containers must set allowPrivilegeEscalation=false",
       [](const Rules& r) { return r.allow_privilege_escalation == false; }, check_allow_privilege_escalation},
      {"privileged", "containers must not be privileged",
       [](const Rules& r) { return r.privileged == false; }, check_privileged},
      {"hostNamespaces", "pods must not share the node's network, PID or IPC namespace",
       [](const Rules& r) { return r.host_namespaces == false; }, check_host_namespaces},
      {"hostPorts", "containers must not bind host ports",
       [](const Rules& r) { return r.host_ports == false; }, check_host_ports},
      {"hostPath", "hostPath volumes only under allowed prefixes; never the container runtime socket",
       [](const Rules& r) { return r.host_path.has_value(); }, check_host_path},
      {"seccomp", "containers must use an allowed seccomp profile",
       [](const Rules& r) { return r.seccomp.has_value(); }, check_seccomp},
      {"resources", "containers must declare the required requests and limits, within the maximums",
       [](const Rules& r) { return r.resources.has_value(); }, check_resources},
      {"images", "images must come from trusted registries, with an allowed tag or a digest",
       [](const Rules& r) { return r.images.has_value(); }, check_images},
  };
  return kRules;
}

}  // namespace kindlyguard::policy
