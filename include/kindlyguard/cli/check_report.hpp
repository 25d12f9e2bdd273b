#pragma once
// What one `kindlyguard check` run found, as plain values: built once by run_check
// (check_run.hpp) and written by one writer per output format (check_writers.hpp), so every
// format says the same thing and a new format is one new file.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/policy/source_map.hpp"

namespace kindlyguard::cli {

// The version of the `-o json` document ("schemaVersion"); bumped on any change a consumer
// could notice (a field removed or renamed, a meaning changed). Adding a field is not a change.
inline constexpr const char* kCheckJsonSchemaVersion = "kindlyguard.io/check/v1";

// One thing wrong with one object, as the rules said it (one per policy and rule), with where
// it is in the input.
struct Finding {
  policy::Violation violation;
  policy::SourcePos pos;           // the field's line/column, or its nearest ancestor's
  std::string what;                // the message's first part: what is wrong
  std::string fix;                 // the message's second part: what to set (may be empty)
};

// Findings of one object that point at the same container and field, merged: overlapping
// policies (baseline-deny/pss/privileged, restricted-warn/pss/privileged,
// production-hardening/privileged) are one line for a person, with every policy kept.
struct FindingGroup {
  std::string container;           // empty for pod-level findings
  std::string field;
  policy::SourcePos pos;
  policy::Enforcement enforcement; // the strongest among `findings`
  std::vector<std::size_t> findings;  // indices into ObjectReport::findings, strongest first
};

struct ExcusedFinding {
  Finding finding;
  std::string exception;           // "namespace/name" of the SecurityPolicyException
};

struct ObjectReport {
  std::string source;              // file path or "<stdin>"
  int document = 0;                // 0-based among the file's non-empty documents
  std::string pointer;             // JSON pointer of the object in its document: "" or "/items/3"
  policy::SourcePos pos;           // where the object starts
  std::string kind, namespace_, name;
  bool namespace_defaulted = false;  // the object named no namespace; --namespace was used
  bool judged_as_template = false;   // unknown kind judged by its spec.template (say so)
  std::string decision;            // pass | deny | warn | audit
  std::vector<std::string> matched_policies;
  std::vector<Finding> findings;   // in the order the core reported them
  std::vector<FindingGroup> groups;  // the same findings merged by container and field
  std::vector<ExcusedFinding> excused;
};

struct PolicySummary {
  std::string name;
  policy::Enforcement enforcement = policy::Enforcement::Deny;
  std::size_t matched = 0;         // objects the policy selected
  std::size_t denied = 0, warned = 0;  // of those, how many it found fault with, by enforcement
};

struct InputSummary {
  std::string source;
  std::size_t documents = 0, judged = 0, skipped = 0;
  std::size_t namespaces = 0;  // Namespace objects, whose labels policies' namespaceSelectors read
};

struct CheckSummary {
  std::size_t objects = 0, denied = 0, warned = 0, passed = 0, skipped = 0, excused = 0;
  std::size_t findings = 0;
};

struct CheckReport {
  std::vector<ObjectReport> objects;
  std::vector<PolicySummary> policies;     // every policy given, in the order given
  std::vector<InputSummary> inputs;
  std::vector<std::string> warnings;       // what a --strict run fails on
  std::vector<std::string> errors;         // bad input: the run exits 2
  bool exceptions_given = false;
  CheckSummary summary;
};

}  // namespace kindlyguard::cli
