#pragma once
// Private to the policy parser: one function per part of spec. Each reads `value` (nullptr when
// the field is absent or null) at `path`, fills `out` and records every problem in `errors`.

#include <optional>
#include <string>

#include "kindlyguard/policy/model.hpp"
#include "parse_walk.hpp"

namespace kindlyguard::policy::detail {

void parse_match(Errors& errors, const json* value, const std::string& path, Match& out);
void parse_exemptions(Errors& errors, const json* value, const std::string& path, Exemptions& out);
std::optional<PodSecurityStandard> parse_pod_security_standard(Errors& errors, const json* value,
                                                               const std::string& path);

}  // namespace kindlyguard::policy::detail
