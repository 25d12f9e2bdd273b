#include "kindlyguard/cli/policy_files.hpp"

#include <map>

#include "kindlyguard/cli/inputs.hpp"

namespace kindlyguard::cli {

LoadedPolicies load_policy_files(const std::vector<std::string>& paths) {
  LoadedPolicies out;
  std::map<std::string, std::string> seen;             // name -> file
  std::map<std::string, std::string> seen_exceptions;  // namespace/name -> file
  for (const auto& path : paths) {
    auto files = read_inputs(path);
    if (!files.ok()) {
      out.errors.push_back(files.error().to_string());
      continue;
    }
    for (const auto& f : *files) {
      auto parsed = policy::parse_policies(f.text, f.name);
      for (const auto& e : parsed.errors) out.errors.push_back(e.to_string());
      for (auto& p : parsed.policies) {
        auto [it, fresh] = seen.emplace(p.name, f.name);
        if (!fresh) {
          out.errors.push_back(f.name + ": SecurityPolicy \"" + p.name + "\" is also defined in " + it->second +
                               "; policy names are cluster-wide and must be unique");
          continue;
        }
        out.policies.push_back(std::move(p));
      }
      for (auto& e : parsed.exceptions) {
        auto [it, fresh] = seen_exceptions.emplace(e.key(), f.name);
        if (!fresh) {
          out.errors.push_back(f.name + ": SecurityPolicyException \"" + e.key() + "\" is also defined in " + it->second +
                               "; exception names are unique within a namespace");
          continue;
        }
        out.exceptions.push_back(std::move(e));
      }
    }
  }
  return out;
}

}  // namespace kindlyguard::cli
