// PSS check "seccompProfile_baseline" (baseline)
//
// If seccomp profiles are specified, only the runtime default and localhost profiles are allowed.
//
// v1.0 - v1.18:
//   Restricted fields:
//     metadata.annotations['seccomp.security.alpha.kubernetes.io/pod']
//     metadata.annotations['container.seccomp.security.alpha.kubernetes.io/<container name>']
//   Allowed values: "runtime/default", "docker/default", "localhost/*", undefined
//
// v1.19+:
//   Restricted fields:
//     spec.securityContext.seccompProfile.type
//     spec.containers[*].securityContext.seccompProfile.type
//     spec.initContainers[*].securityContext.seccompProfile.type
//     spec.ephemeralContainers[*].securityContext.seccompProfile.type
//   Allowed values: "RuntimeDefault", "Localhost", undefined
//
// At the restricted level "seccompProfile_restricted" replaces the v1.19 revision.
// Messages:
//   v1.0:  seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")
//   v1.19: seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type
//          to "Unconfined")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

constexpr std::string_view kPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
constexpr std::string_view kContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

bool valid_annotation(std::string_view v) {
  return v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
}

}  // namespace

bool valid_seccomp_type(std::string_view t) { return t == "RuntimeDefault" || t == "Localhost"; }

bool seccomp_profile_baseline_v1_0(const Pod& pod, CheckResult& out) {
  if (!pod.annotations || !pod.annotations->is_object()) return true;
  std::set<std::string> forbidden;  // `key="value"`, sorted
  std::string field;
  std::string_view first_container;
  auto judge = [&](std::string_view key, std::string_view container) {
    auto it = pod.annotations->find(key);
    if (it == pod.annotations->end()) return;
    std::string_view value = str(&*it);
    if (valid_annotation(value)) return;
    forbidden.insert(std::string(key) + "=" + go_quote(value));
    if (field.empty()) {
      field = pod.metadata_field("annotations[" + std::string(key) + "]");
      first_container = container;
    }
  };
  judge(kPodAnnotation, {});
  std::string key;
  for (const Container& c : pod.containers) {
    key.assign(kContainerAnnotationPrefix);
    key += c.name;
    judge(key, c.name);
  }
  if (forbidden.empty()) return true;
  std::string detail = "forbidden ";
  detail += pluralize("annotation", "annotations", forbidden.size());
  detail += ' ';
  detail += join(forbidden, ", ");
  return fail(out, "seccompProfile", std::move(detail), std::move(field), first_container);
}

bool seccomp_profile_baseline_v1_19(const Pod& pod, CheckResult& out) {
  std::vector<std::string> setters;
  NameSet bad_values;
  std::string field;
  std::string_view first_container;
  if (const json* profile = get(pod.sc, "seccompProfile")) {
    std::string_view type = str(get(profile, "type"));
    if (!valid_seccomp_type(type)) {
      setters.emplace_back("pod");
      bad_values.insert(type);
      field = pod.field("securityContext.seccompProfile.type");
    }
  }
  Names bad;
  for (const Container& c : pod.containers) {
    const json* profile = get(c.sc, "seccompProfile");
    if (!profile) continue;
    std::string_view type = str(get(profile, "type"));
    if (valid_seccomp_type(type)) continue;
    bad.push_back(c.name);
    bad_values.insert(type);
    if (field.empty()) {
      field = c.view->field("securityContext.seccompProfile.type");
      first_container = c.name;
    }
  }
  if (!bad.empty()) setters.push_back(containers_phrase(bad));
  if (setters.empty()) return true;
  return fail(out, "seccompProfile",
              join(setters, " and ") + " must not set securityContext.seccompProfile.type to " + join_quote(bad_values),
              std::move(field), first_container);
}

}  // namespace kindlyguard::policy::pss::detail
