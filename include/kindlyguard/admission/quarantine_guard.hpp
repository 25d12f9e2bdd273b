#pragma once
// The quarantine guard: a quarantined pod (labeled kindlyguard.io/quarantine=true by default)
// stays quarantined, and stays, until a release user lets it go. Otherwise whoever can update or
// delete a pod could let a quarantined pod out, or replace it (through its owner) with an
// unquarantined one and take the evidence with it.
//
// - The label: removing or changing it is reserved to the users in --quarantine-release-users and
//   the members of the groups in --quarantine-release-groups. Judged on every pod UPDATE, whatever
//   the subresource: the API server keeps metadata changes made through pods/status (its status
//   strategy resets only spec, deletionTimestamp and ownerReferences), and every PATCH (merge,
//   JSON, strategic, server-side apply) reaches admission as an UPDATE with both objects.
//   pods/ephemeralcontainers and pods/resize reset metadata, pods/binding can only add
//   annotations. Adding the label, and CREATE with it, are always allowed, so anyone who may edit
//   a pod can quarantine it.
// - Deletion: DELETE of a quarantined pod (the review's oldObject carries the label) is reserved
//   to the release users and groups, and to the users in --quarantine-delete-users: by default the
//   Kubernetes controllers that must be able to finish their work (workload scale-down, garbage
//   collection of dependents, namespace deletion, pod GC and the eviction of pods from lost
//   nodes), so that no scale-down or cleanup stalls forever. A pod already being deleted
//   (deletionTimestamp set: someone allowed started it) may be deleted (the kubelet's final
//   delete, a force delete).
// - Eviction (pods/eviction CREATE, what `kubectl drain` and the cluster autoscaler use): refused
//   for a quarantined pod with code 429, as a PodDisruptionBudget that allows no disruption does,
//   so a drain waits (and prints why) rather than failing or deleting the evidence; the release
//   users and groups may evict. The review carries only the Eviction, so the pod is looked up (in
//   cluster mode, in the pod informer's cache); without a lookup (standalone mode) evictions are
//   not guarded, and while the cache cannot tell the answer is 429 too.
// - Who quarantined it (issue 18): the annotation kindlyguard.io/quarantined-by records the user
//   whose request set the label. Only kindlyguard's own user (--kindlyguard-user) may set, change
//   or remove it (on CREATE too), so nobody can name someone else as the quarantiner. When an
//   admitted, not dry-run request sets the label on a named pod, on_quarantined is told (the
//   operator then writes the annotation once the label has landed: quarantine_attribution.hpp).
// - Two-person release (--quarantine-two-person, on by default): removing or changing the label
//   is reserved to a release user or group member who is not the user the annotation names. The
//   denial names who may release. A pod whose annotation is absent (quarantined before this, or
//   in the moment before the annotation lands) is released by the release rule alone.
// Dry runs are judged the same (the guard itself has no side effects; on_quarantined is not told
// of them). The policies never judge DELETE.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::admission {

// The pod `ns`/`name`, as the cluster has it now: nullptr when there is none; an error when that
// cannot be told (a cache not synced yet).
using PodLookup = std::function<Result<std::shared_ptr<const nlohmann::json>>(const std::string& ns, const std::string& name)>;

// The Kubernetes controllers (kube-controller-manager's service accounts, and its own user when it
// runs without per-controller credentials) that delete pods in the course of their work.
std::vector<std::string> default_quarantine_delete_users();

struct QuarantineGuardConfig {
  std::string label_key = "kindlyguard.io/quarantine";
  std::string label_value = "true";
  std::vector<std::string> release_users;
  std::vector<std::string> release_groups;
  std::vector<std::string> delete_users = default_quarantine_delete_users();
  PodLookup pod_lookup;  // for evictions; empty: evictions are not guarded
  // The user kindlyguard's own requests authenticate as: the only writer of the quarantined-by
  // annotation ("" = nobody may write it).
  std::string own_user;
  bool two_person = true;
  // Told of an admitted, not dry-run request that sets the quarantine label on pod ns/name.
  std::function<void(const std::string& ns, const std::string& name, const std::string& user)> on_quarantined;
};

// The whole guard: an empty message when the request may go on; else the denial (403, or 429 for
// an eviction), naming the pod, the user, what is reserved, and the flags that would allow it.
GuardDenial judge_quarantine(const QuarantineGuardConfig& config, const policy::Request& request);

// judge_quarantine's message alone.
std::string judge_quarantine_label(const QuarantineGuardConfig& config, const policy::Request& request);

// judge_quarantine as a Handler guard.
RequestGuard quarantine_guard(QuarantineGuardConfig config);

}  // namespace kindlyguard::admission
