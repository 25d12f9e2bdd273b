// Rule seccomp (spec.rules.seccomp: {allowedProfiles: [RuntimeDefault, Localhost, Unconfined]})
//
// Restricted fields: spec.securityContext.seccompProfile.type,
//                    spec.*containers[*].securityContext.seccompProfile.type
// Allowed: each container resolves a profile type (its own, else the pod's) that is in
// allowedProfiles. Unset fails: the kubelet's default is Unconfined unless the node says otherwise.
// The policy: allowedProfiles is required, with at least one of the three profile types.
#include <algorithm>

#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_seccomp(const RuleInput& in, std::vector<Finding>& out) {
  const auto& allowed = in.rules().seccomp->allowed_profiles;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  for (const ContainerView* c : in.judged_containers()) {
    auto profile = c->seccomp_profile();
    std::string type;
    if (profile.value && profile.value->is_object()) {
      auto t = profile.value->find("type");
      if (t != profile.value->end() && t->is_string()) type = t->get<std::string>();
    }
    if (type.empty()) {
      out.push_back({c->name(), c->field("securityContext.seccompProfile.type"),
                     describe(*c) + " has no seccomp profile: set securityContext.seccompProfile.type to one of " + list +
                         " on the container or the pod"});
    } else if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
      out.push_back({c->name(), profile.field + ".type",
                     describe(*c) + " uses seccomp profile " + quote(type) + (profile.from_pod ? " (from the pod)" : "") +
                         ": set seccompProfile.type to one of " + list});
    }
  }
}

namespace {

std::string profile_problem(const std::string& p) {
  static const std::vector<std::string_view> known = {"RuntimeDefault", "Localhost", "Unconfined"};
  if (std::find(known.begin(), known.end(), p) != known.end()) return "";
  std::string message =
      detail::quote(p) + " is not a seccomp profile type; expected RuntimeDefault, Localhost or Unconfined";
  if (p == "runtime/default" || p == "docker/default") return message + " (the annotation value " + p + " is RuntimeDefault)";
  if (auto hint = closest(p, known); !hint.empty()) message += " (did you mean " + hint + "?)";
  return message;
}

}  // namespace

void parse_seccomp(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  SeccompRule rule;
  if (r.required("allowedProfiles", "the profile types containers may use (RuntimeDefault, Localhost, Unconfined)"))
    read_entries(r, "allowedProfiles", "RuntimeDefault is the usual choice", profile_problem, rule.allowed_profiles);
  if (r.finish_rule()) out.seccomp = std::move(rule);
}

}  // namespace kindlyguard::policy::rules
