#pragma once
// The webhook's policy set, kept equal to the SecurityPolicies in the cluster as the informer
// reports them. Each object is parsed with the same core the CLI uses:
// - a valid object takes effect (its generation is "in force");
// - an invalid one never does: the last valid version of that policy stays in force (or none,
//   when it never had one), and its status says which;
// - a deleted one leaves the set.
// Every change installs a whole new set in the PolicyStore, so a request sees the old set or the
// new one, never half. Thread-safe: the informer thread writes, the status controller reads.
//
// Only a change of what is judged is a change: an update that leaves the spec as it was (our own
// status writes, the audit's and the Ready condition's, come back as MODIFIED events; so do label
// and annotation edits) installs no set and tells no listener, so it starts no work. With the
// status subresource the API server bumps metadata.generation only for spec changes; the spec
// itself is compared as well, for a CRD without that subresource (where a status write bumps the
// generation) or an object without a generation. A new uid (deleted and created again while the
// watch was away) is a change.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::controller {

// What the Ready condition of one SecurityPolicy should say.
struct PolicyReadiness {
  bool ready = false;
  std::string reason;   // Accepted, Invalid
  std::string message;
  std::int64_t observed_generation = 0;  // the generation this verdict is about
  std::optional<std::int64_t> generation_in_force;  // nullopt: nothing of this policy is enforced
};

class LivePolicies {
 public:
  explicit LivePolicies(policy::PolicyStore& store) : store_(store) {}

  // From the informer's handlers.
  void upsert(const nlohmann::json& object);
  void remove(const nlohmann::json& object);

  // The verdict on the object's current generation; nullopt for a policy we have not seen.
  std::optional<PolicyReadiness> readiness(const std::string& name) const;
  // Called after every change (a new policy, a new spec, a deletion; never an update of status or
  // metadata alone), with the policy's name (to enqueue its status, to audit again).
  // Add listeners before the informer starts.
  void on_change(std::function<void(const std::string& name)> f) { listeners_.push_back(std::move(f)); }

  // Policies by (enforcement of the version in force, or "Unknown"; ready), for metrics.
  std::map<std::pair<std::string, bool>, std::size_t> counts() const;

  std::size_t in_force() const;
  std::size_t invalid() const;

 private:
  void publish_locked();

  policy::PolicyStore& store_;
  mutable std::mutex mu_;
  std::map<std::string, policy::SecurityPolicy> valid_;  // the version in force, per name
  std::map<std::string, PolicyReadiness> readiness_;
  // What was judged of each policy: an update with the same uid and spec changes nothing.
  struct Judged {
    std::string uid;
    nlohmann::json spec;
  };
  std::map<std::string, Judged> judged_;
  std::vector<std::function<void(const std::string&)>> listeners_;
};

}  // namespace kindlyguard::controller
