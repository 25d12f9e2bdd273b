// Rules probes and plaintextSecrets through the real binary: the webhook over TLS (deny, warn,
// audit), `check` in JSON and SARIF, and the no-echo test: a pod holding distinctive secrets goes
// through every output the binary has (the webhook's responses, its audit log and debug log,
// `check` in every -o format, `kindlyguard test`), and no output carries any secret value nor any
// 8-character piece of one (every longer piece contains such a piece).
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "planted_secrets.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const char* kPolicies = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: deny-secrets}
spec:
  enforcement: Deny
  match: {namespaces: [prod]}
  rules:
    plaintextSecrets: {deny: true}
    probes: {liveness: true, readiness: true}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: warn-secrets}
spec:
  enforcement: Warn
  match: {namespaces: [staging]}
  rules:
    plaintextSecrets: {deny: true}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: audit-secrets}
spec:
  enforcement: Audit
  rules:
    plaintextSecrets: {deny: true}
)";

class ProbesSecretsE2E : public ::testing::Test {
 protected:
  WebhookProcess hook{std::map<std::string, std::string>{{"policies.yaml", kPolicies}},
                      std::vector<std::string>{"--log-level", "debug"}};

  std::string review(const json& object, const std::string& uid) {
    auto r = hook.review(review_json(object.dump(), "CREATE", uid));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return "";
    EXPECT_EQ(r->status, 200) << r->body;
    return r->body;
  }
};

TEST_F(ProbesSecretsE2E, TheWebhookDeniesWarnsAndAuditsByNameAndKindNeverByValue) {
  const std::string denied = review(secret_pod("leaky", "prod"), "uid-deny-secrets");
  json resp = json::parse(denied)["response"];
  EXPECT_EQ(resp["allowed"], false);
  const std::string msg = resp["status"]["message"];
  for (const auto& s : planted()) {
    EXPECT_THAT(msg, HasSubstr("sets env \"" + s.name + "\" to a literal value that is " + s.kind)) << msg;
  }
  EXPECT_THAT(msg, HasSubstr("[plaintextSecrets] container \"app\""));
  EXPECT_THAT(msg, HasSubstr("init container \"setup\""));
  EXPECT_THAT(msg, HasSubstr("spec.containers[0].env[6].value"));
  EXPECT_THAT(msg, HasSubstr("valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}"));
  // Probes: the app container has none; the init container is not regular.
  EXPECT_THAT(msg, HasSubstr("[probes] container \"app\" has no livenessProbe"));
  EXPECT_THAT(msg, HasSubstr("spec.containers[0].readinessProbe"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("spec.initContainers[0].livenessProbe")));

  const std::string warned = review(secret_pod("leaky", "staging"), "uid-warn-secrets");
  resp = json::parse(warned)["response"];
  EXPECT_EQ(resp["allowed"], true);
  ASSERT_GE(resp["warnings"].size(), planted().size());
  EXPECT_THAT(resp["warnings"].dump(), HasSubstr("warn-secrets/plaintextSecrets"));

  // The same as a workload template, and an UPDATE that changes the spec.
  const std::string workload = review(as_workload(secret_pod("leaky", "prod"), "Deployment"), "uid-deploy-secrets");
  EXPECT_EQ(json::parse(workload)["response"]["allowed"], false);

  ASSERT_TRUE(eventually([&] { return hook.process().stdout_text().find("uid-deploy-secrets") != std::string::npos; },
                         std::chrono::seconds(10)));
  const std::string log = hook.process().stdout_text();
  EXPECT_THAT(log, HasSubstr("plaintextSecrets"));
  expect_no_secret(denied, "the denial");
  expect_no_secret(warned, "the warnings and audit annotations");
  expect_no_secret(workload, "the workload's denial");
  expect_no_secret(log, "the audit log");
  expect_no_secret(hook.process().stderr_text() + " ", "the debug log");
}

class CheckSecrets : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("policies/policies.yaml", kPolicies);
    json deployment = as_workload(secret_pod("leaky", "prod"), "Deployment");
    dir.write("manifests/leaky.json", deployment.dump(2));
  }
  RunResult check(const std::string& format) {
    return run_binary({"check", "-p", dir.file("policies"), "-f", dir.file("manifests/leaky.json"), "-o", format});
  }
  TempDir dir;
};

TEST_F(CheckSecrets, JsonAndSarifNameTheRuleFieldAndKind) {
  auto r = check("json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  json j = json::parse(r.out);
  std::set<std::string> fields;
  for (const auto& res : j["results"])
    for (const auto& v : res["violations"])
      if (v["rule"] == "plaintextSecrets" && v["policy"] == "deny-secrets") fields.insert(v["field"].get<std::string>());
  EXPECT_EQ(fields.size(), 2 * planted().size());
  EXPECT_TRUE(fields.count("spec.template.spec.containers[0].env[7].value"));
  EXPECT_TRUE(fields.count("spec.template.spec.initContainers[0].env[0].value"));
  EXPECT_THAT(r.out, HasSubstr("\"probes\""));
  EXPECT_THAT(r.out, HasSubstr("spec.template.spec.containers[0].livenessProbe"));

  r = check("sarif");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  json sarif = json::parse(r.out);
  std::set<std::string> rule_ids;
  for (const auto& rule : sarif["runs"][0]["tool"]["driver"]["rules"]) rule_ids.insert(rule["id"].get<std::string>());
  EXPECT_TRUE(rule_ids.count("plaintextSecrets"));
  EXPECT_TRUE(rule_ids.count("probes"));
  std::size_t secrets = 0;
  for (const auto& res : sarif["runs"][0]["results"])
    if (res["ruleId"] == "plaintextSecrets") {
      ++secrets;
      EXPECT_THAT(res["message"]["text"].get<std::string>(), HasSubstr("to a literal value that is"));
    }
  EXPECT_GE(secrets, 2 * planted().size());
}

TEST_F(CheckSecrets, NoOutputFormatAndNoTestReportEchoesASecret) {
  for (const char* format : {"text", "wide", "json", "sarif", "junit", "github"}) {
    auto r = check(format);
    EXPECT_EQ(r.exit_code, 1) << format << r.err;
    expect_no_secret(r.out + r.err, std::string("check -o ") + format);
  }
  // The whole manifests folder (as YAML too), and from stdin.
  dir.write("manifests/leaky.yaml", json(secret_pod("leaky-pod", "prod")).dump(2));
  auto r = run_binary({"check", "-p", dir.file("policies"), "-f", dir.file("manifests"), "-o", "wide"});
  expect_no_secret(r.out + r.err, "check over a folder");
  r = run_binary({"check", "-p", dir.file("policies"), "-f", "-"}, dir.file("manifests/leaky.json"));
  expect_no_secret(r.out + r.err, "check from stdin");

  // A mistyped value is refused, and not shown either.
  json typo = secret_pod("typo", "prod");
  typo["spec"]["containers"][0]["env"][0]["value"] = 73198246519;
  dir.write("typo/typo.json", typo.dump());
  r = run_binary({"check", "-p", dir.file("policies"), "-f", dir.file("typo/typo.json")});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("env[0].value"));
  EXPECT_THAT(r.out + r.err, ::testing::Not(HasSubstr("73198246519")));

  // kindlyguard test: met and missed expectations (a missed one prints what was found).
  dir.write("suite/kindlyguard-test.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: Test\nmetadata: {name: secrets}\n"
                                           "policies: [../policies]\nresources: [../manifests/leaky.json]\nresults:\n"
                                           "  - {policy: deny-secrets, rule: plaintextSecrets, resources: [leaky], result: deny}\n"
                                           "  - {policy: deny-secrets, resources: [leaky], result: pass}\n");
  for (const char* format : {"text", "json"}) {
    r = run_binary({"test", dir.file("suite"), "-o", format});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    expect_no_secret(r.out + r.err, std::string("kindlyguard test -o ") + format);
  }
}

}  // namespace
}  // namespace kindlyguard::testing
