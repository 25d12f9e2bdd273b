// The quarantine guard. See quarantine_guard.hpp.
#include "kindlyguard/admission/quarantine_guard.hpp"

#include <algorithm>
#include <optional>

#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::admission {

using nlohmann::json;

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

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

std::string judge_label(const QuarantineGuardConfig& config, const policy::Request& request) {
  const auto before = k8s::Meta(request.old_object).label(config.label_key);
  if (before != config.label_value) return "";  // not quarantined before: nothing to guard
  const auto after = k8s::Meta(request.object).label(config.label_key);
  if (after == config.label_value) return "";   // still quarantined (label-only updates included)
  if (may_release(config, request)) return "";

  const std::string label = config.label_key + "=" + config.label_value;
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
  if (pod.label(config.label_key) != config.label_value) return "";
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
  if (!*found || k8s::Meta(found->get()).label(config.label_key) != config.label_value) return {};
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

GuardDenial judge_quarantine(const QuarantineGuardConfig& config, const policy::Request& request) {
  switch (request.operation) {
    case policy::Operation::Update:
      // Any subresource: pods/status keeps metadata changes (see the header).
      if (request.kind != "Pod") return {};
      return {judge_label(config, request)};
    case policy::Operation::Delete:
      if (request.kind != "Pod" || !request.sub_resource.empty()) return {};
      return {judge_delete(config, request)};
    case policy::Operation::Create:
      // The review's kind is Eviction; the resource says which pod.
      if (request.resource == "pods" && request.sub_resource == "eviction") return judge_eviction(config, request);
      return {};  // CREATE with the label: anyone may quarantine
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
