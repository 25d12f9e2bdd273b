// The reconcile of one namespace: make the NetworkPolicy match the plan, then mark and tell the
// pods (annotation, Events), then report leaks and counts. Every step is idempotent, so a
// reconcile cut short by a crash or an API error is finished by the next one.
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "kindlyguard/util/time.hpp"
#include "quarantine_internal.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace quarantine_detail {

namespace {

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string isolation_note(const QuarantineConfig& c, bool admin_policy) {
  std::vector<std::string> except;
  if (!c.forensics_namespace.empty()) except.push_back("ingress from namespace " + c.forensics_namespace);
  if (c.allow_dns) except.push_back("egress to cluster DNS (kube-system kube-dns, port 53)");
  std::string note = std::string("Isolated by NetworkPolicy ") + kQuarantinePolicyName + ": no ingress or egress" +
                     (except.empty() ? "" : " except " + join(except, " and ")) + " (label " + c.label() + ").";
  if (admin_policy)
    note += std::string(" AdminNetworkPolicy ") + kQuarantinePolicyName + " denies it ahead of all NetworkPolicies" +
            (except.empty() ? "" : " (the exceptions it leaves to the other policies, never allows)") + ".";
  return note + " Remove the label to release the pod.";
}

std::string leak_note(const QuarantineConfig& c, const std::vector<Leak>& leaks) {
  std::vector<std::string> names;
  for (const auto& l : leaks) names.push_back(l.to_string());
  return "Quarantine incomplete: NetworkPolicies add up, and these also select the pod and allow traffic: " +
         join(names) + ". Exclude the label from them (podSelector matchExpressions {key: " + c.label_key +
         ", operator: DoesNotExist}), or run kindlyguard with --quarantine-adminnetworkpolicy where the cluster has "
         "AdminNetworkPolicy.";
}

std::string blocked_note() {
  return std::string("Not isolated: NetworkPolicy ") + kQuarantinePolicyName +
         " in this namespace is not managed by kindlyguard (it lacks the label " + kManagedByLabel + "=" +
         kManagedByValue + "), and kindlyguard never touches policies it does not manage. Delete it, or add that label "
         "so that kindlyguard keeps it.";
}

}  // namespace

bool QuarantineState::patch_annotation(const json& pod, const json& value, std::string& error) {
  json patch = {{"metadata", {{"annotations", {{kQuarantinedAtAnnotation, value}}}}}};
  const k8s::Meta meta(pod);
  auto r = api_.patch(client::resources::pods, meta.namespace_(), meta.name(), client::PatchType::Merge, patch);
  if (r.ok()) return true;
  if (!r.error().is_not_found()) error = "pod " + meta.name() + ": " + r.error().to_string();
  return false;  // gone: nothing to mark, nothing to tell
}

ReconcileResult QuarantineState::reconcile_namespace(const std::string& ns) {
  const QuarantineConfig& cfg = options_.config;
  const auto policies = policies_in(ns);
  const NamespacePlan plan = plan_namespace(cfg, ns, pods_in(ns), policies);
  const std::string where = ns + "/" + kQuarantinePolicyName;
  std::string failure;
  bool isolated = false;

  using Action = NamespacePlan::PolicyAction;
  switch (plan.action) {
    case Action::None:
      isolated = !plan.quarantined.empty();
      break;
    case Action::Create: {
      auto r = api_.create(client::resources::network_policies, plan.desired);
      if (r.ok()) {
        isolated = true;
        log::info("quarantine policy created", {{"networkPolicy", where}, {"pods", std::to_string(plan.quarantined.size())}});
      } else {
        // AlreadyExists: our cache is behind; the informer's event brings this key back.
        failure = "create NetworkPolicy " + where + ": " + r.error().to_string();
      }
      break;
    }
    case Action::Update: {
      json body = *plan.actual;
      body["spec"] = plan.desired["spec"];
      body["metadata"]["labels"][kManagedByLabel] = kManagedByValue;
      body["metadata"]["annotations"].update(plan.desired["metadata"]["annotations"]);
      auto r = api_.update(client::resources::network_policies, body);  // conditional on the cached resourceVersion
      if (r.ok()) {
        isolated = true;
        log::warn("quarantine policy was changed by someone else; restored",
                  {{"networkPolicy", where}, {"changed", join(plan.differences)}});
      } else {
        failure = "restore NetworkPolicy " + where + ": " + r.error().to_string();
      }
      break;
    }
    case Action::Delete: {
      client::DeleteOptions del;
      del.precondition_uid = k8s::Meta(*plan.actual).uid();
      auto r = api_.remove(client::resources::network_policies, ns, kQuarantinePolicyName, del);
      if (r.ok() || r.error().is_not_found()) log::info("quarantine policy removed: no quarantined pod left", {{"networkPolicy", where}});
      else failure = "delete NetworkPolicy " + where + ": " + r.error().to_string();
      break;
    }
    case Action::Blocked:
      log::warn("a NetworkPolicy not managed by kindlyguard has the quarantine policy's name; pods there are not isolated",
                {{"networkPolicy", where}});
      break;
  }

  AdminPolicyCoverage coverage;
  std::map<std::string, std::string> previously;
  {
    std::lock_guard lock(mu_);
    coverage = coverage_;
    previously = reported_[ns];
  }
  std::map<std::string, std::string> reported;
  std::size_t leaky = 0;
  for (const auto& pod : plan.quarantined) {
    const auto regarding = ObjectReference::of(*pod);
    const k8s::Meta meta(*pod);
    if (isolated && !meta.has_annotation(kQuarantinedAtAnnotation)) {
      if (patch_annotation(*pod, k8s_time_now(), failure)) {
        events_.record({regarding, EventType::Normal, "Quarantined", "Isolate", isolation_note(cfg, coverage.in_force), ""});
        log::info("pod quarantined", {{"pod", ns + "/" + meta.name()}});
      }
    }
    std::string note;
    if (plan.action == Action::Blocked) {
      note = blocked_note();
    } else if (isolated) {
      auto leaks = find_leaks(*pod, policies, coverage);
      if (!leaks.empty()) note = leak_note(cfg, leaks);
    }
    if (note.empty()) continue;
    ++leaky;
    reported[meta.uid()] = note;
    auto before = previously.find(meta.uid());
    if (before == previously.end() || before->second != note) {
      events_.record({regarding, EventType::Warning, "QuarantineIncomplete", "CheckIsolation", note, ""});
      log::warn("quarantine incomplete", {{"pod", ns + "/" + meta.name()}, {"why", note}});
    }
  }
  for (const auto& pod : plan.released) {
    if (patch_annotation(*pod, nullptr, failure)) {
      events_.record({ObjectReference::of(*pod), EventType::Normal, "Released", "Release",
                      "Quarantine label " + cfg.label() + " removed; NetworkPolicy " + kQuarantinePolicyName +
                          " no longer selects the pod.",
                      ""});
      log::info("pod released from quarantine", {{"pod", ns + "/" + k8s::Meta(*pod).name()}});
    }
  }
  {
    std::lock_guard lock(mu_);
    if (reported.empty()) reported_.erase(ns);
    else reported_[ns] = std::move(reported);
  }
  set_counts(ns, isolated ? plan.quarantined.size() : 0, leaky);
  return failure.empty() ? ReconcileResult::done() : ReconcileResult::failed(failure);
}

}  // namespace quarantine_detail
}  // namespace kindlyguard::controller
