// The leak detector. NetworkPolicies add up: a pod selected by several policies may receive (or
// send) whatever any one of them allows. So a quarantined pod stays reachable through every other
// policy in its namespace whose podSelector matches its labels and that has an allow rule for a
// direction it governs. policyTypes says which directions a policy governs; when a policy has
// none (an object the API server did not default), it is Ingress, plus Egress if it has egress
// rules, as Kubernetes defaults it.
#include <set>

#include "kindlyguard/controller/quarantine.hpp"
#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

bool selects(const json& spec, const k8s::Labels& labels) {
  auto it = spec.find("podSelector");
  // The API requires podSelector; a policy without one (or one we cannot read) is taken to
  // select the pod: for a leak detector, a false alarm beats a missed leak.
  if (it == spec.end() || !it->is_object()) return true;
  auto selector = k8s::LabelSelector::from_json(*it, "spec.podSelector");
  return !selector.ok() || selector->matches(labels);
}

std::set<std::string> governed(const json& spec) {
  std::set<std::string> types;
  if (auto it = spec.find("policyTypes"); it != spec.end() && it->is_array() && !it->empty()) {
    for (const auto& t : *it)
      if (t.is_string()) types.insert(t.get<std::string>());
    return types;
  }
  types.insert("Ingress");
  if (auto e = spec.find("egress"); e != spec.end() && e->is_array() && !e->empty()) types.insert("Egress");
  return types;
}

const json* rules(const json& spec, const char* field) {
  auto it = spec.find(field);
  return it != spec.end() && it->is_array() && !it->empty() ? &*it : nullptr;
}

// Can this rule let traffic through that a pod-selecting AdminNetworkPolicy does not deny? Only
// when it is open to every address (no peers) or names an ipBlock.
bool reaches_addresses(const json& rule, const char* peers_field) {
  auto peers = rule.find(peers_field);
  if (peers == rule.end() || !peers->is_array() || peers->empty()) return true;
  for (const auto& p : *peers)
    if (p.is_object() && p.contains("ipBlock")) return true;
  return false;
}

bool leaks(const json& spec, const char* field, const char* peers_field, bool covered_pods, bool covered_addresses) {
  const json* list = rules(spec, field);
  if (!list) return false;
  if (!covered_pods) return true;
  if (covered_addresses) return false;
  for (const auto& rule : *list)
    if (rule.is_object() && reaches_addresses(rule, peers_field)) return true;
  return false;
}

}  // namespace

std::string Leak::to_string() const {
  std::string dirs = ingress && egress ? "ingress, egress" : ingress ? "ingress" : "egress";
  return policy + " (" + dirs + ")";
}

std::vector<Leak> find_leaks(const json& pod, const std::vector<std::shared_ptr<const json>>& policies,
                             const AdminPolicyCoverage& admin) {
  std::vector<Leak> out;
  const k8s::Labels labels = k8s::Meta(pod).labels();
  for (const auto& ptr : policies) {
    if (!ptr || !ptr->is_object()) continue;
    const json& np = *ptr;
    const std::string name = k8s::Meta(np).name();
    if (is_quarantine_policy_name(name) && is_managed(np)) continue;  // ours
    if (!np.contains("spec") || !np["spec"].is_object()) continue;
    const json& spec = np["spec"];
    if (!selects(spec, labels)) continue;
    const auto types = governed(spec);
    Leak leak{name};
    // An AdminNetworkPolicy denies ingress from every pod; ingress from outside the cluster is
    // beyond it (its ingress peers are pods only).
    leak.ingress = types.count("Ingress") && leaks(spec, "ingress", "from", admin.in_force, false);
    leak.egress = types.count("Egress") && leaks(spec, "egress", "to", admin.in_force, admin.egress_to_networks);
    if (leak.ingress || leak.egress) out.push_back(std::move(leak));
  }
  return out;
}

}  // namespace kindlyguard::controller
