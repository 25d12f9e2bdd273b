// The quarantine guard. See quarantine_guard.hpp.
#include "kindlyguard/admission/quarantine_guard.hpp"

#include <algorithm>
#include <optional>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/k8s/quarantine_until.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::admission {

using nlohmann::json;

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The label's values that quarantine a pod (the modes, controller/quarantine.hpp): the
// configured value and full (all traffic), egress, ingress. Changing between them is reserved
// like a release: each mode lets some traffic through that another blocks.
bool is_quarantine_value(const QuarantineGuardConfig& config, const std::optional<std::string>& value) {
  return value && (*value == config.label_value || *value == "full" || *value == "egress" || *value == "ingress");
}

bool may_release(const QuarantineGuardConfig& config, const policy::Request& request) {
  if (contains(config.release_users, request.username)) return true;
  for (const auto& g : request.groups)
    if (contains(config.release_groups, g)) return true;
  return false;
}

// `user "bob" (groups: a, b)`
std::string who(const policy::Request& request) {
  std::string groups;
  for (const auto& g : request.groups) groups += (groups.empty() ? "" : ", ") + g;
  return "user " + quoted(request.username) + " (groups: " + (groups.empty() ? "none" : groups) + ")";
}

const char* kReleaseFlags = "kindlyguard's --quarantine-release-users and in none of its --quarantine-release-groups";
constexpr const char* kQuarantinedBy = "kindlyguard.io/quarantined-by";

std::optional<std::string> annotation(const nlohmann::json* object, const char* key) {
  if (!object || !object->is_object()) return std::nullopt;
  const auto md = object->find("metadata");
  if (md == object->end() || !md->is_object()) return std::nullopt;
  const auto a = md->find("annotations");
  if (a == md->end() || !a->is_object()) return std::nullopt;
  const auto v = a->find(key);
  if (v == a->end() || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::string list_or_none(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "none" : out;
}

// The annotation that names the quarantiner is kindlyguard's to write.
std::string judge_attribution(const QuarantineGuardConfig& config, const policy::Request& request) {
  const auto before = annotation(request.old_object, kQuarantinedBy);
  const auto after = annotation(request.object, kQuarantinedBy);
  if (before == after || (!config.own_user.empty() && request.username == config.own_user)) return "";
  return std::string("the annotation ") + kQuarantinedBy + " on pod " + request.namespace_ + "/" + request.name +
         " records who quarantined it (for the two-person release) and is written by kindlyguard only; " + who(request) +
         " may not " + (after ? (before ? "change" : "set") : "remove") +
         " it. Set just the quarantine label: kindlyguard records who did.";
}

// The quarantine's kindlyguard.io/quarantine-until has passed (its start: kindlyguard.io/quarantined-at).
bool time_is_up(const policy::Request& request) {
  const auto until = annotation(request.old_object, k8s::kQuarantineUntilAnnotation);
  if (!until) return false;
  const auto since = parse_k8s_time(annotation(request.old_object, "kindlyguard.io/quarantined-at").value_or(""));
  const auto deadline = k8s::quarantine_deadline(*until, since.value_or(std::time(nullptr)));
  return deadline && *deadline <= std::time(nullptr);
}

// For a user who may release: "" unless the two-person rule stops them (they quarantined the pod
// in oldObject themselves); then who else may, ending with `must_do`.
std::string two_person_denial(const QuarantineGuardConfig& config, const policy::Request& request,
                              const std::string& must_do) {
  const auto by = annotation(request.old_object, kQuarantinedBy);
  if (!config.two_person || !by || *by != request.username) return "";
  std::vector<std::string> users;
  for (const auto& u : config.release_users)
    if (u != *by) users.push_back(u);
  return "pod " + request.namespace_ + "/" + request.name + " was quarantined by " + quoted(*by) +
         ", who may not also release it (two-person rule, kindlyguard's --quarantine-two-person): another release "
         "user (" + list_or_none(users) + ") or another member of a release group (" +
         list_or_none(config.release_groups) + ") must" + must_do + ".";
}

// Who may lift the quarantine of the pod in oldObject: "" when `request`'s user may, else why not.
std::string release_denial(const QuarantineGuardConfig& config, const policy::Request& request, const std::string& what) {
  if (may_release(config, request)) {
    const std::string denial = two_person_denial(config, request, "");
    return denial.empty() ? "" : what + ": " + denial;
  }
  return what + " of pod " + request.namespace_ + "/" + request.name + " is reserved: " + who(request) + " is not in " +
         kReleaseFlags + ". Ask a cluster admin to release the pod, or to add your user or one of your groups to those flags.";
}

// Setting or changing when an existing quarantine ends is a release decision; time-boxing a
// quarantine in the request that starts it is anyone's.
std::string judge_until(const QuarantineGuardConfig& config, const policy::Request& request) {
  if (!is_quarantine_value(config, k8s::Meta(request.old_object).label(config.label_key))) return "";
  if (!is_quarantine_value(config, k8s::Meta(request.object).label(config.label_key))) return "";  // judge_label's
  const auto before = annotation(request.old_object, k8s::kQuarantineUntilAnnotation);
  const auto after = annotation(request.object, k8s::kQuarantineUntilAnnotation);
  if (before == after) return "";
  return release_denial(config, request,
                        std::string(after ? "setting " : "removing ") + k8s::kQuarantineUntilAnnotation +
                            " (when the quarantine ends)");
}

std::string judge_label(const QuarantineGuardConfig& config, const policy::Request& request) {
  const auto before = k8s::Meta(request.old_object).label(config.label_key);
  if (!is_quarantine_value(config, before)) return "";  // not quarantined before: nothing to guard
  const auto after = k8s::Meta(request.object).label(config.label_key);
  if (after == before) return "";  // quarantined as before (label-only updates included)
  // kindlyguard itself ends a quarantine whose kindlyguard.io/quarantine-until has passed.
  if (!after && !config.own_user.empty() && request.username == config.own_user && time_is_up(request)) return "";
  if (may_release(config, request)) return two_person_denial(config, request, " remove the label " + config.label_key);

  const std::string label = config.label_key + "=" + *before;
  const std::string what = after ? "changing the quarantine label " + label + " to " + quoted(*after)
                                 : "removing the quarantine label " + label;
  const std::string via = request.sub_resource.empty() ? "" : " (through pods/" + request.sub_resource + ")";
  return what + " from pod " + request.namespace_ + "/" + request.name + via + " is reserved: " + who(request) +
         " is not in " + kReleaseFlags +
         ". Ask a cluster admin to release the pod, or to add your user or one of your groups to those flags.";
}

std::string judge_delete(const QuarantineGuardConfig& config, const policy::Request& request) {
  // DELETE reviews carry the pod as oldObject; the API server always sends it.
  const k8s::Meta pod(request.old_object);
  if (!is_quarantine_value(config, pod.label(config.label_key))) return "";
  if (may_release(config, request) || contains(config.delete_users, request.username)) return "";
  if (!pod.deletion_timestamp().empty()) return "";  // already decided by someone allowed to
  const std::string label = config.label_key + "=" + config.label_value;
  return "pod " + request.namespace_ + "/" + request.name + " is quarantined (label " + label +
         ") and is kept as evidence: deleting it is reserved to kindlyguard's --quarantine-release-users and "
         "--quarantine-release-groups (and the cluster's controllers in --quarantine-delete-users), and " +
         who(request) + " is none of them. Ask a cluster admin to release the pod (remove the label " + config.label_key +
         ") or to delete it.";
}

GuardDenial judge_eviction(const QuarantineGuardConfig& config, const policy::Request& request) {
  if (!config.pod_lookup) return {};
  const std::string pod = request.namespace_ + "/" + request.name;
  auto found = config.pod_lookup(request.namespace_, request.name);
  if (!found.ok())
    return {"kindlyguard cannot tell yet whether pod " + pod + " is quarantined (" + found.error().to_string() +
                "); retry the eviction shortly",
            429};
  if (!*found || !is_quarantine_value(config, k8s::Meta(found->get()).label(config.label_key))) return {};
  if (may_release(config, request)) return {};
  const std::string label = config.label_key + "=" + config.label_value;
  return {"pod " + pod + " is quarantined (label " + label +
              ") and is kept as evidence: it cannot be evicted (like a PodDisruptionBudget that allows no disruption, "
              "so a drain waits) until a cluster admin releases it (removes the label " + config.label_key +
              ") or deletes it; " + who(request) + " is not in " + kReleaseFlags + ".",
          429};
}

}  // namespace

std::vector<std::string> default_quarantine_delete_users() {
  const std::string sa = "system:serviceaccount:kube-system:";
  return {
      sa + "replicaset-controller",      // Deployment and ReplicaSet scale-down and rollouts
      sa + "replication-controller",     // ReplicationController scale-down
      sa + "statefulset-controller",     // StatefulSet scale-down and updates
      sa + "daemon-set-controller",      // DaemonSet updates, nodes leaving its selector
      sa + "job-controller",             // Job parallelism, deadlines, deletion
      sa + "generic-garbage-collector",  // dependents of a deleted owner
      sa + "namespace-controller",       // the namespace is being deleted
      sa + "pod-garbage-collector",      // pods of deleted nodes, terminated pods
      sa + "node-controller",            // taint-based eviction from a lost node (before 1.29)
      sa + "taint-eviction-controller",  // taint-based eviction from a lost node (1.29 and later)
      "system:kube-controller-manager",  // all of these without --use-service-account-credentials
  };
}

// An admitted request that sets the label: the operator records who made it.
void tell_quarantined(const QuarantineGuardConfig& config, const policy::Request& request) {
  if (!config.on_quarantined || request.dry_run || request.name.empty()) return;
  if (!is_quarantine_value(config, k8s::Meta(request.object).label(config.label_key))) return;
  if (request.old_object && is_quarantine_value(config, k8s::Meta(request.old_object).label(config.label_key))) return;
  config.on_quarantined(request.namespace_, request.name, request.username);
}

GuardDenial judge_quarantine(const QuarantineGuardConfig& config, const policy::Request& request) {
  switch (request.operation) {
    case policy::Operation::Update: {
      // Any subresource: pods/status keeps metadata changes (see the header).
      if (request.kind != "Pod") return {};
      std::string denied = judge_attribution(config, request);
      if (denied.empty()) denied = judge_label(config, request);
      if (denied.empty()) denied = judge_until(config, request);
      if (denied.empty()) tell_quarantined(config, request);
      return {denied};
    }
    case policy::Operation::Delete:
      if (request.kind != "Pod" || !request.sub_resource.empty()) return {};
      return {judge_delete(config, request)};
    case policy::Operation::Create:
      // The review's kind is Eviction; the resource says which pod.
      if (request.resource == "pods" && request.sub_resource == "eviction") return judge_eviction(config, request);
      if (request.kind == "Pod" && request.sub_resource.empty()) {
        // CREATE with the label: anyone may quarantine; naming the quarantiner is kindlyguard's.
        std::string denied = judge_attribution(config, request);
        if (denied.empty()) tell_quarantined(config, request);
        return {denied};
      }
      return {};
    case policy::Operation::Connect:
      return {};
  }
  return {};
}

std::string judge_quarantine_label(const QuarantineGuardConfig& config, const policy::Request& request) {
  return judge_quarantine(config, request).message;
}

RequestGuard quarantine_guard(QuarantineGuardConfig config) {
  return [config = std::move(config)](const policy::Request& request) { return judge_quarantine(config, request); };
}

}  // namespace kindlyguard::admission
