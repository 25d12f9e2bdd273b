// `check -o junit`: JUnit XML for the test tabs of CI systems (GitLab's unit test report, Jenkins'
// JUnit plugin, GitHub test-report actions). The shape is the common denominator they all read:
//
//   <testsuites>              the run: totals of everything below
//     <testsuite name=PATH>   one per input, in the order given ("<stdin>" for -f -)
//       <testcase classname="Kind/namespace/name" name=POLICY file=PATH line=L>
//                             one per object and policy that matched it
//         <failure>           the policy denies it: message = its first finding, the body lists
//                             every finding as PATH:LINE:COL: field [rule], what, fix
//         <skipped>           the policy warns (see below)
//         <system-out>        audit findings and excused findings: the testcase passes
//       <testcase name="no policy matched"><skipped/>  an object no policy selected
//     <testsuite name="kindlyguard">  the run's own warnings (skipped) and errors (error), if any
//
// Warn findings are <skipped> with the findings as its text, not a passing testcase with
// <system-out>: GitLab shows the text of failure, error and skipped elements only, so a warning
// in <system-out> of a passed test would be in the file and never on screen. Skipped also keeps
// them from failing the job, as warnings do not fail `check` (unless --fail-on=warn).
//
// XML 1.0 cannot carry every string an input can hold: text that is not UTF-8 is written with
// U+FFFD, and the characters XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE,
// U+FFFF) are dropped. Attributes keep their tabs and line breaks as character references.
#include <algorithm>
#include <map>
#include <string_view>

#include <nlohmann/json.hpp>

#include "check_write_common.hpp"
#include "kindlyguard/cli/check_writers.hpp"

namespace kindlyguard::cli {
namespace {

using policy::Enforcement;

// Well-formed UTF-8 with every character XML 1.0 allows. Malformed bytes are rare (names and
// messages come from YAML the decoder checked; paths may not), and nlohmann's serializer already
// replaces them with U+FFFD exactly: a round trip through it avoids one more UTF-8 decoder here.
std::string xml_chars(std::string_view s) {
  std::string text(s);
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    text = nlohmann::json::parse(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
               .get<std::string>();
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    // U+FFFE and U+FFFF: EF BF BE, EF BF BF.
    if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xBE) {
      i += 2;
      continue;
    }
    out += text[i];
  }
  return out;
}

std::string escape(std::string_view s, bool attribute) {
  std::string out;
  for (char c : xml_chars(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      // A parser turns a raw CR into LF, and in attributes every raw tab or line break into a space.
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out += c;
    }
  }
  return out;
}
std::string attr(std::string_view s) { return escape(s, true); }
std::string text(std::string_view s) { return escape(s, false); }

std::string describe(const ObjectReport& o, const Finding& f) {
  const auto& v = f.violation;
  std::string out = detail::location(o.source, f.pos.known() ? f.pos : o.pos) + ": " + v.field + " [" + v.rule +
                    "]\n  " + f.what + "\n";
  if (!f.fix.empty()) out += "  fix: " + f.fix + "\n";
  return out;
}

struct Case {
  std::string policy;
  std::vector<const Finding*> findings;
  std::vector<const ExcusedFinding*> excused;
};

// The object's testcases: one per matched policy, in the order the report gives, with any policy
// that reported without being listed as matched added after them (never dropped).
std::vector<Case> cases_of(const ObjectReport& o) {
  std::vector<Case> cases;
  auto of = [&](const std::string& policy) -> Case& {
    for (auto& c : cases)
      if (c.policy == policy) return c;
    return cases.emplace_back(Case{policy, {}, {}});
  };
  for (const auto& p : o.matched_policies) of(p);
  for (const auto& f : o.findings) of(f.violation.policy).findings.push_back(&f);
  for (const auto& e : o.excused) of(e.finding.violation.policy).excused.push_back(&e);
  return cases;
}

struct Counts {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  Counts& operator+=(const Counts& c) {
    tests += c.tests, failures += c.failures, errors += c.errors, skipped += c.skipped;
    return *this;
  }
  std::string attributes() const {
    return " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
           std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\" time=\"0\"";
  }
};

class SuiteWriter {
 public:
  void object(const ObjectReport& o) {
    std::string open = "    <testcase classname=\"" + attr(object_name(o)) + "\"";
    if (o.source != "<stdin>") open += " file=\"" + attr(o.source) + "\"";
    if (o.pos.known()) open += " line=\"" + std::to_string(o.pos.line) + "\"";
    const auto cases = cases_of(o);
    if (cases.empty()) {
      ++counts_.tests, ++counts_.skipped;
      body_ += open + " name=\"no policy matched\" time=\"0\">\n      <skipped message=\"" +
               attr("no policy matched " + object_name(o)) + "\"/>\n    </testcase>\n";
    }
    for (const auto& c : cases) testcase(o, open + " name=\"" + attr(c.policy) + "\" time=\"0\">\n", c);
  }

  // A run-level problem: a warning is skipped, an error is an error.
  void notice(const std::string& message, bool error) {
    ++counts_.tests, ++(error ? counts_.errors : counts_.skipped);
    body_ += "    <testcase classname=\"kindlyguard\" name=\"" + attr(message) + "\" time=\"0\">\n      <" +
             (error ? "error" : "skipped") + " message=\"" + attr(message) + "\"/>\n    </testcase>\n";
  }

  const Counts& counts() const { return counts_; }
  std::string suite(const std::string& name) const {
    return "  <testsuite name=\"" + attr(name) + "\"" + counts_.attributes() + ">\n" + body_ + "  </testsuite>\n";
  }

 private:
  static std::string object_name(const ObjectReport& o) {
    return o.kind + "/" + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
  }

  void testcase(const ObjectReport& o, const std::string& open, const Case& c) {
    ++counts_.tests;
    body_ += open;
    std::string out;  // <system-out>: what does not fail or skip the testcase
    Enforcement level = Enforcement::Audit;
    for (const Finding* f : c.findings)
      level = std::min(level, f->violation.enforcement);  // Enforcement is ordered strongest first
    std::string listed;
    for (const Finding* f : c.findings) listed += describe(o, *f);
    if (!c.findings.empty() && level != Enforcement::Audit) {
      const bool fail = level == Enforcement::Deny || (fail_on_warn && level == Enforcement::Warn);
      ++(fail ? counts_.failures : counts_.skipped);
      const std::string tag = fail ? "failure" : "skipped";
      body_ += "      <" + tag + " message=\"" + attr(c.findings.front()->what) + "\" type=\"" +
               detail::lower(level) + "\">" + text(listed) + "</" + tag + ">\n";
    } else if (!c.findings.empty()) {
      out += "audit (recorded, not enforced):\n" + listed;
    }
    for (const ExcusedFinding* e : c.excused)
      out += "excused by SecurityPolicyException " + e->exception + ": " + describe(o, e->finding);
    if (!out.empty()) body_ += "      <system-out>" + text(out) + "</system-out>\n";
    body_ += "    </testcase>\n";
  }

  Counts counts_;
  std::string body_;

 public:
  bool fail_on_warn = false;  // --fail-on=warn: a warning fails the job, so it fails its testcase
};

}  // namespace

void write_check_junit(const CheckReport& report, std::ostream& out, const WriterOptions& options) {
  // Suites in the order of report.inputs, then any source only the objects name.
  std::vector<std::string> sources;
  std::map<std::string, SuiteWriter> suites;
  auto suite = [&](const std::string& source) -> SuiteWriter& {
    auto [it, added] = suites.try_emplace(source);
    if (added) sources.push_back(source);
    it->second.fail_on_warn = options.fail_on_warn;
    return it->second;
  };
  for (const auto& input : report.inputs) suite(input.source);
  for (const auto& o : report.objects) suite(o.source).object(o);

  SuiteWriter run;
  for (const auto& e : report.errors) run.notice(e, true);
  for (const auto& w : report.warnings) run.notice(w, false);

  Counts total;
  std::string body;
  for (const auto& source : sources) {
    total += suites[source].counts();
    body += suites[source].suite(source);
  }
  if (run.counts().tests > 0) {
    total += run.counts();
    body += run.suite("kindlyguard");
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"kindlyguard check\"" << total.attributes() << ">\n"
      << body << "</testsuites>\n";
}

}  // namespace kindlyguard::cli
