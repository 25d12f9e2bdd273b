#include "kindlyguard/admission/resource_validation.hpp"

#include <algorithm>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::admission {
namespace {

using nlohmann::json;

constexpr const char* kPolicies = "securitypolicies";
constexpr const char* kExceptions = "securitypolicyexceptions";
// A refusal lists at most this many problems and stays within this many bytes: kubectl prints
// the whole message, and an object with a hundred typos needs the first few fixed first.
constexpr std::size_t kMaxProblems = 10;
constexpr std::size_t kMaxMessageBytes = 4096;

bool spec_unchanged(const policy::Request& r) {
  if (r.operation != policy::Operation::Update || !r.object || !r.old_object) return false;
  auto spec = [](const json& o) {
    auto it = o.find("spec");
    return it == o.end() ? json() : *it;
  };
  return spec(*r.object) == spec(*r.old_object);
}

policy::Decision refuse(int code, std::string message) {
  policy::Decision d;
  d.judged = true;
  d.allowed = false;
  d.code = code;
  if (message.size() > kMaxMessageBytes) message = message.substr(0, kMaxMessageBytes - 3) + "...";
  d.message = std::move(message);
  return d;
}

policy::Decision invalid(const std::string& kind, const policy::Request& r, const std::vector<Error>& problems) {
  std::string message = kind + " \"" + r.name + "\" is invalid: ";
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblems; ++i) message += (i ? "; " : "") + problems[i].to_string();
  if (problems.size() > kMaxProblems) message += " (and " + std::to_string(problems.size() - kMaxProblems) + " more problems)";
  return refuse(422, std::move(message));
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_approver(const policy::Request& r, const ExceptionApproval& approval) {
  if (contains(approval.users, r.username)) return true;
  return std::any_of(r.groups.begin(), r.groups.end(), [&](const std::string& g) { return contains(approval.groups, g); });
}

std::string not_approver_message(const policy::Request& r, const ExceptionApproval& approval) {
  std::string who = "user \"" + r.username + "\"";
  if (approval.users.empty() && approval.groups.empty())
    return "nobody may write SecurityPolicyExceptions: no approvers are configured; " + who +
           " was refused. An exception lifts security rules, so kindlyguard admits it only from a user in "
           "--exception-approver-users or a member of a group in --exception-approver-groups";
  return who + " may not create or change SecurityPolicyException \"" + r.namespace_ + "/" + r.name +
         "\": an exception lifts security rules, so only users in --exception-approver-users or members of groups in "
         "--exception-approver-groups may write one; ask one of them to apply it (deleting one is always allowed)";
}

policy::Decision judge_exception(const policy::Request& r, const ExceptionApproval& approval) {
  // The request's namespace is authoritative; an object sent without one is in it.
  const json* object = r.object;
  json with_namespace;
  auto md = object->find("metadata");
  const bool fill = md == object->end() || md->is_null() || (md->is_object() && !md->contains("namespace"));
  if (!r.namespace_.empty() && object->is_object() && fill) {  // a metadata of the wrong type is the validator's to report
    with_namespace = *object;
    with_namespace["metadata"]["namespace"] = r.namespace_;
    object = &with_namespace;
  }
  if (auto problems = policy::validate_exception(*object); !problems.empty())
    return invalid("SecurityPolicyException", r, problems);
  auto parsed = policy::parse_exception(*object);
  if (!parsed.ok()) return invalid("SecurityPolicyException", r, {parsed.error()});
  if (std::string why = policy::invalid_reason(*parsed, approval.admin_namespaces); !why.empty())
    return refuse(422, "SecurityPolicyException \"" + parsed->key() + "\" is invalid: " + why);
  if (!is_approver(r, approval)) return refuse(403, not_approver_message(r, approval));
  policy::Decision d;
  d.judged = true;
  // Also in the API server's audit log, beside the request's user: this write was an approval.
  d.audit_annotations["exception-approved-by"] = r.username;
  return d;
}

}  // namespace

bool is_own_resource(const policy::Request& r) {
  return r.group == kApiGroup && (r.resource == kPolicies || r.resource == kExceptions);
}

policy::Decision validate_own_resource(const policy::Request& r, const ExceptionApproval& approval) {
  policy::Decision d;
  if (r.operation != policy::Operation::Create && r.operation != policy::Operation::Update) {
    d.note = "operation not judged";
    return d;
  }
  if (!r.sub_resource.empty()) {
    d.note = "subresource " + r.sub_resource + " not judged";
    return d;
  }
  if (!r.object) {
    d.note = "no object in the request";
    return d;
  }
  if (spec_unchanged(r)) {
    d.note = "spec unchanged";
    return d;
  }
  if (r.resource == kExceptions) return judge_exception(r, approval);
  if (auto problems = policy::validate_policy(*r.object); !problems.empty()) return invalid("SecurityPolicy", r, problems);
  d.judged = true;
  return d;
}

std::string exception_approved_by(const policy::Request& r, const policy::Decision& d) {
  const bool write = r.operation == policy::Operation::Create || r.operation == policy::Operation::Update;
  if (!write || !d.judged || !d.allowed || r.resource != kExceptions || r.group != kApiGroup || !r.sub_resource.empty())
    return "";
  return r.username;
}

}  // namespace kindlyguard::admission
