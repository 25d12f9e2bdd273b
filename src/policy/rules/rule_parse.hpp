#pragma once
// Private to the rules: what their parsers share. A rule's parser sits in the rule's file, beside
// its check, and reads the rule's own field of spec.rules (the registry hands it the rule's id).
// Every rule is optional: absent means not checked, and a rule with any problem is left out.
//
// Where an explicit empty list would silently check nothing (requiredDrop: [], allowedRegistries:
// [], ...) it is an error: a security policy that looks like it checks something must.
//
// Policy text in messages goes through detail::quote (escaped and shortened, as it may be
// hostile), never through rules::quote, which words check findings.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../parse_walk.hpp"

namespace kindlyguard::policy::rules {

using detail::closest;
using detail::Errors;
using detail::index;
using detail::is_dns1123_subdomain;
using detail::join;
using detail::ObjectReader;
using detail::type_error;

// The fields of a rule written as a map (spec.rules.<id>). When the rule is absent (or not a map,
// reported once) every read finds nothing and finish_rule() says false.
class RuleFields : public ObjectReader {
 public:
  RuleFields(ObjectReader& spec_rules, std::string_view id)
      : ObjectReader(spec_rules.errors(), spec_rules.get(id), spec_rules.path(id)), before_(errors().size()) {}
  // No problem found since the rule's fields began to be read.
  bool clean() const { return errors().size() == before_; }
  // Reports the unknown fields; then, if the fields are clean but the rule `checks` nothing,
  // refuses it with `what`. True when the rule is given and has no problem.
  bool finish_rule(bool checks = true, std::string_view what = {}) {
    finish();
    if (!present()) return false;
    if (clean() && !checks) errors().add(path(), std::string(what));
    return clean();
  }

 private:
  std::size_t before_;
};

// A boolean rule checks something for one value only (`checks`). The other value would load and
// check nothing while reading like protection (privileged: true), so it is refused with the value
// that checks; `meaning` says what that value asks for.
std::optional<bool> checking_boolean(ObjectReader& spec_rules, std::string_view id, bool checks,
                                     std::string_view meaning);

// Records problem(item) at path[i] for every item it finds a problem with ("" is none).
template <class F>
void each(Errors& errors, const std::vector<std::string>& items, const std::string& path, F problem) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (auto p = problem(items[i]); !p.empty()) errors.add(index(path, i), std::move(p));
}

// A list of strings that, when given, names at least one entry (`hint`: a usual one), each judged
// by `problem`.
template <class F>
void read_entries(ObjectReader& r, std::string_view key, std::string_view hint, F problem, std::vector<std::string>& out) {
  auto v = r.strings(key);
  if (!v) return;
  if (v->empty()) r.errors().add(r.path(key), "must list at least one entry, or be removed (" + std::string(hint) + ")");
  each(r.errors(), *v, r.path(key), problem);
  out = std::move(*v);
}

}  // namespace kindlyguard::policy::rules
