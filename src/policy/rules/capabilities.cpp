// Rule capabilities (spec.rules.capabilities: {requiredDrop, allowedAdd})
//
// Restricted fields: spec.*containers[*].securityContext.capabilities.drop / .add
// Allowed: drop contains every requiredDrop name (or ALL, which drops everything); add holds only
// names in allowedAdd (absent allowedAdd = any add). Names compare case-insensitively and with or
// without the CAP_ prefix, as container runtimes accept both.
#include <algorithm>
#include <cctype>

#include "rule_helpers.hpp"

namespace kindlyguard::policy::rules {
namespace {

std::string canonical(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::toupper(ch); });
  if (name.rfind("CAP_", 0) == 0) name.erase(0, 4);
  return name;
}

std::vector<std::string> names_at(const json& sc, const char* key) {
  std::vector<std::string> out;
  auto caps = sc.is_object() ? sc.find("capabilities") : sc.end();
  if (caps == sc.end() || !caps->is_object()) return out;
  auto list = caps->find(key);
  if (list == caps->end() || !list->is_array()) return out;
  for (const auto& n : *list)
    if (n.is_string()) out.push_back(canonical(n.get<std::string>()));
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

void check_capabilities(const RuleInput& in, std::vector<Finding>& out) {
  const CapabilitiesRule& rule = *in.rules().capabilities;
  for (const ContainerView* c : in.judged_containers()) {
    const json& sc = c->security_context();
    auto drop = names_at(sc, "drop");
    if (!contains(drop, "ALL")) {
      std::vector<std::string> missing;
      for (const auto& r : rule.required_drop)
        if (!contains(drop, canonical(r))) missing.push_back(canonical(r));
      if (!missing.empty())
        out.push_back({c->name(), c->field("securityContext.capabilities.drop"),
                       describe(*c) + " does not drop " + join(missing) + ": add " + join(missing) +
                           " to securityContext.capabilities.drop"});
    }
    if (!rule.allowed_add) continue;
    std::vector<std::string> forbidden;
    for (const auto& a : names_at(sc, "add")) {
      bool ok = std::any_of(rule.allowed_add->begin(), rule.allowed_add->end(),
                            [&](const std::string& allowed) { return canonical(allowed) == a; });
      if (!ok) forbidden.push_back(a);
    }
    if (!forbidden.empty()) {
      std::string allowed = rule.allowed_add->empty() ? "none may be added" : "allowed: " + join(*rule.allowed_add);
      out.push_back({c->name(), c->field("securityContext.capabilities.add"),
                     describe(*c) + " adds " + join(forbidden) + ": remove " +
                         (forbidden.size() == 1 ? "it" : "them") + " from securityContext.capabilities.add (" +
                         allowed + ")"});
    }
  }
}

}  // namespace kindlyguard::policy::rules
