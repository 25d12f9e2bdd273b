// parse_policy / parse_policies: the SecurityPolicy API (ARCHITECTURE.md) into the model, with
// every error naming document, field path and what to write instead.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::policy {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The full example of ARCHITECTURE.md, verbatim apart from the status timestamp.
constexpr const char* kArchitectureExample = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: production-restricted}
spec:
  enforcement: Deny          # Deny (reject) | Warn (admit, kubectl shows warnings) | Audit (record only)
  match:                     # empty match = every namespace
    namespaces: []           # names or globs
    excludedNamespaces: [kube-system]
    namespaceSelector: {}    # metav1.LabelSelector on the namespace's labels
    podSelector: {}          # metav1.LabelSelector on pod (template) labels
  exemptions:
    usernames: []            # requesting users never judged (e.g. a break-glass account)
    groups: []
    images: []               # image globs exempt from container-level rules
  podSecurityStandard:       # optional; judged exactly as Kubernetes Pod Security Admission does
    level: restricted        # baseline | restricted
    version: latest          # or v1.24 ... v1.33
  rules:                     # every rule optional; absent = not checked
    runAsNonRoot: true
    runAsUser: {min: 10000}
    readOnlyRootFilesystem: true
    capabilities: {requiredDrop: [ALL], allowedAdd: [NET_BIND_SERVICE]}
    allowPrivilegeEscalation: false
    privileged: false
    hostNamespaces: false    # hostNetwork, hostPID, hostIPC
    hostPorts: false
    hostPath: {allowed: false, allowedPaths: [{pathPrefix: /var/log, readOnly: true}]}
    seccomp: {allowedProfiles: [RuntimeDefault, Localhost]}
    resources:
      requireLimits: [cpu, memory]
      requireRequests: [cpu, memory]
      maxLimits: {cpu: "2", memory: 512Mi}
    images:
      allowedRegistries: [registry.example.com, ghcr.io/acme]
      disallowTags: [latest] # an image with neither tag nor digest counts as :latest
      requireDigest: false
  audit: {background: true}  # judge running pods periodically; write status and PolicyReports
  onViolation: {quarantine: false}  # opt-in: label running violators for quarantine
status:
  observedGeneration: 1
  conditions: [{type: Ready, status: "True", reason: Accepted, message: ""}]
  violations: 0              # running pods that violate it, from the last background audit
  lastAuditTime: "2025-01-01T00:00:00Z"
)";

json yaml(const std::string& text) {
  auto docs = decode_documents(text, "test.yaml");
  EXPECT_TRUE(docs.ok()) << docs.error().to_string();
  EXPECT_EQ(docs.ok() ? docs->size() : 0u, 1u);
  return docs.ok() && !docs->empty() ? docs->front() : json();
}

// A valid minimal policy to mutate: `spec` is merged into {rules: {privileged: false}}.
json policy(const json& spec_patch = json::object(), const std::string& name = "strict") {
  json p = {{"apiVersion", "kindlyguard.io/v1alpha1"},
            {"kind", "SecurityPolicy"},
            {"metadata", {{"name", name}}},
            {"spec", {{"rules", {{"privileged", false}}}}}};
  p["spec"].merge_patch(spec_patch);
  return p;
}

TEST(PolicyParse, ArchitectureExampleEveryField) {
  auto r = parse_policy(yaml(kArchitectureExample));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const SecurityPolicy& p = *r;
  EXPECT_EQ(p.name, "production-restricted");
  EXPECT_EQ(p.enforcement, Enforcement::Deny);
  EXPECT_TRUE(p.match.namespaces.empty());
  EXPECT_EQ(p.match.excluded_namespaces, std::vector<std::string>{"kube-system"});
  ASSERT_TRUE(p.match.namespace_selector.has_value());
  EXPECT_TRUE(p.match.namespace_selector->empty());
  ASSERT_TRUE(p.match.pod_selector.has_value());
  EXPECT_TRUE(p.match.pod_selector->empty());
  EXPECT_TRUE(p.exemptions.usernames.empty());
  EXPECT_TRUE(p.exemptions.groups.empty());
  EXPECT_TRUE(p.exemptions.images.empty());
  ASSERT_TRUE(p.pod_security_standard.has_value());
  EXPECT_EQ(p.pod_security_standard->level, PssLevel::Restricted);
  EXPECT_TRUE(p.pod_security_standard->version.latest);

  const Rules& rules = p.rules;
  EXPECT_EQ(rules.run_as_non_root, true);
  ASSERT_TRUE(rules.run_as_user.has_value());
  EXPECT_EQ(rules.run_as_user->min, 10000);
  EXPECT_FALSE(rules.run_as_user->max.has_value());
  EXPECT_EQ(rules.read_only_root_filesystem, true);
  ASSERT_TRUE(rules.capabilities.has_value());
  EXPECT_EQ(rules.capabilities->required_drop, std::vector<std::string>{"ALL"});
  ASSERT_TRUE(rules.capabilities->allowed_add.has_value());
  EXPECT_EQ(*rules.capabilities->allowed_add, std::vector<std::string>{"NET_BIND_SERVICE"});
  EXPECT_EQ(rules.allow_privilege_escalation, false);
  EXPECT_EQ(rules.privileged, false);
  EXPECT_EQ(rules.host_namespaces, false);
  EXPECT_EQ(rules.host_ports, false);
  ASSERT_TRUE(rules.host_path.has_value());
  EXPECT_FALSE(rules.host_path->allowed);
  ASSERT_EQ(rules.host_path->allowed_paths.size(), 1u);
  EXPECT_EQ(rules.host_path->allowed_paths[0].path_prefix, "/var/log");
  EXPECT_TRUE(rules.host_path->allowed_paths[0].read_only);
  ASSERT_TRUE(rules.seccomp.has_value());
  EXPECT_EQ(rules.seccomp->allowed_profiles, (std::vector<std::string>{"RuntimeDefault", "Localhost"}));
  ASSERT_TRUE(rules.resources.has_value());
  EXPECT_EQ(rules.resources->require_limits, (std::vector<std::string>{"cpu", "memory"}));
  EXPECT_EQ(rules.resources->require_requests, (std::vector<std::string>{"cpu", "memory"}));
  ASSERT_EQ(rules.resources->max_limits.size(), 2u);
  EXPECT_EQ(rules.resources->max_limits.at("cpu").milli_rounded_up(), 2000);
  EXPECT_EQ(rules.resources->max_limits.at("memory").value_rounded_up(), 512LL * 1024 * 1024);
  ASSERT_TRUE(rules.images.has_value());
  EXPECT_EQ(rules.images->allowed_registries, (std::vector<std::string>{"registry.example.com", "ghcr.io/acme"}));
  EXPECT_EQ(rules.images->disallow_tags, std::vector<std::string>{"latest"});
  EXPECT_FALSE(rules.images->require_digest);
  EXPECT_TRUE(p.audit_background);
  EXPECT_FALSE(p.quarantine_on_violation);
}

TEST(PolicyParse, DefaultsAndMetadata) {
  json j = policy();
  j["metadata"] = {{"name", "strict"}, {"namespace", "ignored"}, {"generation", 7}, {"resourceVersion", "12345"},
                   {"uid", "0b8f-11"}, {"labels", {{"team", "sec"}}}, {"managedFields", json::array()},
                   {"creationTimestamp", "2025-01-01T00:00:00Z"}};
  auto r = parse_policy(j);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->name, "strict");
  EXPECT_EQ(r->generation, 7);
  EXPECT_EQ(r->resource_version, "12345");
  EXPECT_EQ(r->uid, "0b8f-11");
  EXPECT_EQ(r->enforcement, Enforcement::Deny);
  EXPECT_TRUE(r->audit_background);
  EXPECT_FALSE(r->quarantine_on_violation);
  EXPECT_FALSE(r->pod_security_standard.has_value());
  EXPECT_FALSE(r->match.namespace_selector.has_value());
  EXPECT_FALSE(r->match.pod_selector.has_value());
  EXPECT_FALSE(r->rules.run_as_non_root.has_value());
  EXPECT_EQ(r->rules.privileged, false);
}

TEST(PolicyParse, ValuesThatVary) {
  auto r = parse_policy(policy({{"enforcement", "Audit"},
                                {"podSecurityStandard", {{"level", "baseline"}, {"version", "v1.29"}}},
                                {"match",
                                 {{"namespaces", {"prod-*", "payments"}},
                                  {"podSelector", {{"matchLabels", {{"app", "web"}}}}}}},
                                {"exemptions", {{"usernames", {"break-glass"}}, {"groups", {"system:masters"}},
                                                {"images", {"registry.k8s.io/pause:*"}}}},
                                {"audit", {{"background", false}}},
                                {"onViolation", {{"quarantine", true}}},
                                {"rules",
                                 {{"runAsUser", {{"min", 1000}, {"max", 2000}}},
                                  {"capabilities", {{"allowedAdd", json::array()}}},
                                  {"hostPath", {{"allowed", true}}},
                                  {"resources", {{"maxLimits", {{"cpu", 1.5}, {"example.com/gpu", 1}, {"hugepages-2Mi", "1Gi"}}}}},
                                  {"images", {{"requireDigest", true}, {"allowedRegistries", {"localhost:5000", "ghcr.io"}}}}}}}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->enforcement, Enforcement::Audit);
  EXPECT_EQ(r->pod_security_standard->level, PssLevel::Baseline);
  EXPECT_FALSE(r->pod_security_standard->version.latest);
  EXPECT_EQ(r->pod_security_standard->version.minor, 29);
  EXPECT_EQ(r->match.namespaces, (std::vector<std::string>{"prod-*", "payments"}));
  ASSERT_TRUE(r->match.pod_selector.has_value());
  EXPECT_TRUE(r->match.pod_selector->matches({{"app", "web"}}));
  EXPECT_FALSE(r->match.pod_selector->matches({{"app", "db"}}));
  EXPECT_EQ(r->exemptions.usernames, std::vector<std::string>{"break-glass"});
  EXPECT_EQ(r->exemptions.groups, std::vector<std::string>{"system:masters"});
  ASSERT_EQ(r->exemptions.images.size(), 1u);
  EXPECT_EQ(r->exemptions.images[0].to_string(), "registry.k8s.io/pause:*");
  EXPECT_FALSE(r->audit_background);
  EXPECT_TRUE(r->quarantine_on_violation);
  EXPECT_EQ(r->rules.run_as_user->min, 1000);
  EXPECT_EQ(r->rules.run_as_user->max, 2000);
  ASSERT_TRUE(r->rules.capabilities->allowed_add.has_value());
  EXPECT_TRUE(r->rules.capabilities->allowed_add->empty());
  EXPECT_TRUE(r->rules.capabilities->required_drop.empty());
  EXPECT_TRUE(r->rules.host_path->allowed);
  EXPECT_EQ(r->rules.resources->max_limits.at("cpu").milli_rounded_up(), 1500);
  EXPECT_EQ(r->rules.resources->max_limits.at("example.com/gpu").value_rounded_up(), 1);
  EXPECT_TRUE(r->rules.images->require_digest);
}

TEST(PolicyParse, YamlFloatForAnIntegerField) {
  // `min: 1e4` is a float in YAML; Kubernetes accepts a whole float for an integer field.
  auto r = parse_policy(policy({{"rules", {{"runAsUser", {{"min", 1e4}}}}}}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->rules.run_as_user->min, 10000);
}

// ---- one error per case: exact path and message ------------------------------------------------

struct ErrorCase {
  const char* name;
  json object;
  std::string path;
  std::string message;
};

json with(json base, const json::json_pointer& at, json value) {
  base[at] = std::move(value);
  return base;
}
json without(json base, const json::json_pointer& at) {
  base[at.parent_pointer()].erase(at.back());
  return base;
}
json rules(const json& r) { return policy({{"rules", r}}); }

class PolicyParseErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PolicyParseErrors, PathAndMessage) {
  const auto& c = GetParam();
  auto errors = validate_policy(c.object);
  ASSERT_EQ(errors.size(), 1u) << [&] {
    std::string all;
    for (const auto& e : errors) all += "\n  " + e.to_string();
    return all;
  }();
  EXPECT_EQ(errors[0].path, c.path);
  EXPECT_EQ(errors[0].message, c.message);
  auto r = parse_policy(c.object);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().path, c.path);
  EXPECT_EQ(r.error().message, c.message);
}

using jp = json::json_pointer;

INSTANTIATE_TEST_SUITE_P(
    PolicyParseEnvelope, PolicyParseErrors,
    ::testing::Values(
        ErrorCase{"api_version_missing", without(policy(), jp("/apiVersion")), "apiVersion",
                  "is required: kindlyguard.io/v1alpha1"},
        ErrorCase{"api_version_wrong", with(policy(), jp("/apiVersion"), "kindlyguard.io/v1"), "apiVersion",
                  "\"kindlyguard.io/v1\" is not a supported version; expected kindlyguard.io/v1alpha1"},
        ErrorCase{"kind_wrong", with(policy(), jp("/kind"), "Pod"), "kind",
                  "\"Pod\" is not a SecurityPolicy; expected kind SecurityPolicy (apiVersion kindlyguard.io/v1alpha1)"},
        ErrorCase{"kind_case", with(policy(), jp("/kind"), "Securitypolicy"), "kind",
                  "\"Securitypolicy\" is not a SecurityPolicy; expected kind SecurityPolicy (apiVersion "
                  "kindlyguard.io/v1alpha1) (did you mean SecurityPolicy?)"},
        ErrorCase{"not_a_map", json::array({1}), "",
                  "must be a SecurityPolicy (a map with apiVersion, kind, metadata and spec), not a list"},
        ErrorCase{"name_missing", with(policy(), jp("/metadata"), json::object()), "metadata.name",
                  "is required: the policy's name"},
        ErrorCase{"name_invalid", with(policy(), jp("/metadata/name"), "Strict_Policy"), "metadata.name",
                  "\"Strict_Policy\" is not a valid name: use at most 253 lower-case letters, digits, '-' and '.', "
                  "starting and ending with a letter or digit"},
        ErrorCase{"name_type", with(policy(), jp("/metadata/name"), 12), "metadata.name", "must be a string, not a number 12"},
        ErrorCase{"metadata_unknown", with(policy(), jp("/metadata/nmae"), "x"), "metadata.nmae",
                  "unknown field (did you mean name?)"},
        ErrorCase{"spec_missing", without(policy(), jp("/spec")), "spec",
                  "is required: set podSecurityStandard or rules (and optionally enforcement and match)"},
        ErrorCase{"spec_checks_nothing", with(policy(), jp("/spec/rules"), json::object()), "spec",
                  "the policy checks nothing: set podSecurityStandard or at least one rule"},
        ErrorCase{"top_unknown", with(policy(), jp("/sepc"), json::object()), "sepc",
                  "unknown field (did you mean spec?)"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    PolicyParseSpec, PolicyParseErrors,
    ::testing::Values(
        ErrorCase{"enforcement_value", policy({{"enforcement", "Block"}}), "spec.enforcement",
                  "\"Block\" is not an enforcement; expected Deny, Warn or Audit"},
        ErrorCase{"enforcement_case", policy({{"enforcement", "deny"}}), "spec.enforcement",
                  "\"deny\" is not an enforcement; expected Deny, Warn or Audit (did you mean Deny?)"},
        ErrorCase{"enforcement_type", policy({{"enforcement", true}}), "spec.enforcement",
                  "must be a string, not a boolean true"},
        ErrorCase{"spec_unknown", policy({{"enforcment", "Deny"}}), "spec.enforcment",
                  "unknown field (did you mean enforcement?)"},
        ErrorCase{"spec_unknown_far", policy({{"mode", "Deny"}}), "spec.mode",
                  "unknown field (expected one of: enforcement, match, exemptions, podSecurityStandard, rules, audit, "
                  "onViolation)"},
        ErrorCase{"match_type", policy({{"match", "all"}}), "spec.match", "must be a map, not a string \"all\""},
        ErrorCase{"namespaces_type", policy({{"match", {{"namespaces", "prod"}}}}), "spec.match.namespaces",
                  "must be a list of strings, not a string \"prod\""},
        ErrorCase{"namespace_invalid", policy({{"match", {{"excludedNamespaces", {"kube-system", "Prod_*"}}}}}),
                  "spec.match.excludedNamespaces[1]",
                  "\"Prod_*\" is not a namespace name or glob (lower-case letters, digits and '-', at most 63 "
                  "characters, starting and ending with a letter or digit; '*' and '?' as wildcards)"},
        ErrorCase{"namespace_entry_type", policy({{"match", {{"namespaces", {"a", 3}}}}}), "spec.match.namespaces[1]",
                  "must be a string, not a number 3"},
        ErrorCase{"selector_operator", policy({{"match", {{"podSelector", {{"matchExpressions", {{{"key", "app"}, {"operator", "Equals"}, {"values", {"x"}}}}}}}}}}),
                  "spec.match.podSelector.matchExpressions[0].operator",
                  "unsupported operator \"Equals\": must be one of In, NotIn, Exists, DoesNotExist (case matters)"},
        ErrorCase{"match_unknown", policy({{"match", {{"namespace", {"a"}}}}}), "spec.match.namespace",
                  "unknown field (did you mean namespaces?)"},
        ErrorCase{"exemption_empty", policy({{"exemptions", {{"usernames", {""}}}}}), "spec.exemptions.usernames[0]",
                  "must be a non-empty user name"},
        ErrorCase{"exemptions_unknown", policy({{"exemptions", {{"users", {"a"}}}}}), "spec.exemptions.users",
                  "unknown field (expected one of: usernames, groups, images)"},
        ErrorCase{"pss_level_missing", policy({{"podSecurityStandard", {{"version", "latest"}}}}),
                  "spec.podSecurityStandard.level", "is required: baseline or restricted"},
        ErrorCase{"pss_privileged", policy({{"podSecurityStandard", {{"level", "privileged"}}}}),
                  "spec.podSecurityStandard.level",
                  "\"privileged\" enforces nothing (the privileged standard allows everything); choose baseline or "
                  "restricted, or remove podSecurityStandard"},
        ErrorCase{"pss_level_case", policy({{"podSecurityStandard", {{"level", "Restricted"}}}}),
                  "spec.podSecurityStandard.level",
                  "\"Restricted\" is not a Pod Security Standard level; expected baseline or restricted (did you mean "
                  "restricted?)"},
        ErrorCase{"pss_version_no_v", policy({{"podSecurityStandard", {{"level", "baseline"}, {"version", "1.29"}}}}),
                  "spec.podSecurityStandard.version",
                  "\"1.29\" is not a Pod Security Standards version; expected latest or v1.<minor> such as v1.29 (add "
                  "the leading v: v1.29)"},
        ErrorCase{"pss_version_bad", policy({{"podSecurityStandard", {{"level", "baseline"}, {"version", "v2.1"}}}}),
                  "spec.podSecurityStandard.version",
                  "\"v2.1\" is not a Pod Security Standards version; expected latest or v1.<minor> such as v1.29"},
        ErrorCase{"pss_version_big", policy({{"podSecurityStandard", {{"level", "baseline"}, {"version", "v1.100"}}}}),
                  "spec.podSecurityStandard.version",
                  "\"v1.100\" is not a Pod Security Standards version; expected latest or v1.<minor> such as v1.29"},
        ErrorCase{"pss_version_type", policy({{"podSecurityStandard", {{"level", "baseline"}, {"version", 1.29}}}}),
                  "spec.podSecurityStandard.version", "must be a string, not a number 1.29"},
        ErrorCase{"audit_type", policy({{"audit", {{"background", "yes"}}}}), "spec.audit.background",
                  "must be a boolean (true or false), not a string \"yes\""},
        ErrorCase{"on_violation_quoted", policy({{"onViolation", {{"quarantine", "true"}}}}),
                  "spec.onViolation.quarantine",
                  "must be a boolean (true or false) or {minSeverity: critical|high|medium|low}, not a string "
                  "\"true\" (remove the quotes)"},
        ErrorCase{"on_violation_severity", policy({{"onViolation", {{"quarantine", {{"minSeverity", "severe"}}}}}}),
                  "spec.onViolation.quarantine.minSeverity",
                  "\"severe\" is not a severity: use critical, high, medium or low"},
        ErrorCase{"on_violation_unknown", policy({{"onViolation", {{"label", true}}}}), "spec.onViolation.label",
                  "unknown field (expected one of: quarantine)"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    PolicyParseRules, PolicyParseErrors,
    ::testing::Values(
        ErrorCase{"unknown_rule", rules({{"privileged", false}, {"runAsNonroot", true}}), "spec.rules.runAsNonroot",
                  "unknown field (did you mean runAsNonRoot?)"},
        ErrorCase{"bool_type", rules({{"privileged", "false"}}), "spec.rules.privileged",
                  "must be a boolean (true or false), not a string \"false\" (remove the quotes)"},
        ErrorCase{"bool_number", rules({{"hostPorts", 0}}), "spec.rules.hostPorts",
                  "must be a boolean (true or false), not a number 0"},
        ErrorCase{"rules_type", policy({{"rules", json::array({"privileged"})}}), "spec.rules",
                  "must be a map, not a list"},
        ErrorCase{"run_as_user_range", rules({{"runAsUser", {{"min", 2000}, {"max", 1000}}}}), "spec.rules.runAsUser.min",
                  "min (2000) is greater than max (1000)"},
        ErrorCase{"run_as_user_negative", rules({{"runAsUser", {{"min", -1}}}}), "spec.rules.runAsUser.min",
                  "-1 is not a user ID; expected 0 to 2147483647"},
        ErrorCase{"run_as_user_type", rules({{"runAsUser", {{"min", "1000"}}}}), "spec.rules.runAsUser.min",
                  "must be an integer, not a string \"1000\" (remove the quotes)"},
        ErrorCase{"run_as_user_fraction", rules({{"runAsUser", {{"max", 1.5}}}}), "spec.rules.runAsUser.max",
                  "must be an integer, not a number 1.5"},
        ErrorCase{"run_as_user_empty", rules({{"runAsUser", json::object()}}), "spec.rules.runAsUser",
                  "set min, max or both (a user ID range the containers must run in)"},
        ErrorCase{"run_as_user_unknown", rules({{"runAsUser", {{"minimum", 5}}}}), "spec.rules.runAsUser.minimum",
                  "unknown field (expected one of: min, max)"},
        ErrorCase{"cap_prefix", rules({{"capabilities", {{"requiredDrop", {"ALL"}}, {"allowedAdd", {"CAP_NET_BIND_SERVICE"}}}}}),
                  "spec.rules.capabilities.allowedAdd[0]",
                  "\"CAP_NET_BIND_SERVICE\" is not a capability name; write it as Kubernetes does, upper-case "
                  "without the CAP_ prefix: NET_BIND_SERVICE"},
        ErrorCase{"cap_lower", rules({{"capabilities", {{"requiredDrop", {"all"}}}}}),
                  "spec.rules.capabilities.requiredDrop[0]",
                  "\"all\" is not a capability name; write it as Kubernetes does, upper-case without the CAP_ "
                  "prefix: ALL"},
        ErrorCase{"cap_typo", rules({{"capabilities", {{"requiredDrop", {"NET_RAWW"}}}}}),
                  "spec.rules.capabilities.requiredDrop[0]",
                  "\"NET_RAWW\" is not a capability name (did you mean NET_RAW?)"},
        ErrorCase{"cap_unknown", rules({{"capabilities", {{"requiredDrop", {"EVERYTHING"}}}}}),
                  "spec.rules.capabilities.requiredDrop[0]",
                  "\"EVERYTHING\" is not a capability name (expected a Linux capability such as NET_BIND_SERVICE, or ALL)"},
        ErrorCase{"cap_empty_drop", rules({{"capabilities", {{"requiredDrop", json::array()}}}}),
                  "spec.rules.capabilities.requiredDrop",
                  "must list at least one entry, or be removed (ALL is the usual choice)"},
        ErrorCase{"cap_nothing", rules({{"capabilities", json::object()}}), "spec.rules.capabilities",
                  "set requiredDrop, allowedAdd or both"},
        ErrorCase{"host_path_relative", rules({{"hostPath", {{"allowedPaths", {{{"pathPrefix", "var/log"}}}}}}}),
                  "spec.rules.hostPath.allowedPaths[0].pathPrefix",
                  "\"var/log\" is not an absolute path; write it from the root, such as /var/log"},
        ErrorCase{"host_path_dotdot", rules({{"hostPath", {{"allowedPaths", {{{"pathPrefix", "/var/log/../../etc"}}}}}}}),
                  "spec.rules.hostPath.allowedPaths[0].pathPrefix", "\"/var/log/../../etc\" must not contain \"..\""},
        ErrorCase{"host_path_missing_prefix", rules({{"hostPath", {{"allowedPaths", {{{"readOnly", true}}}}}}}),
                  "spec.rules.hostPath.allowedPaths[0].pathPrefix", "is required: an absolute path such as /var/log"},
        ErrorCase{"host_path_unknown", rules({{"hostPath", {{"allowedPaths", {{{"pathPrefix", "/a"}, {"readonly", true}}}}}}}),
                  "spec.rules.hostPath.allowedPaths[0].readonly", "unknown field (did you mean readOnly?)"},
        ErrorCase{"host_path_paths_type", rules({{"hostPath", {{"allowedPaths", "/var/log"}}}}),
                  "spec.rules.hostPath.allowedPaths",
                  "must be a list of {pathPrefix, readOnly}, not a string \"/var/log\""},
        ErrorCase{"seccomp_profile", rules({{"seccomp", {{"allowedProfiles", {"RuntimeDefault", "runtime/default"}}}}}),
                  "spec.rules.seccomp.allowedProfiles[1]",
                  "\"runtime/default\" is not a seccomp profile type; expected RuntimeDefault, Localhost or "
                  "Unconfined (the annotation value runtime/default is RuntimeDefault)"},
        ErrorCase{"seccomp_case", rules({{"seccomp", {{"allowedProfiles", {"runtimedefault"}}}}}),
                  "spec.rules.seccomp.allowedProfiles[0]",
                  "\"runtimedefault\" is not a seccomp profile type; expected RuntimeDefault, Localhost or "
                  "Unconfined (did you mean RuntimeDefault?)"},
        ErrorCase{"seccomp_missing", rules({{"seccomp", json::object()}}), "spec.rules.seccomp.allowedProfiles",
                  "is required: the profile types containers may use (RuntimeDefault, Localhost, Unconfined)"},
        ErrorCase{"quantity", rules({{"resources", {{"maxLimits", {{"memory", "12Qi"}}}}}}),
                  "spec.rules.resources.maxLimits.memory",
                  "\"12Qi\" is not a Kubernetes quantity (expected a number with an optional suffix such as 500m, 2, "
                  "1.5Gi, 129M, 1e3)"},
        ErrorCase{"quantity_type", rules({{"resources", {{"maxLimits", {{"cpu", true}}}}}}),
                  "spec.rules.resources.maxLimits.cpu",
                  "must be a quantity such as \"500m\", \"2\" or \"1.5Gi\", not a boolean"},
        ErrorCase{"quantity_negative", rules({{"resources", {{"maxLimits", {{"cpu", "-1"}}}}}}),
                  "spec.rules.resources.maxLimits.cpu", "\"-1\" is negative; a limit must be zero or more"},
        ErrorCase{"resource_name", rules({{"resources", {{"requireLimits", {"cpu", "CPU"}}}}}),
                  "spec.rules.resources.requireLimits[1]",
                  "\"CPU\" is not a resource name (expected cpu, memory, ephemeral-storage, hugepages-<size> or an "
                  "extended resource such as example.com/gpu); did you mean cpu?"},
        ErrorCase{"resource_name_in_limits", rules({{"resources", {{"maxLimits", {{"gpu", "1"}}}}}}),
                  "spec.rules.resources.maxLimits.gpu",
                  "\"gpu\" is not a resource name (expected cpu, memory, ephemeral-storage, hugepages-<size> or an "
                  "extended resource such as example.com/gpu)"},
        ErrorCase{"resources_nothing", rules({{"resources", json::object()}}), "spec.rules.resources",
                  "set requireLimits, requireRequests or maxLimits"},
        ErrorCase{"resources_unknown", rules({{"resources", {{"maxLimit", {{"cpu", "1"}}}}}}),
                  "spec.rules.resources.maxLimit", "unknown field (did you mean maxLimits?)"},
        ErrorCase{"registry_scheme", rules({{"images", {{"allowedRegistries", {"https://ghcr.io/acme"}}}}}),
                  "spec.rules.images.allowedRegistries[0]",
                  "\"https://ghcr.io/acme\" must not include a scheme; write \"ghcr.io/acme\" (images name registries "
                  "without one)"},
        ErrorCase{"registry_tag", rules({{"images", {{"allowedRegistries", {"ghcr.io/acme/app:1.0"}}}}}),
                  "spec.rules.images.allowedRegistries[0]",
                  "\"ghcr.io/acme/app:1.0\" must not include a tag; write \"ghcr.io/acme/app\""},
        ErrorCase{"registry_digest", rules({{"images", {{"allowedRegistries", {"ghcr.io/acme/app@sha256:abc"}}}}}),
                  "spec.rules.images.allowedRegistries[0]",
                  "\"ghcr.io/acme/app@sha256:abc\" must not include a digest; write \"ghcr.io/acme/app\""},
        ErrorCase{"registry_empty_entry", rules({{"images", {{"allowedRegistries", {""}}}}}),
                  "spec.rules.images.allowedRegistries[0]",
                  "must be a registry host, optionally with a path, such as ghcr.io/acme"},
        ErrorCase{"registry_empty_list", rules({{"images", {{"allowedRegistries", json::array()}}}}),
                  "spec.rules.images.allowedRegistries",
                  "must list at least one entry, or be removed (an empty list would trust no registry)"},
        ErrorCase{"tag_invalid", rules({{"images", {{"disallowTags", {":latest"}}}}}), "spec.rules.images.disallowTags[0]",
                  "\":latest\" is not an image tag (letters, digits, '_', '.' and '-', at most 128, not starting with "
                  "'.' or '-'); write it without the colon: latest"},
        ErrorCase{"require_digest_type", rules({{"images", {{"requireDigest", "no"}}}}), "spec.rules.images.requireDigest",
                  "must be a boolean (true or false), not a string \"no\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyParse, AllErrorsOfADocumentAreReported) {
  json j = rules({{"privileged", "no"}, {"runAsNonroot", true}, {"resources", {{"maxLimits", {{"memory", "12Qi"}}}}}});
  j["spec"]["enforcement"] = "Block";
  auto errors = validate_policy(j);
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"spec.enforcement", "spec.rules.privileged",
                                             "spec.rules.resources.maxLimits.memory", "spec.rules.runAsNonroot"}));
  auto r = parse_policy(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "spec.enforcement: \"Block\" is not an enforcement; expected Deny, Warn or Audit (and 3 more problems)");
}

TEST(PolicyParse, UnknownFieldsAtSeveralDepths) {
  json j = policy();
  j["extra"] = 1;
  j["metadata"]["lables"] = json::object();
  j["spec"]["match"] = {{"podSelecter", json::object()}};
  j["spec"]["rules"]["hostPath"] = {{"allowedPaths", {{{"pathPrefix", "/a"}, {"ro", true}}}}};
  auto errors = validate_policy(j);
  std::vector<std::string> seen;
  for (const auto& e : errors) seen.push_back(e.to_string());
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre(
                        "extra: unknown field (expected one of: apiVersion, kind, metadata, spec, status)",
                        "metadata.lables: unknown field (did you mean labels?)",
                        "spec.match.podSelecter: unknown field (did you mean podSelector?)",
                        "spec.rules.hostPath.allowedPaths[0].ro: unknown field (expected one of: pathPrefix, readOnly)"));
}

TEST(PolicyParse, StatusAndNamespaceAreIgnored) {
  json j = policy();
  j["metadata"]["namespace"] = "default";
  j["status"] = {{"anything", {1, 2, 3}}};
  EXPECT_TRUE(parse_policy(j).ok());
}

TEST(PolicyParse, KeysThatNeedBracketsInPaths) {
  auto errors = validate_policy(rules({{"resources", {{"maxLimits", {{"example.com/gpu", "lots"}}}}}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.rules.resources.maxLimits[example.com/gpu]");
}

// ---- parse_policies: documents, Lists, JSON, sources -------------------------------------------

std::string policy_yaml(const std::string& name, const std::string& extra_rules = "") {
  return "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata:\n  name: " + name +
         "\nspec:\n  rules:\n    privileged: false\n" + extra_rules;
}

std::vector<std::string> messages(const ParsedPolicies& parsed) {
  std::vector<std::string> out;
  for (const auto& e : parsed.errors) out.push_back(e.to_string());
  return out;
}

TEST(PolicyParseDocuments, MultiDocumentWithAnErrorInTheSecond) {
  const std::string text = policy_yaml("relaxed") + "---\n" +
                           policy_yaml("strict", "    resources:\n      maxLimits:\n        memory: 12Qi\n") + "---\n" +
                           policy_yaml("third");
  auto parsed = parse_policies(text, "policies.yaml");
  ASSERT_EQ(parsed.policies.size(), 2u);
  EXPECT_EQ(parsed.policies[0].name, "relaxed");
  EXPECT_EQ(parsed.policies[1].name, "third");
  ASSERT_EQ(parsed.errors.size(), 1u);
  const auto& e = parsed.errors[0];
  EXPECT_EQ(e.source, "policies.yaml");
  EXPECT_EQ(e.document, 1);
  EXPECT_EQ(e.name, "strict");
  EXPECT_EQ(e.error.path, "spec.rules.resources.maxLimits.memory");
  EXPECT_EQ(e.to_string(),
            "policies.yaml (document 2, \"strict\"): spec.rules.resources.maxLimits.memory: \"12Qi\" is not a "
            "Kubernetes quantity (expected a number with an optional suffix such as 500m, 2, 1.5Gi, 129M, 1e3)");
}

TEST(PolicyParseDocuments, ListIsUnpacked) {
  json list = {{"apiVersion", "v1"},
               {"kind", "List"},
               {"items", {policy(json::object(), "a"), policy({{"enforcement", "Nope"}}, "b"), policy(json::object(), "c")}}};
  auto parsed = parse_policies(list.dump(2), "list.json");
  ASSERT_EQ(parsed.policies.size(), 2u);
  EXPECT_EQ(parsed.policies[0].name, "a");
  EXPECT_EQ(parsed.policies[1].name, "c");
  EXPECT_THAT(messages(parsed), ::testing::ElementsAre("list.json (document 1, \"b\"): items[1].spec.enforcement: \"Nope\" "
                                                       "is not an enforcement; expected Deny, Warn or Audit"));
  auto empty = parse_policies("apiVersion: v1\nkind: List\nitems: []\n", "l.yaml");
  EXPECT_TRUE(empty.policies.empty());
  EXPECT_TRUE(empty.errors.empty());
}

TEST(PolicyParseDocuments, JsonInput) {
  auto parsed = parse_policies(policy(json::object(), "from-json").dump(), "p.json");
  ASSERT_TRUE(parsed.errors.empty()) << messages(parsed)[0];
  ASSERT_EQ(parsed.policies.size(), 1u);
  EXPECT_EQ(parsed.policies[0].name, "from-json");

  auto bad = parse_policies("{\"apiVersion\": \"kindlyguard.io/v1alpha1\",\n  \"kind\": }", "p.json");
  EXPECT_THAT(messages(bad), ::testing::ElementsAre("p.json (document 1): line 2, column 11 (byte 53): invalid JSON: "
                                                    "syntax error while parsing value - unexpected '}'; expected '[', "
                                                    "'{', or a literal"));
}

TEST(PolicyParseDocuments, OtherKindsAreErrors) {
  auto parsed = parse_policies(policy_yaml("ok") + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {}\n",
                               "mixed.yaml");
  EXPECT_EQ(parsed.policies.size(), 1u);
  EXPECT_THAT(messages(parsed), ::testing::ElementsAre("mixed.yaml (document 2, \"web\"): kind: \"Pod\" is not a "
                                                       "SecurityPolicy; expected kind SecurityPolicy (apiVersion "
                                                       "kindlyguard.io/v1alpha1)"));
}

TEST(PolicyParseDocuments, YamlSyntaxErrorKeepsEarlierDocuments) {
  auto parsed = parse_policies(policy_yaml("first") + "---\nkind: [\n", "broken.yaml");
  ASSERT_EQ(parsed.policies.size(), 1u);
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].document, 1);
  EXPECT_THAT(parsed.errors[0].to_string(), HasSubstr("broken.yaml (document 2): line "));
  EXPECT_THAT(parsed.errors[0].to_string(), HasSubstr("invalid YAML"));
}

TEST(PolicyParseDocuments, DuplicateNames) {
  auto parsed = parse_policies(policy_yaml("same") + "---\n" + policy_yaml("same"), "dup.yaml");
  EXPECT_EQ(parsed.policies.size(), 1u);
  EXPECT_THAT(messages(parsed), ::testing::ElementsAre("dup.yaml (document 2, \"same\"): metadata.name: \"same\" is "
                                                       "already used by document 1; policy names are cluster-wide"));
}

TEST(PolicyParseDocuments, EmptyAndCommentOnlyAreZeroPolicies) {
  for (const char* text : {"", "   \n", "# just a comment\n# another\n", "---\n---\n"}) {
    auto parsed = parse_policies(text, "empty.yaml");
    EXPECT_TRUE(parsed.policies.empty()) << text;
    EXPECT_TRUE(parsed.errors.empty()) << text;
  }
}

TEST(PolicyParseDocuments, Yaml11BooleansAndQuotedStrings) {
  // `privileged: no` is false the way kubectl sends it; `enforcement: "Deny"` is a string either way.
  auto parsed = parse_policies(
      "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: y11}\n"
      "spec:\n  enforcement: \"Warn\"\n  rules:\n    privileged: no\n    hostPorts: off\n",
      "y.yaml");
  ASSERT_TRUE(parsed.errors.empty()) << messages(parsed)[0];
  EXPECT_EQ(parsed.policies[0].enforcement, Enforcement::Warn);
  EXPECT_EQ(parsed.policies[0].rules.privileged, false);
  EXPECT_EQ(parsed.policies[0].rules.host_ports, false);
}

TEST(PolicyParseDocuments, ErrorsPerDocumentAreCapped) {
  json r = json::object();
  for (int i = 0; i < 40; ++i) r["unknown" + std::to_string(i)] = true;
  r["privileged"] = false;
  auto parsed = parse_policies(rules(r).dump(), "many.json");
  ASSERT_EQ(parsed.errors.size(), 21u);
  EXPECT_EQ(parsed.errors.back().to_string(), "many.json (document 1, \"strict\"): 20 more problems not shown");
}

// ---- the shipped examples ------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PolicyParseExamples, EveryExamplePolicyParses) {
  const std::filesystem::path dir = std::filesystem::path(KINDLY_SOURCE_DIR) / "examples" / "policies";
  for (const char* name : {"baseline-deny.yaml", "restricted-warn.yaml", "production-hardening.yaml"}) {
    const auto path = dir / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    auto parsed = parse_policies(read_file(path), name);
    EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
    EXPECT_EQ(parsed.policies.size(), 1u) << name;
  }
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    auto parsed = parse_policies(read_file(entry.path()), entry.path().filename().string());
    EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
  }
  EXPECT_GE(count, 3u);
}

TEST(PolicyParseExamples, ProductionHardeningSaysWhatItMeans) {
  const auto path = std::filesystem::path(KINDLY_SOURCE_DIR) / "examples" / "policies" / "production-hardening.yaml";
  auto parsed = parse_policies(read_file(path), "production-hardening.yaml");
  ASSERT_EQ(parsed.policies.size(), 1u);
  const SecurityPolicy& p = parsed.policies[0];
  EXPECT_EQ(p.enforcement, Enforcement::Deny);
  EXPECT_EQ(p.match.namespaces, std::vector<std::string>{"prod-*"});
  EXPECT_EQ(p.rules.run_as_non_root, true);
  EXPECT_EQ(p.rules.read_only_root_filesystem, true);
  EXPECT_EQ(p.rules.capabilities->required_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(p.rules.allow_privilege_escalation, false);
  EXPECT_EQ(p.rules.privileged, false);
  EXPECT_EQ(p.rules.host_namespaces, false);
  ASSERT_TRUE(p.rules.host_path.has_value());
  EXPECT_FALSE(p.rules.host_path->allowed);
  for (const auto& a : p.rules.host_path->allowed_paths) EXPECT_NE(a.path_prefix.rfind("/var/run", 0), 0u);
  ASSERT_TRUE(p.rules.resources.has_value());
  EXPECT_FALSE(p.rules.resources->max_limits.empty());
  ASSERT_TRUE(p.rules.images.has_value());
  EXPECT_FALSE(p.rules.images->allowed_registries.empty());
  EXPECT_EQ(p.rules.images->disallow_tags, std::vector<std::string>{"latest"});
}

}  // namespace
}  // namespace kindlyguard::policy
