#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

std::optional<bool> checking_boolean(ObjectReader& spec_rules, std::string_view id, bool checks,
                                     std::string_view meaning) {
  auto v = spec_rules.boolean(id);
  if (v && *v != checks) {
    spec_rules.errors().add(spec_rules.path(id), std::string(*v ? "true" : "false") + " checks nothing; did you mean " +
                                                     (checks ? "true" : "false") + "? (" + std::string(meaning) +
                                                     "; remove " + std::string(id) + " to leave it unchecked)");
    return std::nullopt;
  }
  return v;
}

}  // namespace kindlyguard::policy::rules
