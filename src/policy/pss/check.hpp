#pragma once
// Private to src/policy/pss: what every Pod Security Standards check sees and shares.
//
// A check is a plain function `bool check(const Pod&, CheckResult&)`: it returns true when the pod
// passes and, when it does not, fills reason/detail/field/container with PSA's wording. Checks
// build strings only on the failing path; the passing path reads the JSON in place and never
// allocates. Each check lives in its own check_*.cpp with the restricted fields, allowed values
// and the Kubernetes versions of each variant; registry.cpp lists them all with id, level,
// version ranges and the baseline checks a restricted check replaces.

#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/policy/pss.hpp"

namespace kindlyguard::policy::pss::detail {

using nlohmann::json;

// ---- the pod as the checks see it ---------------------------------------------------------------

// One container (init, regular or ephemeral), in PSA's visiting order: initContainers,
// containers, ephemeralContainers.
struct Container {
  const ContainerView* view = nullptr;
  const json* raw = nullptr;  // the container object
  const json* sc = nullptr;   // its securityContext, nullptr when absent or null
  std::string_view name;      // "" when absent
};

struct Pod {
  const PodView* view = nullptr;
  const json* spec = nullptr;         // the pod spec (a null json when absent)
  const json* sc = nullptr;           // spec.securityContext, nullptr when absent or null
  const json* annotations = nullptr;  // the pod's (template's) metadata.annotations, or nullptr
  bool windows = false;               // spec.os.name == "windows"
  bool user_namespace = false;        // spec.hostUsers == false (KEP-127 user namespaces)
  std::span<const Container> containers;

  // Field paths that are right for workload templates too.
  std::string field(std::string_view sub) const { return view->field(sub); }
  std::string metadata_field(std::string_view sub) const;  // "metadata." or "spec.template.metadata."
};

// ---- JSON access that never throws and never copies ---------------------------------------------

// The member `key` of `obj` when obj is an object holding a non-null value there, else nullptr.
// (A JSON null is what Go decodes to a nil pointer, so it counts as absent, as in PSA.)
inline const json* get(const json* obj, std::string_view key) {
  if (!obj || !obj->is_object()) return nullptr;
  auto it = obj->find(key);
  if (it == obj->end() || it->is_null()) return nullptr;
  return &*it;
}
inline const json* get(const json* obj, std::string_view k1, std::string_view k2) { return get(get(obj, k1), k2); }

inline bool is_true(const json* j) { return j && j->is_boolean() && j->get<bool>(); }
inline bool is_false(const json* j) { return j && j->is_boolean() && !j->get<bool>(); }

// A string value as Go sees a string field: the text, or "" when absent or not a string.
inline std::string_view str(const json* j) {
  if (!j || !j->is_string()) return {};
  return j->get_ref<const std::string&>();
}

// The elements of an array (empty when absent or not an array).
inline std::span<const json> items(const json* j) {
  if (!j || !j->is_array()) return {};
  const auto& a = j->get_ref<const json::array_t&>();
  return {a.data(), a.size()};
}

// ---- PSA's wording helpers (used only on the failing path) -------------------------------------

using Names = std::vector<std::string_view>;  // in visiting order, duplicates kept (a Go slice)
using NameSet = std::set<std::string_view>;   // sorted bytewise, unique (a Go sets.String)

inline const char* pluralize(const char* singular, const char* plural, std::size_t n) {
  return n == 1 ? singular : plural;
}

// `"a", "b"` (Go: `"` + strings.Join(items, `", "`) + `"`), "" for none.
template <class Range>
std::string join_quote(const Range& items) {
  std::string out;
  for (const auto& s : items) {
    out += out.empty() ? "\"" : "\", \"";
    out += s;
  }
  if (!out.empty()) out += '"';
  return out;
}

template <class Range>
std::string join(const Range& items, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto& s : items) {
    if (!first) out += sep;
    out += s;
    first = false;
  }
  return out;
}

// `container "a"` / `containers "a", "b"`.
std::string containers_phrase(const Names& names);

// Go's %q: a double-quoted string with Go escapes (used for annotation values).
std::string go_quote(std::string_view s);

// seccompProfile.type values both seccomp checks allow: "RuntimeDefault", "Localhost".
bool valid_seccomp_type(std::string_view type);

// Fills `out` for a failed check and returns false, so checks can `return fail(out, ...)`.
bool fail(CheckResult& out, std::string reason, std::string detail, std::string field, std::string_view container);

// ---- the registry -------------------------------------------------------------------------------

using CheckFn = bool (*)(const Pod&, CheckResult&);

// One revision of a check: it applies from v1.<min_minor> until the next revision.
struct Variant {
  int min_minor;
  CheckFn fn;
  std::string_view overrides = {};  // a baseline check id this restricted revision replaces
};

struct CheckDef {
  std::string_view id;
  PssLevel level;  // Baseline or Restricted
  Severity severity;  // README "Severities"
  std::vector<Variant> variants;  // strictly increasing min_minor
};

// Every check, in no particular order; evaluation orders them the way PSA does.
const std::vector<CheckDef>& registry();

// ---- the check revisions (one file each, named after the check) ---------------------------------

bool app_armor_profile_v1_0(const Pod&, CheckResult&);
bool capabilities_baseline_v1_0(const Pod&, CheckResult&);
bool host_namespaces_v1_0(const Pod&, CheckResult&);
bool host_path_volumes_v1_0(const Pod&, CheckResult&);
bool host_ports_v1_0(const Pod&, CheckResult&);
bool host_probes_and_lifecycle_v1_34(const Pod&, CheckResult&);
bool privileged_v1_0(const Pod&, CheckResult&);
bool proc_mount_v1_0(const Pod&, CheckResult&);
bool proc_mount_baseline_v1_35(const Pod&, CheckResult&);
bool selinux_options_v1_0(const Pod&, CheckResult&);
bool selinux_options_v1_31(const Pod&, CheckResult&);
bool seccomp_profile_baseline_v1_0(const Pod&, CheckResult&);
bool seccomp_profile_baseline_v1_19(const Pod&, CheckResult&);
bool sysctls_v1_0(const Pod&, CheckResult&);
bool sysctls_v1_27(const Pod&, CheckResult&);
bool sysctls_v1_29(const Pod&, CheckResult&);
bool sysctls_v1_32(const Pod&, CheckResult&);
bool sysctls_v1_37(const Pod&, CheckResult&);
bool windows_host_process_v1_0(const Pod&, CheckResult&);

bool allow_privilege_escalation_v1_8(const Pod&, CheckResult&);
bool allow_privilege_escalation_v1_25(const Pod&, CheckResult&);
bool capabilities_restricted_v1_22(const Pod&, CheckResult&);
bool capabilities_restricted_v1_25(const Pod&, CheckResult&);
bool proc_mount_restricted_v1_35(const Pod&, CheckResult&);
bool restricted_volumes_v1_0(const Pod&, CheckResult&);
bool run_as_non_root_v1_0(const Pod&, CheckResult&);
bool run_as_non_root_v1_35(const Pod&, CheckResult&);
bool run_as_user_v1_23(const Pod&, CheckResult&);
bool run_as_user_v1_35(const Pod&, CheckResult&);
bool seccomp_profile_restricted_v1_19(const Pod&, CheckResult&);
bool seccomp_profile_restricted_v1_25(const Pod&, CheckResult&);

}  // namespace kindlyguard::policy::pss::detail
