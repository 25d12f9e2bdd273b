// `kindlyguard test DIR`: policy test suites (kindlyguard-test.yaml) against the real binary. The
// repository's own suites (examples/tests) pass; a wrong expectation exits 1 and is named with the
// findings that explain it; a malformed suite exits 2 naming the file, line and field.
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

const std::string kExampleTests = std::string(KINDLY_SOURCE_DIR) + "/examples/tests";

// Every one of `parts` appears in `text` (the lines of a report, in any order).
void expect_lines(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& part : parts) EXPECT_THAT(text, HasSubstr(part));
}

// A folder with one suite: no-privileged (Deny, every namespace but kube-system) and three pods.
class TestCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("policies/no-privileged.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-privileged}
spec:
  enforcement: Deny
  match: {excludedNamespaces: [kube-system]}
  rules: {privileged: false, hostPorts: false}
)");
    json list = {{"apiVersion", "v1"},
                 {"kind", "List"},
                 {"items", {compliant_pod("ok"), privileged_pod("web"), privileged_pod("web", "kube-system")}}};
    dir.write("suite/resources.json", list.dump(2));
  }

  // The suite file: the header naming the policy and resources, then `results`.
  void suite(const std::string& results, const std::string& extra = "") {
    dir.write("suite/kindlyguard-test.yaml", "apiVersion: kindlyguard.io/v1alpha1\n"
                                             "kind: Test\n"
                                             "metadata: {name: privileged}\n"
                                             "policies: [../policies]\n"
                                             "resources: [resources.json]\n" +
                                                 extra + "results:\n" + results);
  }

  RunResult test(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"test", dir.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_binary(args);
  }

  // Runs the suite folder expecting `exit_code`, and every one of `lines` on stdout.
  RunResult expect_run(int exit_code, const std::vector<std::string>& lines) {
    auto r = test();
    EXPECT_EQ(r.exit_code, exit_code) << r.out << r.err;
    expect_lines(r.out, lines);
    return r;
  }

  TempDir dir;
};

TEST(TestCommandExamples, TheRepositorySuitesPass) {
  auto r = run_binary({"test", kExampleTests, "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& s : j["suites"]) {
    names.push_back(s["name"]);
    EXPECT_TRUE(s["errors"].empty()) << s.dump(2);
    EXPECT_GT(s["summary"]["expectations"].get<int>(), 0) << s["name"];
  }
  // In name order of their folders; a suite that silently went missing would fail here.
  EXPECT_THAT(names, ::testing::ElementsAre("baseline-deny", "chart-defaults", "node-exporter-exception",
                                            "node-exporter-exception-expired", "production-hardening", "restricted-warn"));
  EXPECT_EQ(j["summary"]["missed"], 0);
  EXPECT_EQ(j["summary"]["badSuites"], 0);
  // Every result value is exercised somewhere.
  std::set<std::string> expected;
  for (const auto& s : j["suites"])
    for (const auto& o : s["results"]) expected.insert(o["expected"].get<std::string>());
  EXPECT_EQ(expected, (std::set<std::string>{"deny", "excused", "pass", "skip", "warn"}));

  r = run_binary({"test", kExampleTests});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("6 suites, "));
  EXPECT_THAT(r.out, HasSubstr(" met, 0 missed\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

TEST_F(TestCommand, MetExpectationsPassAndExitZero) {
  // Every way of naming a resource: name, namespace/name, Kind/namespace/name, and kind beside it.
  suite(R"(  - {policy: no-privileged, resources: [ok], result: pass}
  - {policy: no-privileged, rule: privileged, resources: [default/web], result: deny}
  - {policy: no-privileged, rule: hostPorts, resources: [Pod/default/web], result: pass}
  - {policy: no-privileged, kind: Pod, resources: [kube-system/web], result: skip}
)");
  expect_run(0, {"PASS  Pod default/ok  no-privileged  expected pass, got pass",
                 "PASS  Pod default/web  no-privileged/privileged  expected deny, got deny",
                 "PASS  Pod default/web  no-privileged/hostPorts  expected pass, got pass",
                 "PASS  Pod kube-system/web  no-privileged  expected skip, got skip",
                 "  4 expectations: 4 met, 0 missed\n", "1 suite, 4 expectations: 4 met, 0 missed\n"});
}

TEST_F(TestCommand, AWrongExpectationExitsOneNamingItWithTheFindings) {
  suite(R"(  - policy: no-privileged
    resources: [ok]
    result: pass
  - policy: no-privileged
    resources: [default/web]
    result: pass
  - policy: no-privileged
    resources: [kube-system/web]
    result: deny
)");
  auto r = expect_run(1, {"PASS  Pod default/ok  no-privileged  expected pass, got pass",
                          "FAIL  Pod default/web  no-privileged  expected pass, got deny",
                          // Where the expectation is, and the finding that explains the miss.
                          "kindlyguard-test.yaml:11:17: results[1]",
                          "deny no-privileged/privileged container=app spec.containers[0].securityContext.privileged",
                          "FAIL  Pod kube-system/web  no-privileged  expected deny, got skip",
                          "policy \"no-privileged\" does not select it: namespace \"kube-system\" is in its "
                          "match.excludedNamespaces (kube-system)",
                          "3 expectations: 1 met, 2 missed"});

  r = test({"-o", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = json::parse(r.out);
  ASSERT_EQ(j["suites"].size(), 1u);
  const auto& results = j["suites"][0]["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1]["met"], false);
  EXPECT_EQ(results[1]["expected"], "pass");
  EXPECT_EQ(results[1]["got"], "deny");
  EXPECT_EQ(results[1]["resource"]["name"], "web");
  EXPECT_EQ(results[1]["resource"]["namespace"], "default");
  EXPECT_EQ(results[1]["findings"][0]["rule"], "privileged");
  EXPECT_EQ(results[2]["got"], "skip");
  EXPECT_THAT(results[2]["selection"].get<std::string>(), HasSubstr("excludedNamespaces"));
  EXPECT_EQ(j["summary"], json::parse(R"({"suites": 1, "expectations": 3, "met": 1, "missed": 2, "badSuites": 0})"));
}

TEST_F(TestCommand, SuiteNamespaceAndNamespaceLabelsDecideSelection) {
  dir.write("policies/prod-only.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: prod-only}
spec:
  enforcement: Warn
  match: {namespaceSelector: {matchLabels: {env: prod}}}
  rules: {privileged: false}
)");
  json pod = privileged_pod("api");
  pod["metadata"].erase("namespace");
  dir.write("suite/api.json", pod.dump());
  // api names no namespace: it is in the suite's, whose labels say prod.
  dir.write("suite/kindlyguard-test.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: Test
metadata: {name: labels}
policies: [../policies]
resources: [resources.json, api.json]
namespace: shop
namespaceLabels:
  shop: {env: prod}
results:
  - {policy: prod-only, resources: [shop/api], result: warn}
  - {policy: prod-only, resources: [default/web], result: skip}
  - {policy: no-privileged, resources: [api], result: deny}
)");
  auto r = test();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  Pod shop/api  prod-only  expected warn, got warn"));
}

TEST_F(TestCommand, ExceptionsAmongThePoliciesExcuse) {
  dir.write("policies/exception.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: web, namespace: default}
spec:
  exceptions: [{policy: no-privileged, rules: [privileged]}]
  match: {names: [web]}
  reason: Debugging the node.
  expiresAt: "2030-01-01T00:00:00Z"
)");
  suite(R"(  - {policy: no-privileged, resources: [default/web], result: excused}
  - {policy: no-privileged, rule: privileged, resources: [default/web], result: excused}
  - {policy: no-privileged, resources: [ok], result: pass}
)", "now: 2029-12-31T23:59:59Z\n");
  auto r = test();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  Pod default/web  no-privileged  expected excused, got excused"));

  // At expiresAt it excuses nothing: the miss shows the denial.
  suite(R"(  - {policy: no-privileged, resources: [default/web], result: excused}
)", "now: 2030-01-01T00:00:00Z\n");
  r = test();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  Pod default/web  no-privileged  expected excused, got deny"));
  EXPECT_THAT(r.out, HasSubstr("deny no-privileged/privileged container=app"));
}

// Each malformed suite exits 2 and says what is wrong, where.
TEST_F(TestCommand, MalformedSuitesExitTwoWithTheError) {
  struct Case {
    std::string results, extra, error;
  };
  const std::vector<Case> cases = {
      {"  - policy: no-privileged\n    resource: [ok]\n    result: pass\n", "",
       "kindlyguard-test.yaml:8:5: unknown field \"results[0].resource\"; the fields of results[0] are policy, rule, "
       "kind, resources, result"},
      {"  - {policy: no-privileged, resources: [ok], result: denied}\n", "",
       "results[0].result: \"denied\" is not a result; write one of pass, deny, warn, audit, skip, excused"},
      {"  - {policy: nope, resources: [ok], result: pass}\n", "",
       "results[0].policy: SecurityPolicy \"nope\" is not among the policies loaded (no-privileged)"},
      {"  - {policy: no-privileged, resources: [ok], result: pass}\n  - {policy: no-privileged, resources: [ghost], result: pass}\n",
       "", "resource \"ghost\" named by results[1] is not among the resources"},
      {"  - {policy: no-privileged, resources: [web], result: deny}\n", "",
       "\"web\" matches 2 resources (Pod/default/web in "},
      {"  - {policy: no-privileged, rule: runAsNonRoot, resources: [ok], result: pass}\n", "",
       "results[0].rule: policy \"no-privileged\" does not set spec.rules.runAsNonRoot, so it never reports it"},
      {"  - {policy: no-privileged, rule: privilegd, resources: [ok], result: pass}\n", "",
       "results[0].rule: \"privilegd\" is not a rule id"},
      {"  - {policy: no-privileged, resources: [ok], result: pass}\n", "color: red\n",
       "kindlyguard-test.yaml:6:1: unknown field \"color\"; the fields of a suite are apiVersion, kind, metadata"},
      {"  - {policy: no-privileged, resources: [ok], result: pass}\n", "now: tomorrow\n",
       "now: \"tomorrow\" is not an RFC 3339 time"},
      {"  - {policy: no-privileged, resources: [a/b/c/d], result: pass}\n", "",
       "\"a/b/c/d\" is not a resource name; write name, namespace/name, Kind/name or Kind/namespace/name"},
      {"", "", "results: is required"},
  };
  for (const auto& c : cases) {
    suite(c.results, c.extra);
    auto r = test();
    EXPECT_EQ(r.exit_code, 2) << c.error << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.error)) << r.err;
    EXPECT_THAT(r.out, HasSubstr("not run: ")) << r.out;
  }

  // Files that are not there, policies and resources alike.
  dir.write("suite/kindlyguard-test.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: Test
metadata: {name: missing}
policies: [../no-such-policies]
resources: [no-such-resources.yaml]
results:
  - {policy: no-privileged, resources: [ok], result: pass}
)");
  auto r = test();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("no-such-policies: no such file or directory"));
  EXPECT_THAT(r.err, HasSubstr("no-such-resources.yaml: no such file or directory"));

  // Not a suite at all, and a folder without one.
  dir.write("suite/kindlyguard-test.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: Test\nmetadata: {name: x\n");
  r = test();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("kindlyguard-test.yaml:"));
  TempDir empty;
  r = run_binary({"test", empty.path()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no kindlyguard-test.yaml in this folder or below it"));
  r = run_binary({"test"});
  EXPECT_EQ(r.exit_code, 2);
}

// A bad suite does not hide the others: they run and are reported, and the exit code is 2.
TEST_F(TestCommand, ABadSuiteDoesNotStopTheOthers) {
  suite("  - {policy: no-privileged, resources: [default/web], result: pass}\n");  // a miss
  dir.write("z-bad/kindlyguard-test.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: Tset\n");
  auto r = test();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  Pod default/web"));
  EXPECT_THAT(r.err, HasSubstr("z-bad/kindlyguard-test.yaml:2:7: kind: expected Test, got \"Tset\""));
  EXPECT_THAT(r.out, HasSubstr("2 suites, 1 expectation: 0 met, 1 missed; 1 suite could not run"));
}

}  // namespace
}  // namespace kindlyguard::testing
