// Rule plaintextSecrets: secrets found by name and by value in every container kind, what is not a
// literal or not a secret, allowedNames, the parser, a corpus of env vars as well-known charts set
// them, and what the rule flags across the conformance corpora and examples/. No message ever
// carries the value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <fstream>
#include <sstream>

#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "support/fixtures.hpp"
#include "unit/rules/rules_test_util.hpp"

namespace kindlyguard::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using kindlyguard::testing::as_workload;
using kindlyguard::testing::compliant_pod;
using rules_test::judge_json;
using rules_test::policy_with;

SecurityPolicy secrets(std::vector<std::string> allowed = {}) {
  Rules r;
  r.plaintext_secrets = PlaintextSecretsRule{std::move(allowed)};
  return policy_with(r);
}

json pod_with_env(const std::string& name, const std::string& value) {
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["env"] = json::array({{{"name", "LOG_LEVEL"}, {"value", "info"}}, {{"name", name}, {"value", value}}});
  return pod;
}

// The finding for one variable, "" when the rule passes it; every message is checked for the value.
std::string verdict(const std::string& name, const std::string& value, const SecurityPolicy& p = secrets()) {
  auto v = judge_json(p, pod_with_env(name, value));
  if (v.empty()) return "";
  EXPECT_EQ(v.size(), 1u) << name;
  EXPECT_EQ(v[0].field, "spec.containers[0].env[1].value") << name;
  EXPECT_THAT(v[0].message, Not(HasSubstr(value))) << name;
  return v[0].message;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PlaintextSecretsRule, ASecretByNameIsNamedWithItsKindAndTheFixNeverTheValue) {
  auto v = judge_json(secrets(), pod_with_env("DB_PASSWORD", "correct-horse-battery"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "plaintextSecrets");
  EXPECT_EQ(v[0].container, "app");
  EXPECT_EQ(v[0].field, "spec.containers[0].env[1].value");
  EXPECT_EQ(v[0].message,
            "container \"app\" sets env \"DB_PASSWORD\" to a literal value that is a password by its name, which anyone "
            "who can read the pod can read: take it from a Secret with valueFrom: {secretKeyRef: {name: <secret>, key: "
            "<key>}}, or mount the Secret as a file");
}

TEST(PlaintextSecretsRule, NamesAreSplitIntoWordsAndOnlyWholeWordsCount) {
  for (const char* name : {"DB_PASSWORD", "dbPassword", "db-password", "db.password", "GITHUB_TOKEN", "PASSWD", "API_KEY",
                           "APIKEY", "apiKey", "APIKey", "PRIVATE_KEY", "privateKey", "ACCESS_KEY", "SECRET", "CREDENTIALS",
                           "OAUTH2_TOKEN", "SECRET_KEY_BASE"})
    EXPECT_NE(verdict(name, "v4lue-0f-s0me-length"), "") << name;
  for (const char* name : {"TOKENIZER_MODEL", "TOKENIZERS_PARALLELISM", "SECRETARY_NAME", "PASSWORDLESS_LOGIN", "KEY", "API",
                           "PUBLIC_KEY", "MAX_TOKENS", "PWD"})
    EXPECT_EQ(verdict(name, "v4lue-0f-s0me-length"), "") << name;
}

TEST(PlaintextSecretsRule, WordsAboutTheSecretAfterItExemptTheName) {
  for (const char* name : {"POSTGRES_PASSWORD_FILE", "PASSWORD_PATH", "TOKEN_DIR", "TLS_SECRET_NAME", "TOKEN_AUTH_ENABLED",
                           "PASSWORD_MIN_LENGTH", "SESSION_TOKEN_TTL", "OAUTH_TOKEN_URL", "SECRET_REF"})
    EXPECT_EQ(verdict(name, "v4lue-0f-s0me-length"), "") << name;
  // Only after the secret word: FILE_PASSWORD is a password.
  EXPECT_NE(verdict("FILE_PASSWORD", "v4lue-0f-s0me-length"), "");
  // And a known format is found whatever the name says.
  EXPECT_THAT(verdict("PASSWORD_FILE", "ghp_000000000000000000000000000000000000"), HasSubstr("a GitHub token"));
}

TEST(PlaintextSecretsRule, ValuesThatAreNoLiteralOrCannotBeTheSecretPass) {
  for (const char* value : {"", "$(DB_PASSWORD)", "$(A)$(B)", "${DB_PASSWORD}", "$DB_PASSWORD", "true", "False", "yes", "off",
                            "/run/secrets/db-password"})
    EXPECT_EQ(verdict("DB_PASSWORD", value), "") << value;
  for (const char* value : {"$$(DB_PASSWORD)", "pre$(X)", "$(", "$", "/not a path"})
    EXPECT_NE(verdict("DB_PASSWORD", value), "") << value;
  // valueFrom is not a literal.
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["env"] =
      json::parse(R"([{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}])");
  EXPECT_TRUE(judge_json(secrets(), pod).empty());
}

TEST(PlaintextSecretsRule, WellKnownFormatsAreFoundByValueWhateverTheName) {
  struct Case {
    std::string value;
    const char* kind;
  };
  const Case cases[] = {
      {"-----BEGIN RSA PRIVATE KEY-----\nMIIEfake\n-----END RSA PRIVATE KEY-----\n", "a PEM private key"},
      {"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "a PEM private key"},
      {"-----BEGIN PRIVATE KEY-----", "a PEM private key"},
      {"AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"},
      {"id=ASIAIOSFODNN7EXAMPLE;", "an AWS access key ID"},
      {"ghp_" + std::string(36, 'a'), "a GitHub token"},
      {"Bearer gho_" + std::string(36, 'B'), "a GitHub token"},
      {"ghs_" + std::string(36, '1'), "a GitHub token"},
      {"github_pat_" + std::string(22, 'x') + "_" + std::string(59, 'y'), "a GitHub token"},
      {"glpat-" + std::string(20, 'z'), "a GitLab token"},
      {"xoxb-123456789012-1234567890123-abcdefghijklmnop", "a Slack token"},
      {"xoxp-1-2-3-abcdefabcdef", "a Slack token"},
      {"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc-_def", "a JSON Web Token"},
      {"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "a JSON Web Token"},
      {"postgres://app:pa55word@db.prod:5432/app", "a URL with a password"},
      {"mongodb+srv://u:p@cluster0.example.net/db", "a URL with a password"},
      {"a=1 redis://:pw@redis:6379", "a URL with a password"},
  };
  for (const auto& c : cases) {
    const std::string message = verdict("SETTING", c.value);
    EXPECT_THAT(message, HasSubstr(std::string("that is ") + c.kind + ",")) << c.value;
  }
  for (std::string value :
       {std::string("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"), std::string("-----BEGIN PUBLIC KEY-----"),
        std::string("AKIAIOSFODNN7EXAMPL"), std::string("AKIAIOSFODNN7EXAMPLEX"), std::string("xAKIAIOSFODNN7EXAMPLE"),
        std::string("ghp_short"), std::string("myghp_") + std::string(36, 'a'), std::string("glpat-short"),
        std::string("xoxb-1"), std::string("eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.c2ln"),  // header without alg
        std::string("eyJhbGciOiJIUzI1NiJ9"), std::string("eyJhbGciOiJIUzI1NiJ9..sig"), std::string("postgres://app@db/app"),
        std::string("https://user:@example.com"), std::string("postgres://app:$(DB_PASSWORD)@db/app"),
        std::string("http://example.com/a:b@c"), std::string("jdbc:postgresql://db:5432/app")})
    EXPECT_EQ(verdict("SETTING", value), "") << value;
}

TEST(PlaintextSecretsRule, EveryContainerKindAndWorkloadKindIsJudged) {
  json pod = compliant_pod();
  json env = json::parse(R"([{"name": "API_TOKEN", "value": "t0k3n-val"}])");
  json init = pod["spec"]["containers"][0];
  init["name"] = "setup";
  init["env"] = env;
  json debug = init;
  debug["name"] = "debugger";
  pod["spec"]["initContainers"] = json::array({init});
  pod["spec"]["ephemeralContainers"] = json::array({debug});
  auto v = judge_json(secrets(), pod);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].field, "spec.initContainers[0].env[0].value");
  EXPECT_THAT(v[0].message, HasSubstr("init container \"setup\" sets env \"API_TOKEN\""));
  EXPECT_EQ(v[1].field, "spec.ephemeralContainers[0].env[0].value");
  pod["spec"].erase("ephemeralContainers");  // templates have none
  for (const char* kind : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"})
    EXPECT_EQ(judge_json(secrets(), as_workload(pod, kind)).size(), 1u) << kind;
}

TEST(PlaintextSecretsRule, AllowedNamesExemptByNameOrGlobInAnyCase) {
  EXPECT_EQ(verdict("SESSION_TOKEN", "x-value-1", secrets({"session_token"})), "");
  EXPECT_EQ(verdict("TEST_API_KEY", "x-value-1", secrets({"TEST_*"})), "");
  EXPECT_NE(verdict("PROD_API_KEY", "x-value-1", secrets({"TEST_*"})), "");
  // An allowed name is never flagged, even for a known format (a public test fixture's JWT).
  EXPECT_EQ(verdict("FIXTURE_JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", secrets({"FIXTURE_*"})), "");
}

TEST(PlaintextSecretsRule, ParsesDenyAndAllowedNamesAndRefusesWhatChecksNothing) {
  auto parse = [](const std::string& rule) {
    return parse_policies(
        "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\nspec:\n  rules:\n    plaintextSecrets: " +
            rule + "\n",
        "p.yaml");
  };
  auto ok = parse("{deny: true, allowedNames: [TOKENIZER_*, SESSION_TOKEN]}");
  ASSERT_TRUE(ok.errors.empty()) << ok.errors[0].to_string();
  ASSERT_TRUE(ok.policies[0].rules.plaintext_secrets.has_value());
  EXPECT_EQ(ok.policies[0].rules.plaintext_secrets->allowed_names, (std::vector<std::string>{"TOKENIZER_*", "SESSION_TOKEN"}));
  EXPECT_TRUE(parse("{deny: true}").errors.empty());
  const std::pair<const char*, const char*> bad[] = {
      {"{}", "is required"},
      {"{allowedNames: [X]}", "is required"},
      {"{deny: false}", "checks nothing"},
      {"{deny: \"true\"}", "boolean"},
      {"{deny: true, allowedNames: []}", "at least one"},
      {"{deny: true, allowedNames: [\"\"]}", "must not be empty"},
      {"{deny: true, allowedNames: [\"A=B\"]}", "not an environment variable name"},
      {"{deny: true, allowNames: [A]}", "allowedNames"},
  };
  for (const auto& [rule, why] : bad) {
    auto r = parse(rule);
    ASSERT_FALSE(r.errors.empty()) << rule;
    EXPECT_THAT(r.errors[0].to_string(), HasSubstr("spec.rules.plaintextSecrets")) << rule;
    EXPECT_THAT(r.errors[0].to_string(), HasSubstr(why)) << rule;
  }
}

TEST(PlaintextSecretsRule, AMistypedValueIsRefusedWithoutShowingIt) {
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["env"] = json::parse(R"([{"name": "PIN", "value": 73198246}])");
  auto view = PodView::from_object(pod);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error().path, "spec.containers[0].env[0].value");
  EXPECT_THAT(view.error().message, Not(HasSubstr("73198246")));
  EXPECT_THAT(view.error().message, HasSubstr("expected a string"));
}

// The background audit judges with the same core: both rules are reported, and a result's
// message (what PolicyReports and Events carry) names the variable, never the value.
TEST(PlaintextSecretsRule, TheBackgroundAuditReportsBothRulesWithoutTheValue) {
  PolicySet set;
  Rules r;
  r.plaintext_secrets = PlaintextSecretsRule{};
  r.probes = ProbesRule{true, false, false};
  set.policies.push_back(policy_with(r));
  EXPECT_EQ(rule_ids(set.policies[0]), (std::vector<std::string>{"probes", "plaintextSecrets"}));
  json pod = pod_with_env("GITHUB_TOKEN", "ghp_q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8");
  pod["metadata"]["namespace"] = "shop";
  pod["status"] = {{"phase", "Running"}};
  auto outcome = audit_pods(set, {std::make_shared<const json>(pod)}, name_only_namespace_labels());
  const auto& results = outcome.namespaces.at("shop").results;
  std::set<std::string> failed;
  for (const auto& a : results) {
    if (a.outcome == AuditResult::Outcome::Fail) failed.insert(a.rule);
    EXPECT_THAT(a.message, Not(HasSubstr("q1w2e3r4"))) << a.rule;
  }
  EXPECT_EQ(failed, (std::set<std::string>{"probes", "plaintextSecrets"}));
}

// Env vars as well-known charts set them: each verdict is written down in the corpus file.
TEST(PlaintextSecretsRule, ACorpusOfChartEnvVarsGetsTheVerdictsWrittenDown) {
  const auto path = std::filesystem::path(KINDLY_SOURCE_DIR) / "tests/unit/policy/testdata/env_corpus.yaml";
  auto docs = decode_documents(read_file(path), path.string());
  ASSERT_TRUE(docs.ok()) << docs.error().to_string();
  ASSERT_EQ(docs->size(), 1u);
  ASSERT_GE(docs->front().size(), 80u);
  for (const auto& e : docs->front()) {
    const std::string name = e.at("name"), value = e.at("value"), flag = e.at("flag");
    const std::string message = verdict(name, value);
    if (flag.empty()) EXPECT_EQ(message, "") << name << "=" << value;
    else EXPECT_THAT(message, HasSubstr("that is " + flag + ",")) << name << "=" << value;
  }
}

// What the rule flags in every manifest of the conformance corpora (Kubernetes PSA fixtures,
// Kyverno and Gatekeeper samples) and of examples/: only the fakes the production-hardening suite
// plants on purpose.
TEST(PlaintextSecretsRule, FlagsOnlyThePlantedFakesAcrossTheConformanceCorporaAndExamples) {
  std::vector<std::string> flagged;
  std::size_t judged = 0;
  for (const std::string& root : {std::string(KINDLY_CONFORMANCE_DIR), std::string(KINDLY_SOURCE_DIR) + "/examples"}) {
    ASSERT_TRUE(std::filesystem::exists(root)) << root;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".yml" && ext != ".json")) continue;
      auto docs = decode_documents(read_file(entry.path()), entry.path().string());
      if (!docs.ok()) continue;
      for (const auto& doc : *docs) {
        if (!doc.is_object() || !PodView::claims_pod(doc)) continue;
        auto view = PodView::from_object(doc);
        if (!view.ok()) continue;
        ++judged;
        for (const auto& v : judge(secrets(), *view))
          flagged.push_back(std::filesystem::relative(entry.path(), root).string() + " " + view->name() + " " + v.field);
      }
    }
  }
  EXPECT_GE(judged, 300u);
  EXPECT_EQ(flagged, (std::vector<std::string>{
                         "tests/production-hardening/resources.yaml plaintext-secret spec.containers[0].env[0].value",
                         "tests/production-hardening/resources.yaml plaintext-secret spec.containers[0].env[1].value",
                     }));
}

}  // namespace
}  // namespace kindlyguard::policy
