#include "kindlyguard/controller/background_audit.hpp"

#include <atomic>
#include <iterator>
#include <functional>
#include <map>
#include <set>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "kindlyguard/controller/release_memory.hpp"
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

const char* to_string(ReportFormat f) { return f == ReportFormat::OpenReports ? "openreports" : "policyreport"; }

std::optional<ReportFormat> parse_report_format(std::string_view word) {
  if (word == "policyreport") return ReportFormat::PolicyReport;
  if (word == "openreports") return ReportFormat::OpenReports;
  return std::nullopt;
}

const client::ResourceRef& report_resource(ReportFormat f) {
  return f == ReportFormat::OpenReports ? client::resources::open_reports : client::resources::policy_reports;
}

json policy_report(const std::string& ns, const policy::NamespaceAudit& audit, const json& previous,
                   std::int64_t now_seconds, ReportFormat format) {
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
  const auto& resource = report_resource(format);
  json report = {{"apiVersion", resource.api_version()},
                 {"kind", resource.kind},
                 {"metadata",
                  {{"name", kPolicyReportName},
                   {"namespace", ns},
                   {"labels", {{"app.kubernetes.io/managed-by", "kindlyguard"}}}}},
                 {"summary", {{"pass", audit.pass}, {"fail", audit.fail}, {"warn", audit.warn}, {"error", 0}, {"skip", audit.skip}}},
                 {"results", std::move(results)}};
  // OpenReports names the engine once for the report (the results name it too, as Kyverno's do).
  if (format == ReportFormat::OpenReports) report["source"] = "kindlyguard";
  return report;
}

bool same_report_content(const json& a, const json& b) { return strip_timestamps(a) == strip_timestamps(b); }

namespace {

// A stored report as the audit remembers it between listing and writing: not the report itself
// (2,000 namespaces' reports of up to maxResults results each are hundreds of MB parsed).
struct StoredReport {
  std::string resource_version;
  std::size_t digest = 0;  // of the content without timestamps (same_report_content's view)
};

std::size_t report_digest(const json& report) { return std::hash<std::string>{}(strip_timestamps(report).dump()); }

void add_totals(policy::AuditOutcome& into, policy::AuditOutcome&& part) {
  for (const auto& [policy, n] : part.violating_pods) into.violating_pods[policy] += n;
  into.pods_judged += part.pods_judged;
  into.pods_compliant += part.pods_compliant;
  into.to_quarantine.merge(part.to_quarantine);
  for (const auto& [exception, n] : part.exception_matches) into.exception_matches[exception] += n;
}

}  // namespace

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
    const std::string now_text = k8s_time_now();
    const std::int64_t now_seconds = std::time(nullptr);
    std::string errors;
    auto note = [&errors](const std::string& e) { errors += (errors.empty() ? "" : "; ") + e; };
    std::size_t report_writes = 0;

    // The reports stored now, remembered by digest: listed in small pages, never all at once.
    const auto& resource = report_resource(options.report_format);
    std::map<std::string, StoredReport> current;
    bool write_reports = !reports_off->load();
    if (write_reports) {
      client::ListOptions lo;
      lo.label_selector = "app.kubernetes.io/managed-by=kindlyguard";
      // A report holds up to maxResults results: ~0.4 MB of JSON at 1,000, ~4 MB parsed.
      lo.limit = 4;
      auto listed = api.list_pages(resource, "", lo, [&current](json& page, bool restart) {
        if (restart) current.clear();
        for (const auto& item : page.value("items", json::array()))
          if (const k8s::Meta meta(item); meta.name() == kPolicyReportName)
            current[meta.namespace_()] = {meta.resource_version(), report_digest(item)};
      });
      if (!listed.ok() && (listed.error().is_not_found() || listed.error().is_forbidden())) {
        reports_off->store(true);
        write_reports = false;
        log::warn(std::string("reports are off: the ") + resource.kind + " CRD (" + resource.group +
                      ") is not installed or we may not write it",
                  {{"error", listed.error().to_string()}, {"reportFormat", to_string(options.report_format)}});
      } else if (!listed.ok()) {
        write_reports = false;
        note(resource.kind + "s: " + listed.error().to_string());
      }
    }
    // Writes one namespace's report unless its content is what is stored (no churn).
    auto write_report = [&](const std::string& ns, const policy::NamespaceAudit& audit) {
      json want = policy_report(ns, audit, json(), now_seconds, options.report_format);
      const std::string where = resource.kind + " " + ns + "/" + kPolicyReportName + ": ";
      if (auto it = current.find(ns); it != current.end()) {
        if (report_digest(want) == it->second.digest) return;
        // Changed: the stored report's timestamps stay on the results that stay.
        auto prev = api.get(resource, ns, kPolicyReportName);
        if (prev.ok()) {
          want = policy_report(ns, audit, *prev, now_seconds, options.report_format);
          if (same_report_content(want, *prev)) return;
          want["metadata"]["resourceVersion"] = k8s::Meta(*prev).resource_version();
          ++report_writes;
          auto r = api.update(resource, want);
          if (!r.ok()) note(where + r.error().to_string());
          return;
        }
        if (!prev.error().is_not_found()) return note(where + prev.error().to_string());
      }
      ++report_writes;
      auto r = api.create(resource, want);
      if (!r.ok()) note(where + r.error().to_string());
    };

    // One namespace at a time: its pods judged, its report written, its results dropped. Every
    // namespace's results at once (up to maxResults each) were most of the leader's memory.
    std::map<std::string, std::vector<std::shared_ptr<const json>>> by_ns;
    for (const auto& pod : all)
      if (pod) by_ns[k8s::Meta(*pod).namespace_()].push_back(pod);
    auto outcome = policy::audit_pods(*set, {}, namespace_labels, ao);  // every audited policy, at 0
    std::set<std::string> audited_namespaces;
    for (const auto& [ns, ns_pods] : by_ns) {
      auto part = policy::audit_pods(*set, ns_pods, namespace_labels, ao);
      for (const auto& [audited_ns, audit] : part.namespaces) {
        audited_namespaces.insert(audited_ns);
        if (write_reports) write_report(audited_ns, audit);
      }
      add_totals(outcome, std::move(part));
    }
    if (options.on_exceptions) options.on_exceptions(outcome.exception_matches, audit_time);

    // SecurityPolicy status: only what says something new (a write per audit per policy would be
    // a stream of writes into etcd on an idle cluster, each coming back as a watch event).
    std::size_t status_writes = 0;
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

    // Reports of namespaces with no judged pod left go.
    if (write_reports)
      for (const auto& [ns, stored] : current) {
        if (audited_namespaces.count(ns)) continue;
        ++report_writes;
        auto r = api.remove(resource, ns, kPolicyReportName);
        if (!r.ok() && !r.error().is_not_found())
          note(resource.kind + " " + ns + "/" + kPolicyReportName + ": " + r.error().to_string());
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
        e.note = "SecurityPolicy " + policy + " found violations as severe as its spec.onViolation.quarantine asks; labeled " +
                 options.quarantine_label_key + "=" + options.quarantine_label_value;
        options.events->record(std::move(e));
      }
    }

    if (options.on_audit) options.on_audit(outcome.pods_judged, outcome.pods_compliant);
    release_free_memory();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log::info("background audit", {{"pods", std::to_string(all.size())},
                                   {"judged", std::to_string(outcome.pods_judged)},
                                   {"compliant", std::to_string(outcome.pods_compliant)},
                                   {"namespaces", std::to_string(audited_namespaces.size())},
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
