// `check -o github`: GitHub Actions workflow commands, which the runner turns into annotations on
// the pull request's diff, on the very line:
//
//   ::error file=deploy/app.yaml,line=12,col=9,title=baseline-deny, restricted-warn (pss/privileged)::MESSAGE
//
// One command per merged FindingGroup (overlapping policies are one annotation, every policy
// named in the title and the message): ::error for deny, ::warning for warn, ::notice for audit.
// Excused findings are not annotated (they fail nothing); the summary counts them. The run's
// errors and warnings follow as ::error::/::warning:: without a file, then one plain summary line.
// Inputs read from stdin have no file to point at: their annotations name no file.
//
// Escaping is @actions/core's (toolkit/packages/core/src/command.ts): in the message % CR LF
// become %25 %0D %0A; in property values also : and , become %3A and %2C. So a name or message
// from the input can neither end the command nor start another one.
#include <algorithm>
#include <string_view>
#include <vector>

#include "check_write_common.hpp"
#include "kindlyguard/cli/check_writers.hpp"

namespace kindlyguard::cli {
namespace {

using policy::Enforcement;

std::string escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    const char* escaped = c == '%' ? "%25" : c == '\r' ? "%0D" : c == '\n' ? "%0A" : nullptr;
    if (property && !escaped) escaped = c == ':' ? "%3A" : c == ',' ? "%2C" : nullptr;
    if (escaped) out += escaped;
    else out += c;
  }
  return out;
}
std::string escape_data(std::string_view s) { return escape(s, false); }
std::string escape_property(std::string_view s) { return escape(s, true); }

const char* command(Enforcement e) {
  return e == Enforcement::Deny ? "error" : e == Enforcement::Warn ? "warning" : "notice";
}

// Unique values in first-seen order, joined.
template <typename Get>
std::string join_unique(const std::vector<const Finding*>& findings, Get get, std::string_view separator) {
  std::vector<std::string> seen;
  std::string out;
  for (const Finding* f : findings) {
    std::string value = get(*f);
    if (value.empty() || std::find(seen.begin(), seen.end(), value) != seen.end()) continue;
    if (!seen.empty()) out += separator;
    out += value;
    seen.push_back(std::move(value));
  }
  return out;
}

void annotate(const ObjectReport& o, const FindingGroup& group, std::ostream& out) {
  std::vector<const Finding*> findings;
  for (std::size_t i : group.findings)
    if (i < o.findings.size()) findings.push_back(&o.findings[i]);
  if (findings.empty()) return;
  std::string props;
  if (o.source != "<stdin>" && !o.source.empty()) {
    std::string_view file = o.source;
    while (file.size() > 2 && file.substr(0, 2) == "./") file.remove_prefix(2);
    props += "file=" + escape_property(file);
    const policy::SourcePos pos = group.pos.known() ? group.pos : o.pos;
    if (pos.known()) {
      props += ",line=" + std::to_string(pos.line);
      if (pos.column > 0) props += ",col=" + std::to_string(pos.column);
    }
    props += ",";
  }
  const std::string policies = join_unique(findings, [](const Finding& f) { return f.violation.policy; }, ", ");
  const std::string rules = join_unique(findings, [](const Finding& f) { return f.violation.rule; }, ", ");
  props += "title=" + escape_property(policies + " (" + rules + ")");

  // The strongest finding's words, the first fix any of them gives, then where and who said so.
  const Finding& first = *findings.front();
  std::string message = first.what;
  auto fix = std::find_if(findings.begin(), findings.end(), [](const Finding* f) { return !f->fix.empty(); });
  if (fix != findings.end()) message += "\nFix: " + (*fix)->fix;
  message += "\n" + o.kind + " " + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
  if (!group.container.empty()) message += ", container \"" + group.container + "\"";
  if (!group.field.empty()) message += ": " + group.field;
  message += "\nPolicies: " + join_unique(findings,
                                          [](const Finding& f) {
                                            return f.violation.policy + " (" +
                                                   detail::lower(f.violation.enforcement) + ", " +
                                                   f.violation.rule + ")";
                                          },
                                          "; ");
  out << "::" << command(group.enforcement) << " " << props << "::" << escape_data(message) << '\n';
}

}  // namespace

void write_check_github(const CheckReport& report, std::ostream& out, const WriterOptions&) {
  for (const auto& o : report.objects)
    for (const auto& g : o.groups) annotate(o, g, out);
  for (const auto& e : report.errors) out << "::error::" << escape_data(e) << '\n';
  for (const auto& w : report.warnings) out << "::warning::" << escape_data(w) << '\n';
  out << "kindlyguard: " << detail::summary_line(report) << '\n';
}

}  // namespace kindlyguard::cli
