// `kindlyguard test DIR...`: policy test suites (kindlyguard-test.yaml, test_suite.hpp) in the style
// of `kyverno test` and `gator verify`. Each expectation met or missed is listed, a miss with the
// findings that explain it. Exit codes: 0 every expectation met, 1 some missed, 2 a suite is bad
// (it cannot be read, names something that is not there, or is ambiguous): a broken suite must
// never look like a passing one.
#include <iostream>

#include <nlohmann/json.hpp>

#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/cli/test_suite.hpp"
#include "kindlyguard/cli/test_suite_run.hpp"
#include "kindlyguard/util/ascii.hpp"

namespace kindlyguard::cli {
namespace {

using nlohmann::json;

std::string enforcement(policy::Enforcement e) { return ascii_lower(policy::to_string(e)); }

// "1 expectation", "3 expectations".
std::string plural(std::size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string what(const ExpectationOutcome& o) { return o.rule.empty() ? o.policy : o.policy + "/" + o.rule; }

// "deny production-hardening/runAsUser container=web spec.template.spec...: message"
std::string finding_line(const std::string& verdict, const policy::Violation& v) {
  return verdict + " " + v.policy + "/" + v.rule + (v.container.empty() ? "" : " container=" + v.container) + " " +
         v.field + ": " + v.message;
}

json finding_json(const policy::Violation& v) {
  return {{"policy", v.policy}, {"rule", v.rule}, {"enforcement", enforcement(v.enforcement)},
          {"container", v.container}, {"field", v.field}, {"message", v.message}};
}

void write_text(const std::vector<SuiteOutcome>& suites, std::ostream& out) {
  std::size_t total = 0, met = 0, bad = 0;
  for (const auto& s : suites) {
    out << s.file << (s.name.empty() ? "" : " (" + s.name + ")") << "\n";
    if (!s.errors.empty()) {
      ++bad;
      out << "  not run: " << plural(s.errors.size(), "error") << " in the suite (on stderr)\n";
      continue;
    }
    for (const auto& o : s.outcomes) {
      out << "  " << (o.met() ? "PASS" : "FAIL") << "  " << o.resource.describe() << "  " << what(o) << "  expected "
          << to_string(o.expected) << ", got " << to_string(o.got) << "\n";
      if (o.met()) continue;
      out << "        at " << suite_location(s.file, o.at) << "results[" << o.result_index << "]\n";
      for (const auto& v : o.findings) out << "        " << finding_line(enforcement(v.enforcement), v) << "\n";
      for (const auto& x : o.excused)
        out << "        " << finding_line("excused", x.violation) << " (by SecurityPolicyException " << x.exception << ")\n";
      if (!o.selection.empty()) out << "        " << o.selection << "\n";
      if (o.got == TestResult::Pass && o.findings.empty() && o.excused.empty() && o.selection.empty())
        out << "        " << what(o) << " reported nothing for it\n";
    }
    out << "  " << plural(s.outcomes.size(), "expectation") << ": " << s.met() << " met, " << s.missed() << " missed\n";
    total += s.outcomes.size();
    met += s.met();
  }
  out << plural(suites.size(), "suite") << ", " << plural(total, "expectation") << ": " << met << " met, " << total - met
      << " missed";
  if (bad) out << "; " << plural(bad, "suite") << " could not run";
  out << "\n";
}

json to_json(const std::vector<SuiteOutcome>& suites) {
  json out = {{"suites", json::array()}};
  std::size_t total = 0, met = 0, bad = 0;
  for (const auto& s : suites) {
    json results = json::array();
    for (const auto& o : s.outcomes) {
      json findings = json::array(), excused = json::array();
      for (const auto& v : o.findings) findings.push_back(finding_json(v));
      for (const auto& x : o.excused) {
        json item = finding_json(x.violation);
        item["exception"] = x.exception;
        excused.push_back(std::move(item));
      }
      json result = {{"result", o.result_index},
                     {"line", o.at.line},
                     {"resource", {{"kind", o.resource.kind}, {"namespace", o.resource.namespace_}, {"name", o.resource.name},
                                   {"source", o.resource.source}, {"document", o.resource.document}}},
                     {"policy", o.policy},
                     {"rule", o.rule},
                     {"expected", to_string(o.expected)},
                     {"got", to_string(o.got)},
                     {"met", o.met()},
                     {"findings", std::move(findings)},
                     {"excused", std::move(excused)}};
      if (!o.selection.empty()) result["selection"] = o.selection;
      results.push_back(std::move(result));
    }
    out["suites"].push_back({{"file", s.file}, {"name", s.name}, {"errors", s.errors}, {"warnings", s.warnings},
                             {"results", std::move(results)},
                             {"summary", {{"expectations", s.outcomes.size()}, {"met", s.met()}, {"missed", s.missed()}}}});
    total += s.outcomes.size();
    met += s.met();
    bad += !s.errors.empty();
  }
  out["summary"] = {{"suites", suites.size()}, {"expectations", total}, {"met", met}, {"missed", total - met},
                    {"badSuites", bad}};
  return out;
}

}  // namespace

int test_command(int argc, char** argv) {
  Flags flags("test",
              "  kindlyguard test DIR... [-o json]\n\n"
              "Runs policy test suites: every kindlyguard-test.yaml under each DIR (recursively, in name order), or "
              "each suite file named, its policies judged against its resources and compared with the results it "
              "expects.\nExit 0 when every expectation is met, 1 when one is missed, 2 when a suite is bad.",
              {{"output", "text or json", "text", false, false, 'o'}});
  if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;
  const std::string output = flags.get("output");
  if (output != "text" && output != "json") {
    std::cerr << "error: --output must be text or json, got \"" << output << "\"\n";
    return 2;
  }
  if (flags.positional().empty()) {
    std::cerr << "error: name at least one folder with kindlyguard-test.yaml files (see 'kindlyguard test --help')\n";
    return 2;
  }
  bool bad = false;
  std::vector<SuiteOutcome> suites;
  for (const auto& dir : flags.positional()) {
    auto files = find_test_suites(dir);
    if (!files.ok()) {
      std::cerr << "error: " << files.error().to_string() << "\n";
      bad = true;
      continue;
    }
    for (const auto& file : *files) suites.push_back(run_test_suite_file(file));
  }
  bool missed = false;
  for (const auto& s : suites) {
    for (const auto& w : s.warnings) std::cerr << "warning: " << w << "\n";
    for (const auto& e : s.errors) std::cerr << "error: " << e << "\n";
    bad |= !s.errors.empty();
    missed |= s.missed() > 0;
  }
  if (output == "json") std::cout << to_json(suites).dump(2) << "\n";
  else write_text(suites, std::cout);
  return bad ? 2 : missed ? 1 : 0;
}

}  // namespace kindlyguard::cli
