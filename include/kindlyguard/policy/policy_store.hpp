#pragma once
// The policy set in force, shared by every request thread and replaced whole by whoever keeps it
// live (the policy-dir watcher or the SecurityPolicy informer): a request sees the old set or the
// new one, never half of either.

#include <atomic>
#include <memory>

#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::policy {

class PolicyStore {
 public:
  PolicyStore() : current_(std::make_shared<const PolicySet>()) {}

  PolicySetPtr get() const { return current_.load(std::memory_order_acquire); }

  // Installs `policies` as the next version and returns it.
  PolicySetPtr replace(std::vector<SecurityPolicy> policies) {
    auto next = std::make_shared<PolicySet>();
    next->policies = std::move(policies);
    next->version = ++version_;
    PolicySetPtr frozen = std::move(next);
    current_.store(frozen, std::memory_order_release);
    return frozen;
  }

 private:
  std::atomic<PolicySetPtr> current_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace kindlyguard::policy
