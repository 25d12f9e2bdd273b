#pragma once
// SecurityPolicies and SecurityPolicyExceptions from files and directories, for `check --policy`
// and `serve --policy-dir`: both kinds live in the same files and folders.

#include <string>
#include <vector>

#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::cli {

struct LoadedPolicies {
  std::vector<policy::SecurityPolicy> policies;
  std::vector<policy::SecurityPolicyException> exceptions;
  std::vector<std::string> errors;  // each names the file, document, field path and fix
};

// Reads every path (file or directory); two policies with one name, or two exceptions with one
// namespace/name, are an error, as they would be in the cluster.
LoadedPolicies load_policy_files(const std::vector<std::string>& paths);

}  // namespace kindlyguard::cli
