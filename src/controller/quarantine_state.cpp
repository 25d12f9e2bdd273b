// The desired state of one namespace, as a pure function of the cached pods and NetworkPolicies.
#include "kindlyguard/controller/quarantine.hpp"

#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::controller {

using nlohmann::json;
using ObjectPtr = std::shared_ptr<const json>;

NamespacePlan plan_namespace(const QuarantineConfig& config, const std::string& ns, const std::vector<ObjectPtr>& pods,
                             const std::vector<ObjectPtr>& policies, QuarantineMode mode) {
  NamespacePlan plan;
  for (const auto& pod : pods) {
    if (!pod || !pod->is_object()) continue;
    const k8s::Meta meta(*pod);
    if (meta.namespace_() != ns) continue;
    const auto m = quarantine_mode_of(config, *pod);
    if (m == mode) plan.quarantined.push_back(pod);
    else if (!m && mode == QuarantineMode::Full && meta.has_annotation(kQuarantinedAtAnnotation))
      plan.released.push_back(pod);
  }
  const std::string name = quarantine_policy_name(mode);
  for (const auto& np : policies) {
    if (!np) continue;
    const k8s::Meta meta(*np);
    if (meta.namespace_() == ns && meta.name() == name) plan.actual = np;
  }

  const bool want = !plan.quarantined.empty();
  const bool ours = plan.actual && is_managed(*plan.actual);
  if (want) plan.desired = desired_network_policy(config, ns, mode);
  if (plan.actual && !ours) {
    // Someone else's policy under our name: never touched. With pods to isolate, say so.
    plan.action = want ? NamespacePlan::PolicyAction::Blocked : NamespacePlan::PolicyAction::None;
  } else if (want && !plan.actual) {
    plan.action = NamespacePlan::PolicyAction::Create;
  } else if (want) {
    plan.differences = network_policy_differences(*plan.actual, plan.desired);
    plan.action = plan.differences.empty() ? NamespacePlan::PolicyAction::None : NamespacePlan::PolicyAction::Update;
  } else if (ours) {
    plan.action = NamespacePlan::PolicyAction::Delete;
  }
  return plan;
}

}  // namespace kindlyguard::controller
