// The machine writers of `kindlyguard check` (SARIF, JUnit, GitHub workflow commands) on a report
// built by hand: a file and stdin, a known and an unknown position, pod- and container-level
// findings merged across policies, an excused finding, an object no policy matched, and strings
// made to break each format. The tests read the output back and assert its structure; the SARIF
// schema itself is checked against the real binary by tests/chart/sarif_test.mjs.
#include <algorithm>
#include <set>
#include <sstream>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/cli/check_writers.hpp"
#include "kindlyguard/policy/pss.hpp"

namespace kindlyguard::cli {
namespace {

using nlohmann::json;
using policy::Enforcement;
using policy::SourcePos;

// Every character a format must escape, a C0 control XML forbids, and a byte that is not UTF-8.
const std::string kHostile = "a \"quoted\" <b>&amp; 'it' 50%\r\nnext: line, comma\x01 bad\xff end";

Finding finding(std::string policy, std::string rule, Enforcement e, std::string container, std::string field,
                SourcePos pos, std::string what, std::string fix) {
  return {{std::move(policy), std::move(rule), e, std::move(container), std::move(field), what + ": " + fix},
          pos,
          std::move(what),
          std::move(fix)};
}

void group(ObjectReport& o, std::vector<std::size_t> which) {
  const Finding& first = o.findings[which.front()];
  FindingGroup g{first.violation.container, first.violation.field, first.pos, first.violation.enforcement, {}};
  g.findings = std::move(which);
  o.groups.push_back(std::move(g));
}

CheckReport sample_report() {
  CheckReport r;
  r.objects.reserve(8);  // groups point into each object's findings: no reallocation while building
  r.inputs = {{"deploy/app.yaml", 2, 2, 0}, {"<stdin>", 1, 1, 0}, {"empty.yaml", 0, 0, 0}};
  r.policies = {{"baseline-deny", Enforcement::Deny, 2, 1, 0},
                {"restricted-warn", Enforcement::Warn, 2, 0, 2},
                {"production-hardening", Enforcement::Deny, 1, 1, 0},
                {"audit-all", Enforcement::Audit, 1, 0, 0}};

  ObjectReport& web = r.objects.emplace_back();
  web.source = "deploy/app.yaml";
  web.pos = {3, 1};
  web.kind = "Deployment", web.namespace_ = "prod", web.name = "web";
  web.decision = "deny";
  web.matched_policies = {"baseline-deny", "restricted-warn", "production-hardening"};
  const std::string priv = "spec.template.spec.containers[0].securityContext.privileged";
  web.findings = {
      finding("baseline-deny", "pss/privileged", Enforcement::Deny, "app", priv, {20, 11},
              "violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set "
              "securityContext.privileged=true)",
              ""),
      finding("production-hardening", "privileged", Enforcement::Deny, "app", priv, {20, 11},
              "container \"app\" is privileged (full access to the node)", "set securityContext.privileged=false"),
      finding("restricted-warn", "pss/privileged", Enforcement::Warn, "app", priv, {20, 11},
              "violates PodSecurity \"restricted:latest\": privileged", ""),
      // pod-level, and at no known position: the object's position stands in
      finding("restricted-warn", "pss/runAsNonRoot", Enforcement::Warn, "",
              "spec.template.spec.securityContext.runAsNonRoot", {}, "runAsNonRoot != true",
              "set securityContext.runAsNonRoot=true"),
      finding("production-hardening", "hostNamespaces", Enforcement::Deny, "", "spec.template.spec.hostPID", {9, 7},
              "Deployment \"web\" shares the node's process namespace", "set hostPID=false or remove it"),
      // the same rule twice on one field: two results, two fingerprints
      finding("production-hardening", "images", Enforcement::Deny, "app", "spec.template.spec.containers[0].image",
              {18, 16}, "image from docker.io, not a trusted registry", "use an image from registry.example.com"),
      finding("production-hardening", "images", Enforcement::Deny, "app", "spec.template.spec.containers[0].image",
              {18, 16}, "image with no tag, which runs :latest", "pin a version tag or a digest"),
  };
  group(web, {0, 1, 2});
  group(web, {3});
  group(web, {4});
  group(web, {5, 6});
  web.excused.push_back({finding("production-hardening", "readOnlyRootFilesystem", Enforcement::Deny, "app",
                                 "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem", {21, 11},
                                 "container \"app\" has a writable root filesystem",
                                 "set securityContext.readOnlyRootFilesystem=true"),
                         "team-a/writable-cache"});

  ObjectReport& lonely = r.objects.emplace_back();
  lonely.source = "deploy/app.yaml";
  lonely.document = 1;
  lonely.pos = {40, 1};
  lonely.kind = "Pod", lonely.namespace_ = "other", lonely.name = "lonely";
  lonely.decision = "pass";

  ObjectReport& piped = r.objects.emplace_back();
  piped.source = "<stdin>";
  piped.kind = "Pod", piped.namespace_ = "default", piped.name = "piped" + kHostile;
  piped.namespace_defaulted = true;
  piped.decision = "warn";
  piped.matched_policies = {"restricted-warn", "audit-all"};
  piped.findings = {
      finding("restricted-warn", "pss/hostPorts", Enforcement::Warn, "c" + kHostile,
              "spec.containers[0].ports[0].hostPort", {}, kHostile, kHostile),
      finding("audit-all", "runAsUser", Enforcement::Audit, "c", "spec.containers[0].securityContext.runAsUser", {},
              "container \"c\" does not set runAsUser", "set securityContext.runAsUser >= 10000"),
  };
  group(piped, {0});
  group(piped, {1});

  r.warnings = {"SecurityPolicy \"prod-only\" matched no object", "two\nlines, 100% " + kHostile};
  r.summary = {3, 1, 1, 1, 0, 1, 9};
  return r;
}

WriterOptions options() {
  WriterOptions o;
  o.tool_version = "9.9.9";
  return o;
}

template <typename Write>
std::string write(Write w, const CheckReport& r) {
  std::ostringstream out;
  w(r, out, options());
  return out.str();
}

std::size_t total_findings(const CheckReport& r) {
  std::size_t n = 0;
  for (const auto& o : r.objects) n += o.findings.size() + o.excused.size();
  return n;
}

// ---------------------------------------------------------------- SARIF

json sarif(const CheckReport& r) { return json::parse(write(write_check_sarif, r)); }

// The SARIF result for `rule` of `policy` on the object named `name` (the first such).
const json& result_for(const json& log, const std::string& policy, const std::string& rule) {
  for (const auto& res : log["runs"][0]["results"])
    if (res["properties"]["policy"] == policy && res["ruleId"] == rule) return res;
  static const json none;
  ADD_FAILURE() << "no result for " << policy << "/" << rule;
  return none;
}

TEST(CheckSarif, OneRunWithTheDriverAndOneRulePerRuleId) {
  CheckReport r = sample_report();
  json log = sarif(r);
  EXPECT_EQ(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  EXPECT_EQ(log["version"], "2.1.0");
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& driver = log["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "kindlyguard");
  EXPECT_EQ(driver["version"], "9.9.9");
  EXPECT_EQ(driver["informationUri"], "https://github.com/kindlyguard/kindlyguard");

  std::set<std::string> expected, ids;
  for (const auto& o : r.objects) {
    for (const auto& f : o.findings) expected.insert(f.violation.rule);
    for (const auto& e : o.excused) expected.insert(e.finding.violation.rule);
  }
  for (const auto& rule : driver["rules"]) {
    EXPECT_TRUE(ids.insert(rule["id"].get<std::string>()).second) << "rule listed twice: " << rule["id"];
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty());
    EXPECT_TRUE(rule["defaultConfiguration"].contains("level"));
  }
  EXPECT_EQ(ids, expected);
}

TEST(CheckSarif, RuleLevelIsTheStrongestUse) {
  json log = sarif(sample_report());
  for (const auto& rule : log["runs"][0]["tool"]["driver"]["rules"]) {
    const std::string id = rule["id"], level = rule["defaultConfiguration"]["level"];
    if (id == "pss/privileged") {
      EXPECT_EQ(level, "error");  // used by a Deny and a Warn policy
      EXPECT_EQ(rule["helpUri"], "https://kubernetes.io/docs/concepts/security/pod-security-standards/");
    }
    if (id == "pss/runAsNonRoot") {
      EXPECT_EQ(level, "warning");
    }
    if (id == "runAsUser") {
      EXPECT_EQ(level, "note");
    }
  }
}

TEST(CheckSarif, OneResultPerFindingPointingAtItsRule) {
  CheckReport r = sample_report();
  json log = sarif(r);
  const json& run = log["runs"][0];
  ASSERT_EQ(run["results"].size(), total_findings(r));
  for (const auto& res : run["results"]) {
    const auto index = res["ruleIndex"].get<std::size_t>();
    ASSERT_LT(index, run["tool"]["driver"]["rules"].size());
    EXPECT_EQ(run["tool"]["driver"]["rules"][index]["id"], res["ruleId"]);
    EXPECT_FALSE(res["message"]["text"].get<std::string>().empty());
  }
  EXPECT_EQ(result_for(log, "baseline-deny", "pss/privileged")["level"], "error");
  EXPECT_EQ(result_for(log, "restricted-warn", "pss/privileged")["level"], "warning");
  EXPECT_EQ(result_for(log, "audit-all", "runAsUser")["level"], "note");
}

TEST(CheckSarif, LocationsHaveLineAndColumnWhenKnown) {
  json log = sarif(sample_report());
  const json& priv = result_for(log, "production-hardening", "privileged")["locations"][0];
  EXPECT_EQ(priv["physicalLocation"]["artifactLocation"]["uri"], "deploy/app.yaml");
  EXPECT_EQ(priv["physicalLocation"]["region"]["startLine"], 20);
  EXPECT_EQ(priv["physicalLocation"]["region"]["startColumn"], 11);
  EXPECT_EQ(priv["logicalLocations"][0]["fullyQualifiedName"], "Deployment/prod/web");
  EXPECT_EQ(priv["logicalLocations"][0]["kind"], "resource");
  EXPECT_EQ(priv["logicalLocations"][1]["name"], "spec.template.spec.containers[0].securityContext.privileged");

  // pod-level, position unknown: the object's line
  const json& pod = result_for(log, "restricted-warn", "pss/runAsNonRoot")["locations"][0];
  EXPECT_EQ(pod["physicalLocation"]["region"]["startLine"], 3);
  EXPECT_EQ(pod["logicalLocations"][1]["name"], "spec.template.spec.securityContext.runAsNonRoot");
}

TEST(CheckSarif, StdinHasAUriAndNoRegionWhenNothingIsKnown) {
  json log = sarif(sample_report());
  const json& loc = result_for(log, "audit-all", "runAsUser")["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "stdin");
  EXPECT_FALSE(loc.contains("region"));  // SARIF: startLine >= 1, so none rather than 0
}

TEST(CheckSarif, FixTextInTheMessageNeverAsAFixObject) {
  json log = sarif(sample_report());
  const json& res = result_for(log, "production-hardening", "privileged");
  EXPECT_FALSE(res.contains("fixes"));  // a SARIF fix needs artifactChanges: ours is prose
  EXPECT_EQ(res["properties"]["fix"], "set securityContext.privileged=false");
  EXPECT_NE(res["message"]["text"].get<std::string>().find("set securityContext.privileged=false"), std::string::npos);
  EXPECT_NE(res["message"]["text"].get<std::string>().find("production-hardening"), std::string::npos);
  EXPECT_NE(res["message"]["markdown"].get<std::string>().find("privileged=false"), std::string::npos);
  for (const auto& r : log["runs"][0]["results"]) EXPECT_FALSE(r.contains("fixes"));
}

TEST(CheckSarif, ExcusedFindingsAreSuppressedResults) {
  json log = sarif(sample_report());
  const json& res = result_for(log, "production-hardening", "readOnlyRootFilesystem");
  ASSERT_EQ(res["suppressions"].size(), 1u);
  EXPECT_EQ(res["suppressions"][0]["kind"], "external");
  EXPECT_EQ(res["suppressions"][0]["justification"], "SecurityPolicyException team-a/writable-cache");
  EXPECT_FALSE(result_for(log, "production-hardening", "privileged").contains("suppressions"));
}

TEST(CheckSarif, FingerprintsAreStableAndDistinct) {
  CheckReport r = sample_report();
  json a = sarif(r), b = sarif(r);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < a["runs"][0]["results"].size(); ++i) {
    const json& fp = a["runs"][0]["results"][i]["partialFingerprints"];
    ASSERT_EQ(fp.size(), 1u);
    EXPECT_EQ(fp, b["runs"][0]["results"][i]["partialFingerprints"]);
    EXPECT_TRUE(seen.insert(fp.begin().value().get<std::string>()).second) << fp;
  }
  // A message that changes wording keeps its fingerprint; another field does not.
  CheckReport reworded = sample_report();
  reworded.objects[0].findings[1].what = "reworded";
  const json& before = a["runs"][0]["results"][1]["partialFingerprints"];
  EXPECT_EQ(sarif(reworded)["runs"][0]["results"][1]["partialFingerprints"], before);
  CheckReport moved = sample_report();
  moved.objects[0].findings[1].violation.field = "spec.template.spec.containers[1].securityContext.privileged";
  EXPECT_NE(sarif(moved)["runs"][0]["results"][1]["partialFingerprints"], before);
}

TEST(CheckSarif, RunWarningsAndErrorsAreNotifications) {
  CheckReport r = sample_report();
  json inv = sarif(r)["runs"][0]["invocations"][0];
  EXPECT_EQ(inv["executionSuccessful"], true);
  ASSERT_EQ(inv["toolExecutionNotifications"].size(), 2u);
  EXPECT_EQ(inv["toolExecutionNotifications"][0]["level"], "warning");
  EXPECT_EQ(inv["toolExecutionNotifications"][0]["message"]["text"], "SecurityPolicy \"prod-only\" matched no object");

  r.errors = {"deploy/bad.yaml: document 0: a map key is a map or a list"};
  inv = sarif(r)["runs"][0]["invocations"][0];
  EXPECT_EQ(inv["executionSuccessful"], false);
  EXPECT_EQ(inv["toolExecutionNotifications"].back()["level"], "error");
}

TEST(CheckSarif, UrisAreUriReferences) {
  CheckReport r;
  r.objects.reserve(4);
  for (const char* source : {"./weird dir/a#1 100%.yaml", "/abs/x.yaml", "c:x.yaml"}) {
    ObjectReport& o = r.objects.emplace_back();
    o.source = source, o.kind = "Pod", o.namespace_ = "ns", o.name = "p";
    o.findings = {finding("p", "privileged", Enforcement::Deny, "c", "f", {1, 1}, "w", "")};
  }
  json log = sarif(r);
  auto uri = [&](int i) {
    return log["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
  };
  EXPECT_EQ(uri(0), "weird%20dir/a%231%20100%25.yaml");
  EXPECT_EQ(uri(1), "file:///abs/x.yaml");
  EXPECT_EQ(uri(2), "./c:x.yaml");  // "c:" alone would read as a URI scheme
}

TEST(CheckSarif, EveryPodSecurityStandardsCheckHasItsOwnDescription) {
  CheckReport r;
  ObjectReport& o = r.objects.emplace_back();
  o.source = "a.yaml", o.kind = "Pod", o.namespace_ = "ns", o.name = "p";
  for (const auto& id : policy::pss::check_ids())
    o.findings.push_back(finding("restricted", "pss/" + id, Enforcement::Deny, "", "spec", {}, "w", ""));
  json rules = sarif(r)["runs"][0]["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), policy::pss::check_ids().size());
  for (const auto& rule : rules)
    EXPECT_EQ(rule["shortDescription"]["text"].get<std::string>().rfind("Pod Security Standards check", 0),
              std::string::npos)
        << rule["id"] << " has no description in check_write_sarif.cpp's pss_summary";
}

TEST(CheckSarif, HostileStringsStayValidJson) {
  std::string text = write(write_check_sarif, sample_report());
  json log = json::parse(text);  // throws on invalid UTF-8 or a bad escape
  const json& res = result_for(log, "restricted-warn", "pss/hostPorts");
  const std::string what = res["message"]["text"];
  EXPECT_NE(what.find("50%\r\nnext"), std::string::npos);
  EXPECT_NE(what.find("\xEF\xBF\xBD"), std::string::npos);  // the bad byte, replaced
}

// ---------------------------------------------------------------- JUnit

namespace pt = boost::property_tree;

pt::ptree junit(const CheckReport& r) {
  std::istringstream in(write(write_check_junit, r));
  pt::ptree tree;
  pt::read_xml(in, tree);
  return tree;
}

std::size_t count_attr(const pt::ptree& node, const char* name) {
  return node.get<std::size_t>(std::string("<xmlattr>.") + name);
}

std::vector<const pt::ptree*> children(const pt::ptree& node, const std::string& tag) {
  std::vector<const pt::ptree*> out;
  for (const auto& [name, child] : node)
    if (name == tag) out.push_back(&child);
  return out;
}

const pt::ptree* testcase(const pt::ptree& root, const std::string& classname, const std::string& name) {
  for (auto* suite : children(root.get_child("testsuites"), "testsuite"))
    for (auto* tc : children(*suite, "testcase"))
      if (tc->get<std::string>("<xmlattr>.classname") == classname && tc->get<std::string>("<xmlattr>.name") == name)
        return tc;
  ADD_FAILURE() << "no testcase " << classname << " " << name;
  return nullptr;
}

TEST(CheckJunit, OneSuitePerInputAndCountsThatAddUp) {
  pt::ptree tree = junit(sample_report());
  const pt::ptree& root = tree.get_child("testsuites");
  std::vector<std::string> names;
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  for (auto* suite : children(root, "testsuite")) {
    names.push_back(suite->get<std::string>("<xmlattr>.name"));
    std::size_t t = 0, f = 0, e = 0, s = 0;
    for (auto* tc : children(*suite, "testcase")) {
      ++t;
      f += tc->count("failure"), e += tc->count("error"), s += tc->count("skipped");
    }
    EXPECT_EQ(count_attr(*suite, "tests"), t) << names.back();
    EXPECT_EQ(count_attr(*suite, "failures"), f) << names.back();
    EXPECT_EQ(count_attr(*suite, "errors"), e) << names.back();
    EXPECT_EQ(count_attr(*suite, "skipped"), s) << names.back();
    tests += t, failures += f, errors += e, skipped += s;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"deploy/app.yaml", "<stdin>", "empty.yaml", "kindlyguard"}));
  EXPECT_EQ(count_attr(root, "tests"), tests);
  EXPECT_EQ(count_attr(root, "failures"), failures);
  EXPECT_EQ(count_attr(root, "errors"), errors);
  EXPECT_EQ(count_attr(root, "skipped"), skipped);
  // web: 3 policies; lonely: "no policy matched"; piped: 2 policies; 2 run warnings
  EXPECT_EQ(tests, 8u);
  EXPECT_EQ(failures, 2u);  // web/baseline-deny, web/production-hardening
  EXPECT_EQ(skipped, 5u);   // web/restricted-warn, lonely, piped/restricted-warn, 2 warnings
}

TEST(CheckJunit, DenyIsAFailureListingEveryFinding) {
  pt::ptree tree = junit(sample_report());
  const pt::ptree* tc = testcase(tree, "Deployment/prod/web", "production-hardening");
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(tc->get<std::string>("<xmlattr>.file"), "deploy/app.yaml");
  EXPECT_EQ(tc->get<int>("<xmlattr>.line"), 3);
  ASSERT_EQ(tc->count("failure"), 1u);
  EXPECT_EQ(tc->get<std::string>("failure.<xmlattr>.message"),
            "container \"app\" is privileged (full access to the node)");
  EXPECT_EQ(tc->get<std::string>("failure.<xmlattr>.type"), "deny");
  const std::string body = tc->get<std::string>("failure");
  for (const char* part : {"deploy/app.yaml:20:11: spec.template.spec.containers[0].securityContext.privileged "
                           "[privileged]",
                           "fix: set securityContext.privileged=false",
                           "deploy/app.yaml:9:7: spec.template.spec.hostPID",
                           "image with no tag", "image from docker.io"})
    EXPECT_NE(body.find(part), std::string::npos) << part << "\nin:\n" << body;
  // the excused finding is told, and fails nothing
  EXPECT_NE(tc->get<std::string>("system-out").find("excused by SecurityPolicyException team-a/writable-cache"),
            std::string::npos);
}

TEST(CheckJunit, WarnIsSkippedWithItsText_AuditPasses_NoPolicyIsSkipped) {
  pt::ptree tree = junit(sample_report());
  const pt::ptree* warn = testcase(tree, "Deployment/prod/web", "restricted-warn");
  ASSERT_NE(warn, nullptr);
  EXPECT_EQ(warn->count("failure"), 0u);
  EXPECT_EQ(warn->get<std::string>("skipped.<xmlattr>.type"), "warn");
  EXPECT_NE(warn->get<std::string>("skipped").find("runAsNonRoot != true"), std::string::npos);

  const pt::ptree* lonely = testcase(tree, "Pod/other/lonely", "no policy matched");
  ASSERT_NE(lonely, nullptr);
  EXPECT_EQ(lonely->count("skipped"), 1u);

  const std::string piped = "Pod/default/piped" + kHostile;
  for (auto* suite : children(tree.get_child("testsuites"), "testsuite"))
    if (suite->get<std::string>("<xmlattr>.name") == "<stdin>")
      for (auto* tc : children(*suite, "testcase")) {
        EXPECT_FALSE(tc->get_optional<std::string>("<xmlattr>.file"));  // no file to link to
        if (tc->get<std::string>("<xmlattr>.name") == "audit-all") {
          EXPECT_EQ(tc->count("failure") + tc->count("skipped"), 0u);
          EXPECT_NE(tc->get<std::string>("system-out").find("does not set runAsUser"), std::string::npos);
        }
      }
}

TEST(CheckJunit, FailOnWarnMakesAWarningAFailure) {
  WriterOptions o = options();
  o.fail_on_warn = true;
  std::ostringstream out;
  write_check_junit(sample_report(), out, o);
  std::istringstream in(out.str());
  pt::ptree tree;
  pt::read_xml(in, tree);
  const pt::ptree* warn = testcase(tree, "Deployment/prod/web", "restricted-warn");
  ASSERT_NE(warn, nullptr);
  EXPECT_EQ(warn->count("skipped"), 0u);
  ASSERT_EQ(warn->count("failure"), 1u);
  EXPECT_EQ(warn->get<std::string>("failure.<xmlattr>.type"), "warn");
}

TEST(CheckJunit, RunWarningsAndErrors) {
  CheckReport r = sample_report();
  r.errors = {"deploy/bad.yaml: document 0: a map key is a map or a list"};
  pt::ptree tree = junit(r);
  const pt::ptree* err = testcase(tree, "kindlyguard", r.errors[0]);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->get<std::string>("error.<xmlattr>.message"), r.errors[0]);
  EXPECT_EQ(count_attr(tree.get_child("testsuites"), "errors"), 1u);
  EXPECT_NE(testcase(tree, "kindlyguard", "SecurityPolicy \"prod-only\" matched no object"), nullptr);
}

// What XML 1.0 can carry of `s`: the forbidden control dropped, the bad byte as U+FFFD.
std::string xml_version(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\x01'), s.end());
  auto bad = s.find('\xff');
  return s.replace(bad, 1, "\xEF\xBF\xBD");
}

TEST(CheckJunit, HostileStringsAreEscapedAndSurviveTheRoundTrip) {
  const std::string xml = write(write_check_junit, sample_report());
  for (unsigned char c : xml) EXPECT_TRUE(c >= 0x20 || c == '\n') << "raw control character " << int(c);
  EXPECT_EQ(xml.find('\xff'), std::string::npos);
  EXPECT_NE(xml.find("&#13;&#10;"), std::string::npos);  // line breaks kept in attributes

  pt::ptree tree = junit(sample_report());
  const pt::ptree* tc = testcase(tree, xml_version("Pod/default/piped" + kHostile), "restricted-warn");
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(tc->get<std::string>("skipped.<xmlattr>.message"), xml_version(kHostile));
  EXPECT_NE(tc->get<std::string>("skipped").find(xml_version(kHostile)), std::string::npos);
}

// ---------------------------------------------------------------- GitHub

struct Command {
  std::string name;                          // error, warning, notice
  std::map<std::string, std::string> props;  // escaped as written
  std::string message;                       // escaped as written
};

// "::name k=v,k=v::message": property values escape ':' and ',', so the first "::" after the
// name ends them.
std::vector<Command> commands(const std::string& text, std::string* last_line) {
  std::vector<Command> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    *last_line = line;
    if (line.rfind("::", 0) != 0) continue;
    Command c;
    const auto end = line.find("::", 2);
    std::string head = line.substr(2, end - 2);
    c.message = line.substr(end + 2);
    const auto space = head.find(' ');
    c.name = head.substr(0, space);
    if (space != std::string::npos) {
      std::istringstream props(head.substr(space + 1));
      std::string kv;
      while (std::getline(props, kv, ',')) c.props[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    out.push_back(std::move(c));
  }
  return out;
}

// @actions/core's escapes, undone (the runner's order: %3A %2C %0D %0A, then %25).
std::string unescape(std::string s) {
  for (auto [from, to] : {std::pair{"%3A", ":"}, {"%2C", ","}, {"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}})
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, 3, to);
  return s;
}

TEST(CheckGithub, OneAnnotationPerGroupOnItsLine) {
  CheckReport r = sample_report();
  std::string last;
  auto cmds = commands(write(write_check_github, r), &last);
  std::size_t groups = 0;
  for (const auto& o : r.objects) groups += o.groups.size();
  ASSERT_EQ(cmds.size(), groups + r.warnings.size());

  const Command& priv = cmds[0];  // the merged privileged group
  EXPECT_EQ(priv.name, "error");
  EXPECT_EQ(priv.props.at("file"), "deploy/app.yaml");
  EXPECT_EQ(priv.props.at("line"), "20");
  EXPECT_EQ(priv.props.at("col"), "11");
  EXPECT_EQ(unescape(priv.props.at("title")),
            "baseline-deny, production-hardening, restricted-warn (pss/privileged, privileged)");
  const std::string message = unescape(priv.message);
  EXPECT_NE(message.find("Fix: set securityContext.privileged=false"), std::string::npos) << message;
  EXPECT_NE(message.find("restricted-warn (warn, pss/privileged)"), std::string::npos) << message;

  EXPECT_EQ(cmds[1].name, "warning");          // pod-level, warn only
  EXPECT_EQ(cmds[1].props.at("line"), "3");    // position unknown: the object's
  EXPECT_EQ(cmds[5].name, "notice");           // audit
  EXPECT_EQ(last.rfind("kindlyguard: 3 objects judged: 1 denied", 0), 0u) << last;
}

TEST(CheckGithub, StdinAnnotationsNameNoFile) {
  std::string last;
  auto cmds = commands(write(write_check_github, sample_report()), &last);
  EXPECT_EQ(cmds[4].props.count("file"), 0u);
  EXPECT_EQ(cmds[4].props.count("line"), 0u);
  EXPECT_EQ(cmds[4].props.count("title"), 1u);
}

TEST(CheckGithub, EscapedAsTheToolkitDoes) {
  const std::string text = write(write_check_github, sample_report());
  std::string last;
  auto cmds = commands(text, &last);
  std::size_t lines = std::count(text.begin(), text.end(), '\n');
  EXPECT_EQ(lines, cmds.size() + 1);  // nothing from the input broke a line
  EXPECT_EQ(text.find('\r'), std::string::npos);
  const Command& hostile = cmds[4];
  EXPECT_EQ(hostile.name, "warning");
  EXPECT_NE(hostile.message.find("next: line, comma"), std::string::npos);  // ':' and ',' stay in messages...
  EXPECT_EQ(unescape(hostile.message).rfind(kHostile, 0), 0u);
  EXPECT_NE(hostile.message.find("50%25%0D%0Anext"), std::string::npos);
  for (const auto& [k, v] : hostile.props) {  // ...but not in properties
    EXPECT_EQ(v.find(':'), std::string::npos) << k;
    EXPECT_EQ(v.find(','), std::string::npos) << k;
  }
  const Command& warning = cmds.back();
  EXPECT_TRUE(warning.props.empty());
  EXPECT_EQ(unescape(warning.message), "two\nlines, 100% " + kHostile);
}

TEST(CheckGithub, PropertiesEscapeColonsAndCommas) {
  CheckReport r;
  ObjectReport& o = r.objects.emplace_back();
  o.source = "./we,ird:dir/100%.yaml", o.kind = "Pod", o.namespace_ = "ns", o.name = "p";
  o.findings = {finding("p:1,2", "privileged", Enforcement::Deny, "c", "f", {2, 3}, "w", "")};
  group(o, {0});
  std::string last;
  auto cmds = commands(write(write_check_github, r), &last);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].props.at("file"), "we%2Cird%3Adir/100%25.yaml");
  EXPECT_EQ(cmds[0].props.at("line"), "2");
  EXPECT_EQ(unescape(cmds[0].props.at("title")), "p:1,2 (privileged)");
}

}  // namespace
}  // namespace kindlyguard::cli
