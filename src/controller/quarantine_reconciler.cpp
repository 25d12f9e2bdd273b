// The reconcile of one namespace: make the NetworkPolicy match the plan, then mark and tell the
// pods (annotation, Events), then report leaks and counts. Every step is idempotent, so a
// reconcile cut short by a crash or an API error is finished by the next one.
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/k8s/quarantine_until.hpp"
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

std::string isolation_note(const QuarantineConfig& c, QuarantineMode mode, bool admin_policy) {
  const bool ingress = mode != QuarantineMode::Egress;
  const bool egress = mode != QuarantineMode::Ingress;
  std::vector<std::string> except;
  if (ingress && !c.forensics_namespace.empty()) except.push_back("ingress from namespace " + c.forensics_namespace);
  if (egress && c.allow_dns) except.push_back("egress to cluster DNS (kube-system kube-dns, port 53)");
  const char* blocked = ingress && egress ? ": no ingress or egress" : ingress ? ": no ingress (egress still flows)"
                                                                              : ": no egress (it still serves)";
  std::string note = "Isolated by NetworkPolicy " + quarantine_policy_name(mode) + blocked +
                     (except.empty() ? "" : " except " + join(except, " and ")) + " (label " + c.label_key +
                     ", mode " + to_string(mode) + ").";
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

std::string blocked_note(QuarantineMode mode) {
  return "Not isolated: NetworkPolicy " + quarantine_policy_name(mode) +
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

// Makes our NetworkPolicy of one mode match the plan; true when the plan's pods are isolated.
bool QuarantineState::apply_policy(const NamespacePlan& plan, const std::string& ns, QuarantineMode mode,
                                   std::string& failure) {
  const std::string name = quarantine_policy_name(mode);
  const std::string where = ns + "/" + name;
  using Action = NamespacePlan::PolicyAction;
  switch (plan.action) {
    case Action::None:
      return !plan.quarantined.empty();
    case Action::Create: {
      auto r = api_.create(client::resources::network_policies, plan.desired);
      if (r.ok()) {
        log::info("quarantine policy created",
                  {{"networkPolicy", where}, {"mode", to_string(mode)}, {"pods", std::to_string(plan.quarantined.size())}});
        return true;
      }
      // AlreadyExists: our cache is behind; the informer's event brings this key back.
      failure = "create NetworkPolicy " + where + ": " + r.error().to_string();
      return false;
    }
    case Action::Update: {
      json body = *plan.actual;
      body["spec"] = plan.desired["spec"];
      body["metadata"]["labels"][kManagedByLabel] = kManagedByValue;
      body["metadata"]["annotations"].update(plan.desired["metadata"]["annotations"]);
      auto r = api_.update(client::resources::network_policies, body);  // conditional on the cached resourceVersion
      if (r.ok()) {
        log::warn("quarantine policy was changed by someone else; restored",
                  {{"networkPolicy", where}, {"changed", join(plan.differences)}});
        return true;
      }
      failure = "restore NetworkPolicy " + where + ": " + r.error().to_string();
      return false;
    }
    case Action::Delete: {
      client::DeleteOptions del;
      del.precondition_uid = k8s::Meta(*plan.actual).uid();
      auto r = api_.remove(client::resources::network_policies, ns, name, del);
      if (r.ok() || r.error().is_not_found())
        log::info("quarantine policy removed: no quarantined pod of its mode left", {{"networkPolicy", where}});
      else
        failure = "delete NetworkPolicy " + where + ": " + r.error().to_string();
      return false;
    }
    case Action::Blocked:
      log::warn("a NetworkPolicy not managed by kindlyguard has the quarantine policy's name; pods there are not isolated",
                {{"networkPolicy", where}});
      return false;
  }
  return false;
}

// kindlyguard.io/quarantine-until: when the pod's quarantine ends, counted from its isolation
// (kindlyguard.io/quarantined-at); nullopt without one. An invalid value is reported once.
std::optional<std::time_t> QuarantineState::quarantine_ends(const json& pod) {
  const json annotations = pod.value("metadata", json::object()).value("annotations", json::object());
  const std::string until = annotations.value(k8s::kQuarantineUntilAnnotation, "");
  if (until.empty()) return std::nullopt;
  const auto since = parse_k8s_time(annotations.value(kQuarantinedAtAnnotation, ""));
  if (!since) return std::nullopt;  // not isolated yet: the clock starts then
  auto deadline = k8s::quarantine_deadline(until, *since);
  if (!deadline) {
    const std::string key = k8s::Meta(pod).uid() + "/" + until;
    bool first = false;
    {
      std::lock_guard lock(mu_);
      first = invalid_until_.insert(key).second;
    }
    if (first)
      events_.record({ObjectReference::of(pod), EventType::Warning, "QuarantineUntilInvalid", "CheckExpiry",
                      std::string(k8s::kQuarantineUntilAnnotation) + " is \"" + until +
                          "\", neither an RFC 3339 time (2026-12-09T08:00:00Z) nor a duration (90m, 1h30m, 2d): the "
                          "quarantine lasts until released.",
                      ""});
  }
  return deadline;
}

// The time is up: kindlyguard lifts the quarantine (the guard lets its own user do this, and
// only this); the release that follows records the end.
bool QuarantineState::expire(const json& pod, std::string& failure) {
  const k8s::Meta meta(pod);
  json patch = {{"metadata", {{"resourceVersion", meta.resource_version()}, {"labels", {{options_.config.label_key, nullptr}}}}}};
  auto r = api_.patch(client::resources::pods, meta.namespace_(), meta.name(), client::PatchType::Merge, patch);
  if (!r.ok()) {
    if (!r.error().is_not_found())
      failure = "end the quarantine of pod " + meta.namespace_() + "/" + meta.name() + ": " + r.error().to_string();
    return false;
  }
  const json annotations = pod.value("metadata", json::object()).value("annotations", json::object());
  events_.record({ObjectReference::of(pod), EventType::Normal, "QuarantineExpired", "Expire",
                  "The quarantine's time is up (" + std::string(k8s::kQuarantineUntilAnnotation) + ": " +
                      annotations.value(k8s::kQuarantineUntilAnnotation, "") + "): kindlyguard removed the label " +
                      options_.config.label_key + ".",
                  ""});
  log::info("quarantine expired", {{"pod", meta.namespace_() + "/" + meta.name()}});
  return true;
}

ReconcileResult QuarantineState::reconcile_namespace(const std::string& ns) {
  const QuarantineConfig& cfg = options_.config;
  const auto policies = policies_in(ns);
  const auto pods = pods_in(ns);
  std::vector<std::pair<QuarantineMode, NamespacePlan>> plans;
  for (auto mode : kQuarantineModes) plans.emplace_back(mode, plan_namespace(cfg, ns, pods, policies, mode));
  std::string failure;

  // Evidence first: each quarantined pod's record is written before its isolation. A capture
  // that fails does not hold the isolation back; the next reconcile tries again.
  if (records_ && records_->has_synced())
    for (const auto& [mode, plan] : plans)
      for (const auto& pod : plan.quarantined) {
        std::string error;
        if (!ensure_record(*pod, error)) {
          log::warn("quarantine evidence not captured yet", {{"pod", ns + "/" + k8s::Meta(*pod).name()}, {"error", error}});
          failure = error;
        }
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
  std::size_t isolated_pods = 0;
  std::map<std::string, std::size_t> by_mode;
  std::optional<std::time_t> next_expiry;
  const std::time_t now = std::time(nullptr);
  for (const auto& [mode, plan] : plans) {
    const bool isolated = apply_policy(plan, ns, mode, failure);
    if (isolated) {
      isolated_pods += plan.quarantined.size();
      by_mode[to_string(mode)] += plan.quarantined.size();
    }
    // The AdminNetworkPolicy covers the full mode's pods only.
    const AdminPolicyCoverage covered = mode == QuarantineMode::Full ? coverage : AdminPolicyCoverage{};
    for (const auto& pod : plan.quarantined) {
      const auto regarding = ObjectReference::of(*pod);
      const k8s::Meta meta(*pod);
      if (isolated && !meta.has_annotation(kQuarantinedAtAnnotation)) {
        if (patch_annotation(*pod, k8s_time_now(), failure)) {
          events_.record({regarding, EventType::Normal, "Quarantined", "Isolate", isolation_note(cfg, mode, covered.in_force), ""});
          log::info("pod quarantined", {{"pod", ns + "/" + meta.name()}, {"mode", to_string(mode)}});
        }
      }
      if (isolated && cfg.detach && records_ && records_->has_synced()) detach(*pod, failure);
      if (auto ends = quarantine_ends(*pod)) {
        if (*ends <= now) {
          expire(*pod, failure);
          continue;
        }
        next_expiry = next_expiry ? std::min(*next_expiry, *ends) : *ends;
      }
      std::string note;
      if (plan.action == NamespacePlan::PolicyAction::Blocked) {
        note = blocked_note(mode);
      } else if (isolated) {
        // Only the directions this mode blocks can leak.
        std::vector<Leak> leaks;
        for (auto& l : find_leaks(*pod, policies, covered)) {
          if (mode == QuarantineMode::Egress) l.ingress = false;
          if (mode == QuarantineMode::Ingress) l.egress = false;
          if (l.ingress || l.egress) leaks.push_back(std::move(l));
        }
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
  }
  const NamespacePlan& plan = plans.front().second;  // the released pods are planned with the full mode
  for (const auto& pod : plan.released) {
    const auto ends = quarantine_ends(*pod);
    const bool expired = ends && *ends <= now;
    if (records_ && records_->has_synced())
      end_record(*pod, expired ? record_state::Expired : record_state::Released, "", failure);
    if (!restore_labels(*pod, failure)) continue;  // the release is finished once they are back
    if (patch_annotation(*pod, nullptr, failure)) {
      events_.record({ObjectReference::of(*pod), EventType::Normal, "Released", "Release",
                      "Quarantine label " + cfg.label_key + " removed; the quarantine NetworkPolicies no longer "
                      "select the pod.",
                      ""});
      log::info("pod released from quarantine", {{"pod", ns + "/" + k8s::Meta(*pod).name()}});
      // Who quarantined it belongs to that quarantine (and to its record); a later one is
      // attributed afresh. Best effort: only kindlyguard's own user may remove it.
      if (k8s::Meta(*pod).has_annotation(kQuarantinedByAnnotation)) {
        json clear = {{"metadata", {{"annotations", {{kQuarantinedByAnnotation, nullptr}}}}}};
        auto r = api_.patch(client::resources::pods, ns, k8s::Meta(*pod).name(), client::PatchType::Merge, clear);
        if (!r.ok() && !r.error().is_not_found())
          log::warn("cannot clear the quarantined-by annotation of a released pod",
                    {{"pod", ns + "/" + k8s::Meta(*pod).name()}, {"error", r.error().to_string()}});
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    if (reported.empty()) reported_.erase(ns);
    else reported_[ns] = std::move(reported);
  }
  set_counts(ns, by_mode, leaky);
  if (!failure.empty()) return ReconcileResult::failed(failure);
  // Isolated without evidence (the records' cache never filled): capture once it has.
  if (records_ && !records_->has_synced() && isolated_pods > 0)
    return ReconcileResult::requeue_after(std::chrono::seconds(5));
  if (next_expiry) return ReconcileResult::requeue_after(std::chrono::seconds(std::max<std::time_t>(*next_expiry - now, 1)));
  return ReconcileResult::done();
}

}  // namespace quarantine_detail
}  // namespace kindlyguard::controller
