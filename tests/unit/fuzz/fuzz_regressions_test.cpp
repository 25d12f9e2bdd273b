// Inputs the fuzz targets of fuzz/ found, each with what went wrong before the fix. They run here,
// inline, so a regression fails `make test` without a fuzzer (or clang) in sight. A hang comes
// back as a ctest timeout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kindlyguard/client/kube_config.hpp"
#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// ---- yaml-cpp 0.7 looped forever on a ',' outside a flow collection ----
// fuzz_policy_json and fuzz_policy_yaml, timeouts. YAML::Parser::HandleNextDocument never consumed
// the ',' token and returned the same empty document forever (jbeder/yaml-cpp#1040). Reached by
// `check --policy`/`-f` (a CI job judging untrusted manifests hung) and by --policy-dir reloads.
// Fix: decode_stream (src/policy/yaml_decode.cpp) stops when a document starts where the last one
// did, with an error at that position.
TEST(FuzzRegressions, ACommaOutsideFlowCollectionsIsAnErrorNotAHang) {
  const std::vector<std::string> inputs = {
      ",",
      std::string(",\x01\0\0\0\0c\xc3\0\0\0\0", 12),  // the fuzzer's input
      ",\n",
      "  ,",
      "# comment\n,",
      "a: 1\n---\n[a]\n,",
      "&a ,",
      "!!str ,",
      "apiVersion: v1\nkind: List\n---\n,",
      // The fuzz_policy_yaml find: an example policy mangled into a stray ',' line.
      "# baseline\n# ring\n                          ,     description: The label key.\n"
      "                              operator:\n                                type: string\n",
  };
  for (const auto& text : inputs) {
    SCOPED_TRACE(json(text).dump(-1, ' ', false, json::error_handler_t::replace));
    auto r = policy::decode_documents(text, "in.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().to_string(), HasSubstr("invalid YAML"));
    auto parsed = policy::parse_policies(text, "in.yaml");
    EXPECT_TRUE(parsed.policies.empty());
    EXPECT_FALSE(parsed.errors.empty());
  }
  // The message says what is wrong, where.
  auto r = policy::decode_documents("a: b\n---\n,\n", "in.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().to_string(), HasSubstr("in.yaml:3:1:"));
  EXPECT_THAT(r.error().to_string(), HasSubstr("a ',' can only separate items inside [ ] or { }"));
  // Documents before it are not lost to parse_policies.
  auto parsed = policy::parse_policies(
      "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: a}\n"
      "spec: {rules: {privileged: false}}\n---\n,\n",
      "in.yaml");
  EXPECT_EQ(parsed.policies.size(), 1u);
  EXPECT_EQ(parsed.errors.size(), 1u);
  // Commas where YAML allows them still parse.
  auto ok = policy::decode_documents("a: [x, y]\nb: {c: 1, d: 2}\ne: 'x, y'\nf: x, y\n", "in.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ((*ok)[0]["f"], "x, y");
}

// ---- a JSON number beyond double crashed the process ----
// fuzz_policy_json, crash (uncaught nlohmann out_of_range.406 -> std::terminate). Any JSON
// policy or manifest with 1e400 took down `check`, and a --policy-dir reload took down `serve`.
// Fix: decode_json (src/policy/yaml_decode.cpp) turns every nlohmann exception into an error.
TEST(FuzzRegressions, AJsonNumberBeyondDoubleIsAnErrorNotACrash) {
  const std::string fuzzer_input =
      R"({"apiVersion":"kindlyguard.io/v1alpha1","kpodSelectorityPolihostPortsdata":{"name":7},)"
      R"("spec":{"rules":{"runAsUser":{"min":-1,"max":1e700},"resources":{"maxLimits":{"cpu":null}}},"enforcement":[]}})";
  for (const std::string& text : {fuzzer_input, std::string(R"({"a": 1e400})"), std::string("[-1e99999]")}) {
    SCOPED_TRACE(text);
    auto r = policy::decode_documents(text, "in.json");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().to_string(), HasSubstr("number overflow"));
    auto parsed = policy::parse_policies(text, "in.json");
    EXPECT_TRUE(parsed.policies.empty());
    EXPECT_FALSE(parsed.errors.empty());
  }
}

// ---- a kubeconfig list entry that is not a mapping crashed the process ----
// fuzz_kubeconfig, crash (uncaught YAML::BadSubscript -> std::terminate): node[key] on a scalar
// throws in yaml-cpp. `serve --kubeconfig` with "contexts: [main]" (or a mangled file) aborted.
// Fix: scalar() and truthy() in src/client/kube_config.cpp look into mappings only.
TEST(FuzzRegressions, KubeconfigEntriesThatAreNotMappingsAreErrors) {
  const std::vector<std::string> inputs = {
      // The fuzzer's input, trimmed: a context entry that is a scalar.
      "apiVersion: v1\nkind: Config\ncurrent-context: main\nclusters:\n- name: prod\n  cluster:\n"
      "    server: https://10.0.0.1:6443/\ncontexts:\n- nam api.example.com\n- name: insecure\n",
      "current-context: main\ncontexts: [main]\n",
      "current-context: main\ncontexts: [[main]]\n",
      "current-context: main\ncontexts:\n- name: main\n  context: {cluster: c, user: u}\nclusters: [c]\n",
      "current-context: main\ncontexts:\n- name: main\n  context: {cluster: c, user: u}\n"
      "clusters:\n- name: c\n  cluster: {server: https://k}\nusers: [u, [x]]\n",
      "current-context: main\ncontexts:\n- name: main\n  context: [cluster, c]\n",
  };
  for (const auto& text : inputs) {
    SCOPED_TRACE(text);
    auto cfg = client::parse_kubeconfig(text, "/nonexistent");
    EXPECT_FALSE(cfg.ok());
  }
}

// ---- allowedRegistries accepted what the image matcher refused, and refused what it accepts ----
// fuzz_admission_review's policy fixture: "[::1]:5000", a registry image_ref.hpp documents, was
// refused ("must not include a tag"), while "ghcr.io/acme/*" was accepted and then allowed nothing
// (ImagePrefix refuses wildcards, and an invalid prefix matches no image). Fix: registry_problem
// (src/policy/rules/images.cpp) reads bracketed IPv6 hosts and ends with ImagePrefix::parse.
TEST(FuzzRegressions, AllowedRegistriesAgreeWithTheImageMatcher) {
  auto policy_with = [](const std::string& registry) {
    return "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\n"
           "spec: {rules: {images: {allowedRegistries: [\"" + registry + "\"]}}}\n";
  };
  for (const char* good : {"[::1]:5000", "[::1]", "[::1]:5000/team", "localhost:5000", "registry.example.com", "ghcr.io/acme",
                           "nginx", "docker.io/library"}) {
    SCOPED_TRACE(good);
    auto parsed = policy::parse_policies(policy_with(good), "p.yaml");
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().to_string();
    EXPECT_TRUE(k8s::ImagePrefix::parse(good).ok());
  }
  for (const char* bad : {"ghcr.io/acme/*", "*", "ghcr.io/ac?e", "[::1]:x", "nginx:1.25", "ghcr.io/Acme", "[::1"}) {
    SCOPED_TRACE(bad);
    auto parsed = policy::parse_policies(policy_with(bad), "p.yaml");
    EXPECT_EQ(parsed.errors.size(), 1u);
    EXPECT_TRUE(parsed.policies.empty());
  }
  // And the IPv6 registry does what it says.
  auto parsed = policy::parse_policies(policy_with("[::1]:5000"), "p.yaml");
  ASSERT_EQ(parsed.policies.size(), 1u);
  policy::PolicySet set;
  set.policies = parsed.policies;
  for (auto [image, allowed] : {std::pair{"[::1]:5000/app:1.0", true}, std::pair{"[::1]:5001/app:1.0", false}}) {
    json pod = kindlyguard::testing::compliant_pod();
    pod["spec"]["containers"][0]["image"] = image;
    policy::Request req;
    req.uid = "u";
    req.kind = "Pod";
    req.namespace_ = "default";
    req.object = &pod;
    EXPECT_EQ(policy::evaluate(set, req, policy::name_only_namespace_labels()).allowed, allowed) << image;
  }
}

// ---- a hostPort beyond int64 was undefined behaviour, and 8080.0 slipped past hostPorts ----
// fuzz_admission_review, UBSan: static_cast<int64_t>(8.08e27) in the PSS hostPorts check. The API
// server only sends int32 ports, but a review from elsewhere can hold any number. Fix: the PSS
// check (src/policy/pss/check_host_ports.cpp) converts safely and never to 0 unless it is 0; the
// hostPorts rule (src/policy/rules/host_ports.cpp) counts any non-zero number, not only integers.
TEST(FuzzRegressions, HostPortsThatAreNotInt32AreStillHostPorts) {
  auto parsed = policy::parse_policies(
      "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: baseline}\n"
      "spec: {podSecurityStandard: {level: baseline}}\n---\n"
      "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: rule}\n"
      "spec: {rules: {hostPorts: false}}\n",
      "p.yaml");
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().to_string();
  policy::PolicySet set;
  set.policies = parsed.policies;
  struct Case {
    json host_port;
    bool violates;
  };
  // Since issue 14 item 10 the pod view refuses every hostPort that is not an int32 (as the API
  // server does) before any rule runs: a 400 denial naming the field. Integers still reach the rules.
  for (const json& refused : {json::parse("8077777777777777777777777780"), json(8080.0), json(0.5), json(-1e300),
                              json(18446744073709551615u), json(0.0)}) {
    SCOPED_TRACE(refused.dump());
    json pod = kindlyguard::testing::compliant_pod();
    pod["spec"]["containers"][0]["ports"] = json::array({{{"containerPort", 80}, {"hostPort", refused}}});
    policy::Request req;
    req.uid = "u";
    req.kind = "Pod";
    req.namespace_ = "default";
    req.object = &pod;
    auto d = policy::evaluate(set, req, policy::name_only_namespace_labels());
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.code, 400);
    EXPECT_THAT(d.message, HasSubstr("spec.containers[0].ports[0].hostPort: expected a 32-bit integer"));
  }
  for (const Case& c : {Case{json(8080), true}, Case{json(-1), true}, Case{json(0), false}}) {
    SCOPED_TRACE(c.host_port.dump());
    json pod = kindlyguard::testing::compliant_pod();
    pod["spec"]["containers"][0]["ports"] = json::array({{{"containerPort", 80}, {"hostPort", c.host_port}}});
    policy::Request req;
    req.uid = "u";
    req.kind = "Pod";
    req.namespace_ = "default";
    req.object = &pod;
    auto d = policy::evaluate(set, req, policy::name_only_namespace_labels());
    int pss = 0, rule = 0;
    for (const auto& v : d.violations) {
      if (v.policy == "baseline" && v.rule.find("ostPort") != std::string::npos) ++pss;
      if (v.policy == "rule" && v.rule == "hostPorts") ++rule;
    }
    EXPECT_EQ(pss, c.violates ? 1 : 0);
    EXPECT_EQ(rule, c.violates ? 1 : 0);
    EXPECT_EQ(d.allowed, !c.violates);
  }
}

}  // namespace
}  // namespace kindlyguard
