#pragma once
// The SecurityPolicyExceptions in force, shared by every request thread and replaced whole by
// whoever keeps them live (the policy-dir watcher or the SecurityPolicyException informer), like
// PolicyStore: a request sees the old set or the new one, never half.

#include <atomic>
#include <memory>

#include "kindlyguard/policy/exception.hpp"

namespace kindlyguard::policy {

class ExceptionStore {
 public:
  explicit ExceptionStore(std::vector<std::string> admin_namespaces = {})
      : admin_namespaces_(std::move(admin_namespaces)), current_(make({})) {}

  ExceptionSetPtr get() const { return current_.load(std::memory_order_acquire); }
  const std::vector<std::string>& admin_namespaces() const { return admin_namespaces_; }

  ExceptionSetPtr replace(std::vector<SecurityPolicyException> exceptions) {
    ExceptionSetPtr next = make(std::move(exceptions));
    current_.store(next, std::memory_order_release);
    return next;
  }

 private:
  ExceptionSetPtr make(std::vector<SecurityPolicyException> exceptions) {
    auto next = std::make_shared<ExceptionSet>();
    next->exceptions = std::move(exceptions);
    next->admin_namespaces = admin_namespaces_;
    next->version = ++version_;
    return next;
  }

  const std::vector<std::string> admin_namespaces_;
  std::atomic<uint64_t> version_{0};
  std::atomic<ExceptionSetPtr> current_;
};

}  // namespace kindlyguard::policy
