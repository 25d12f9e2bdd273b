// The objects the quarantine keeps: the NetworkPolicy per namespace, the AdminNetworkPolicy, and
// how to tell that someone changed ours.
#include <algorithm>
#include <set>

#include "kindlyguard/controller/quarantine.hpp"
#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

json name_selector(const std::string& ns) { return {{"matchLabels", {{"kubernetes.io/metadata.name", ns}}}}; }

// Every namespace but these.
json not_named(const std::vector<std::string>& names) {
  return {{"matchExpressions", json::array({{{"key", "kubernetes.io/metadata.name"}, {"operator", "NotIn"}, {"values", names}}})}};
}

// The selector as Kubernetes means it, so equivalent spellings compare equal; an invalid one is
// kept as its text so that it differs from any valid one.
std::string selector_meaning(const json& j) {
  if (!j.is_object()) return "<absent>";
  auto s = k8s::LabelSelector::from_json(j, "");
  return s.ok() ? s->to_string() : "<invalid>" + j.dump();
}

std::set<std::string> string_set(const json& j) {
  std::set<std::string> out;
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.insert(v.get<std::string>());
  return out;
}

json rules_or_empty(const json& spec, const char* field) {
  if (!spec.is_object()) return json::array();
  auto it = spec.find(field);
  return it != spec.end() && it->is_array() ? *it : json::array();
}

}  // namespace

const char* to_string(QuarantineMode mode) {
  switch (mode) {
    case QuarantineMode::Egress: return "egress";
    case QuarantineMode::Ingress: return "ingress";
    case QuarantineMode::Full: break;
  }
  return "full";
}

std::string quarantine_policy_name(QuarantineMode mode) {
  return mode == QuarantineMode::Full ? std::string(kQuarantinePolicyName)
                                      : std::string(kQuarantinePolicyName) + "-" + to_string(mode);
}

bool is_quarantine_policy_name(const std::string& name) {
  for (auto m : kQuarantineModes)
    if (name == quarantine_policy_name(m)) return true;
  return false;
}

std::vector<std::string> QuarantineConfig::values(QuarantineMode mode) const {
  if (mode != QuarantineMode::Full) return {to_string(mode)};
  if (label_value == "full") return {"full"};
  return {label_value, "full"};
}

std::vector<std::string> QuarantineConfig::values() const {
  std::vector<std::string> out;
  for (auto m : kQuarantineModes)
    for (auto& v : values(m))
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  return out;
}

std::string QuarantineConfig::selector() const {
  std::string list;
  for (const auto& v : values()) list += (list.empty() ? "" : ",") + v;
  return label_key + " in (" + list + ")";
}

std::optional<QuarantineMode> quarantine_mode_of(const QuarantineConfig& config, const json& pod) {
  const auto value = k8s::Meta(pod).label(config.label_key);
  if (!value) return std::nullopt;
  for (auto m : kQuarantineModes) {
    const auto vs = config.values(m);
    if (std::find(vs.begin(), vs.end(), *value) != vs.end()) return m;
  }
  return std::nullopt;
}

bool is_quarantined(const QuarantineConfig& config, const json& pod) { return quarantine_mode_of(config, pod).has_value(); }

// The pods of one mode: matchLabels for a single value, else matchExpressions In.
static json mode_selector(const QuarantineConfig& config, QuarantineMode mode) {
  const auto vs = config.values(mode);
  if (vs.size() == 1) return {{"matchLabels", {{config.label_key, vs.front()}}}};
  return {{"matchExpressions", json::array({{{"key", config.label_key}, {"operator", "In"}, {"values", vs}}})}};
}

bool is_managed(const json& object) { return k8s::Meta(object).label(kManagedByLabel) == kManagedByValue; }

json desired_network_policy(const QuarantineConfig& config, const std::string& ns, QuarantineMode mode) {
  const bool ingress = mode != QuarantineMode::Egress;
  const bool egress = mode != QuarantineMode::Ingress;
  json types = json::array();
  if (ingress) types.push_back("Ingress");
  if (egress) types.push_back("Egress");
  json spec = {{"podSelector", mode_selector(config, mode)}, {"policyTypes", types}};
  if (ingress && !config.forensics_namespace.empty())
    spec["ingress"] = json::array({{{"from", json::array({{{"namespaceSelector", name_selector(config.forensics_namespace)}}})}}});
  if (egress && config.allow_dns)
    spec["egress"] = json::array({{{"to", json::array({{{"namespaceSelector", name_selector("kube-system")},
                                                         {"podSelector", {{"matchLabels", {{"k8s-app", "kube-dns"}}}}}}})},
                                   {"ports", json::array({{{"protocol", "UDP"}, {"port", 53}},
                                                          {{"protocol", "TCP"}, {"port", 53}}})}}});
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "NetworkPolicy"},
          {"metadata",
           {{"name", quarantine_policy_name(mode)},
            {"namespace", ns},
            {"labels", {{kManagedByLabel, kManagedByValue}}},
            {"annotations",
             {{"kindlyguard.io/description",
               std::string(mode == QuarantineMode::Full ? "Isolates" : mode == QuarantineMode::Egress
                                                                           ? "Blocks the egress of"
                                                                           : "Blocks the ingress of") +
                   " pods labeled " + config.label_key + "=" + [&] {
                     std::string v;
                     for (const auto& x : config.values(mode)) v += (v.empty() ? "" : " or ") + x;
                     return v;
                   }() +
                   " (kindlyguard quarantine). Kept by kindlyguard: edits are reverted; remove the label to release a pod."}}}}},
          {"spec", std::move(spec)}};
}

// Only Deny rules, never Allow or Pass. An Allow at our priority (0, ahead of every other admin
// policy) would be final and override what another admin policy denies; a Pass would skip those
// denies too. So the allowances (forensics ingress, DNS egress) are expressed by not denying that
// traffic here: it falls through to lower-priority admin policies (whose denies still hold) and
// then to the NetworkPolicies, where ours allows it (and only when an admin asked for it).
json desired_admin_network_policy(const QuarantineConfig& config) {
  json ingress = json::array();
  if (config.forensics_namespace.empty())
    ingress.push_back({{"name", "deny-all-ingress"}, {"action", "Deny"}, {"from", json::array({{{"namespaces", json::object()}}})}});
  else
    ingress.push_back({{"name", "deny-ingress-except-forensics"},
                       {"action", "Deny"},
                       {"from", json::array({{{"namespaces", not_named({config.forensics_namespace})}}})}});
  json egress = json::array();
  if (!config.allow_dns) {
    egress.push_back({{"name", "deny-all-egress"},
                      {"action", "Deny"},
                      {"to", json::array({{{"namespaces", json::object()}}, {{"networks", {"0.0.0.0/0", "::/0"}}}})}});
  } else {
    // Everything but kube-dns on port 53: other namespaces, other kube-system pods, and the DNS
    // pods on every other port. No `networks` peer: it matches pod addresses too, DNS included;
    // traffic to addresses outside the cluster is then left to the NetworkPolicy (deny-all).
    const json dns_pods = {{"namespaceSelector", name_selector("kube-system")}, {"podSelector", {{"matchLabels", {{"k8s-app", "kube-dns"}}}}}};
    const json other_kube_system = {
        {"namespaceSelector", name_selector("kube-system")},
        {"podSelector", {{"matchExpressions", json::array({{{"key", "k8s-app"}, {"operator", "NotIn"}, {"values", json::array({"kube-dns"})}}})}}}};
    egress.push_back({{"name", "deny-egress-except-dns"},
                      {"action", "Deny"},
                      {"to", json::array({{{"namespaces", not_named({"kube-system"})}}, {{"pods", other_kube_system}}})}});
    json other_ports = json::array();
    for (const char* protocol : {"TCP", "UDP"}) {
      other_ports.push_back({{"portRange", {{"protocol", protocol}, {"start", 1}, {"end", 52}}}});
      other_ports.push_back({{"portRange", {{"protocol", protocol}, {"start", 54}, {"end", 65535}}}});
    }
    other_ports.push_back({{"portRange", {{"protocol", "SCTP"}, {"start", 1}, {"end", 65535}}}});
    egress.push_back({{"name", "deny-dns-pods-other-ports"},
                      {"action", "Deny"},
                      {"to", json::array({{{"pods", dns_pods}}})},
                      {"ports", std::move(other_ports)}});
  }
  return {{"apiVersion", admin_network_policies.api_version()},
          {"kind", admin_network_policies.kind},
          {"metadata", {{"name", kQuarantinePolicyName}, {"labels", {{kManagedByLabel, kManagedByValue}}}}},
          {"spec",
           {{"priority", kAdminNetworkPolicyPriority},
            {"subject",
             {{"pods", {{"namespaceSelector", json::object()}, {"podSelector", mode_selector(config, QuarantineMode::Full)}}}}},
            {"ingress", std::move(ingress)},
            {"egress", std::move(egress)}}}};
}

std::vector<std::string> network_policy_differences(const json& actual, const json& desired) {
  std::vector<std::string> out;
  if (!is_managed(actual)) out.push_back(std::string("metadata.labels[") + kManagedByLabel + "]");
  json a = json::object();
  if (auto it = actual.find("spec"); it != actual.end() && it->is_object()) a = *it;
  const json& d = desired["spec"];
  if (selector_meaning(a.value("podSelector", json())) != selector_meaning(d["podSelector"])) out.push_back("spec.podSelector");
  if (string_set(a.value("policyTypes", json())) != string_set(d["policyTypes"])) out.push_back("spec.policyTypes");
  for (const char* field : {"ingress", "egress"})
    if (rules_or_empty(a, field) != rules_or_empty(d, field)) out.push_back(std::string("spec.") + field);
  return out;
}

}  // namespace kindlyguard::controller
