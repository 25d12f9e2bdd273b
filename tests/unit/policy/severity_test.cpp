// Severities (issue 18): every rule and Pod Security Standards check has the one README's
// "Severities" table gives it, and a finding that gives root on the node is critical.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "kindlyguard/policy/rules.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::policy {
namespace {

using nlohmann::json;

// README's table: rule id -> severity word, from the rows "| critical | `a`, `b` | `pss/c` |".
// Qualified entries ("`hostPath` of a node-root path") name a raised finding, not the rule's own.
std::map<std::string, std::string> readme_table() {
  std::ifstream in(std::string(KINDLY_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const auto start = readme.find("## Severities");
  EXPECT_NE(start, std::string::npos) << "README has no \"## Severities\" section";
  const auto end = readme.find("\n## ", start + 1);
  std::istringstream section(readme.substr(start, end - start));
  std::map<std::string, std::string> out;
  const std::regex row(R"(^\| (critical|high|medium|low) \|(.*)$)");
  const std::regex entry(R"(`([A-Za-z_/]+)`( of a node-root path)?)");
  for (std::string line; std::getline(section, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    const std::string level = m[1], cells = m[2];
    for (auto it = std::sregex_iterator(cells.begin(), cells.end(), entry); it != std::sregex_iterator(); ++it) {
      if ((*it)[2].matched) continue;
      EXPECT_TRUE(out.emplace((*it)[1], level).second) << (*it)[1] << " is in the table twice";
    }
  }
  return out;
}

TEST(Severity, EveryRuleAndCheckHasTheSeverityReadmeGivesIt) {
  auto table = readme_table();
  std::size_t checked = 0;
  for (const auto& r : rule_registry()) {
    const std::string id(r.id);
    ASSERT_TRUE(table.count(id)) << "README's Severities table lacks rule " << id;
    EXPECT_EQ(table[id], to_string(r.severity)) << id;
    EXPECT_EQ(rule_severity(id), r.severity) << id;
    table.erase(id);
    ++checked;
  }
  for (const auto& c : pss::checks()) {
    const std::string id = "pss/" + c.id;
    ASSERT_TRUE(table.count(id)) << "README's Severities table lacks check " << id;
    EXPECT_EQ(table[id], to_string(c.severity)) << id;
    EXPECT_EQ(rule_severity(id), c.severity) << id;
    table.erase(id);
    ++checked;
  }
  EXPECT_GE(checked, 30u);
  for (const auto& [id, level] : table) ADD_FAILURE() << "README's table names " << id << ", which is no rule or check";
}

TEST(Severity, WordsRoundTripAndNothingElseParses) {
  for (Severity s : {Severity::Critical, Severity::High, Severity::Medium, Severity::Low})
    EXPECT_EQ(parse_severity(to_string(s)), s);
  EXPECT_FALSE(parse_severity("Critical"));
  EXPECT_FALSE(parse_severity("info"));
  EXPECT_FALSE(parse_severity(""));
  EXPECT_LT(Severity::Critical, Severity::Low);  // strongest first: std::min is the more severe
}

std::vector<Violation> judge_yaml(const std::string& spec, const json& pod) {
  auto parsed = parse_policies("apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\nspec: " +
                                   spec + "\n",
                               "p.yaml");
  EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
  auto view = PodView::from_object(pod);
  EXPECT_TRUE(view.ok());
  return judge(parsed.policies.at(0), *view);
}

json with_host_path(const std::string& path) {
  json pod = testing::compliant_pod();
  pod["spec"]["volumes"] = json::array({{{"name", "h"}, {"hostPath", {{"path", path}}}}});
  return pod;
}

TEST(Severity, HostPathsThatGiveRootOnTheNodeAreCriticalInTheRuleAndInPss) {
  for (const std::string path : {"/var/run/docker.sock", "/run/containerd/containerd.sock", "/run//containerd/",
                                 "/proc", "/", "/var/run/crio/crio.sock"}) {
    SCOPED_TRACE(path);
    for (const std::string spec : {"{rules: {hostPath: {allowed: true}}}", "{podSecurityStandard: {level: baseline}}"}) {
      auto v = judge_yaml(spec, with_host_path(path));
      ASSERT_EQ(v.size(), 1u) << spec;
      EXPECT_EQ(v[0].severity, Severity::Critical) << spec;
    }
  }
  auto rule = judge_yaml("{rules: {hostPath: {allowed: false}}}", with_host_path("/var/log"));
  ASSERT_EQ(rule.size(), 1u);
  EXPECT_EQ(rule[0].severity, Severity::High);
  auto pss = judge_yaml("{podSecurityStandard: {level: baseline}}", with_host_path("/var/log"));
  ASSERT_EQ(pss.size(), 1u);
  EXPECT_EQ(pss[0].severity, Severity::High);
}

TEST(Severity, ViolationsCarryTheirRulesSeverity) {
  json pod = testing::privileged_pod();
  pod["spec"]["containers"][0].erase("resources");
  auto v = judge_yaml("{rules: {privileged: false, resources: {requireLimits: [memory]}}}", pod);
  std::map<std::string, Severity> by_rule;
  for (const auto& x : v) by_rule[x.rule] = x.severity;
  EXPECT_EQ(by_rule.at("privileged"), Severity::Critical);
  EXPECT_EQ(by_rule.at("resources"), Severity::Low);
}

}  // namespace
}  // namespace kindlyguard::policy
