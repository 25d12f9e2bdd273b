// The rule registry: adding a rule is one new file (its parser and its check) and one line here.
// Rule ids are the field names under spec.rules and never change once released (metrics, reports
// and alerts key on them). spec.rules is read in this order, so it is also the order of its errors.
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::policy {

// Each rule's file defines its check and its parser.
namespace rules {
using Check = void(const RuleInput& in, std::vector<Finding>& out);
using Parse = void(detail::ObjectReader& spec_rules, std::string_view id, Rules& out);
Check check_run_as_non_root, check_run_as_user, check_read_only_root_filesystem, check_capabilities,
    check_allow_privilege_escalation, check_privileged, check_host_namespaces, check_host_ports, check_host_path,
    check_seccomp, check_resources, check_images, check_probes, check_plaintext_secrets;
Parse parse_run_as_non_root, parse_run_as_user, parse_read_only_root_filesystem, parse_capabilities,
    parse_allow_privilege_escalation, parse_privileged, parse_host_namespaces, parse_host_ports, parse_host_path,
    parse_seccomp, parse_resources, parse_images, parse_probes, parse_plaintext_secrets;
}  // namespace rules

const std::vector<RuleDefinition>& rule_registry() {
  using namespace rules;
  static const std::vector<RuleDefinition> kRules = {
      {"runAsNonRoot", "containers must run as a non-root user", Severity::High,
       [](const Rules& r) { return r.run_as_non_root.value_or(false); }, check_run_as_non_root, parse_run_as_non_root},
      {"runAsUser", "containers must run with a UID in the allowed range", Severity::Medium,
       [](const Rules& r) { return r.run_as_user.has_value(); }, check_run_as_user, parse_run_as_user},
      {"readOnlyRootFilesystem", "containers must have a read-only root filesystem", Severity::Medium,
       [](const Rules& r) { return r.read_only_root_filesystem.value_or(false); },
       check_read_only_root_filesystem, parse_read_only_root_filesystem},
      {"capabilities", "containers must drop the required capabilities and add only allowed ones", Severity::High,
       [](const Rules& r) { return r.capabilities.has_value(); }, check_capabilities, parse_capabilities},
      {"allowPrivilegeEscalation", "containers must set allowPrivilegeEscalation=false", Severity::High,
       [](const Rules& r) { return r.allow_privilege_escalation == false; },
       check_allow_privilege_escalation, parse_allow_privilege_escalation},
      {"privileged", "containers must not be privileged", Severity::Critical,
       [](const Rules& r) { return r.privileged == false; }, check_privileged, parse_privileged},
      {"hostNamespaces", "pods must not share the node's network, PID or IPC namespace", Severity::High,
       [](const Rules& r) { return r.host_namespaces == false; }, check_host_namespaces, parse_host_namespaces},
      {"hostPorts", "containers must not bind host ports", Severity::Medium,
       [](const Rules& r) { return r.host_ports == false; }, check_host_ports, parse_host_ports},
      {"hostPath", "hostPath volumes only under allowed prefixes; never the container runtime socket", Severity::High,
       [](const Rules& r) { return r.host_path.has_value(); }, check_host_path, parse_host_path},
      {"seccomp", "containers must use an allowed seccomp profile", Severity::Medium,
       [](const Rules& r) { return r.seccomp.has_value(); }, check_seccomp, parse_seccomp},
      {"resources", "containers must declare the required requests and limits, within the maximums", Severity::Low,
       [](const Rules& r) { return r.resources.has_value(); }, check_resources, parse_resources},
      {"images", "images must come from trusted registries, with an allowed tag or a digest", Severity::Medium,
       [](const Rules& r) { return r.images.has_value(); }, check_images, parse_images},
      {"probes", "containers must set usable liveness, readiness and startup probes, as the policy asks", Severity::Low,
       [](const Rules& r) { return r.probes.has_value(); }, check_probes, parse_probes},
      {"plaintextSecrets", "environment variables must not hold secrets as literal values", Severity::High,
       [](const Rules& r) { return r.plaintext_secrets.has_value(); }, check_plaintext_secrets, parse_plaintext_secrets},
  };
  return kRules;
}

}  // namespace kindlyguard::policy
