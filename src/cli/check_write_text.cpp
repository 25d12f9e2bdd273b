// `check` for people: objects that fail a policy, grouped by object, then by container; one short
// line per finding ("line:col  deny  what is wrong  [policy/rule, ...]") with its fix on the
// next line. Findings on the same field from overlapping policies are one line naming them all.
// Objects that pass are counted, not listed; -o wide lists every finding in full.
#include <algorithm>
#include <vector>

#include "check_write_common.hpp"
#include "kindlyguard/cli/check_writers.hpp"

namespace kindlyguard::cli {
namespace {

struct Palette {
  bool on = false;
  std::string paint(const std::string& s, const char* code) const {
    return on ? std::string("\x1b[") + code + "m" + s + "\x1b[0m" : s;
  }
  std::string bold(const std::string& s) const { return paint(s, "1"); }
  std::string dim(const std::string& s) const { return paint(s, "2"); }
  std::string enforcement(policy::Enforcement e) const {
    std::string word = detail::lower(e);
    word.resize(5, ' ');
    return paint(word, e == policy::Enforcement::Deny ? "1;31" : e == policy::Enforcement::Warn ? "33" : "36");
  }
};

// "init container \"setup\"" from a field path, "" for pod-level fields.
std::string container_title(const FindingGroup& g) {
  if (g.container.empty()) return "";
  const std::string& f = g.field;
  const char* kind = f.find("initContainers[") != std::string::npos        ? "init container"
                     : f.find("ephemeralContainers[") != std::string::npos ? "ephemeral container"
                                                                            : "container";
  return std::string(kind) + " " + g.container;
}

// Under a container's heading, `container "app" is privileged` reads `is privileged`.
std::string without_subject(const std::string& what, const std::string& container) {
  const std::string quoted = "\"" + container + "\" ";
  auto at = what.find(quoted);
  if (at == std::string::npos || at > 24) return what;
  std::string head = what.substr(0, at);
  if (head != "container " && head != "init container " && head != "ephemeral container ") return what;
  return what.substr(at + quoted.size());
}

std::string column_pos(policy::SourcePos pos) {
  std::string s = pos.known() ? std::to_string(pos.line) + ":" + std::to_string(pos.column) : "-";
  if (s.size() < 7) s.resize(7, ' ');
  return s;
}

void write_group(const ObjectReport& r, const FindingGroup& g, const Palette& c, std::ostream& out) {
  const Finding& lead = r.findings[g.findings.front()];
  std::string names;
  for (auto i : g.findings) {
    const auto& v = r.findings[i].violation;
    names += (names.empty() ? "" : ", ") + v.policy + "/" + v.rule;
    if (v.enforcement != g.enforcement) names += " (" + detail::lower(v.enforcement) + ")";
  }
  out << "    " << c.dim(column_pos(g.pos)) << " " << c.enforcement(g.enforcement) << " "
      << without_subject(lead.what, g.container) << "  " << c.dim("[" + names + "]") << "\n";
  std::string fix;
  for (auto i : g.findings)
    if (fix.empty()) fix = r.findings[i].fix;
  if (!fix.empty()) out << "    " << std::string(7, ' ') << "       " << c.dim("fix: ") << fix << "\n";
}

}  // namespace

void write_check_text(const CheckReport& report, std::ostream& out, const WriterOptions& options) {
  Palette c{options.color};
  for (const auto& r : report.objects) {
    if (r.findings.empty() && r.excused.empty()) continue;
    std::string verdict = r.decision == "deny" ? c.paint("DENIED", "1;31")
                          : r.decision == "warn" ? c.paint("WARNED", "33")
                          : r.decision == "audit" ? c.paint("AUDITED", "36")
                                                  : c.paint("PASSED", "32");
    out << c.bold(detail::location(r.source, r.pos)) << "  " << c.bold(r.kind + " " + r.namespace_ + "/" + r.name)
        << "  " << verdict;
    if (r.judged_as_template) out << c.dim("  (judged by its spec.template)");
    if (r.namespace_defaulted) out << c.dim("  (no namespace: judged in " + r.namespace_ + ")");
    out << "\n";
    // Pod-level findings first, then each container in the order the findings name them.
    std::vector<std::string> sections;
    for (const auto& g : r.groups) {
      std::string t = container_title(g);
      if (std::find(sections.begin(), sections.end(), t) == sections.end()) sections.push_back(t);
    }
    std::stable_partition(sections.begin(), sections.end(), [](const std::string& t) { return t.empty(); });
    for (const auto& section : sections) {
      out << "  " << (section.empty() ? "pod" : section) << "\n";
      for (const auto& g : r.groups)
        if (container_title(g) == section) write_group(r, g, c, out);
    }
    if (!r.excused.empty()) {
      out << "  excused\n";
      for (const auto& x : r.excused) {
        const auto& v = x.finding.violation;
        out << "    " << c.dim(column_pos(x.finding.pos)) << " " << v.policy << "/" << v.rule
            << (v.container.empty() ? "" : " (container " + v.container + ")") << " by SecurityPolicyException "
            << x.exception << "\n";
      }
    }
    out << "\n";
  }
  out << detail::summary_line(report) << "\n";
  for (const auto& p : report.policies) {
    out << "  " << p.name << " (" << detail::lower(p.enforcement) << "): selected "
        << detail::plural(p.matched, "object", "objects");
    if (p.denied) out << ", denied " << p.denied;
    if (p.warned) out << ", warned " << p.warned;
    out << "\n";
  }
}

}  // namespace kindlyguard::cli
