#pragma once
// SecurityPolicyException (kindlyguard.io/v1alpha1, namespaced): one workload excused from named
// rules of named policies, with a reason, an owner and an expiry. One matcher, here in the pure
// core, decides for the webhook, the background audit and `kindlyguard check` alike; the edges
// only supply what needs I/O (the clock, and the owner lookup that follows ownerReferences).
//
// What an exception covers, every given field of spec.match must hold:
//   - namespaces: its own namespace by default. Naming others (globs allowed) takes effect only
//     for an exception that lives in an admin namespace (--exception-namespaces); elsewhere the
//     exception is Invalid and excuses nothing: a team cannot excuse another team's workloads.
//   - kinds / names: the top owner's kind and name, found by following controller
//     ownerReferences whose owner exists with that uid (Pod for a bare pod), so a Deployment's
//     ReplicaSet and pods get the Deployment's answer.
//   - selector: the pod's (template's) labels.
//   - containers / images: a container-level finding is excused when its container is listed; a
//     pod-level finding (hostPID, a hostPath volume) is a grant to every container of the pod, so
//     it is excused only when every container is covered.
// expiresAt: ignored from that second on, on every path (the caller passes the clock).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/k8s/image_pattern.hpp"
#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::policy {

using Seconds = std::chrono::sys_seconds;

struct ExcusedRules {
  std::string policy;               // a SecurityPolicy name
  std::vector<std::string> rules;   // rule ids as denials name them ("runAsUser", "pss/hostPorts"), or {"*"}
  bool all() const { return rules.size() == 1 && rules.front() == "*"; }
};

struct ExceptionMatch {
  std::vector<std::string> namespaces;  // globs; empty = the exception's own namespace
  std::vector<std::string> kinds;       // the top owner's kind, exact
  std::vector<std::string> names;       // the top owner's name, globs
  std::optional<k8s::LabelSelector> selector;
  std::vector<std::string> containers;  // container names, globs
  std::vector<k8s::ImagePattern> images;
};

struct SecurityPolicyException {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::vector<ExcusedRules> exceptions;
  ExceptionMatch match;
  std::string reason;
  std::string ticket;
  std::string owner;
  std::optional<Seconds> expires_at;

  std::string key() const { return namespace_ + "/" + name; }  // "monitoring/node-exporter"
};

// One SecurityPolicyException object decoded to JSON. Every problem is reported with its field
// path: unknown fields (with a did-you-mean), rule ids no policy can produce, a "*" mixed with
// ids, a blank reason, an expiresAt that is not RFC 3339, a malformed selector or image pattern.
// A missing metadata.namespace is "default" (as kubectl applies it).
Result<SecurityPolicyException> parse_exception(const nlohmann::json& object);
std::vector<Error> validate_exception(const nlohmann::json& object);

// Why an exception excuses nothing whatever the object ("" when it may): it names namespaces
// other than its own and does not live in one of `admin_namespaces`.
std::string invalid_reason(const SecurityPolicyException& e, const std::vector<std::string>& admin_namespaces);
bool expired(const SecurityPolicyException& e, Seconds now);

// The exceptions in force, swapped whole like the PolicySet.
struct ExceptionSet {
  std::vector<SecurityPolicyException> exceptions;
  std::vector<std::string> admin_namespaces;  // --exception-namespaces
  uint64_t version = 0;
};
using ExceptionSetPtr = std::shared_ptr<const ExceptionSet>;

// A controller owner reference of some object, as ownerReferences lists it.
struct OwnerRef {
  std::string api_version, kind, name, uid;
};
// The metadata of the owner named by `ref` in namespace `ns` (at least uid and ownerReferences),
// or nullopt when it does not exist or cannot be read. An edge supplies it: the informer cache or
// the API server in the webhook, the other input documents in `check`.
using OwnerLookupFn = std::function<std::optional<nlohmann::json>(const std::string& ns, const OwnerRef& ref)>;

// The top owner of an object: kind and name of the last controller reached by following
// `controller: true` ownerReferences whose owner the lookup finds with the same uid (an owner that
// is missing, or a uid that does not match, ends the walk: a forged reference gains nothing).
struct Workload {
  std::string kind;
  std::string name;
};
Workload top_owner(const nlohmann::json& object, const std::string& ns, const OwnerLookupFn& lookup);

// What the evaluator needs to apply exceptions. A null set applies none.
struct ExceptionScope {
  const ExceptionSet* set = nullptr;
  Seconds now{};
  OwnerLookupFn owners;  // may be empty: the object is then its own top owner
};

// A violation an exception excused, with the exception's namespace/name.
struct ExcusedViolation {
  Violation violation;
  std::string exception;  // "monitoring/node-exporter"
};

// Moves every violation some exception in force excuses from `violations` to `excused`, in
// order. The top owner is looked up once and only when an exception could apply.
void apply_exceptions(const ExceptionScope& scope, const std::string& ns, const PodView& pod,
                      std::vector<Violation>& violations, std::vector<ExcusedViolation>& excused);

// Every rule id a denial can carry: the registry's rules and "pss/<check>" for every PSS check.
const std::vector<std::string>& known_rule_ids();

}  // namespace kindlyguard::policy
