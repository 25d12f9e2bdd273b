// `kindlyguard check` as a CI job runs it: exit codes, text and JSON output, bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;

const std::string kExamples = std::string(KINDLY_SOURCE_DIR) + "/examples";

TEST(CheckCommand, ExamplesDenyThePrivilegedPodAndPassTheDeployment) {
  auto r = run_binary({"check", "-o", "wide", "--policy", kExamples + "/policies", "-f", kExamples + "/pods/privileged-pod.yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Pod prod-shop/root-shell: deny"));
  EXPECT_THAT(r.out, HasSubstr("hostPath"));
  EXPECT_THAT(r.out, HasSubstr("denied"));
  r = run_binary({"check", "--policy", kExamples + "/policies", "-f", kExamples + "/pods/web-deployment.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 object judged: 0 denied"));
}

TEST(CheckCommand, JsonOutputListsEveryViolationWithItsParts) {
  auto r = run_binary({"check", "--policy", kExamples + "/policies", "-f", kExamples + "/pods", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["objects"], 2);
  EXPECT_EQ(j["summary"]["denied"], 1);
  bool found = false;
  for (const auto& res : j["results"])
    for (const auto& v : res["violations"])
      if (v["rule"] == "privileged" || v["rule"] == "pss/privileged") {
        found = true;
        EXPECT_EQ(v["container"], "shell");
        EXPECT_FALSE(v["field"].get<std::string>().empty());
        EXPECT_FALSE(v["message"].get<std::string>().empty());
      }
  EXPECT_TRUE(found) << r.out;
}

TEST(CheckCommand, ReadsStdinAndLists) {
  TempDir dir;
  nlohmann::json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", {compliant_pod("a"), compliant_pod("b")}}};
  list["items"][1]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  dir.write("in.json", list.dump());
  dir.write("p.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\n"
                      "spec: {rules: {privileged: false}}\n");
  auto r = run_binary({"check", "-o", "wide", "--policy", dir.file("p.yaml"), "-f", "-"}, dir.file("in.json"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Pod default/b: deny p/privileged container=app"));
  EXPECT_THAT(r.out, HasSubstr("2 objects judged: 1 denied, 0 warned, 1 passed"));
}

// A Deny policy that selects namespaces by label: 0.1.0 judged every namespace by its name label
// alone in `check`, so the policy silently never applied (issue 14, "Also").
TEST(CheckCommand, NamespaceSelectorIsJudgedAgainstNamespaceObjectsAndFlags) {
  TempDir dir;
  dir.write("p.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: prod-only}\n"
                      "spec: {match: {namespaceSelector: {matchLabels: {env: prod}}}, rules: {privileged: false}}\n");
  nlohmann::json pod = privileged_pod("web", "shop");
  dir.write("pod.json", pod.dump());
  // No labels given: loud warning, and the policy does not apply.
  auto r = run_binary({"check", "--policy", dir.file("p.yaml"), "-f", dir.file("pod.json")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: policy \"prod-only\" selects namespaces by label (env=prod)"));
  // Labels from the flag.
  r = run_binary({"check", "-o", "wide", "--policy", dir.file("p.yaml"), "-f", dir.file("pod.json"), "--namespace-labels", "shop=env=prod"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Pod shop/web: deny prod-only/privileged"));
  r = run_binary({"check", "--policy", dir.file("p.yaml"), "-f", dir.file("pod.json"), "--namespace-labels", "shop=env=dev"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Labels from a Namespace object among the inputs, whatever the file order.
  dir.write("z-ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n");
  r = run_binary({"check", "--policy", dir.file("p.yaml"), "-f", dir.file("pod.json"), "-f", dir.file("z-ns.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("warning")));
  // A namespace the inputs do not describe is named.
  nlohmann::json other = privileged_pod("api", "billing");
  dir.write("other.json", other.dump());
  r = run_binary({"check", "--policy", dir.file("p.yaml"), "-f", dir.file("other.json"), "-f", dir.file("z-ns.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("namespace \"billing\" has no known labels"));
  r = run_binary({"check", "--policy", dir.file("p.yaml"), "-f", dir.file("pod.json"), "--namespace-labels", "shop=env"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("must be NAME=KEY=VALUE"));
}

TEST(CheckCommand, BadPolicyOrBadInputExitsTwoWithTheReason) {
  TempDir dir;
  dir.write("bad.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\n"
                        "spec:\n  rules:\n    resources: {maxLimits: {memory: 12Qi}}\n");
  dir.write("pod.yaml", compliant_pod().dump());
  auto r = run_binary({"check", "--policy", dir.file("bad.yaml"), "-f", dir.file("pod.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("spec.rules.resources.maxLimits.memory"));
  EXPECT_THAT(r.err, HasSubstr("\"12Qi\" is not a Kubernetes quantity"));

  dir.write("broken.yaml", "kind: Pod\nmetadata: {name: x\n");
  r = run_binary({"check", "--policy", kExamples + "/policies", "-f", dir.file("broken.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("broken.yaml"));
  r = run_binary({"check", "--policy", kExamples + "/policies", "-f", dir.file("missing.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no such file"));
}

}  // namespace
}  // namespace kindlyguard::testing
