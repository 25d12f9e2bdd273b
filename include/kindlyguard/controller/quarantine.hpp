#pragma once
// The quarantine controller: a pod labeled kindlyguard.io/quarantine=true (key and value
// configurable) is cut off from the network, and comes back when the label goes.
//
// - Per namespace with at least one labeled pod, a NetworkPolicy `kindlyguard-quarantine`
//   (labeled app.kubernetes.io/managed-by=kindlyguard) selects the label with policyTypes
//   [Ingress, Egress] and no allow rules: the quarantine only ever removes access, so a pod
//   that labels itself gains nothing. The allowances (ingress from a forensics namespace, egress
//   to cluster DNS) are the one exception, off by default: an admin who turns them on accepts that
//   a self-labeled pod in a namespace whose policies deny that traffic gains it. Removed when no
//   labeled pod is left; restored when someone edits or deletes it. A NetworkPolicy without our label is never touched, even
//   one with our name (that is reported instead).
// - NetworkPolicies add up: another policy that selects a quarantined pod and allows traffic
//   lets that traffic through. The leak detector matches every policy's podSelector in the
//   namespace against the pod's labels and reports the leaky ones (a Warning Event
//   QuarantineIncomplete on the pod naming them, and the kindly_security_quarantine_leaks gauge).
// - Optionally (where the AdminNetworkPolicy API, policy.networking.k8s.io/v1alpha1, is served)
//   a cluster-scoped AdminNetworkPolicy `kindlyguard-quarantine` that Denies all ingress and
//   egress of labeled pods ahead of every NetworkPolicy, which closes the leaks that come from
//   other pods. It has Deny rules only, never Allow or Pass (either would, at our priority,
//   override another admin policy's deny): the allowances are left undenied there instead. It is kept while the option is on, whether or not a pod is labeled, so a label
//   takes effect the moment it is set.
// - Events on the pod: Quarantined (Normal) once isolated, Released (Normal) once the label is
//   gone; the annotation kindlyguard.io/quarantined-at (RFC 3339) marks an isolated pod and is
//   how a released pod is found again after a restart.
//
// Level-triggered: the reconcile key is a namespace (plus one key for the AdminNetworkPolicy);
// each reconcile reads the pods and NetworkPolicies from the informer caches, computes the
// desired state with the pure functions below, and makes the world match. Events only enqueue
// keys; the periodic resync enqueues every key there is.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/shared_informers.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/controller/quarantine_record.hpp"
#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/policy/exception.hpp"

namespace kindlyguard::controller {

inline constexpr const char* kQuarantinePolicyName = "kindlyguard-quarantine";  // the full mode's

// What a quarantine blocks, from the label's value (issue 18): the configured value (true) and
// `full` block all traffic; `egress` blocks egress only (the pod keeps serving: suspected data
// exfiltration); `ingress` blocks ingress only. One managed NetworkPolicy per namespace and mode.
enum class QuarantineMode { Full, Egress, Ingress };
inline constexpr QuarantineMode kQuarantineModes[] = {QuarantineMode::Full, QuarantineMode::Egress,
                                                      QuarantineMode::Ingress};
const char* to_string(QuarantineMode mode);  // "full", "egress", "ingress"
// kindlyguard-quarantine, kindlyguard-quarantine-egress, kindlyguard-quarantine-ingress
std::string quarantine_policy_name(QuarantineMode mode);
// One of ours by name (any mode)?
bool is_quarantine_policy_name(const std::string& name);
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "kindlyguard";
inline constexpr const char* kQuarantinedAtAnnotation = "kindlyguard.io/quarantined-at";
// The reconcile key of the AdminNetworkPolicy: no namespace can be called this.
inline constexpr const char* kAdminNetworkPolicyKey = "*adminnetworkpolicy";
// AdminNetworkPolicy priorities run 0-1000, lower first: the quarantine goes before all others.
inline constexpr int kAdminNetworkPolicyPriority = 0;

inline const client::ResourceRef admin_network_policies{"policy.networking.k8s.io", "v1alpha1",
                                                        "adminnetworkpolicies", false, "AdminNetworkPolicy"};

struct QuarantineConfig {
  std::string label_key = "kindlyguard.io/quarantine";
  std::string label_value = "true";
  std::string forensics_namespace;  // "": no ingress allowed at all
  bool allow_dns = false;           // egress to kube-system's kube-dns on UDP and TCP 53
  bool admin_network_policy = false;
  // Evidence captured before isolation, kept as QuarantineRecords (quarantine_record.hpp).
  ForensicsConfig forensics;
  // Detach a quarantined pod from its controller and Services (quarantine_detach.cpp).
  bool detach = true;

  std::string label() const { return label_key + "=" + label_value; }
  // Every label value that quarantines a pod: label_value, full, egress, ingress.
  std::vector<std::string> values() const;
  // The values of one mode (full: label_value and full).
  std::vector<std::string> values(QuarantineMode mode) const;
  // The label selector of every quarantined pod: "KEY in (true,full,egress,ingress)".
  std::string selector() const;
};

// ---- desired state (pure) ----

// Does the pod carry the quarantine label (any mode's value)?
bool is_quarantined(const QuarantineConfig& config, const nlohmann::json& pod);
// Its mode; nullopt when the pod is not quarantined.
std::optional<QuarantineMode> quarantine_mode_of(const QuarantineConfig& config, const nlohmann::json& pod);
// Does the object carry app.kubernetes.io/managed-by=kindlyguard?
bool is_managed(const nlohmann::json& object);

// The NetworkPolicy kindlyguard keeps in `ns` for the pods of `mode`: full denies both directions,
// egress and ingress one (policyTypes names only that one), each with its allowance if configured.
nlohmann::json desired_network_policy(const QuarantineConfig& config, const std::string& ns,
                                      QuarantineMode mode = QuarantineMode::Full);
// The AdminNetworkPolicy kindlyguard keeps when the option is on.
nlohmann::json desired_admin_network_policy(const QuarantineConfig& config);

// How `actual` departs from `desired`, field by field ("spec.podSelector", "spec.policyTypes",
// "spec.ingress", "spec.egress", "metadata.labels[app.kubernetes.io/managed-by]"); empty when it
// does what we want. Selectors compare by meaning (matchLabels {a: b} equals matchExpressions
// [{key: a, operator: In, values: [b]}]), policyTypes as a set, and an absent rule list equals [].
std::vector<std::string> network_policy_differences(const nlohmann::json& actual, const nlohmann::json& desired);

// One other NetworkPolicy that selects a quarantined pod and allows traffic.
struct Leak {
  std::string policy;
  bool ingress = false;  // it allows some ingress to the pod
  bool egress = false;   // it allows some egress from the pod
  std::string to_string() const;  // "allow-web (ingress)", "open (ingress, egress)"
};

// What an AdminNetworkPolicy in force covers: it Denies traffic from and to every pod ahead of
// the NetworkPolicies, and egress to every address when the API kept its `networks` peer.
struct AdminPolicyCoverage {
  bool in_force = false;
  bool egress_to_networks = false;
};

// The NetworkPolicies in `policies` (other than ours) whose podSelector matches the pod's labels
// and that allow ingress or egress (a rule of a direction named in policyTypes, whatever its peers
// and ports: podSelector {} and `- {}` included). With an AdminNetworkPolicy in force, rules
// whose traffic it already denies are not leaks: only those that can admit traffic from outside
// the cluster (no `from`, or an ipBlock) and, when it has no networks peer, egress to addresses.
std::vector<Leak> find_leaks(const nlohmann::json& pod, const std::vector<std::shared_ptr<const nlohmann::json>>& policies,
                             const AdminPolicyCoverage& admin = {});

// The plan for one namespace, from the cached pods and NetworkPolicies of that namespace.
struct NamespacePlan {
  enum class PolicyAction { None, Create, Update, Delete, Blocked };
  PolicyAction action = PolicyAction::None;
  std::vector<std::string> differences;  // for Update: what someone changed
  nlohmann::json desired;                // the NetworkPolicy to have (null when none)
  std::shared_ptr<const nlohmann::json> actual;  // ours (or the unmanaged one in the way), if any
  std::vector<std::shared_ptr<const nlohmann::json>> quarantined;  // labeled pods
  std::vector<std::shared_ptr<const nlohmann::json>> released;     // annotated, no longer labeled
};
// For one mode: `quarantined` holds that mode's pods; `released` (mode-agnostic) is filled for
// the full mode only, so each released pod is planned once.
NamespacePlan plan_namespace(const QuarantineConfig& config, const std::string& ns,
                             const std::vector<std::shared_ptr<const nlohmann::json>>& pods,
                             const std::vector<std::shared_ptr<const nlohmann::json>>& policies,
                             QuarantineMode mode = QuarantineMode::Full);

// ---- the controller ----

struct QuarantineOptions {
  QuarantineConfig config;
  std::chrono::milliseconds resync{std::chrono::minutes(10)};
  // Quarantined pods (labeled and isolated) by mode ("full", "egress", "ingress") and leaky
  // quarantines (pods another policy still lets traffic reach or leave), cluster-wide, after every
  // reconcile; zeros when leadership ends.
  std::function<void(const std::map<std::string, std::size_t>& quarantined, std::size_t leaks)> on_counts;
  // A quarantine ended after this many seconds (its record's since to its end).
  std::function<void(double seconds)> on_ended;
  std::function<void(const std::string& controller, const char* result)> on_result;
  // Follows a pod's controller ownerReferences for the record's owner chain (may be empty).
  policy::OwnerLookupFn owners;
  // The bytes of evidence kept for one pod, each time a record's Secret is written.
  std::function<void(std::size_t bytes)> on_evidence;
};

// Registers the pod and NetworkPolicy informers (every pod and every NetworkPolicy in the
// cluster: the leak detector needs them all, and the background audit shares the pod one) and
// their handlers with `informers`, and returns the controller. The operator builds it through
// make_quarantine_controller(OperatorContext&), in the same source file.
// `api`, `informers` and `events` must outlive it.
std::unique_ptr<Controller> make_quarantine_controller(client::ApiClient& api, client::SharedInformers& informers,
                                                       EventRecorder& events, QuarantineOptions options);

}  // namespace kindlyguard::controller
