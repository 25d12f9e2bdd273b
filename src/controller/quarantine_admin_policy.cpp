// The optional AdminNetworkPolicy (--quarantine-adminnetworkpolicy). Where the API server serves
// policy.networking.k8s.io/v1alpha1 adminnetworkpolicies, one cluster-scoped policy Denies all
// ingress and egress of labeled pods ahead of every NetworkPolicy. Discovery says whether the API
// is there; until it is, the key waits for the next resync. Once it is, an informer on our own
// AdminNetworkPolicy brings the key back whenever someone edits or deletes it.
//
// The API server may store less than we send (a CRD of the standard channel prunes the
// experimental `networks` peer): what it stored for the spec we wrote is remembered, so a pruned
// field is not "restored" in a loop, and it decides what the policy covers for the leak detector.
#include "kindlyguard/util/log.hpp"
#include "quarantine_internal.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace quarantine_detail {

namespace {

bool denies_egress_to_networks(const json& spec) {
  if (!spec.is_object() || !spec.contains("egress") || !spec["egress"].is_array()) return false;
  for (const auto& rule : spec["egress"]) {
    if (!rule.is_object() || rule.value("action", "") != "Deny" || !rule.contains("to") || !rule["to"].is_array()) continue;
    for (const auto& peer : rule["to"])
      if (peer.is_object() && peer.contains("networks") && peer["networks"].is_array() && !peer["networks"].empty())
        return true;
  }
  return false;
}

}  // namespace

std::optional<bool> QuarantineState::admin_policy_served() {
  auto r = api_.raw("GET", admin_network_policies.group_version_path());
  if (!r.ok()) {
    if (r.error().is_not_found()) return false;
    log::warn("discovery of AdminNetworkPolicy failed", {{"error", r.error().to_string()}});
    return std::nullopt;
  }
  if (r->contains("resources") && (*r)["resources"].is_array())
    for (const auto& res : (*r)["resources"])
      if (res.is_object() && res.value("name", "") == admin_network_policies.plural) return true;
  return false;
}

void QuarantineState::watch_admin_policy() {
  {
    std::lock_guard lock(mu_);
    if (admin_watched_) return;
    admin_watched_ = true;
  }
  client::InformerOptions o;
  o.resource = admin_network_policies;
  o.label_selector = std::string(kManagedByLabel) + "=" + kManagedByValue;
  client::InformerHandlers h;
  h.on_add = [this](const json&) { enqueue(kAdminNetworkPolicyKey); };
  h.on_update = [this](const json&, const json&) { enqueue(kAdminNetworkPolicyKey); };
  h.on_delete = [this](const json&) { enqueue(kAdminNetworkPolicyKey); };
  informers_.get(o).add_handlers(std::move(h));  // started at once: the informers are running
}

void QuarantineState::set_coverage(const AdminPolicyCoverage& c) {
  std::vector<std::string> namespaces;
  {
    std::lock_guard lock(mu_);
    if (coverage_.in_force == c.in_force && coverage_.egress_to_networks == c.egress_to_networks) return;
    coverage_ = c;
    for (const auto& [ns, pods] : interesting_) namespaces.push_back(ns);
  }
  // What counts as a leak has changed: look at every quarantined pod again.
  for (const auto& ns : namespaces) enqueue(ns);
}

ReconcileResult QuarantineState::reconcile_admin_policy() {
  if (!options_.config.admin_network_policy) return ReconcileResult::done();
  bool served;
  {
    std::lock_guard lock(mu_);
    served = admin_served_;
  }
  if (!served) {
    auto found = admin_policy_served();
    if (!found) return ReconcileResult::failed("discovery of " + admin_network_policies.group_version_path() + " failed");
    if (!*found) {
      bool warn;
      {
        std::lock_guard lock(mu_);
        warn = !admin_warned_;
        admin_warned_ = true;
      }
      if (warn)
        log::warn("--quarantine-adminnetworkpolicy is on, but the API server does not serve AdminNetworkPolicy "
                  "(policy.networking.k8s.io/v1alpha1); quarantine relies on NetworkPolicies alone until it does",
                  {{"checkedAgain", "every resync"}});
      set_coverage({});
      return ReconcileResult::done();
    }
    {
      std::lock_guard lock(mu_);
      admin_served_ = true;
    }
    watch_admin_policy();
  }

  const json desired = desired_admin_network_policy(options_.config);
  auto current = api_.get(admin_network_policies, "", kQuarantinePolicyName);
  if (!current.ok() && !current.error().is_not_found())
    return ReconcileResult::failed("get AdminNetworkPolicy: " + current.error().to_string());

  json stored;
  if (!current.ok()) {
    auto created = api_.create(admin_network_policies, desired);
    if (!created.ok()) {
      if (created.error().is_not_found()) {  // the API went away (CRD deleted): discover again
        std::lock_guard lock(mu_);
        admin_served_ = false;
      }
      set_coverage({});
      return ReconcileResult::failed("create AdminNetworkPolicy: " + created.error().to_string());
    }
    stored = (*created)["spec"];
    log::info("quarantine AdminNetworkPolicy created", {{"name", kQuarantinePolicyName}});
  } else if (!is_managed(*current)) {
    log::warn("an AdminNetworkPolicy not managed by kindlyguard has the quarantine policy's name; left alone",
              {{"name", kQuarantinePolicyName}});
    set_coverage({});
    return ReconcileResult::done();
  } else {
    const json& spec = current->contains("spec") ? (*current)["spec"] : json();
    bool same;
    {
      std::lock_guard lock(mu_);
      same = spec == desired["spec"] || (admin_written_ == desired["spec"] && spec == admin_stored_);
    }
    if (same) {
      stored = spec;
    } else {
      json body = *current;
      body["spec"] = desired["spec"];
      body["metadata"]["labels"][kManagedByLabel] = kManagedByValue;
      auto updated = api_.update(admin_network_policies, body);
      if (!updated.ok()) return ReconcileResult::failed("restore AdminNetworkPolicy: " + updated.error().to_string());
      stored = (*updated)["spec"];
      log::warn("quarantine AdminNetworkPolicy differed from what kindlyguard keeps; restored", {{"name", kQuarantinePolicyName}});
    }
  }
  {
    std::lock_guard lock(mu_);
    admin_written_ = desired["spec"];
    admin_stored_ = stored;
  }
  set_coverage({true, denies_egress_to_networks(stored)});
  return ReconcileResult::done();
}

}  // namespace quarantine_detail
}  // namespace kindlyguard::controller
