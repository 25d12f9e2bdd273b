#include "kindlyguard/policy/evaluate.hpp"

#include <algorithm>
#include <iterator>

#include "kindlyguard/k8s/glob.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "kindlyguard/policy/rules.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::policy {
namespace {

bool any_glob(const std::vector<std::string>& globs, const std::string& text) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return k8s::glob_match(g, text); });
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool user_exempt(const Exemptions& e, const Request& r) {
  if (contains(e.usernames, r.username)) return true;
  return std::any_of(r.groups.begin(), r.groups.end(), [&](const std::string& g) { return contains(e.groups, g); });
}

// The pod (template) annotations some check reads: with the pod spec, all an UPDATE can change
// of a verdict.
json checked_annotations(const PodView& view) {
  json out = json::object();
  const json& md = view.pod_metadata();
  if (!md.is_object()) return out;
  auto a = md.find("annotations");
  if (a == md.end() || !a->is_object()) return out;
  for (auto it = a->begin(); it != a->end(); ++it)
    if (pss::reads_annotation(it.key())) out[it.key()] = it.value();
  return out;
}

// True when an UPDATE leaves everything the checks read as it was: the pod spec and the checked
// annotations of the pod or template. Labels and other annotations may change freely.
bool judged_parts_unchanged(const json* old_object, const PodView& updated) {
  if (!old_object) return false;
  auto old_view = PodView::from_object(*old_object);
  if (!old_view.ok()) return false;
  return old_view->spec() == updated.spec() && checked_annotations(*old_view) == checked_annotations(updated);
}

std::string pss_label(const PodSecurityStandard& s) {
  return std::string(to_string(s.level)) + ":" + s.version.to_string();
}

void append_sentence(std::string& msg, const Violation& v) {
  msg += "[" + v.rule + "] " + v.message;
  if (!v.field.empty()) msg += " (" + v.field + ")";
}

}  // namespace

const char* to_string(Enforcement e) {
  switch (e) {
    case Enforcement::Deny: return "Deny";
    case Enforcement::Warn: return "Warn";
    case Enforcement::Audit: return "Audit";
  }
  return "Deny";
}

const char* to_string(Operation op) {
  switch (op) {
    case Operation::Create: return "CREATE";
    case Operation::Update: return "UPDATE";
    case Operation::Delete: return "DELETE";
    case Operation::Connect: return "CONNECT";
  }
  return "CREATE";
}

std::optional<Enforcement> strongest_enforcement(const std::vector<Violation>& violations) {
  std::optional<Enforcement> out;
  for (const auto& v : violations) {
    if (v.enforcement == Enforcement::Deny) return v.enforcement;
    if (!out || v.enforcement == Enforcement::Warn) out = v.enforcement;
  }
  return out;
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::Critical: return "critical";
    case Severity::High: return "high";
    case Severity::Medium: return "medium";
    case Severity::Low: return "low";
  }
  return "medium";
}

std::optional<Severity> parse_severity(std::string_view word) {
  for (Severity s : {Severity::Critical, Severity::High, Severity::Medium, Severity::Low})
    if (word == to_string(s)) return s;
  return std::nullopt;
}

const char* to_string(PssLevel l) {
  switch (l) {
    case PssLevel::Privileged: return "privileged";
    case PssLevel::Baseline: return "baseline";
    case PssLevel::Restricted: return "restricted";
  }
  return "baseline";
}

std::vector<Violation> judge(const SecurityPolicy& policy, const PodView& pod) {
  std::vector<Violation> out;
  auto add = [&](std::string rule, std::string container, std::string field, std::string message, Severity severity) {
    out.push_back({policy.name, std::move(rule), policy.enforcement, std::move(container), std::move(field),
                   std::move(message), severity});
  };
  if (policy.pod_security_standard) {
    const auto& pss = *policy.pod_security_standard;
    for (auto& r : pss::evaluate(pss.level, pss.version, pod)) {
      // PSS refuses every hostPath alike; the one that gives root on the node is critical, as in the hostPath rule.
      Severity severity = r.check_id == "hostPathVolumes" && mounts_node_root_path(pod) ? Severity::Critical : r.severity;
      add("pss/" + r.check_id, std::move(r.container), std::move(r.field),
          "violates PodSecurity \"" + pss_label(pss) + "\": " + r.reason + (r.detail.empty() ? "" : " (" + r.detail + ")"),
          severity);
    }
  }
  RuleInput input(policy, pod);
  std::vector<Finding> findings;
  for (const auto& rule : rule_registry()) {
    if (!rule.enabled(policy.rules)) continue;
    findings.clear();
    rule.check(input, findings);
    for (auto& f : findings)
      add(std::string(rule.id), std::move(f.container), std::move(f.field), std::move(f.message),
          f.severity ? std::min(*f.severity, rule.severity) : rule.severity);
  }
  return out;
}

Severity rule_severity(std::string_view rule_id) {
  if (rule_id.starts_with("pss/")) {
    rule_id.remove_prefix(4);
    static const std::vector<pss::CheckInfo> checks = pss::checks();
    for (const auto& c : checks)
      if (c.id == rule_id) return c.severity;
    return Severity::Medium;
  }
  for (const auto& r : rule_registry())
    if (r.id == rule_id) return r.severity;
  return Severity::Medium;
}

bool policy_matches(const SecurityPolicy& policy, const std::string& ns, const PodView& pod,
                    const NamespaceLabelsFn& namespace_labels) {
  const Match& m = policy.match;
  if (!m.namespaces.empty() && !any_glob(m.namespaces, ns)) return false;
  if (any_glob(m.excluded_namespaces, ns)) return false;
  if (m.namespace_selector && !m.namespace_selector->empty()) {
    std::optional<k8s::Labels> labels = namespace_labels ? namespace_labels(ns) : std::nullopt;
    // A namespace the cache has not seen yet still has the label the API server always sets;
    // judging against that beats skipping the policy, which would be a bypass.
    if (!labels) labels = k8s::Labels{{"kubernetes.io/metadata.name", ns}};
    if (!m.namespace_selector->matches(*labels)) return false;
  }
  if (m.pod_selector && !m.pod_selector->empty() && !m.pod_selector->matches(pod.pod_labels())) return false;
  return true;
}

std::vector<Violation> judge_all(const PolicySet& set, const std::string& ns, const PodView& pod,
                                 const NamespaceLabelsFn& namespace_labels, const ExceptionScope& exceptions,
                                 std::vector<ExcusedViolation>* excused) {
  std::vector<Violation> out;
  for (const auto& policy : set.policies) {
    if (!policy_matches(policy, ns, pod, namespace_labels)) continue;
    auto v = judge(policy, pod);
    std::move(v.begin(), v.end(), std::back_inserter(out));
  }
  std::vector<ExcusedViolation> ignored;
  apply_exceptions(exceptions, ns, pod, out, excused ? *excused : ignored);
  return out;
}

std::vector<std::string> excuse_warnings(const std::vector<ExcusedViolation>& excused, const ExceptionSet* set) {
  // One line per exception, in the order they were first used.
  std::vector<std::pair<std::string, std::vector<std::string>>> by_exception;
  for (const auto& x : excused) {
    auto it = std::find_if(by_exception.begin(), by_exception.end(), [&](const auto& p) { return p.first == x.exception; });
    if (it == by_exception.end()) it = by_exception.insert(by_exception.end(), {x.exception, {}});
    std::string what = x.violation.policy + "/" + x.violation.rule;
    if (std::find(it->second.begin(), it->second.end(), what) == it->second.end()) it->second.push_back(std::move(what));
  }
  std::vector<std::string> out;
  for (const auto& [key, rules] : by_exception) {
    std::string line = "kindlyguard: SecurityPolicyException " + key + " excuses ";
    for (std::size_t i = 0; i < rules.size(); ++i) line += (i ? ", " : "") + rules[i];
    const SecurityPolicyException* e = nullptr;
    if (set)
      for (const auto& candidate : set->exceptions)
        if (candidate.key() == key) e = &candidate;
    if (e) {
      std::string reason = e->reason.size() > 200 ? e->reason.substr(0, 200) + "..." : e->reason;
      line += " (reason: " + reason;
      if (e->expires_at) line += "; expires " + format_k8s_time(e->expires_at->time_since_epoch().count());
      line += ")";
    }
    out.push_back(std::move(line));
  }
  return out;
}

NamespaceLabelsFn name_only_namespace_labels() {
  return [](const std::string& ns) -> std::optional<k8s::Labels> { return k8s::Labels{{"kubernetes.io/metadata.name", ns}}; };
}

Decision evaluate(const PolicySet& set, const Request& req, const NamespaceLabelsFn& namespace_labels,
                  const ExceptionScope& exceptions) {
  Decision d;
  if (req.operation == Operation::Delete || req.operation == Operation::Connect) {
    d.note = "operation not judged";
    return d;
  }
  // ephemeralcontainers (kubectl debug) and resize (in-place resource changes, Kubernetes 1.33+)
  // carry the whole pod and change what the policies judge; status and the rest do not.
  if (!req.sub_resource.empty() && req.sub_resource != "ephemeralcontainers" && req.sub_resource != "resize") {
    d.note = "subresource " + req.sub_resource + " not judged";
    return d;
  }
  if (!req.object) {
    d.note = "no object in the request";
    return d;
  }
  auto view = PodView::from_object(*req.object);
  if (!view.ok()) {
    d.note = view.error().to_string();
    if (!PodView::claims_pod(*req.object)) return d;  // a kind without a pod spec: nothing to judge
    // A pod or workload that cannot be read (a field of the wrong type, a template that is not an
    // object) is refused, naming the field: "allowed" would let it skip every rule. The API server
    // decodes objects into typed structs before admission and never sends one, so only a forged
    // review lands here.
    d.judged = true;
    d.allowed = false;
    d.code = 400;
    d.message = "kindlyguard cannot judge this " + std::string(req.kind.empty() ? "object" : req.kind) + ": " +
                view.error().to_string() + " (the API server refuses such an object too; fix the field)";
    return d;
  }
  if (req.operation == Operation::Update && req.sub_resource.empty()) {
    // Label and annotation changes must pass, so a violating running pod can still be labeled
    // (for quarantine, for instance); a changed pod spec, or a changed annotation that a check
    // reads (a template's AppArmor annotation), is judged again.
    if (judged_parts_unchanged(req.old_object, *view)) {
      d.note = "pod spec unchanged";
      return d;
    }
  }
  d.judged = true;
  std::string ns = req.namespace_.empty() ? view->namespace_() : req.namespace_;

  std::string deny_message;
  std::map<std::string, std::string> audit_by_policy;
  for (const auto& policy : set.policies) {
    if (user_exempt(policy.exemptions, req)) continue;
    if (!policy_matches(policy, ns, *view, namespace_labels)) continue;
    d.matched_policies.push_back(policy.name);
    auto violations = judge(policy, *view);
    apply_exceptions(exceptions, ns, *view, violations, d.excused);
    if (violations.empty()) continue;
    if (policy.enforcement == Enforcement::Deny) {
      deny_message += (deny_message.empty() ? "" : "; ") + std::string("policy \"") + policy.name + "\": ";
      for (std::size_t i = 0; i < violations.size(); ++i) {
        if (i) deny_message += ", ";
        append_sentence(deny_message, violations[i]);
      }
    }
    for (auto& v : violations) {
      if (v.enforcement == Enforcement::Warn) d.warnings.push_back("kindlyguard " + v.policy + "/" + v.rule + ": " + v.message);
      if (v.enforcement == Enforcement::Audit) {
        auto& line = audit_by_policy[v.policy];
        line += (line.empty() ? "" : "; ") + v.rule + ": " + v.message;
      }
      d.violations.push_back(std::move(v));
    }
  }
  for (auto& [policy, text] : audit_by_policy) d.audit_annotations["violation." + policy] = std::move(text);
  for (auto& w : excuse_warnings(d.excused, exceptions.set)) d.warnings.push_back(std::move(w));
  if (strongest_enforcement(d.violations) == Enforcement::Deny) {
    d.allowed = false;
    d.code = 403;
    d.message = view->describe() + " is denied by kindlyguard: " + deny_message;
  }
  return d;
}

}  // namespace kindlyguard::policy
