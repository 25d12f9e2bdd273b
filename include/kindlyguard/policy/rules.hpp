#pragma once
// The policy rules. Each rule is one small file under src/policy/rules/ with a stable id used in
// messages, metrics and reports, its parser and its check, and one line in the registry
// (src/policy/rules/registry.cpp).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/pod_view.hpp"

namespace kindlyguard::policy {

namespace detail {
class ObjectReader;  // the policy parser's reader (src/policy/parse_walk.hpp), private to the module
}

// What a rule reports: everything but the policy name and enforcement, which the evaluator adds.
struct Finding {
  Finding() = default;
  Finding(std::string container_, std::string field_, std::string message_, std::optional<Severity> severity_ = {})
      : container(std::move(container_)), field(std::move(field_)), message(std::move(message_)), severity(severity_) {}
  std::string container;
  std::string field;
  std::string message;
  std::optional<Severity> severity;  // set only to raise the rule's severity for this finding
};

class RuleInput {
 public:
  RuleInput(const SecurityPolicy& policy, const PodView& pod) : policy_(policy), pod_(pod) {}
  const Rules& rules() const { return policy_.rules; }
  const SecurityPolicy& policy() const { return policy_; }
  const PodView& pod() const { return pod_; }
  // Containers whose image matches spec.exemptions.images are left out of container-level rules.
  bool exempt(const ContainerView& c) const;
  // Every container that is not exempt.
  std::vector<const ContainerView*> judged_containers() const;

 private:
  const SecurityPolicy& policy_;
  const PodView& pod_;
};

struct RuleDefinition {
  std::string_view id;           // stable: never renamed once released; the rule's field under spec.rules
  std::string_view summary;      // one line for docs and --help
  Severity severity;             // of its findings (README "Severities"); a finding may raise it
  bool (*enabled)(const Rules&); // is the rule configured in this policy?
  void (*check)(const RuleInput&, std::vector<Finding>&);
  // Reads the rule's own field, spec.rules.<id>, into `out`; problems go to the reader's errors.
  void (*parse)(detail::ObjectReader& spec_rules, std::string_view id, Rules& out);
};

const std::vector<RuleDefinition>& rule_registry();

// Whether the pod mounts a host path that gives root on the node (a container runtime's socket,
// /proc, or a directory holding one): what the hostPath rule always refuses, and critical.
bool mounts_node_root_path(const PodView& pod);

}  // namespace kindlyguard::policy
