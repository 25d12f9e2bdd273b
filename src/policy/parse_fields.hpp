#pragma once
// Private to the policy parser: one function per part of spec. Each reads `value` (nullptr when
// the field is absent or null) at `path`, fills `out` and records every problem in `errors`.

#include <optional>
#include <string>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/model.hpp"
#include "parse_walk.hpp"

namespace kindlyguard::policy::detail {

// Namespace names or globs over them (lower-case letters, digits, '-', '*', '?').
void check_namespace_patterns(Errors& errors, const std::vector<std::string>& patterns, const std::string& path);
// A metav1.LabelSelector at `key`, nullopt when absent or malformed (reported).
std::optional<k8s::LabelSelector> selector(Errors& errors, ObjectReader& r, std::string_view key);
// A list of image patterns at `key` (k8s::ImagePattern), each bad one reported at its index.
std::vector<k8s::ImagePattern> image_patterns(Errors& errors, ObjectReader& r, std::string_view key);

// Every problem with one SecurityPolicyException (paths from its root), filling `out` as it goes.
std::vector<Error> check_exception(const json& object, SecurityPolicyException& out);

void parse_match(Errors& errors, const json* value, const std::string& path, Match& out);
void parse_exemptions(Errors& errors, const json* value, const std::string& path, Exemptions& out);
std::optional<PodSecurityStandard> parse_pod_security_standard(Errors& errors, const json* value,
                                                               const std::string& path);

}  // namespace kindlyguard::policy::detail
