// Wiring of the quarantine controller: the informers it reads, the handlers that turn their
// events into namespace keys, the index of pods that matter, and the gauges.
#include "kindlyguard/controller/operator_config.hpp"
#include "kindlyguard/controller/pod_cache.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "quarantine_internal.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace quarantine_detail {

namespace {

client::InformerOptions everywhere(const client::ResourceRef& r) {
  client::InformerOptions o;
  o.resource = r;
  o.transform = without_managed_fields;
  return o;
}

constexpr auto kLeaderOnly = client::SharedInformers::Scope::LeaderOnly;

}  // namespace

QuarantineState::QuarantineState(client::ApiClient& api, client::SharedInformers& informers, EventRecorder& events,
                                 QuarantineOptions options)
    : api_(api), informers_(informers), events_(events), options_(std::move(options)) {
  pods_ = &informers_.get(pod_cache_options(), kLeaderOnly);
  policies_ = &informers_.get(everywhere(client::resources::network_policies), kLeaderOnly);
  if (options_.config.forensics.enabled) {
    client::InformerOptions o = everywhere(quarantine_records);
    o.ns = records_ns();
    records_ = &informers_.get(o, kLeaderOnly);
  }
}

void QuarantineState::on_pod(const json* old_pod, const json* new_pod) {
  const k8s::Meta any(new_pod ? new_pod : old_pod);
  const std::string ns = any.namespace_();
  const std::string key = ns + "/" + any.name();
  const auto matters = [this](const json* p) {
    return p && (is_quarantined(options_.config, *p) || k8s::Meta(*p).has_annotation(kQuarantinedAtAnnotation));
  };
  const bool was = matters(old_pod);
  const bool is = matters(new_pod);
  if (!was && !is) return;
  {
    std::lock_guard lock(mu_);
    auto& keys = interesting_[ns];
    if (is) keys.insert(key);
    else keys.erase(key);
    if (keys.empty()) interesting_.erase(ns);
  }
  enqueue(ns);
}

void QuarantineState::on_network_policy(const json& np) {
  const k8s::Meta meta(np);
  const std::string ns = meta.namespace_();
  bool matters = is_quarantine_policy_name(meta.name());
  if (!matters) {
    // Another policy changed: it may open (or close) a leak, which matters only where pods are
    // quarantined.
    std::lock_guard lock(mu_);
    matters = interesting_.count(ns) > 0;
  }
  if (matters) enqueue(ns);
}

std::vector<std::string> QuarantineState::keys() const {
  std::set<std::string> keys;
  {
    std::lock_guard lock(mu_);
    for (const auto& [ns, pods] : interesting_) keys.insert(ns);
  }
  for (const auto& np : policies_->list()) {
    const k8s::Meta meta(*np);
    if (is_quarantine_policy_name(meta.name()) && is_managed(*np)) keys.insert(meta.namespace_());
  }
  if (options_.config.admin_network_policy) keys.insert(kAdminNetworkPolicyKey);
  if (records_) keys.insert(kRecordsKey);
  return {keys.begin(), keys.end()};
}

void QuarantineState::reset() {
  {
    std::lock_guard lock(mu_);
    counts_.clear();
    reported_.clear();
    coverage_ = {};
    admin_served_ = false;
    admin_warned_ = false;
    admin_written_ = nullptr;
    admin_stored_ = nullptr;
    written_records_.clear();
    first_reconcile_.reset();
  }
  if (options_.on_counts) options_.on_counts({}, 0);
}

void QuarantineState::set_counts(const std::string& ns, const std::map<std::string, std::size_t>& quarantined,
                                 std::size_t leaks) {
  std::map<std::string, std::size_t> total_quarantined;
  std::size_t total_leaks = 0;
  {
    std::lock_guard lock(mu_);
    if (quarantined.empty() && leaks == 0) counts_.erase(ns);
    else counts_[ns] = {quarantined, leaks};
    for (const auto& [n, c] : counts_) {
      for (const auto& [mode, count] : c.first) total_quarantined[mode] += count;
      total_leaks += c.second;
    }
  }
  if (options_.on_counts) options_.on_counts(total_quarantined, total_leaks);
}

void QuarantineState::enqueue(const std::string& key) {
  if (Controller* c = controller_.load()) c->enqueue(key);
}

std::vector<ObjectPtr> QuarantineState::pods_in(const std::string& ns) const {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(mu_);
    if (auto it = interesting_.find(ns); it != interesting_.end()) keys.assign(it->second.begin(), it->second.end());
  }
  std::vector<ObjectPtr> out;
  for (const auto& k : keys)
    if (auto p = pods_->get(k)) out.push_back(std::move(p));
  return out;
}

std::vector<ObjectPtr> QuarantineState::policies_in(const std::string& ns) const {
  std::vector<ObjectPtr> out;
  for (auto& np : policies_->list())
    if (k8s::Meta(*np).namespace_() == ns) out.push_back(std::move(np));
  return out;
}

ReconcileResult QuarantineState::reconcile(const std::string& key) {
  if (key == kAdminNetworkPolicyKey) return reconcile_admin_policy();
  if (key == kRecordsKey) return reconcile_records();
  // Half a cache would look like "no labeled pods here" and remove a quarantine: wait for both.
  if (!pods_->has_synced() || !policies_->has_synced()) return ReconcileResult::requeue_after(std::chrono::seconds(1));
  // The records too (evidence comes first, and a pod must not get a second record), but not for
  // ever: isolation never waits on the evidence store (a missing CRD), the capture follows later.
  if (records_ && !records_->has_synced()) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (!first_reconcile_) first_reconcile_ = now;
    if (now - *first_reconcile_ < kRecordsSyncGrace) return ReconcileResult::requeue_after(std::chrono::milliseconds(500));
  }
  return reconcile_namespace(key);
}

}  // namespace quarantine_detail

std::unique_ptr<Controller> make_quarantine_controller(client::ApiClient& api, client::SharedInformers& informers,
                                                       EventRecorder& events, QuarantineOptions options) {
  auto state = std::make_shared<quarantine_detail::QuarantineState>(api, informers, events, options);

  ControllerOptions copts;
  copts.name = "quarantine";
  copts.resync = options.resync;
  copts.on_result = options.on_result;
  copts.list_keys = [state] { return state->keys(); };
  copts.on_stop = [state] { state->reset(); };
  auto controller = std::make_unique<Controller>(copts, [state](const std::string& key) { return state->reconcile(key); });
  state->set_controller(controller.get());

  // The informers run only while this replica leads (they start before the controllers and stop
  // after them); a new leadership lists afresh and rebuilds the index from on_add. The Operator
  // stops the informers before it destroys the controllers, so no handler outlives the controller
  // it enqueues into.
  client::InformerHandlers pods;
  pods.on_add = [state](const json& p) { state->on_pod(nullptr, &p); };
  pods.on_update = [state](const json& o, const json& n) { state->on_pod(&o, &n); };
  pods.on_delete = [state](const json& p) { state->on_pod(&p, nullptr); };
  state->pods().add_handlers(std::move(pods));

  client::InformerHandlers nps;
  nps.on_add = [state](const json& np) { state->on_network_policy(np); };
  nps.on_update = [state](const json&, const json& np) { state->on_network_policy(np); };
  nps.on_delete = [state](const json& np) { state->on_network_policy(np); };
  state->policies().add_handlers(std::move(nps));

  if (client::Informer* records = state->records()) {
    client::InformerHandlers rh;
    rh.on_add = [state](const json& r) {
      state->on_record(r);
      if (Controller* c = state->controller()) c->enqueue(quarantine_detail::kRecordsKey);
    };
    rh.on_update = [state](const json&, const json& r) {
      state->on_record(r);
      if (Controller* c = state->controller()) c->enqueue(quarantine_detail::kRecordsKey);
    };
    records->add_handlers(std::move(rh));
  }

  log::info("quarantine controller configured",
            {{"label", options.config.label()},
             {"forensicsNamespace", options.config.forensics_namespace},
             {"allowDNS", options.config.allow_dns ? "true" : "false"},
             {"adminNetworkPolicy", options.config.admin_network_policy ? "true" : "false"},
             {"records", options.config.forensics.enabled ? options.config.forensics.ns : "off"}});
  return controller;
}

Result<std::unique_ptr<Controller>> make_quarantine_controller(OperatorContext& ctx) {
  QuarantineOptions options;
  options.config = ctx.config.quarantine;
  options.resync = ctx.config.resync;
  options.on_counts = [&sink = ctx.sink](const std::map<std::string, std::size_t>& quarantined, std::size_t leaks) {
    sink.set_quarantined_pods(quarantined);
    sink.set_quarantine_leaks(leaks);
  };
  options.on_ended = [&sink = ctx.sink](double seconds) { sink.observe_quarantine_duration(seconds); };
  options.on_evidence = [&sink = ctx.sink](std::size_t bytes) { sink.observe_evidence_bytes(bytes); };
  options.on_result = [&sink = ctx.sink](const std::string& c, const char* r) { sink.count_reconcile(c, r); };
  // Records live in kindlyguard's own namespace unless configured otherwise.
  if (options.config.forensics.ns.empty()) options.config.forensics.ns = ctx.config.leader_election.ns;
  options.owners = ctx.exceptions.owners;
  return make_quarantine_controller(ctx.api, ctx.informers, ctx.events, std::move(options));
}

}  // namespace kindlyguard::controller
