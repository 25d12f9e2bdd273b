#include "kindlyguard/policy/background_audit.hpp"

#include <algorithm>
#include <set>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::policy {

const char* to_string(AuditResult::Outcome o) {
  switch (o) {
    case AuditResult::Outcome::Pass: return "pass";
    case AuditResult::Outcome::Fail: return "fail";
    case AuditResult::Outcome::Warn: return "warn";
    case AuditResult::Outcome::Skip: return "skip";
  }
  return "pass";
}

std::vector<std::string> rule_ids(const SecurityPolicy& policy) {
  std::vector<std::string> ids;
  for (const auto& r : rule_registry())
    if (r.enabled(policy.rules)) ids.emplace_back(r.id);
  if (policy.pod_security_standard) {
    const auto& pss_spec = *policy.pod_security_standard;
    const int minor = pss::resolve_minor(pss_spec.version);
    const auto all = pss::checks();
    std::set<std::string> overridden;
    if (pss_spec.level == PssLevel::Restricted)
      for (const auto& c : all)
        if (c.level == PssLevel::Restricted && !c.since_minors.empty() && c.since_minors.front() <= minor)
          overridden.insert(c.overrides.begin(), c.overrides.end());
    for (const auto& c : all) {
      if (c.level > pss_spec.level || overridden.count(c.id)) continue;
      if (c.since_minors.empty() || c.since_minors.front() > minor) continue;  // not yet in this version
      ids.push_back("pss/" + c.id);
    }
  }
  return ids;
}

namespace {

struct Collector {
  std::vector<AuditResult> flagged, passed;  // each capped at max (skips count as flagged: they must be seen)
  NamespaceAudit counts;
};

}  // namespace

AuditOutcome audit_pods(const PolicySet& set, const std::vector<std::shared_ptr<const nlohmann::json>>& pods,
                        const NamespaceLabelsFn& namespace_labels, const AuditOptions& options) {
  AuditOutcome out;
  std::vector<const SecurityPolicy*> audited;
  std::map<const SecurityPolicy*, std::vector<std::string>> ids;
  for (const auto& p : set.policies)
    if (p.audit_background) {
      audited.push_back(&p);
      ids[&p] = rule_ids(p);
      out.violating_pods[p.name] = 0;
    }
  if (audited.empty()) return out;

  std::map<std::string, Collector> by_ns;
  for (const auto& pod_ptr : pods) {
    if (!pod_ptr) continue;
    const auto& pod = *pod_ptr;
    const auto phase = string_at(member_at(pod, "status"), "phase").value_or("");
    if (phase == "Succeeded" || phase == "Failed") continue;
    auto view = PodView::from_object(pod);
    if (!view.ok()) continue;
    const k8s::Meta meta(pod);
    const std::string ns = meta.namespace_();
    const std::string name = meta.name();
    bool judged = false, compliant = true;
    std::set<std::string> excused_by;  // exceptions that excused something of this pod
    for (const SecurityPolicy* p : audited) {
      if (!policy_matches(*p, ns, *view, namespace_labels)) continue;
      judged = true;
      auto violations = judge(*p, *view);
      std::vector<ExcusedViolation> excused;
      apply_exceptions(options.exceptions, ns, *view, violations, excused);
      std::map<std::string, std::string> failed;  // rule -> messages
      std::map<std::string, Severity> worst;      // rule -> its most severe violation
      for (const auto& v : violations) {
        auto& m = failed[v.rule];
        m += (m.empty() ? "" : "; ") + v.message;
        auto [it, first] = worst.emplace(v.rule, v.severity);
        if (!first) it->second = std::min(it->second, v.severity);
      }
      if (!violations.empty()) {
        compliant = false;
        ++out.violating_pods[p->name];
        // Only violations at least as severe as onViolation.quarantine.minSeverity isolate the pod.
        if (p->quarantine_on_violation &&
            std::any_of(violations.begin(), violations.end(),
                        [&](const Violation& v) { return v.severity <= p->quarantine_min_severity; }))
          out.to_quarantine.emplace(ns + "/" + name, p->name);
      }
      // A rule is skipped when exceptions excused all its violations; one left makes it fail.
      std::map<std::string, std::pair<std::string, std::string>> skipped;  // rule -> (exception, messages)
      for (const auto& x : excused) {
        excused_by.insert(x.exception);
        if (failed.count(x.violation.rule)) continue;
        auto& [exception, m] = skipped[x.violation.rule];
        if (exception.empty()) exception = x.exception;
        m += (m.empty() ? "" : "; ") + x.violation.message;
      }
      auto& c = by_ns[ns];
      auto add = [&](std::string rule, AuditResult::Outcome o, std::string message, std::string exception = {}) {
        auto& bucket = o == AuditResult::Outcome::Pass ? c.passed : c.flagged;
        switch (o) {
          case AuditResult::Outcome::Pass: ++c.counts.pass; break;
          case AuditResult::Outcome::Fail: ++c.counts.fail; break;
          case AuditResult::Outcome::Warn: ++c.counts.warn; break;
          case AuditResult::Outcome::Skip: ++c.counts.skip; break;
        }
        if (bucket.size() < options.max_results) {
          auto w = worst.find(rule);
          const Severity severity = w != worst.end() ? w->second : rule_severity(rule);
          bucket.push_back({p->name, std::move(rule), o, p->enforcement, std::move(message), name, meta.uid(),
                            std::move(exception), severity});
        }
      };
      const auto flagged = p->enforcement == Enforcement::Deny ? AuditResult::Outcome::Fail : AuditResult::Outcome::Warn;
      for (const auto& rule : ids[p])
        if (!failed.count(rule) && !skipped.count(rule)) add(rule, AuditResult::Outcome::Pass, "");
      for (auto& [rule, message] : failed) add(rule, flagged, std::move(message));
      for (auto& [rule, x] : skipped) add(rule, AuditResult::Outcome::Skip, std::move(x.second), std::move(x.first));
    }
    for (const auto& e : excused_by) ++out.exception_matches[e];
    if (judged) {
      ++out.pods_judged;
      ++by_ns[ns].counts.pods;
      if (compliant) ++out.pods_compliant;
    }
  }
  for (auto& [ns, c] : by_ns) {
    if (c.counts.pods == 0) continue;
    NamespaceAudit a = std::move(c.counts);
    a.results = std::move(c.flagged);
    for (auto& r : c.passed) {
      if (a.results.size() >= options.max_results) break;
      a.results.push_back(std::move(r));
    }
    out.namespaces.emplace(ns, std::move(a));
  }
  return out;
}

}  // namespace kindlyguard::policy
