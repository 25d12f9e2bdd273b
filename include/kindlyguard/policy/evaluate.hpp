#pragma once
// The decision: (policies, request) -> Decision. Pure: the webhook, `kindlyguard check` and the
// background audit all come here, and nothing here does I/O.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/pod_view.hpp"

namespace kindlyguard::policy {

// An immutable set of policies. Swapped whole (shared_ptr) so a request sees one set, never half.
struct PolicySet {
  std::vector<SecurityPolicy> policies;
  uint64_t version = 0;
};
using PolicySetPtr = std::shared_ptr<const PolicySet>;

enum class Operation { Create, Update, Delete, Connect };
// "CREATE", "UPDATE", "DELETE", "CONNECT": as AdmissionReview spells it.
const char* to_string(Operation op);

// What the evaluator needs of an admission request; the admission edge decodes AdmissionReview
// into this. `object`/`old_object` are borrowed.
struct Request {
  std::string uid;
  Operation operation = Operation::Create;
  std::string kind;          // request.kind.kind, e.g. "Pod", "Deployment"
  std::string resource;      // request.resource.resource, e.g. "pods"
  std::string group;         // request.resource.group: "" (core), "apps", "kindlyguard.io"
  std::string sub_resource;  // "", "ephemeralcontainers", "status", ...
  std::string namespace_;
  std::string name;
  std::string username;
  std::vector<std::string> groups;
  const nlohmann::json* object = nullptr;
  const nlohmann::json* old_object = nullptr;
  bool dry_run = false;
};

// Namespace labels, from the informer cache (operator) or synthesised (standalone: only
// kubernetes.io/metadata.name). nullopt when the namespace is unknown.
using NamespaceLabelsFn = std::function<std::optional<k8s::Labels>(const std::string& ns)>;

struct Decision {
  bool judged = false;       // false: nothing here for us to judge (DELETE, status update, ...)
  bool allowed = true;
  int code = 200;            // 403 when denied
  std::string message;       // denial message listing every Deny violation
  std::vector<std::string> warnings;                    // one short line per Warn violation
  std::map<std::string, std::string> audit_annotations; // Audit violations, by policy
  std::vector<Violation> violations;                    // all of them, for logs, Events, metrics
  // What SecurityPolicyExceptions excused: never silent (a warning names each exception, the
  // audit log records them), but neither denied nor counted as violations.
  std::vector<ExcusedViolation> excused;
  std::vector<std::string> matched_policies;
  std::string note;          // why not judged, for logs
};

// Deny beats Warn beats Audit: the enforcement that decides what becomes of an object with these
// violations, nullopt when there are none. evaluate() denies exactly when it is Deny; `check`
// reports it as the object's decision.
std::optional<Enforcement> strongest_enforcement(const std::vector<Violation>& violations);

// Judges one pod or pod template against one policy, ignoring match and user exemptions
// (callers have decided the policy applies). Container image exemptions apply.
std::vector<Violation> judge(const SecurityPolicy& policy, const PodView& pod);

// The severity a rule id declares ("runAsNonRoot", "pss/privileged"); a finding may raise it
// (Violation::severity). Medium for an unknown id.
Severity rule_severity(std::string_view rule_id);

// Does `policy` select this object (namespace names/globs, namespace labels, pod labels)?
bool policy_matches(const SecurityPolicy& policy, const std::string& ns, const PodView& pod,
                    const NamespaceLabelsFn& namespace_labels);

// Every violation of every policy that selects the object, as `kindlyguard check` and the
// background audit see it: there is no request, so no user exemptions and no operation rules.
// Exceptions in `exceptions` apply as in the webhook; what they excuse goes to `excused` when given.
std::vector<Violation> judge_all(const PolicySet& set, const std::string& ns, const PodView& pod,
                                 const NamespaceLabelsFn& namespace_labels, const ExceptionScope& exceptions = {},
                                 std::vector<ExcusedViolation>* excused = nullptr);

// The whole admission decision for one request.
Decision evaluate(const PolicySet& set, const Request& request, const NamespaceLabelsFn& namespace_labels,
                  const ExceptionScope& exceptions = {});

// The admission warning for what one exception excused: "kindlyguard: SecurityPolicyException
// monitoring/node-exporter excuses baseline-deny/pss/hostPorts, ... (reason: ...; expires ...)".
std::vector<std::string> excuse_warnings(const std::vector<ExcusedViolation>& excused, const ExceptionSet* set);

// The default labels lookup for standalone mode: every namespace exists with its name label.
NamespaceLabelsFn name_only_namespace_labels();

}  // namespace kindlyguard::policy
