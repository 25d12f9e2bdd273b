#pragma once
// kindlyguard's own resources judged at `kubectl apply`: SecurityPolicy and
// SecurityPolicyException CREATE/UPDATE, with the same parsers the controllers use, and who may
// write an exception (an exception is a privilege escalation).
//
// What is judged, and how:
//   - DELETE is never judged (deleting an exception only takes a privilege away), nor the status
//     subresource (the controllers write it), nor an UPDATE that leaves spec as it was (labels,
//     annotations, finalizers): an object admitted once can always be relabelled or let go.
//   - SecurityPolicy: validate_policy; invalid is 422 with every problem's field path.
//   - SecurityPolicyException: validate_exception, then invalid_reason (other namespaces named
//     from outside --exception-namespaces), both 422; then the writer must be an approver
//     (--exception-approver-users / --exception-approver-groups), else 403 naming the user and
//     the flags. Validation comes first so that `kubectl apply --dry-run=server` tells anyone
//     whether the exception they are about to ask an approver for is well formed.

#include <string>
#include <vector>

#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::admission {

struct ExceptionApproval {
  std::vector<std::string> users;             // --exception-approver-users
  std::vector<std::string> groups;            // --exception-approver-groups
  std::vector<std::string> admin_namespaces;  // --exception-namespaces
};

inline constexpr const char* kApiGroup = "kindlyguard.io";

// A request for a SecurityPolicy or SecurityPolicyException (any operation, any subresource):
// these have no pod spec and are answered by validate_own_resource, never by the policies.
bool is_own_resource(const policy::Request& request);

// The decision for a request is_own_resource accepts. `judged` is false for what is not judged
// (see above); an allowed, judged SecurityPolicyException write is an approved one.
policy::Decision validate_own_resource(const policy::Request& request, const ExceptionApproval& approval);

// The user whose SecurityPolicyException write `decision` approved; "" when it is no such write.
// The audit log records it as exceptionApprovedBy; the handler's on_exception_approved hook fires.
std::string exception_approved_by(const policy::Request& request, const policy::Decision& decision);

}  // namespace kindlyguard::admission
