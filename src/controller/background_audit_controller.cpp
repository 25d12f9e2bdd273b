// The background audit's factory (controller/background_audit.hpp): one key, reconciled every
// audit interval and soon after the policy set changes.
#include "kindlyguard/controller/background_audit.hpp"
#include "kindlyguard/controller/operator_config.hpp"
#include "kindlyguard/controller/pod_cache.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

Result<std::unique_ptr<Controller>> make_background_audit_controller(OperatorContext& ctx) {
  const BackgroundAuditConfig& audit = ctx.config.audit;
  if (audit.interval.count() == 0) {
    log::info("background audit off (--audit-interval 0)");
    return std::unique_ptr<Controller>();
  }
  BackgroundAuditOptions o;
  o.max_results = audit.max_results;
  o.reports = audit.reports;
  o.report_format = audit.report_format;
  o.events = &ctx.events;
  o.quarantine_label_key = ctx.config.quarantine.label_key;
  o.quarantine_label_value = ctx.config.quarantine.label_value;
  o.on_audit = [&sink = ctx.sink](std::size_t judged, std::size_t compliant) { sink.set_compliance(judged, compliant); };
  o.caches_synced = ctx.caches_synced;
  o.policy_status = [&policies = ctx.policies](const std::string& policy) -> nlohmann::json {
    auto cached = policies.get(policy);
    return cached ? cached->value("status", nlohmann::json::object()) : nlohmann::json();
  };

  if (ctx.exceptions.store) o.exceptions = [store = ctx.exceptions.store] { return store->get(); };
  o.owners = ctx.exceptions.owners;
  o.interval = audit.interval;
  if (ctx.exceptions.usage)
    o.on_exceptions = [usage = ctx.exceptions.usage](const std::map<std::string, std::size_t>& m, policy::Seconds at) {
      usage->set_matched(m, at);
    };

  // The compact pod cache, which runs only while this replica leads (pod_cache.hpp).
  auto& pod_informer = ctx.informers.get(pod_cache_options(), client::SharedInformers::Scope::LeaderOnly);

  ControllerOptions co;
  co.name = "background-audit";
  co.resync = audit.interval;
  co.list_keys = [] { return std::vector<std::string>{"audit"}; };
  co.on_result = [&sink = ctx.sink](const std::string& c, const char* r) { sink.count_reconcile(c, r); };
  auto c = std::make_unique<Controller>(
      co, background_audit_reconciler(ctx.api, pod_informer, ctx.store, ctx.namespace_labels, std::move(o)));
  // A policy change is audited soon, once a burst of changes (an apply of many policies) settles.
  // Only a change of spec counts (LivePolicies): the audit's own status writes must not start it
  // again, or it runs back to back for ever.
  ctx.live_policies.on_change([raw = c.get()](const std::string&) { raw->enqueue_after("audit", std::chrono::seconds(2)); });
  // So does an exception's change: what it excuses is skipped, or judged again, in the reports.
  if (ctx.exceptions.live)
    ctx.exceptions.live->on_change([raw = c.get()](const std::string&) { raw->enqueue_after("audit", std::chrono::seconds(2)); });
  return c;
}

}  // namespace kindlyguard::controller
