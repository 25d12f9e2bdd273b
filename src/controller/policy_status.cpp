#include "kindlyguard/controller/policy_status.hpp"

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

std::optional<json> desired_policy_status(const json& current_status, const PolicyReadiness& verdict,
                                          const std::string& now) {
  json status = current_status.is_object() ? current_status : json::object();
  json conditions = status.contains("conditions") && status["conditions"].is_array() ? status["conditions"] : json::array();
  const std::string want_status = verdict.ready ? "True" : "False";

  json* ready = nullptr;
  for (auto& c : conditions)
    if (c.is_object() && c.value("type", "") == "Ready") ready = &c;

  const bool same = ready && ready->value("status", "") == want_status && ready->value("reason", "") == verdict.reason &&
                    ready->value("message", "") == verdict.message &&
                    ready->value("observedGeneration", std::int64_t{-1}) == verdict.observed_generation &&
                    status.value("observedGeneration", std::int64_t{-1}) == verdict.observed_generation;
  if (same) return std::nullopt;

  json next = {{"type", "Ready"},
               {"status", want_status},
               {"reason", verdict.reason},
               {"message", verdict.message},
               {"observedGeneration", verdict.observed_generation},
               // Only a change of status is a transition (metav1.Condition's contract).
               {"lastTransitionTime", ready && ready->value("status", "") == want_status && ready->contains("lastTransitionTime")
                                          ? (*ready)["lastTransitionTime"]
                                          : json(now)}};
  if (ready) *ready = std::move(next);
  else conditions.push_back(std::move(next));
  status["conditions"] = std::move(conditions);
  status["observedGeneration"] = verdict.observed_generation;
  return status;
}

Controller::Reconcile policy_status_reconciler(client::ApiClient& api, const client::Informer& policies,
                                               const LivePolicies& live) {
  return [&api, &policies, &live](const std::string& name) -> ReconcileResult {
    auto cached = policies.get(name);
    if (!cached) return ReconcileResult::done();  // deleted: nothing to write
    auto verdict = live.readiness(name);
    const k8s::Meta meta(*cached);
    const std::int64_t generation = meta.generation();
    // The verdict follows the cache through the informer's handler; until it has caught up,
    // the change that made them differ enqueues this key again.
    if (!verdict || verdict->observed_generation != generation) return ReconcileResult::done();

    auto status = desired_policy_status(cached->value("status", json::object()), *verdict, k8s_time_now());
    if (!status) return ReconcileResult::done();

    json body = {{"apiVersion", (*cached)["apiVersion"]},
                 {"kind", (*cached)["kind"]},
                 {"metadata", {{"name", name}, {"resourceVersion", meta.resource_version()}}},
                 {"status", *status}};
    auto written = api.update_status(client::resources::security_policies, body);
    if (written.ok() || written.error().is_not_found()) return ReconcileResult::done();
    return ReconcileResult::failed("status of SecurityPolicy " + name + ": " + written.error().to_string());
  };
}

}  // namespace kindlyguard::controller
