#pragma once
// The policy rules. Each rule is one small file under src/policy/rules/ with a stable id used in
// messages, metrics and reports, and one line in the registry (src/policy/rules/registry.cpp).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/pod_view.hpp"

namespace kindlyguard::policy {

// What a rule reports: everything but the policy name and enforcement, which the evaluator adds.
struct Finding {
  std::string container;
  std::string field;
  std::string message;
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
  std::string_view id;           // stable: never renamed once released
  std::string_view summary;      // one line for docs and --help
  bool (*enabled)(const Rules&); // is the rule configured in this policy?
  void (*check)(const RuleInput&, std::vector<Finding>&);
};

const std::vector<RuleDefinition>& rule_registry();

}  // namespace kindlyguard::policy
