#pragma once
// The SecurityPolicy API (kindlyguard.io/v1alpha1) as plain values. Absent fields are
// std::nullopt: an absent rule is not checked. The parser (policy/parse.hpp) is the only producer.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/k8s/image_pattern.hpp"
#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/k8s/quantity.hpp"

namespace kindlyguard::policy {

// Ordered strongest first: std::min of two is the stronger (strongest_enforcement, the check writers).
enum class Enforcement { Deny, Warn, Audit };
const char* to_string(Enforcement e);

// How much harm a finding allows, strongest first (std::min of two is the more severe). Every rule
// and Pod Security Standards check has one (README, "Severities"); a finding may raise its rule's
// (hostPath of a container runtime's socket is critical where other host paths are high).
enum class Severity { Critical, High, Medium, Low };
const char* to_string(Severity s);                         // "critical", "high", "medium", "low"
std::optional<Severity> parse_severity(std::string_view);  // the same words, exactly

enum class PssLevel { Privileged, Baseline, Restricted };
const char* to_string(PssLevel l);

// A Kubernetes minor version for Pod Security Standards; latest is {1, kLatestMinor} resolved
// at evaluation time by the PSS module.
struct PssVersion {
  bool latest = true;
  int minor = 0;  // v1.<minor> when !latest
  std::string to_string() const { return latest ? "latest" : "v1." + std::to_string(minor); }
};

struct Match {
  std::vector<std::string> namespaces;          // names or globs; empty = all
  std::vector<std::string> excluded_namespaces; // names or globs
  std::optional<k8s::LabelSelector> namespace_selector;
  std::optional<k8s::LabelSelector> pod_selector;
};

struct Exemptions {
  std::vector<std::string> usernames;
  std::vector<std::string> groups;
  std::vector<k8s::ImagePattern> images;  // exempt containers from container-level rules
};

struct PodSecurityStandard {
  PssLevel level = PssLevel::Baseline;
  PssVersion version;
};

struct RunAsUserRule { std::optional<int64_t> min; std::optional<int64_t> max; };
struct CapabilitiesRule {
  std::vector<std::string> required_drop;  // upper-case, without CAP_ prefix
  std::optional<std::vector<std::string>> allowed_add;  // absent = any add allowed
};
struct HostPathAllowance { std::string path_prefix; bool read_only = false; };
struct HostPathRule { bool allowed = false; std::vector<HostPathAllowance> allowed_paths; };
struct SeccompRule { std::vector<std::string> allowed_profiles; };  // RuntimeDefault, Localhost, Unconfined
struct ResourcesRule {
  std::vector<std::string> require_limits;    // resource names, e.g. cpu, memory
  std::vector<std::string> require_requests;
  std::map<std::string, k8s::Quantity> max_limits;
};
struct ImagesRule {
  std::vector<std::string> allowed_registries;  // host[/path] prefixes, matched by whole segments
  std::vector<std::string> disallow_tags;       // "latest" also catches images with neither tag nor digest
  bool require_digest = false;
};
// Which probes every regular container (sidecars included) must set; false or absent = not required.
struct ProbesRule { bool liveness = false; bool readiness = false; bool startup = false; };
// env[].value literals that hold secrets are refused (deny: true is the only value that checks).
struct PlaintextSecretsRule {
  std::vector<std::string> allowed_names;  // env names or globs, matched case-insensitively
};

struct Rules {
  std::optional<bool> run_as_non_root;
  std::optional<RunAsUserRule> run_as_user;
  std::optional<bool> read_only_root_filesystem;
  std::optional<CapabilitiesRule> capabilities;
  std::optional<bool> allow_privilege_escalation;  // false = must be disallowed
  std::optional<bool> privileged;                  // false = must not be privileged
  std::optional<bool> host_namespaces;             // false = hostNetwork/hostPID/hostIPC forbidden
  std::optional<bool> host_ports;                  // false = hostPort forbidden
  std::optional<HostPathRule> host_path;
  std::optional<SeccompRule> seccomp;
  std::optional<ResourcesRule> resources;
  std::optional<ImagesRule> images;
  std::optional<ProbesRule> probes;
  std::optional<PlaintextSecretsRule> plaintext_secrets;
};

struct SecurityPolicy {
  std::string name;
  int64_t generation = 0;
  std::string resource_version;
  std::string uid;
  Enforcement enforcement = Enforcement::Deny;
  Match match;
  Exemptions exemptions;
  std::optional<PodSecurityStandard> pod_security_standard;
  Rules rules;
  bool audit_background = true;
  bool quarantine_on_violation = false;
  // spec.onViolation.quarantine.minSeverity: only violations at least this severe quarantine.
  Severity quarantine_min_severity = Severity::Low;
};

// One thing wrong with one object, with every part a person needs to fix it.
struct Violation {
  std::string policy;       // SecurityPolicy name
  std::string rule;         // stable rule id, e.g. "runAsNonRoot", "pss/privileged"
  Enforcement enforcement = Enforcement::Deny;
  std::string container;    // container name, empty for pod-level findings
  std::string field;        // full field path in the reviewed object
  std::string message;      // what is wrong and what to set instead
  Severity severity = Severity::Medium;  // the rule's or check's, raised by the finding
};

}  // namespace kindlyguard::policy
