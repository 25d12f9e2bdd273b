// PSS check "seLinuxOptions" (baseline)
//
// Setting the SELinux type is restricted, and setting a custom SELinux user or role is forbidden.
//
// Restricted fields:
//   spec.securityContext.seLinuxOptions.type
//   spec.containers[*].securityContext.seLinuxOptions.type
//   spec.initContainers[*].securityContext.seLinuxOptions.type
//   spec.ephemeralContainers[*].securityContext.seLinuxOptions.type
// Allowed values: undefined/"", "container_t", "container_init_t", "container_kvm_t"
//   v1.31+: also "container_engine_t"
//
// Restricted fields (same four places):
//   ...seLinuxOptions.user
//   ...seLinuxOptions.role
// Allowed values: undefined/""
//
// Versions:
//   v1.0+  types container_t, container_init_t, container_kvm_t
//   v1.31+ adds container_engine_t
// Message: seLinuxOptions (pod and containers "a", "b" set forbidden securityContext.seLinuxOptions:
//          types "bar", "foo"; user may not be set; role may not be set)
#include "check.hpp"

#include <algorithm>
#include <array>

namespace kindlyguard::policy::pss::detail {
namespace {

constexpr std::array<std::string_view, 4> kTypesV1_0 = {"", "container_t", "container_init_t", "container_kvm_t"};
constexpr std::array<std::string_view, 5> kTypesV1_31 = {"", "container_t", "container_init_t", "container_kvm_t",
                                                         "container_engine_t"};

template <std::size_t N>
bool selinux_options(const Pod& pod, CheckResult& out, const std::array<std::string_view, N>& allowed_types) {
  NameSet bad_types;
  bool set_user = false;
  bool set_role = false;
  auto valid = [&](const json* opts) {
    bool ok = true;
    std::string_view type = str(get(opts, "type"));
    if (std::find(allowed_types.begin(), allowed_types.end(), type) == allowed_types.end()) {
      ok = false;
      bad_types.insert(type);
    }
    if (!str(get(opts, "user")).empty()) {
      ok = false;
      set_user = true;
    }
    if (!str(get(opts, "role")).empty()) {
      ok = false;
      set_role = true;
    }
    return ok;
  };

  std::vector<std::string> setters;
  std::string field;
  std::string_view first_container;
  if (const json* opts = get(pod.sc, "seLinuxOptions"); opts && !valid(opts)) {
    setters.emplace_back("pod");
    field = pod.field("securityContext.seLinuxOptions");
  }
  Names bad;
  for (const Container& c : pod.containers) {
    const json* opts = get(c.sc, "seLinuxOptions");
    if (!opts || valid(opts)) continue;
    bad.push_back(c.name);
    if (field.empty()) {
      field = c.view->field("securityContext.seLinuxOptions");
      first_container = c.name;
    }
  }
  if (!bad.empty()) setters.push_back(containers_phrase(bad));
  if (setters.empty()) return true;

  std::vector<std::string> data;
  if (!bad_types.empty()) data.push_back(std::string(pluralize("type", "types", bad_types.size())) + " " + join_quote(bad_types));
  if (set_user) data.emplace_back("user may not be set");
  if (set_role) data.emplace_back("role may not be set");
  return fail(out, "seLinuxOptions",
              join(setters, " and ") + " set forbidden securityContext.seLinuxOptions: " + join(data, "; "),
              std::move(field), first_container);
}

}  // namespace

bool selinux_options_v1_0(const Pod& pod, CheckResult& out) { return selinux_options(pod, out, kTypesV1_0); }
bool selinux_options_v1_31(const Pod& pod, CheckResult& out) { return selinux_options(pod, out, kTypesV1_31); }

}  // namespace kindlyguard::policy::pss::detail
