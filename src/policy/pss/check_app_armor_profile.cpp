// PSS check "appArmorProfile" (baseline)
//
// On supported hosts the "runtime/default" AppArmor profile applies by default. The baseline
// policy prevents overriding or disabling it, or restricts overrides to an allowed set.
//
// Restricted fields:
//   metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']
// Allowed values: "runtime/default", "localhost/*", "" (empty), undefined
//
// Restricted fields:
//   spec.securityContext.appArmorProfile.type
//   spec.containers[*].securityContext.appArmorProfile.type
//   spec.initContainers[*].securityContext.appArmorProfile.type
//   spec.ephemeralContainers[*].securityContext.appArmorProfile.type
// Allowed values: "RuntimeDefault", "Localhost", undefined
//
// Versions: v1.0+ (one revision). The appArmorProfile field exists since Kubernetes v1.30
// (PR #123435); PSA added its field check to the single v1.0 revision rather than a new one, so a
// current PSA judges the field at every policy version, and so do we.
// Message: forbidden AppArmor profile(s) (pod and containers "a" and annotation must not set
//          AppArmor profile type to "Unconfined", "container.apparmor...="unconfined"")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

constexpr std::string_view kAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

bool allowed_type(std::string_view t) { return t == "RuntimeDefault" || t == "Localhost"; }

bool allowed_annotation(std::string_view v) {
  return v.empty() || v == "runtime/default" || v.starts_with("localhost/");
}

}  // namespace

bool app_armor_profile_v1_0(const Pod& pod, CheckResult& out) {
  std::vector<std::string> setters;  // "pod", `containers "a", "b"`, "annotation(s)"
  NameSet bad_values;
  std::string field;
  std::string_view first_container;

  if (const json* profile = get(pod.sc, "appArmorProfile")) {
    std::string_view type = str(get(profile, "type"));
    if (!allowed_type(type)) {
      setters.emplace_back("pod");
      bad_values.insert(type);
      field = pod.field("securityContext.appArmorProfile.type");
    }
  }

  Names bad_containers;
  for (const Container& c : pod.containers) {
    const json* profile = get(c.sc, "appArmorProfile");
    if (!profile) continue;
    std::string_view type = str(get(profile, "type"));
    if (allowed_type(type)) continue;
    bad_containers.push_back(c.name);
    bad_values.insert(type);
    if (field.empty()) {
      field = c.view->field("securityContext.appArmorProfile.type");
      first_container = c.name;
    }
  }
  if (!bad_containers.empty()) setters.push_back(containers_phrase(bad_containers));

  std::set<std::string> annotations;  // `key="value"`, sorted
  if (pod.annotations && pod.annotations->is_object()) {
    for (auto it = pod.annotations->begin(); it != pod.annotations->end(); ++it) {
      const std::string& key = it.key();
      if (!std::string_view(key).starts_with(kAnnotationPrefix)) continue;
      std::string_view value = str(&it.value());
      if (allowed_annotation(value)) continue;
      annotations.insert(key + "=" + go_quote(value));
      if (field.empty()) field = pod.metadata_field("annotations[" + key + "]");
    }
  }

  if (setters.empty() && annotations.empty()) return true;

  std::vector<std::string_view> values(bad_values.begin(), bad_values.end());
  for (const std::string& a : annotations) values.push_back(a);
  if (!annotations.empty()) setters.emplace_back(pluralize("annotation", "annotations", annotations.size()));

  std::string detail = join(setters, " and ");
  detail += " must not set AppArmor profile type to ";
  detail += join_quote(values);
  return fail(out, pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.size()),
              std::move(detail), std::move(field), first_container);
}

}  // namespace kindlyguard::policy::pss::detail
