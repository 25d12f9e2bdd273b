#pragma once
// The policy test suite file of `kindlyguard test`, in the style of kyverno's kyverno-test.yaml and
// gator's suites: policies and resources given by path, and the result each policy (or one of its
// rules) is expected to give each resource. Running a suite is test_suite_run.hpp.
//
//   apiVersion: kindlyguard.io/v1alpha1
//   kind: Test
//   metadata: {name: baseline}
//   policies: [../../policies/baseline-deny.yaml]  # files or folders, relative to this file;
//                                                   # SecurityPolicyExceptions among them apply
//   resources: [resources.yaml]                    # files or folders, relative to this file
//   namespace: default                             # for objects that name none (default "default")
//   namespaceLabels: {prod-shop: {env: prod}}      # for policies with a namespaceSelector
//   exceptionNamespaces: [kindlyguard]             # as serve's --exception-namespaces
//   now: "2027-01-01T00:00:00Z"                    # the clock for exception expiry (default: now)
//   results:
//     - policy: baseline-deny
//       rule: pss/privileged                       # optional: absent = the policy as a whole
//       kind: Pod                                  # optional: the kind of every resource named
//       resources: [root-shell, prod-shop/web, Deployment/prod-shop/web]
//       result: deny                               # pass | deny | warn | audit | skip | excused
//
// What each result means for one resource:
//   skip     the policy does not select it (its match leaves it out);
//   pass     the policy (rule) selects it and reports nothing, and no exception was needed;
//   deny / warn / audit
//            the strongest enforcement among the findings of the policy (rule) that remain after
//            exceptions;
//   excused  the policy (rule) found something, and exceptions excused every finding.
// A resource name is "name", "namespace/name", "Kind/name" or "Kind/namespace/name" (kinds start
// with an upper-case letter, namespaces never do).

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::cli {

enum class TestResult { Pass, Deny, Warn, Audit, Skip, Excused };
const char* to_string(TestResult r);  // "pass", "deny", ...
std::optional<TestResult> parse_test_result(std::string_view text);

// Where something is in the suite file, for errors a person can jump to.
struct SuitePosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// One entry of `resources:` in a result: which resource(s) it names.
struct ResourceName {
  std::string text;  // as written, for messages
  std::string kind;  // "" = any kind
  std::optional<std::string> namespace_;  // nullopt = any namespace
  std::string name;
  SuitePosition at;
};

// One item of `results:`.
struct Expectation {
  std::size_t index = 0;  // its position in results[], for "results[3]" in messages
  SuitePosition at;
  std::string policy;
  std::string rule;  // "" = the policy as a whole
  std::string kind;  // "" = whatever each resource name says
  std::vector<ResourceName> resources;
  TestResult result = TestResult::Pass;
};

struct TestSuite {
  std::string file;  // the kindlyguard-test.yaml, as found
  std::string name;  // metadata.name
  std::vector<std::string> policies;   // resolved against the suite's folder
  std::vector<std::string> resources;  // resolved against the suite's folder
  std::string namespace_ = "default";
  std::map<std::string, std::map<std::string, std::string>> namespace_labels;
  std::vector<std::string> exception_namespaces;
  std::optional<std::time_t> now;  // nullopt: the system clock
  std::vector<Expectation> results;
};

// "examples/tests/x/kindlyguard-test.yaml:12:7: " for messages about a place in the suite.
std::string suite_location(const std::string& file, SuitePosition at);

// The suite in `text` (read from `file`). Every problem is reported, each as
// "FILE:LINE:COLUMN: FIELD: what is wrong and what to write": unknown fields (with the fields
// allowed there), missing or mistyped ones, unknown result values, malformed resource names,
// label keys and values, namespaces and times. Files are not opened here: run_test_suite does.
Result<TestSuite, std::vector<std::string>> parse_test_suite(std::string_view text, const std::string& file);

// The name `kindlyguard test` looks for.
inline constexpr const char* kTestSuiteFileName = "kindlyguard-test.yaml";

// Every kindlyguard-test.yaml under `path` (a folder, searched recursively in name order, hidden
// entries skipped), or `path` itself when it is a file. A folder without any is an error: a test
// run that tests nothing must not pass.
Result<std::vector<std::string>> find_test_suites(const std::string& path);

}  // namespace kindlyguard::cli
