// Who quarantined a pod, from the webhook to the pod's annotation. See quarantine_attribution.hpp.
#include "kindlyguard/controller/quarantine_attribution.hpp"

#include "kindlyguard/controller/quarantine_record.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {
constexpr auto kTick = std::chrono::milliseconds(100);
}

QuarantineAttribution::QuarantineAttribution(client::ApiClient& api, client::Informer& pods,
                                             std::chrono::milliseconds wait)
    : api_(api), pods_(pods), wait_(wait), worker_([this](std::stop_token stop) { run(stop); }) {}

QuarantineAttribution::~QuarantineAttribution() {
  worker_.request_stop();
  cv_.notify_all();
}

void QuarantineAttribution::quarantined(const std::string& ns, const std::string& name, const std::string& user) {
  if (ns.empty() || name.empty() || user.empty()) return;
  {
    std::lock_guard lock(mu_);
    pending_.push_back({ns, name, user, std::chrono::steady_clock::now() + wait_});
  }
  cv_.notify_all();
}

bool QuarantineAttribution::attribute(const Pending& p) {
  auto pod = pods_.get(p.ns + "/" + p.name);
  if (!pod) return false;  // not labeled yet (or not in this replica's cache yet)
  const k8s::Meta meta(*pod);
  if (meta.has_annotation(kQuarantinedByAnnotation)) return true;  // someone was first
  json patch = {{"metadata",
                 {{"resourceVersion", meta.resource_version()}, {"annotations", {{kQuarantinedByAnnotation, p.user}}}}}};
  client::CallOptions call;
  call.timeout = std::chrono::seconds(5);
  auto r = api_.patch(client::resources::pods, p.ns, p.name, client::PatchType::Merge, patch, {}, "", call);
  if (r.ok()) {
    log::info("quarantine attributed", {{"pod", p.ns + "/" + p.name}, {"quarantinedBy", p.user}});
    return true;
  }
  if (r.error().is_not_found()) return true;
  if (!r.error().is_conflict())
    log::warn("cannot record who quarantined a pod yet",
              {{"pod", p.ns + "/" + p.name}, {"quarantinedBy", p.user}, {"error", r.error().to_string()}});
  return false;  // changed meanwhile, or an error: the next tick tries again with the cache's pod
}

void QuarantineAttribution::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<Pending> work;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, stop, kTick, [this] { return !pending_.empty(); });
      if (stop.stop_requested()) return;
      work.swap(pending_);
    }
    std::vector<Pending> again;
    const auto now = std::chrono::steady_clock::now();
    for (auto& p : work) {
      if (attribute(p)) continue;
      if (now < p.deadline) again.push_back(std::move(p));
      else
        log::warn("gave up recording who quarantined a pod: the label never appeared on it",
                  {{"pod", p.ns + "/" + p.name}, {"user", p.user}});
    }
    if (again.empty()) continue;
    std::unique_lock lock(mu_);
    for (auto& p : again) pending_.push_back(std::move(p));
    // Not at once: wait a tick for the informer (or the API) to move.
    cv_.wait_for(lock, stop, kTick, [] { return false; });
  }
}

}  // namespace kindlyguard::controller
