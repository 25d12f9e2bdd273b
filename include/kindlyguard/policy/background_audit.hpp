#pragma once
// The background audit's judgement: every running pod against every policy that asks for it
// (spec.audit.background, the default), with the same judge() the webhook uses, summarised the
// way reports need it. Pure: pods in, results out; the controller does the I/O.
//
// Results are per (pod, policy, rule): fail for a Deny policy's violation, warn for Warn and Audit
// policies, skip for a rule whose every violation a SecurityPolicyException excused (with the
// exception's namespace/name; exceptions apply exactly as in the webhook, expiry by the `now` of
// AuditOptions::exceptions), pass for every rule the policy checks that the pod satisfies. Storage is bounded by
// design: per namespace at most `max_results` results are kept (failures and warnings first,
// then passes), while the counts stay complete.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::policy {

// Every rule id a policy checks: its configured rules, and "pss/<check>" for each Pod Security
// Standards check of its level and version.
std::vector<std::string> rule_ids(const SecurityPolicy& policy);

struct AuditResult {
  enum class Outcome { Pass, Fail, Warn, Skip };
  std::string policy;
  std::string rule;
  Outcome outcome = Outcome::Pass;
  Enforcement enforcement = Enforcement::Deny;
  std::string message;  // the violations' messages, joined; "" for a pass
  std::string pod, pod_uid;
  std::string exception;  // for Skip: the excusing SecurityPolicyException, "namespace/name"
  Severity severity = Severity::Medium;  // the rule's; for a fail or warn, its most severe violation's
};
const char* to_string(AuditResult::Outcome o);

struct NamespaceAudit {
  std::vector<AuditResult> results;  // at most max_results: fails, warns and skips first, then passes
  std::size_t pass = 0, fail = 0, warn = 0, skip = 0;  // complete counts
  std::size_t pods = 0;                      // pods judged by at least one policy
};

struct AuditOutcome {
  std::map<std::string, NamespaceAudit> namespaces;          // only namespaces with judged pods
  std::map<std::string, std::size_t> violating_pods;         // per audited policy (0 included)
  std::size_t pods_judged = 0;                                // pods at least one policy selects
  std::size_t pods_compliant = 0;                             // of those, with no violation at all
  // Pods that violate a policy with spec.onViolation.quarantine, and which policy: "ns/name" -> policy.
  std::map<std::string, std::string> to_quarantine;
  // Per SecurityPolicyException ("namespace/name"): the pods it excused something for.
  std::map<std::string, std::size_t> exception_matches;
};

struct AuditOptions {
  std::size_t max_results = 1000;
  // The exceptions in force, the clock that expires them and the owner lookup (none by default).
  ExceptionScope exceptions;
};

// Pods in phase Succeeded or Failed are not running and are skipped, as are objects that are not
// pods. Each pod is judged once per policy.
AuditOutcome audit_pods(const PolicySet& set, const std::vector<std::shared_ptr<const nlohmann::json>>& pods,
                        const NamespaceLabelsFn& namespace_labels, const AuditOptions& options = {});

}  // namespace kindlyguard::policy
