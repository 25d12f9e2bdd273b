// `kindlyguard check` in a pipeline (issue 17): it says when it judged nothing, points at the
// line, merges what overlapping policies say, and fails on the bar the pipeline chose.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kExamples = std::string(KINDLY_SOURCE_DIR) + "/examples";

const char* kProdOnly = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: prod-only}
spec:
  match: {namespaces: ["prod-*"]}
  rules: {privileged: false}
)";

const char* kWarnOnly = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: warn-only}
spec:
  enforcement: Warn
  rules: {privileged: false}
)";

// Positions matter below: in this text hostPID is at 7:7 and privileged at 11:27.
const char* kPrivilegedDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      hostPID: true
      containers:
      - name: app
        image: registry.example.com/web:1.0
        securityContext: {privileged: true}
)";

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(CheckInCi, APolicyThatSelectsNothingIsNamedAndStrictFailsOnIt) {
  TempDir dir;
  dir.write("p.yaml", kProdOnly);
  dir.write("app.yaml", kPrivilegedDeployment);
  // Argo CD's install.yaml case: no namespace in the manifests, a policy for prod-*.
  auto r = run_binary({"check", "-p", dir.file("p.yaml"), "-f", dir.file("app.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: SecurityPolicy \"prod-only\" selected none of the 1 object judged"));
  EXPECT_THAT(r.err, HasSubstr("give -n NAMESPACE"));
  EXPECT_THAT(r.out, HasSubstr("prod-only (deny): selected 0 objects"));
  r = run_binary({"check", "--strict", "-p", dir.file("p.yaml"), "-f", dir.file("app.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--strict"));
  // Told where the manifests go, the policy applies and the warning is gone.
  r = run_binary({"check", "--strict", "-n", "prod-web", "-p", dir.file("p.yaml"), "-f", dir.file("app.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  EXPECT_THAT(r.out, HasSubstr("prod-only (deny): selected 1 object, denied 1"));
}

TEST(CheckInCi, NothingToJudgeIsSaidForEmptyInputsEmptyPolicyFoldersAndOtherKinds) {
  TempDir dir;
  dir.write("policies/.keep", "");
  dir.write("p.yaml", kProdOnly);
  dir.write("empty.yaml", "# nothing here\n");
  dir.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  dir.write("pod.json", compliant_pod().dump());
  auto r = run_binary({"check", "-p", dir.file("policies"), "-f", dir.file("pod.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no SecurityPolicy was found in the --policy paths, so nothing was checked"));
  EXPECT_EQ(run_binary({"check", "--strict", "-p", dir.file("policies"), "-f", dir.file("pod.json")}).exit_code, 2);

  r = run_binary({"check", "-n", "prod-a", "-p", dir.file("p.yaml"), "-f", dir.file("empty.yaml"), "-f",
                  dir.file("cm.yaml"), "-f", dir.file("pod.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(dir.file("empty.yaml") + ": empty"));
  EXPECT_THAT(r.err, HasSubstr(dir.file("cm.yaml") + ": nothing to judge"));
  EXPECT_THAT(r.err, Not(HasSubstr("pod.json")));
  EXPECT_EQ(run_binary({"check", "--strict", "-n", "prod-a", "-p", dir.file("p.yaml"), "-f", dir.file("cm.yaml"), "-f",
                        dir.file("pod.json")})
                .exit_code,
            2);
}

TEST(CheckInCi, ACustomKindWithAPodTemplateIsJudgedAsOneAndSaysSo) {
  TempDir dir;
  dir.write("p.yaml", kWarnOnly);
  std::string widget = kPrivilegedDeployment;
  widget.replace(widget.find("apps/v1"), 7, "example.com/v1");
  widget.replace(widget.find("Deployment"), 10, "Widget");
  dir.write("widget.yaml", widget);
  auto r = run_binary({"check", "-o", "json", "-p", dir.file("p.yaml"), "-f", dir.file("widget.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // a Warn policy: warned, not failed
  EXPECT_THAT(r.err, HasSubstr("kind Widget is not one kindlyguard knows"));
  auto j = json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["kind"], "Widget");
  EXPECT_EQ(j["results"][0]["judgedAsTemplate"], true);
  EXPECT_EQ(j["results"][0]["decision"], "warn");
  EXPECT_EQ(j["results"][0]["violations"][0]["field"], "spec.template.spec.containers[0].securityContext.privileged");
  EXPECT_THAT(j["warnings"].dump(), HasSubstr("Widget"));
  EXPECT_EQ(run_binary({"check", "--strict", "-p", dir.file("p.yaml"), "-f", dir.file("widget.yaml")}).exit_code, 2);
}

TEST(CheckInCi, FailOnChoosesTheBar) {
  TempDir dir;
  dir.write("p.yaml", kWarnOnly);
  dir.write("pod.json", privileged_pod().dump());
  EXPECT_EQ(run_binary({"check", "-p", dir.file("p.yaml"), "-f", dir.file("pod.json")}).exit_code, 0);
  EXPECT_EQ(run_binary({"check", "--fail-on=warn", "-p", dir.file("p.yaml"), "-f", dir.file("pod.json")}).exit_code, 1);
  EXPECT_EQ(run_binary({"check", "--fail-on", "deny", "-p", dir.file("p.yaml"), "-f", dir.file("pod.json")}).exit_code, 0);
  auto r = run_binary({"check", "--fail-on=error", "-p", dir.file("p.yaml"), "-f", dir.file("pod.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--fail-on must be deny or warn"));
  r = run_binary({"check", "-o", "yaml", "-p", dir.file("p.yaml"), "-f", dir.file("pod.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--output must be text, wide, json, sarif, junit or github"));
}

TEST(CheckInCi, EveryFindingHasItsLineAndColumnInEveryFormat) {
  TempDir dir;
  dir.write("p.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: p}
spec: {rules: {privileged: false, hostNamespaces: false, runAsNonRoot: true}}
)");
  dir.write("app.yaml", std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n") + kPrivilegedDeployment);
  auto r = run_binary({"check", "-o", "json", "-p", dir.file("p.yaml"), "-f", dir.file("app.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 1u);
  const auto& res = j["results"][0];
  EXPECT_EQ(res["document"], 1);
  EXPECT_EQ(res["line"], 5);  // the Deployment starts after the ConfigMap and the separator
  std::map<std::string, std::pair<int, int>> at;
  for (const auto& v : res["violations"]) at[v["rule"].get<std::string>() + " " + v["field"].get<std::string>()] = {v["line"], v["column"]};
  EXPECT_EQ((at["privileged spec.template.spec.containers[0].securityContext.privileged"]), (std::pair{15, 27}));
  EXPECT_EQ((at["hostNamespaces spec.template.spec.hostPID"]), (std::pair{11, 7}));
  // runAsNonRoot is not set anywhere: the finding points at the container's securityContext.
  EXPECT_EQ((at["runAsNonRoot spec.template.spec.containers[0].securityContext.runAsNonRoot"]), (std::pair{15, 9}));

  r = run_binary({"check", "-o", "wide", "-p", dir.file("p.yaml"), "-f", dir.file("app.yaml")});
  EXPECT_THAT(r.out, HasSubstr(dir.file("app.yaml") + ":15:27: Deployment default/web: deny p/privileged container=app"));
  r = run_binary({"check", "-p", dir.file("p.yaml"), "-f", dir.file("app.yaml")});
  EXPECT_THAT(r.out, HasSubstr(dir.file("app.yaml") + ":5:1  Deployment default/web  DENIED"));
  EXPECT_THAT(r.out, HasSubstr("    15:27   deny  is privileged"));

  // JSON input (kubectl get -o json) and a List: positions of the items.
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", {compliant_pod("a"), privileged_pod("b")}}};
  dir.write("list.json", list.dump(2));
  r = run_binary({"check", "-o", "json", "-p", dir.file("p.yaml"), "-f", "-"}, dir.file("list.json"));
  j = json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 2u);
  const auto& b = j["results"][1];
  EXPECT_EQ(b["pointer"], "/items/1");
  ASSERT_TRUE(b.contains("line")) << b.dump();
  ASSERT_FALSE(b["violations"].empty());
  for (const auto& v : b["violations"])
    if (v["rule"] == "privileged") {
      // The line of "privileged": true in the pretty-printed list.
      std::string text = list.dump(2);
      std::size_t item_b = text.find("\"name\": \"b\"");
      std::size_t priv = text.find("\"privileged\"", item_b);
      int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(priv), '\n'));
      EXPECT_EQ(v["line"], line) << v.dump();
    }
}

TEST(CheckInCi, OverlappingPoliciesAreOneLineWithEveryPolicyNamedAndTheFixOnItsOwnLine) {
  auto r = run_binary({"check", "-p", kExamples + "/policies", "-f", kExamples + "/pods/privileged-pod.yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // Three policies say the container is privileged: one line, three names.
  EXPECT_EQ(count(r.out, "securityContext.privileged=false"), 1u) << r.out;
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "deny  is privileged[^\n]*\\[production-hardening/privileged, baseline-deny/pss/privileged, "
                         "restricted-warn/pss/privileged \\(warn\\)\\]\n +fix: set securityContext.privileged=false\n"));
  EXPECT_THAT(r.out, HasSubstr("\n  container shell\n"));
  EXPECT_THAT(r.out, HasSubstr("\n  pod\n"));
  // No line for people is the ~2,700-character line of before.
  std::size_t longest = 0, start = 0;
  for (std::size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1) longest = std::max(longest, nl - start);
  EXPECT_LT(longest, 240u) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));  // not a terminal: no colour
  EXPECT_THAT(r.out, HasSubstr("1 object judged: 1 denied, 0 warned, 0 passed"));

  r = run_binary({"check", "--color=always", "-p", kExamples + "/policies", "-f", kExamples + "/pods/privileged-pod.yaml"});
  EXPECT_THAT(r.out, HasSubstr("\x1b[1;31m"));
  r = run_binary({"check", "--color=rainbow", "-p", kExamples + "/policies", "-f", kExamples + "/pods/privileged-pod.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  // wide keeps one full line per policy and rule.
  r = run_binary({"check", "-o", "wide", "-p", kExamples + "/policies", "-f", kExamples + "/pods/privileged-pod.yaml"});
  EXPECT_EQ(count(r.out, "/privileged container=shell"), 3u) << r.out;
}

TEST(CheckInCi, AHelmTemplateIsToldToBeRenderedFirst) {
  TempDir dir;
  dir.write("deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n");
  auto r = run_binary({"check", "-p", kExamples + "/policies", "-f", dir.file("deployment.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(dir.file("deployment.yaml") + ":4:"));
  EXPECT_THAT(r.err, HasSubstr("helm template"));
}

TEST(CheckInCi, JsonIsVersionedAndCountsWhatEachPolicySelected) {
  auto r = run_binary({"check", "-o", "json", "-p", kExamples + "/policies", "-f", kExamples + "/pods"});
  auto j = json::parse(r.out);
  EXPECT_EQ(j["schemaVersion"], "kindlyguard.io/check/v1");
  EXPECT_EQ(j["tool"]["name"], "kindlyguard");
  ASSERT_EQ(j["policies"].size(), 3u);
  for (const auto& p : j["policies"]) EXPECT_GE(p["matched"].get<int>(), 1) << p.dump();
  EXPECT_EQ(j["summary"]["objects"], 2);
  for (const auto& res : j["results"]) {
    EXPECT_TRUE(res.contains("policies"));
    for (const auto& g : res["groups"]) EXPECT_FALSE(g["findings"].empty());
  }
}

}  // namespace
}  // namespace kindlyguard::testing
