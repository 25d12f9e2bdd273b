// `check -o sarif`: SARIF 2.1.0 (OASIS), the format code-scanning UIs read (GitHub code scanning,
// GitLab, VS Code's SARIF viewer). One run; tool.driver.rules holds one reportingDescriptor per
// rule id the report names; one result per Finding (not per merged group: viewers deduplicate by
// ruleId and location themselves, and each policy's verdict stays its own result).
//
// Decisions the schema forced (tests/chart/testdata/sarif-schema-2.1.0.json, checked by
// tests/chart/sarif_test.mjs against both the draft-07 and the OASIS errata01 copies):
//   - A `fix` must carry artifactChanges (minItems 1), each with replacements (minItems 1) of a
//     deletedRegion. Our fix hints are prose ("set securityContext.privileged=false"), not edits:
//     a viewer that applied them would write English into the YAML. So no `fixes`; the hint goes
//     into message.text and message.markdown, and into properties.fix for tools.
//   - region.startLine and startColumn are >= 1 (and errata01 wants startLine in any region), so
//     a finding whose position is unknown has no region at all, only its artifactLocation.
//   - artifactLocation.uri is a URI reference: paths are percent-encoded, absolute paths become
//     file:// URIs, "<stdin>" is "stdin" (there is no file to open).
//   - suppression.state (draft-07) was renamed status in errata01: neither is written; a
//     suppression without it counts as accepted, which an excusing exception is.
//   - A rule id is shared by every policy that checks it, with each policy's own enforcement:
//     defaultConfiguration.level is the strongest level seen, and each result carries its own.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string_view>

#include <nlohmann/json.hpp>

#include "check_write_common.hpp"
#include "kindlyguard/cli/check_writers.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::cli {
namespace {

using Json = nlohmann::ordered_json;
using policy::Enforcement;

constexpr const char* kPssHelpUri = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
constexpr const char* kRulesHelpUri = "https://github.com/kindlyguard/kindlyguard#securitypolicy-reference";

const char* sarif_level(Enforcement e) {
  return e == Enforcement::Deny ? "error" : e == Enforcement::Warn ? "warning" : "note";
}

// One line per Pod Security Standards check, after the control it implements in the Kubernetes
// documentation (the check files under src/policy/pss/ quote the same text at more length).
// A check missing here still gets a rule, with a generic line; a unit test lists every
// pss::check_ids() to catch that.
std::string_view pss_summary(std::string_view check_id) {
  static const std::map<std::string_view, std::string_view> kSummaries = {
      {"appArmorProfile", "AppArmor: the runtime's default profile must not be overridden or disabled"},
      {"capabilities_baseline", "Capabilities: no NET_RAW and nothing beyond the default set may be added"},
      {"hostNamespaces", "Host namespaces: the node's network, PID and IPC namespaces must not be shared"},
      {"hostPathVolumes", "HostPath volumes are forbidden"},
      {"hostPorts", "Host ports are forbidden"},
      {"hostProbesAndHostLifecycle", "Probes and lifecycle hooks must not target another host"},
      {"privileged", "Privileged containers are forbidden"},
      {"procMount", "/proc mount type: the default masks are required (outside user namespaces)"},
      {"seLinuxOptions", "SELinux: no custom user or role, and only the allowed types"},
      {"seccompProfile_baseline", "Seccomp: only the runtime default and localhost profiles, never Unconfined"},
      {"sysctls", "Sysctls: only the safe, namespaced subset"},
      {"windowsHostProcess", "Windows HostProcess containers are forbidden"},
      {"allowPrivilegeEscalation", "Privilege escalation must be disallowed (allowPrivilegeEscalation=false)"},
      {"capabilities_restricted", "Capabilities: containers must drop ALL and may add back only NET_BIND_SERVICE"},
      {"procMount_restricted", "/proc mount type: the default masks are required, user namespace or not"},
      {"restrictedVolumes", "Volume types: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, "
                            "persistentVolumeClaim, projected and secret"},
      {"runAsNonRoot", "Containers must run as non-root users (runAsNonRoot=true)"},
      {"runAsUser", "Containers must not run as UID 0"},
      {"seccompProfile_restricted", "Seccomp: a profile must be set, the runtime default or a localhost one"},
  };
  auto it = kSummaries.find(check_id);
  return it == kSummaries.end() ? std::string_view{} : it->second;
}

const char* security_severity(policy::Severity s) {
  switch (s) {
    case policy::Severity::Critical: return "9.5";
    case policy::Severity::High: return "8.0";
    case policy::Severity::Medium: return "5.5";
    case policy::Severity::Low: return "2.0";
  }
  return "5.5";
}

Json describe_rule(const std::string& id, Enforcement level) {
  Json rule = {{"id", id}};
  std::string short_text, full_text;
  const char* help_uri = nullptr;
  if (id.rfind("pss/", 0) == 0) {
    const std::string check = id.substr(4);
    std::string_view summary = pss_summary(check);
    short_text = summary.empty() ? "Pod Security Standards check " + check : std::string(summary);
    full_text = "Pod Security Standards check \"" + check +
                "\", judged exactly as the Kubernetes Pod Security Admission controller judges it at the level "
                "and version the policy names.";
    help_uri = kPssHelpUri;
  } else {
    for (const auto& def : policy::rule_registry())
      if (def.id == id) {
        short_text = std::string(def.summary);
        full_text = "kindlyguard rule spec.rules." + id + ": " + short_text + ".";
        help_uri = kRulesHelpUri;
      }
    if (short_text.empty()) short_text = full_text = "kindlyguard rule " + id;
  }
  rule["shortDescription"] = {{"text", short_text}};
  rule["fullDescription"] = {{"text", full_text}};
  if (help_uri) rule["helpUri"] = help_uri;
  rule["defaultConfiguration"] = {{"level", sarif_level(level)}};
  // GitHub code scanning shows a rule's security-severity (a CVSS-like score, as a string) as
  // critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9) or low: README "Severities".
  rule["properties"] = {{"tags", {"security", "kubernetes"}}, {"security-severity", security_severity(policy::rule_severity(id))}};
  return rule;
}

// A file path as a URI reference (RFC 3986): unreserved characters, sub-delims, ':' '@' '/' as
// they are, every other byte percent-encoded; absolute paths as file:// URIs; a relative path
// whose first segment has a ':' would read as a scheme, so it gets "./".
std::string artifact_uri(std::string_view path) {
  if (path == "<stdin>" || path == "-" || path.empty()) return "stdin";
  while (path.size() > 2 && path.substr(0, 2) == "./") path.remove_prefix(2);
  std::string out = path.front() == '/' ? "file://" : "";
  const auto slash = path.find('/');
  if (out.empty() && path.substr(0, slash).find(':') != std::string_view::npos) out = "./";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("-._~!$&'()*+,;=:@/").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// FNV-1a, 64 bits: the same bytes give the same value on every platform and in every run, which
// std::hash does not promise. Parts are separated by a byte no name or field path holds.
std::string stable_hash(const std::vector<std::string_view>& parts) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (auto part : parts) {
    for (char c : part) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    h = (h ^ 0x1fu) * 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// CommonMark: any ASCII punctuation may be backslash-escaped; these are the ones that can start
// emphasis, code, a link, HTML, a table cell or strikethrough inside a line (our texts never
// start a line, so list and heading markers need nothing).
std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<>|~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Plain text first (GitHub shows only that), with the policy in its first sentence, which is what
// a viewer shows when it shows one sentence.
Json message(const Finding& f, const std::string* excused_by) {
  const auto& v = f.violation;
  std::string text = f.what + " (policy " + v.policy + ").";
  std::string markdown = "**" + markdown_escape(f.what) + "** (policy " + markdown_escape(v.policy) + ")";
  if (!f.fix.empty()) {
    text += " Fix: " + f.fix + ".";
    markdown += "\n\nFix: " + markdown_escape(f.fix);
  }
  if (excused_by) {
    text += " Excused by SecurityPolicyException " + *excused_by + ".";
    markdown += "\n\nExcused by SecurityPolicyException " + markdown_escape(*excused_by);
  }
  return {{"text", text}, {"markdown", markdown}};
}

Json location(const ObjectReport& o, const Finding& f) {
  Json loc = Json::object();
  if (!o.source.empty()) {
    Json physical = {{"artifactLocation", {{"uri", artifact_uri(o.source)}}}};
    const policy::SourcePos pos = f.pos.known() ? f.pos : o.pos;
    if (pos.known()) {
      Json region = {{"startLine", pos.line}};
      if (pos.column > 0) region["startColumn"] = pos.column;
      physical["region"] = region;
    }
    loc["physicalLocation"] = physical;
  }
  std::string object_name = o.kind + "/" + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
  Json logical = Json::array();
  logical.push_back({{"name", o.name},
                     {"fullyQualifiedName", object_name},
                     {"kind", "resource"},
                     {"properties", {{"kind", o.kind}, {"namespace", o.namespace_}, {"name", o.name}}}});
  if (!f.violation.field.empty())
    logical.push_back({{"name", f.violation.field},
                       {"fullyQualifiedName", object_name + ":" + f.violation.field},
                       {"kind", "property"}});
  loc["logicalLocations"] = logical;
  return loc;
}

class ResultWriter {
 public:
  explicit ResultWriter(const std::map<std::string, std::size_t>& rule_index) : rule_index_(rule_index) {}

  Json result(const ObjectReport& o, const Finding& f, const std::string* excused_by) {
    const auto& v = f.violation;
    Json r = {{"ruleId", v.rule}, {"ruleIndex", rule_index_.at(v.rule)}, {"level", sarif_level(v.enforcement)}};
    r["message"] = message(f, excused_by);
    r["locations"] = Json::array({location(o, f)});
    r["partialFingerprints"] = {{"kindlyguardFinding/v1", fingerprint(o, v)}};
    if (excused_by)
      r["suppressions"] =
          Json::array({{{"kind", "external"}, {"justification", "SecurityPolicyException " + *excused_by}}});
    Json props = {{"policy", v.policy}, {"enforcement", detail::lower(v.enforcement)}};
    if (!v.container.empty()) props["container"] = v.container;
    props["field"] = v.field;
    if (!f.fix.empty()) props["fix"] = f.fix;
    if (excused_by) props["excusedBy"] = *excused_by;
    r["properties"] = props;
    return r;
  }

 private:
  // Stable across runs: what is wrong (policy, rule), where (object, field), and an ordinal for
  // the rare repeat of all of these (two findings of one rule on one image field).
  std::string fingerprint(const ObjectReport& o, const policy::Violation& v) {
    std::string key = stable_hash({v.policy, v.rule, o.kind, o.namespace_, o.name, v.field});
    const int n = ++seen_[key];
    return n == 1 ? key : key + ":" + std::to_string(n);
  }

  const std::map<std::string, std::size_t>& rule_index_;
  std::map<std::string, int> seen_;
};

Json notification(const std::string& text, const char* level) {
  return {{"message", {{"text", text}}}, {"level", level}};
}

}  // namespace

void write_check_sarif(const CheckReport& report, std::ostream& out, const WriterOptions& options) {
  // Rules in the order the report first names them, each at the strongest level it was used at.
  std::map<std::string, std::size_t> rule_index;
  std::vector<std::pair<std::string, Enforcement>> rules;
  auto note_rule = [&](const policy::Violation& v) {
    auto [it, added] = rule_index.emplace(v.rule, rules.size());
    if (added) rules.emplace_back(v.rule, v.enforcement);
    auto& level = rules[it->second].second;
    level = std::min(level, v.enforcement);  // Enforcement is ordered strongest first
  };
  for (const auto& o : report.objects) {
    for (const auto& f : o.findings) note_rule(f.violation);
    for (const auto& e : o.excused) note_rule(e.finding.violation);
  }

  Json driver = {{"name", "kindlyguard"}};
  if (!options.tool_version.empty()) driver["version"] = options.tool_version;
  driver["informationUri"] = "https://github.com/kindlyguard/kindlyguard";
  driver["rules"] = Json::array();
  for (const auto& [id, level] : rules) driver["rules"].push_back(describe_rule(id, level));

  ResultWriter writer(rule_index);
  Json results = Json::array();
  for (const auto& o : report.objects) {
    for (const auto& f : o.findings) results.push_back(writer.result(o, f, nullptr));
    for (const auto& e : o.excused) results.push_back(writer.result(o, e.finding, &e.exception));
  }

  Json notifications = Json::array();
  for (const auto& w : report.warnings) notifications.push_back(notification(w, "warning"));
  for (const auto& e : report.errors) notifications.push_back(notification(e, "error"));
  Json invocation = {{"executionSuccessful", report.errors.empty()}};
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = notifications;

  const auto& s = report.summary;
  Json run = {{"tool", {{"driver", driver}}},
              {"invocations", Json::array({invocation})},
              {"results", results},
              {"properties",
               {{"summary",
                 {{"objects", s.objects},
                  {"denied", s.denied},
                  {"warned", s.warned},
                  {"passed", s.passed},
                  {"skipped", s.skipped},
                  {"excused", s.excused},
                  {"findings", s.findings}}}}}};
  Json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", Json::array({run})}};
  // Names and messages come from the input; text that is not UTF-8 is written with U+FFFD.
  out << log.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace kindlyguard::cli
