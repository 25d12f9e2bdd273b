// The quarantine flags and the wiring they drive. See quarantine_flags.hpp.
#include "kindlyguard/cli/quarantine_flags.hpp"

#include <cctype>

#include "kindlyguard/k8s/label_selector.hpp"

namespace kindlyguard::cli {

namespace {

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(item.begin());
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// A namespace name: an RFC 1123 label.
bool is_namespace_name(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
  return s.front() != '-' && s.back() != '-';
}

}  // namespace

std::vector<FlagSpec> quarantine_flags() {
  return {
      {"quarantine-label", "the label KEY=VALUE that quarantines a pod (isolates it with a NetworkPolicy)",
       "kindlyguard.io/quarantine=true"},
      {"quarantine-release-users", "comma-separated users who may remove or change the quarantine label", ""},
      {"quarantine-release-groups", "comma-separated groups whose members may remove or change the quarantine label", ""},
      {"quarantine-delete-users",
       "comma-separated users who may delete a quarantined pod besides the release users and groups: the cluster's "
       "controllers, so that scale-downs, garbage collection, namespace deletion and lost nodes never stall (give it "
       "empty to reserve deletion to the release users and groups)",
       join(admission::default_quarantine_delete_users())},
      {"quarantine-forensics-namespace",
       "namespace from which quarantined pods still accept ingress (empty: none). WIDENS access: a pod that labels "
       "itself gains this ingress even where its namespace's NetworkPolicies deny it",
       ""},
      {"quarantine-allow-dns",
       "let quarantined pods reach cluster DNS (kube-system kube-dns, UDP and TCP 53). WIDENS access: a pod that labels "
       "itself gains DNS even where its namespace's NetworkPolicies deny it",
       "false", true},
      {"quarantine-adminnetworkpolicy",
       "also keep an AdminNetworkPolicy that denies labeled pods' traffic ahead of every NetworkPolicy, where the "
       "cluster serves policy.networking.k8s.io/v1alpha1 (only where the network plugin enforces it). It only ever "
       "denies: the allowances above are left to lower-priority admin policies and NetworkPolicies, never allowed",
       "false", true},
  };
}

Result<QuarantineSettings> quarantine_settings(const Flags& flags) {
  QuarantineSettings s;
  const std::string label = flags.get("quarantine-label");
  const auto eq = label.find('=');
  if (eq == std::string::npos)
    return Error{"expected KEY=VALUE (such as kindlyguard.io/quarantine=true), got \"" + label + "\"", "--quarantine-label"};
  const std::string key = label.substr(0, eq);
  const std::string value = label.substr(eq + 1);
  if (!k8s::is_valid_label_key(key))
    return Error{"\"" + key + "\" is not a valid label key ([prefix/]name, such as kindlyguard.io/quarantine)",
                 "--quarantine-label"};
  if (value.empty() || !k8s::is_valid_label_value(value))
    return Error{"\"" + value + "\" is not a valid, non-empty label value (such as true)", "--quarantine-label"};
  const std::string forensics = flags.get("quarantine-forensics-namespace");
  if (!forensics.empty() && !is_namespace_name(forensics))
    return Error{"\"" + forensics + "\" is not a namespace name (lower-case letters, digits and '-', at most 63)",
                 "--quarantine-forensics-namespace"};

  s.controller.label_key = s.guard.label_key = key;
  s.controller.label_value = s.guard.label_value = value;
  s.controller.forensics_namespace = forensics;
  s.controller.allow_dns = flags.get_bool("quarantine-allow-dns");
  s.controller.admin_network_policy = flags.get_bool("quarantine-adminnetworkpolicy");
  s.guard.release_users = comma_list(flags.get("quarantine-release-users"));
  s.guard.release_groups = comma_list(flags.get("quarantine-release-groups"));
  s.guard.delete_users = comma_list(flags.get("quarantine-delete-users"));
  return s;
}

Result<admission::RequestGuard> quarantine_guard_from_flags(const Flags& flags, ClusterMode* cluster) {
  auto s = quarantine_settings(flags);
  if (!s.ok()) return s.error();
  if (cluster) {
    // An eviction names its pod only: read the pod from the informer every replica keeps (the
    // quarantine controller's, shared).
    client::InformerOptions o;
    o.resource = client::resources::pods;
    client::Informer* pods = &cluster->op->informers().get(o);
    s->guard.pod_lookup = [pods](const std::string& ns,
                                 const std::string& name) -> Result<std::shared_ptr<const nlohmann::json>> {
      if (!pods->has_synced()) return Error{"its pod cache has not synced yet", ""};
      return pods->get(ns + "/" + name);
    };
  }
  return admission::quarantine_guard(s->guard);
}

Result<bool> add_quarantine_controller(const Flags& flags, ClusterMode& cluster, observe::Metrics& metrics,
                                       std::chrono::milliseconds resync) {
  auto s = quarantine_settings(flags);
  if (!s.ok()) return s.error();
  controller::QuarantineOptions options;
  options.config = s->controller;
  options.resync = resync;
  options.on_counts = [&metrics](std::size_t quarantined, std::size_t leaks) {
    metrics.set_quarantined_pods(quarantined);
    metrics.set_quarantine_leaks(leaks);
  };
  options.on_result = [&metrics](const std::string& c, const char* r) { metrics.count_reconcile(c, r); };
  cluster.op->add_controller(
      controller::make_quarantine_controller(*cluster.api, cluster.op->informers(), *cluster.events, std::move(options)));
  return true;
}

}  // namespace kindlyguard::cli
