#pragma once
// The judging half of `kindlyguard check`: reads the policies and the manifests, judges every
// object with the policy core (the webhook's own), and says what it saw and did not see. The
// writers (check_writers.hpp) only format the report; the command (check.cpp) only parses flags,
// picks a writer and chooses the exit code.

#include <optional>
#include <string>
#include <vector>

#include "kindlyguard/cli/check_report.hpp"
#include "kindlyguard/policy/exception.hpp"

namespace kindlyguard::cli {

struct CheckOptions {
  std::vector<std::string> policy_paths;  // files or directories of SecurityPolicies (+ exceptions)
  std::vector<std::string> inputs;        // files, directories or "-"
  std::string default_namespace = "default";
  bool namespace_given = false;           // -n was given: objects without one are meant to go there
  std::vector<std::string> namespace_labels;      // NAME=KEY=VALUE items
  std::vector<std::string> exception_namespaces;  // admin namespaces
  policy::Seconds now{};                  // decides exception expiry
};

// Never throws for bad input: what cannot be read or judged is in report.errors (exit 2), what a
// careful reader should know is in report.warnings (exit 2 under --strict).
CheckReport run_check(const CheckOptions& options);

// A rule's message is "<what is wrong>: <what to set>" (PSS: `violates PodSecurity "baseline:latest":
// <check> (<detail>)`): the two halves, for output that puts the fix on its own line. A message
// without the separator is all `what`.
struct MessageParts {
  std::string what;
  std::string fix;
};
MessageParts split_message(const std::string& message);

}  // namespace kindlyguard::cli
