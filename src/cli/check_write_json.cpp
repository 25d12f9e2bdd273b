// `check -o json`: the stable document described in docs/check-json.md. Fields are only ever
// added under one schemaVersion; positions are 1-based and present only when known.
#include <nlohmann/json.hpp>

#include "check_write_common.hpp"
#include "kindlyguard/cli/check_writers.hpp"

namespace kindlyguard::cli {
namespace {

using nlohmann::json;

void put_pos(json& j, policy::SourcePos pos) {
  if (!pos.known()) return;
  j["line"] = pos.line;
  j["column"] = pos.column;
}

json finding_json(const Finding& f) {
  const auto& v = f.violation;
  json j = {{"policy", v.policy}, {"rule", v.rule}, {"enforcement", detail::lower(v.enforcement)},
            {"severity", policy::to_string(v.severity)}, {"container", v.container}, {"field", v.field}, {"message", v.message}, {"what", f.what}, {"fix", f.fix}};
  put_pos(j, f.pos);
  return j;
}

}  // namespace

void write_check_json(const CheckReport& report, std::ostream& out, const WriterOptions& options) {
  json results = json::array();
  for (const auto& r : report.objects) {
    json violations = json::array();
    for (const auto& f : r.findings) violations.push_back(finding_json(f));
    json groups = json::array();
    for (const auto& g : r.groups) {
      json members = json::array();
      for (auto i : g.findings) members.push_back(r.findings[i].violation.policy + "/" + r.findings[i].violation.rule);
      json jg = {{"container", g.container}, {"field", g.field}, {"enforcement", detail::lower(g.enforcement)},
                 {"findings", std::move(members)}};
      put_pos(jg, g.pos);
      groups.push_back(std::move(jg));
    }
    json result = {{"source", r.source}, {"document", r.document}, {"kind", r.kind}, {"namespace", r.namespace_},
                   {"name", r.name}, {"decision", r.decision}, {"namespaceDefaulted", r.namespace_defaulted},
                   {"judgedAsTemplate", r.judged_as_template}, {"policies", r.matched_policies},
                   {"violations", std::move(violations)}, {"groups", std::move(groups)}};
    if (!r.pointer.empty()) result["pointer"] = r.pointer;
    put_pos(result, r.pos);
    // Present whenever exceptions were given, so a report's shape does not depend on the object.
    if (report.exceptions_given) {
      json xs = json::array();
      for (const auto& x : r.excused) {
        json jx = finding_json(x.finding);
        jx["exception"] = x.exception;
        xs.push_back(std::move(jx));
      }
      result["exempted"] = std::move(xs);
    }
    results.push_back(std::move(result));
  }
  json policies = json::array();
  for (const auto& p : report.policies)
    policies.push_back({{"name", p.name}, {"enforcement", detail::lower(p.enforcement)}, {"matched", p.matched},
                        {"denied", p.denied}, {"warned", p.warned}});
  json inputs = json::array();
  for (const auto& i : report.inputs)
    inputs.push_back({{"source", i.source}, {"documents", i.documents}, {"judged", i.judged}, {"skipped", i.skipped}});
  const auto& s = report.summary;
  json summary = {{"objects", s.objects}, {"denied", s.denied},   {"warned", s.warned},
                  {"passed", s.passed},   {"skipped", s.skipped}, {"findings", s.findings},
                  {"inputErrors", !report.errors.empty()}};
  if (report.exceptions_given) summary["excused"] = s.excused;
  json doc = {{"schemaVersion", kCheckJsonSchemaVersion},
              {"tool", {{"name", "kindlyguard"}, {"version", options.tool_version}}},
              {"results", std::move(results)},
              {"policies", std::move(policies)},
              {"inputs", std::move(inputs)},
              {"summary", std::move(summary)},
              {"warnings", report.warnings},
              {"errors", report.errors}};
  out << doc.dump(2) << "\n";
}

}  // namespace kindlyguard::cli
