#include "kindlyguard/controller/violation_events.hpp"

#include <map>
#include <set>

#include "kindlyguard/util/ascii.hpp"

namespace kindlyguard::controller {

namespace {
const char* verdict_word(policy::Enforcement e) {
  switch (e) {
    case policy::Enforcement::Deny: return "Denied";
    case policy::Enforcement::Warn: return "Warned about";
    case policy::Enforcement::Audit: return "Audited";
  }
  return "Denied";
}
}  // namespace

std::vector<EventRecord> PolicyViolationEvents::events_for(const policy::Request& request,
                                                           const policy::Decision& decision,
                                                           const policy::PolicySet& set) {
  std::vector<EventRecord> out;
  if (request.dry_run || decision.violations.empty()) return out;
  std::map<std::string, std::set<std::string>> rules_by_policy;
  std::map<std::string, policy::Enforcement> enforcement;
  for (const auto& v : decision.violations) {
    rules_by_policy[v.policy].insert(v.rule);
    enforcement[v.policy] = v.enforcement;
  }
  for (const auto& [name, rules] : rules_by_policy) {
    EventRecord e;
    e.regarding.api_version = "kindlyguard.io/v1alpha1";
    e.regarding.kind = "SecurityPolicy";
    e.regarding.name = name;
    for (const auto& p : set.policies)
      if (p.name == name) e.regarding.uid = p.uid;
    e.type = EventType::Warning;
    e.reason = "PolicyViolation";
    e.action = policy::to_string(enforcement[name]);
    std::string rule_list;
    for (const auto& r : rules) rule_list += (rule_list.empty() ? "" : ", ") + r;
    const std::string object = request.kind + " " + (request.namespace_.empty() ? "" : request.namespace_ + "/") +
                               (request.name.empty() ? "(generated name)" : request.name);
    e.note = std::string(verdict_word(enforcement[name])) + " " + ascii_lower(policy::to_string(request.operation)) +
             " of " + object + " by " + (request.username.empty() ? "(unknown user)" : request.username) + ": " +
             rule_list;
    // Repeats of the same request (policy, object, user, rules) group into one series (the note is
    // the series key); new series are rate-limited per requesting namespace, so violations in one
    // namespace (or forged reviews naming one) never use up the Events of the others.
    e.source = request.namespace_.empty() ? "(cluster-scoped)" : "namespace/" + request.namespace_;
    out.push_back(std::move(e));
  }
  return out;
}

void PolicyViolationEvents::on_decision(const policy::Request& request, const policy::Decision& decision,
                                        std::chrono::microseconds) {
  if (request.dry_run || decision.violations.empty()) return;
  for (auto& e : events_for(request, decision, *store_.get())) events_.record(std::move(e));
}

}  // namespace kindlyguard::controller
