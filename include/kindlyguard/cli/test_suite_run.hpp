#pragma once
// Running one `kindlyguard test` suite (test_suite.hpp): its policies, exceptions and resources
// loaded, every expectation resolved to the resources it names, and each judged with the pure core
// exactly as `check` and the webhook judge (policy_matches, judge_all, ExceptionScope, ownerReferences
// followed among the resources themselves).

#include <string>
#include <vector>

#include "kindlyguard/cli/test_suite.hpp"
#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::cli {

// The resource one outcome is about.
struct TestedResource {
  std::string kind, namespace_, name;  // namespace_: the object's, or the suite's default
  std::string source;                  // the file it was read from
  int document = 0;                    // 0-based among the file's non-empty documents
  std::string describe() const { return kind + " " + namespace_ + "/" + name; }  // "Pod prod-shop/web"
};

// One expectation applied to one resource it names.
struct ExpectationOutcome {
  std::size_t result_index = 0;  // results[i] in the suite
  SuitePosition at;              // the resource name's place in the suite
  TestedResource resource;
  std::string policy;
  std::string rule;  // "" = the policy as a whole
  TestResult expected = TestResult::Pass;
  TestResult got = TestResult::Pass;
  bool met() const { return expected == got; }
  // What the policy (rule) found on the resource after exceptions, and what exceptions excused:
  // the evidence for `got`, shown for a miss.
  std::vector<policy::Violation> findings;
  std::vector<policy::ExcusedViolation> excused;
  // Why the policy does or does not select the resource, when that decides a miss
  // ("namespace \"kube-system\" is in match.excludedNamespaces"); "" otherwise.
  std::string selection;
};

struct SuiteOutcome {
  std::string file;
  std::string name;  // metadata.name, when the suite could be read
  // A bad suite (exit 2): unreadable, unknown fields, missing files, a policy or resource that is
  // not there, an ambiguous resource name. Nothing is judged then.
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::vector<ExpectationOutcome> outcomes;  // in the order of results[], then of their resources

  std::size_t met() const;
  std::size_t missed() const { return outcomes.size() - met(); }
};

SuiteOutcome run_test_suite(const TestSuite& suite);

// Reads, parses and runs the suite in `file`.
SuiteOutcome run_test_suite_file(const std::string& file);

}  // namespace kindlyguard::cli
