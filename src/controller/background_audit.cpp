#include "kindlyguard/controller/background_audit.hpp"

#include <atomic>
#include <iterator>
#include <map>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

std::string result_message(const policy::AuditResult& a) {
  switch (a.outcome) {
    case policy::AuditResult::Outcome::Pass: return "the pod passes this rule";
    case policy::AuditResult::Outcome::Skip: return "excused by SecurityPolicyException " + a.exception + ": " + a.message;
    default: return a.message;
  }
}

std::string result_key(const json& r) {
  std::string pod = r.contains("resources") && r["resources"].is_array() && !r["resources"].empty()
                        ? r["resources"][0].value("name", "")
                        : "";
  return r.value("policy", "") + "|" + r.value("rule", "") + "|" + pod + "|" + r.value("result", "") + "|" +
         r.value("message", "");
}

json strip_timestamps(const json& report) {
  json out = {{"summary", report.value("summary", json::object())}, {"results", json::array()}};
  for (auto r : report.value("results", json::array())) {
    r.erase("timestamp");
    out["results"].push_back(std::move(r));
  }
  return out;
}

// The earliest expiresAt after `now` of an exception that excused something.
std::optional<policy::Seconds> next_excuse_expiry(const policy::ExceptionSet* set,
                                                  const std::map<std::string, std::size_t>& matches, policy::Seconds now) {
  std::optional<policy::Seconds> next;
  if (!set) return next;
  for (const auto& e : set->exceptions)
    if (e.expires_at && *e.expires_at > now && matches.count(e.key()) && (!next || *e.expires_at < *next))
      next = *e.expires_at;
  return next;
}

}  // namespace

json policy_report(const std::string& ns, const policy::NamespaceAudit& audit, const json& previous,
                   std::int64_t now_seconds) {
  std::map<std::string, json> kept;  // result key -> timestamp
  if (previous.is_object())
    for (const auto& r : previous.value("results", json::array()))
      if (r.contains("timestamp")) kept.emplace(result_key(r), r["timestamp"]);

  json results = json::array();
  for (const auto& a : audit.results) {
    json r = {{"source", "kindlyguard"},
              {"policy", a.policy},
              {"rule", a.rule},
              {"result", policy::to_string(a.outcome)},
              {"severity", policy::to_string(a.severity)},
              {"category", "Pod Security"},
              {"scored", true},
              {"resources", json::array({{{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", ns}, {"name", a.pod}, {"uid", a.pod_uid}}})}};
    r["message"] = result_message(a);
    if (a.outcome == policy::AuditResult::Outcome::Skip) r["properties"] = {{"exception", a.exception}};
    auto it = kept.find(result_key(r));
    r["timestamp"] = it != kept.end() ? it->second : json{{"seconds", now_seconds}, {"nanos", 0}};
    results.push_back(std::move(r));
  }
  return {{"apiVersion", "wgpolicyk8s.io/v1alpha2"},
          {"kind", "PolicyReport"},
          {"metadata",
           {{"name", kPolicyReportName},
            {"namespace", ns},
            {"labels", {{"app.kubernetes.io/managed-by", "kindlyguard"}}}}},
          {"summary", {{"pass", audit.pass}, {"fail", audit.fail}, {"warn", audit.warn}, {"error", 0}, {"skip", audit.skip}}},
          {"results", std::move(results)}};
}

bool same_report_content(const json& a, const json& b) { return strip_timestamps(a) == strip_timestamps(b); }

bool status_write_due(const json& cached_status, std::size_t violations, const std::string& uid, std::int64_t generation,
                      const std::optional<AuditStatusWrite>& last, std::chrono::steady_clock::time_point now,
                      std::chrono::milliseconds refresh) {
  if (!last || last->uid != uid || last->generation != generation || last->violations != violations) return true;
  if (now - last->at >= refresh) return true;
  if (!cached_status.is_object()) return false;
  const auto time = cached_status.find("lastAuditTime");
  // RFC 3339 times in one format (UTC, whole seconds) compare as strings.
  if (time == cached_status.end() || !time->is_string() || time->get<std::string>() < last->time) return false;
  const auto v = cached_status.find("violations");
  return v == cached_status.end() || !v->is_number_integer() ||
         v->get<std::int64_t>() != static_cast<std::int64_t>(violations);
}

Controller::Reconcile background_audit_reconciler(client::ApiClient& api, const client::Informer& pods,
                                                  const policy::PolicyStore& store,
                                                  policy::NamespaceLabelsFn namespace_labels,
                                                  BackgroundAuditOptions options) {
  auto reports_off = std::make_shared<std::atomic<bool>>(!options.reports);
  // Per policy, what this process last wrote to its status. The audit has one key, so the work
  // queue never runs two of these reconciles at once: no lock needed.
  auto status_written = std::make_shared<std::map<std::string, AuditStatusWrite>>();
  return [&api, &pods, &store, namespace_labels, options, reports_off,
          status_written](const std::string&) -> ReconcileResult {
    if (!pods.has_synced() || (options.caches_synced && !options.caches_synced()))
      return ReconcileResult::requeue_after(std::chrono::seconds(1));
    const auto started = std::chrono::steady_clock::now();
    const auto set = store.get();
    const auto all = pods.list();
    policy::AuditOptions ao;
    ao.max_results = options.max_results;
    const policy::ExceptionSetPtr exceptions = options.exceptions ? options.exceptions() : nullptr;
    const auto audit_time =
        std::chrono::floor<std::chrono::seconds>(options.now ? options.now() : std::chrono::system_clock::now());
    ao.exceptions = {exceptions.get(), audit_time, options.owners};
    const auto outcome = policy::audit_pods(*set, all, namespace_labels, ao);
    if (options.on_exceptions) options.on_exceptions(outcome.exception_matches, audit_time);
    const std::string now_text = k8s_time_now();
    const std::int64_t now_seconds = std::time(nullptr);
    std::string errors;
    auto note = [&errors](const std::string& e) { errors += (errors.empty() ? "" : "; ") + e; };

    // SecurityPolicy status: only what says something new (a write per audit per policy would be
    // a stream of writes into etcd on an idle cluster, each coming back as a watch event).
    std::size_t status_writes = 0;
    std::size_t report_writes = 0;
    std::map<std::string, const policy::SecurityPolicy*> in_force;
    for (const auto& p : set->policies) in_force[p.name] = &p;
    const auto steady_now = std::chrono::steady_clock::now();
    for (const auto& [policy, violating] : outcome.violating_pods) {
      const auto* p = in_force[policy];
      const std::string uid = p ? p->uid : "";
      const std::int64_t generation = p ? p->generation : 0;
      const json cached = options.policy_status ? options.policy_status(policy) : json();
      auto last = status_written->find(policy);
      const auto previous = last != status_written->end() ? std::optional(last->second) : std::nullopt;
      if (!status_write_due(cached, violating, uid, generation, previous, steady_now, options.status_refresh)) continue;
      json patch = {{"status", {{"violations", violating}, {"lastAuditTime", now_text}}}};
      auto r = api.patch(client::resources::security_policies, "", policy, client::PatchType::Merge, patch, {}, "status");
      ++status_writes;
      if (r.ok()) (*status_written)[policy] = {uid, generation, violating, now_text, steady_now};
      else if (!r.error().is_not_found())
        note("status of SecurityPolicy " + policy + ": " + r.error().to_string());
    }
    // Policies no longer in the set (deleted) are forgotten.
    for (auto it = status_written->begin(); it != status_written->end();)
      it = outcome.violating_pods.count(it->first) ? std::next(it) : status_written->erase(it);

    // PolicyReports.
    if (!reports_off->load()) {
      client::ListOptions lo;
      lo.label_selector = "app.kubernetes.io/managed-by=kindlyguard";
      auto existing = api.list_all(client::resources::policy_reports, "", lo);
      if (!existing.ok() && (existing.error().is_not_found() || existing.error().is_forbidden())) {
        reports_off->store(true);
        log::warn("PolicyReports are off: the PolicyReport CRD is not installed or we may not write it",
                  {{"error", existing.error().to_string()}});
      } else if (!existing.ok()) {
        note("PolicyReports: " + existing.error().to_string());
      } else {
        std::map<std::string, json> current;
        for (const auto& item : existing->value("items", json::array()))
          if (const k8s::Meta meta(item); meta.name() == kPolicyReportName) current[meta.namespace_()] = item;
        for (const auto& [ns, audit] : outcome.namespaces) {
          auto it = current.find(ns);
          const json prev = it != current.end() ? it->second : json();
          json want = policy_report(ns, audit, prev, now_seconds);
          if (it != current.end()) {
            if (same_report_content(want, prev)) continue;  // no churn
            want["metadata"]["resourceVersion"] = k8s::Meta(prev).resource_version();
            ++report_writes;
            auto r = api.update(client::resources::policy_reports, want);
            if (!r.ok()) note("PolicyReport " + ns + "/" + kPolicyReportName + ": " + r.error().to_string());
          } else {
            ++report_writes;
            auto r = api.create(client::resources::policy_reports, want);
            if (!r.ok()) note("PolicyReport " + ns + "/" + kPolicyReportName + ": " + r.error().to_string());
          }
        }
        for (const auto& [ns, report] : current) {
          if (outcome.namespaces.count(ns)) continue;
          ++report_writes;
          auto r = api.remove(client::resources::policy_reports, ns, kPolicyReportName);
          if (!r.ok() && !r.error().is_not_found()) note("PolicyReport " + ns + "/" + kPolicyReportName + ": " + r.error().to_string());
        }
      }
    }

    // onViolation.quarantine.
    for (const auto& [key, policy] : outcome.to_quarantine) {
      auto cached = pods.get(key);
      if (!cached) continue;
      const auto label = k8s::Meta(*cached).label(options.quarantine_label_key);
      if (label.value_or("") == options.quarantine_label_value) continue;
      const auto slash = key.find('/');
      json patch = {{"metadata", {{"labels", {{options.quarantine_label_key, options.quarantine_label_value}}}}}};
      auto r = api.patch(client::resources::pods, key.substr(0, slash), key.substr(slash + 1), client::PatchType::Merge, patch);
      if (!r.ok()) {
        if (!r.error().is_not_found()) note("quarantine label on pod " + key + ": " + r.error().to_string());
        continue;
      }
      log::info("pod quarantined by policy", {{"pod", key}, {"policy", policy}});
      if (options.events) {
        EventRecord e;
        e.regarding = ObjectReference::of(*cached);
        e.type = EventType::Warning;
        e.reason = "QuarantinedByPolicy";
        e.action = "Quarantine";
        e.note = "SecurityPolicy " + policy + " found violations and has spec.onViolation.quarantine: true; labeled " +
                 options.quarantine_label_key + "=" + options.quarantine_label_value;
        options.events->record(std::move(e));
      }
    }

    if (options.on_audit) options.on_audit(outcome.pods_judged, outcome.pods_compliant);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log::info("background audit", {{"pods", std::to_string(all.size())},
                                   {"judged", std::to_string(outcome.pods_judged)},
                                   {"compliant", std::to_string(outcome.pods_compliant)},
                                   {"namespaces", std::to_string(outcome.namespaces.size())},
                                   {"statusWrites", std::to_string(status_writes)},
                                   {"reportWrites", std::to_string(report_writes)},
                                   {"durationMs", std::to_string(took.count())}});
    if (!errors.empty()) return ReconcileResult::failed(errors);
    if (auto next = next_excuse_expiry(exceptions.get(), outcome.exception_matches, audit_time)) {
      const auto wall = options.now ? options.now() : std::chrono::system_clock::now();
      auto until = std::chrono::ceil<std::chrono::milliseconds>(*next - wall);
      if (until.count() < 1) until = std::chrono::milliseconds(1);
      if (options.interval.count() == 0 || until < options.interval) return ReconcileResult::requeue_after(until);
    }
    return ReconcileResult::done();
  };
}

}  // namespace kindlyguard::controller
