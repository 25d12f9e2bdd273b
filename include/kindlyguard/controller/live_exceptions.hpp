#pragma once
// The webhook's SecurityPolicyExceptions, kept equal to the objects in the cluster as the
// informer reports them (all namespaces), in the manner of LivePolicies:
// - each object is parsed with the core's parse_exception, as `kindlyguard check` parses files;
// - a valid one is installed in the ExceptionStore, so the next review sees it (informer-driven:
//   within the watch's latency of the change, no polling);
// - an invalid one (a parse error, or other namespaces named from outside an admin namespace)
//   excuses nothing: it is left out of the store, and its status says why;
// - a deleted one leaves the store.
// Only a change of what is judged is a change: our own status writes (conditions, lastUsed,
// matchedObjects) come back as MODIFIED events with the same uid and spec, and are ignored, so
// they start no work (issue 21). Expiry is not a change here: every path compares expiresAt with
// its own clock, so an expired exception needs no new set to stop applying.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/exception_store.hpp"

namespace kindlyguard::controller {

// What was made of one generation of one exception.
struct ExceptionVerdict {
  std::int64_t observed_generation = 0;
  std::optional<policy::SecurityPolicyException> parsed;  // when it parsed (even if invalid)
  std::string invalid;  // the parser's error or invalid_reason(); "" when it may apply
};

enum class ExceptionState { Active, Expired, Invalid };
const char* to_string(ExceptionState s);  // "Active", "Expired", "Invalid"
ExceptionState exception_state(const ExceptionVerdict& v, policy::Seconds now);

class LiveExceptions {
 public:
  explicit LiveExceptions(policy::ExceptionStore& store) : store_(store) {}

  // From the informer's handlers.
  void upsert(const nlohmann::json& object);
  void remove(const nlohmann::json& object);

  // The verdict on an exception's current generation ("namespace/name"); nullopt when not seen.
  std::optional<ExceptionVerdict> verdict(const std::string& key) const;
  // Exceptions by state at `now`: {"active": n, "expired": n, "invalid": n}, for the gauge.
  std::map<std::string, std::size_t> counts(policy::Seconds now) const;
  // Called after every change of spec, a new object or a deletion, with its key. Add listeners
  // before the informer starts.
  void on_change(std::function<void(const std::string& key)> f) { listeners_.push_back(std::move(f)); }

 private:
  void publish_locked();

  policy::ExceptionStore& store_;
  mutable std::mutex mu_;
  std::map<std::string, ExceptionVerdict> verdicts_;
  struct Judged {
    std::string uid;
    nlohmann::json spec;
  };
  std::map<std::string, Judged> judged_;
  std::vector<std::function<void(const std::string&)>> listeners_;
};

}  // namespace kindlyguard::controller
