// The background audit, PolicyViolation Events and policy metrics for `serve` in a cluster.
#include "kindlyguard/cli/cluster_mode.hpp"
#include "kindlyguard/controller/background_audit.hpp"
#include "kindlyguard/controller/violation_events.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {

std::vector<FlagSpec> audit_flags() {
  return {
      {"audit-interval", "how often the leader judges every running pod (background audit); 0 turns it off", "10m"},
      {"report-max-results", "at most this many results per namespace's PolicyReport (the summary stays complete)", "1000"},
      {"policy-reports", "write PolicyReports (wgpolicyk8s.io/v1alpha2) from the background audit", "true", true},
      {"violation-events", "record a PolicyViolation Event on the SecurityPolicy for each denied, warned or audited request",
       "true", true},
  };
}

Result<bool> setup_background_audit(const Flags& flags, ClusterMode& cluster, policy::PolicyStore& store,
                                    observe::Metrics& metrics, admission::Handler& handler) {
  auto& live = cluster.op->live_policies();
  live.on_change([&live, &metrics](const std::string&) { metrics.set_policies(live.counts()); });

  if (flags.get_bool("violation-events") && cluster.events) {
    auto observer = std::make_shared<controller::PolicyViolationEvents>(*cluster.events, store);
    handler.add_observer(observer.get());
    cluster.keep_alive.push_back(observer);
  }

  auto interval = flags.get_duration("audit-interval");
  if (!interval.ok()) return interval.error();
  if (interval->count() == 0) {
    log::info("background audit off (--audit-interval 0)");
    return true;
  }
  controller::BackgroundAuditOptions o;
  try {
    o.max_results = std::stoul(flags.get("report-max-results"));
  } catch (const std::exception&) {
    return Error{"expected a number, got \"" + flags.get("report-max-results") + "\"", "--report-max-results"};
  }
  o.reports = flags.get_bool("policy-reports");
  o.events = cluster.events.get();
  if (flags.is_set("quarantine-label") || !flags.get("quarantine-label").empty()) {
    const std::string label = flags.get("quarantine-label");
    const auto eq = label.find('=');
    o.quarantine_label_key = label.substr(0, eq);
    o.quarantine_label_value = eq == std::string::npos ? "true" : label.substr(eq + 1);
  }
  o.on_audit = [&metrics](std::size_t judged, std::size_t compliant) { metrics.set_compliance(judged, compliant); };

  client::InformerOptions pods;
  pods.resource = client::resources::pods;
  auto& pod_informer = cluster.op->informers().get(pods);
  auto* op = cluster.op.get();
  o.caches_synced = [op] { return op->not_ready_reason().empty(); };
  o.policy_status = [op](const std::string& policy) -> nlohmann::json {
    auto cached = op->policy_informer().get(policy);
    return cached ? cached->value("status", nlohmann::json::object()) : nlohmann::json();
  };

  controller::ControllerOptions co;
  co.name = "background-audit";
  co.resync = *interval;
  co.list_keys = [] { return std::vector<std::string>{"audit"}; };
  auto c = std::make_unique<controller::Controller>(
      co, controller::background_audit_reconciler(*cluster.api, pod_informer, store, cluster.op->namespace_labels(), o));
  // A policy change is audited soon, once a burst of changes (an apply of many policies) settles.
  // Only a change of spec counts (LivePolicies): the audit's own status writes must not start it
  // again, or it runs back to back for ever.
  auto* raw = c.get();
  live.on_change([raw](const std::string&) { raw->enqueue_after("audit", std::chrono::seconds(2)); });
  cluster.op->add_controller(std::move(c));
  return true;
}

}  // namespace kindlyguard::cli
