#pragma once
// One JSON line per admission decision, on stdout, for `kubectl logs | jq`:
// time, uid, operation, user, groups, namespace, kind, name, decision, dryRun, policies,
// violations (policy, rule, enforcement, container, field, message), latencyMicros;
// exempted (policy, rule, container, field, exception: "ns/name") for what SecurityPolicyExceptions
// excused; exceptionApprovedBy (the user) for an approved SecurityPolicyException write; message
// for a denial that is not a policy's (a guard's, or a refused SecurityPolicy/Exception: its field
// paths and the parser's words, which may quote the offending value of that policy field).
// Lines never carry a pod's or workload's contents, so no env value or token can leak through them.

#include <cstdio>
#include <mutex>

#include "kindlyguard/admission/handler.hpp"

namespace kindlyguard::observe {

class AuditLog : public admission::DecisionObserver {
 public:
  explicit AuditLog(std::FILE* out = stdout) : out_(out) {}
  void on_decision(const policy::Request& request, const policy::Decision& decision,
                   std::chrono::microseconds latency) override;

  // The line on_decision writes, without the newline (exposed for tests).
  static std::string format(const policy::Request& request, const policy::Decision& decision,
                            std::chrono::microseconds latency);

 private:
  std::FILE* out_;
  std::mutex mu_;
};

// "allowed", "denied", "warned" or "audited" — the strongest outcome of the decision.
const char* decision_word(const policy::Decision& d);

}  // namespace kindlyguard::observe
