#include "kindlyguard/controller/background_audit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/controller/violation_events.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::controller {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using nlohmann::json;
using testing::compliant_pod;
using testing::privileged_pod;

policy::SecurityPolicy parse(const std::string& yaml) {
  auto parsed = policy::parse_policies(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
  return parsed.policies.at(0);
}

const char* kDenyPrivileged = "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: no-priv}\n"
                              "spec: {enforcement: Deny, rules: {privileged: false, hostPorts: false}}\n";
const char* kWarnRestricted = "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: restricted}\n"
                              "spec: {enforcement: Warn, podSecurityStandard: {level: restricted}}\n";

std::vector<std::shared_ptr<const json>> pods(std::vector<json> list) {
  std::vector<std::shared_ptr<const json>> out;
  for (auto& p : list) out.push_back(std::make_shared<const json>(std::move(p)));
  return out;
}

TEST(RuleIds, ConfiguredRulesAndThePssChecksOfTheLevel) {
  EXPECT_EQ(policy::rule_ids(parse(kDenyPrivileged)), (std::vector<std::string>{"privileged", "hostPorts"}));
  auto ids = policy::rule_ids(parse(kWarnRestricted));
  EXPECT_THAT(ids, Contains("pss/privileged"));             // baseline checks are part of restricted
  EXPECT_THAT(ids, Contains("pss/runAsNonRoot"));
  EXPECT_THAT(ids, Contains("pss/capabilities_restricted"));
  EXPECT_THAT(ids, ::testing::Not(Contains("pss/capabilities_baseline")));  // replaced by the restricted one
}

TEST(AuditPods, FailWarnPassCountsAndQuarantineRequests) {
  policy::PolicySet set;
  set.policies = {parse(kDenyPrivileged), parse(kWarnRestricted)};
  set.policies[0].quarantine_on_violation = true;
  json done = privileged_pod("done", "shop");
  done["status"] = {{"phase", "Succeeded"}};
  auto outcome = policy::audit_pods(set, pods({privileged_pod("bad", "shop"), compliant_pod("good", "shop"), done}),
                                    policy::name_only_namespace_labels());
  EXPECT_EQ(outcome.pods_judged, 2u);
  EXPECT_EQ(outcome.pods_compliant, 1u);
  EXPECT_EQ(outcome.violating_pods["no-priv"], 1u);
  EXPECT_EQ(outcome.violating_pods["restricted"], 1u);
  EXPECT_EQ(outcome.to_quarantine, (std::map<std::string, std::string>{{"shop/bad", "no-priv"}}));
  const auto& shop = outcome.namespaces.at("shop");
  EXPECT_EQ(shop.pods, 2u);
  EXPECT_EQ(shop.fail, 1u);  // bad: privileged (Deny)
  EXPECT_GE(shop.warn, 1u);  // bad: pss/privileged (Warn)
  EXPECT_EQ(shop.results.front().outcome, policy::AuditResult::Outcome::Fail);  // flagged first
}

// Issue 18: onViolation.quarantine {minSeverity} quarantines only for violations that severe: the
// pod mounting the runtime's socket at once, the one without a memory limit only reported.
TEST(AuditPods, QuarantineOnlyForViolationsAtTheMinimumSeverity) {
  auto with_threshold = [](const std::string& quarantine) {
    return parse("apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: hard}\n"
                 "spec: {rules: {hostPath: {allowed: true}, resources: {requireLimits: [memory]}},\n"
                 "       onViolation: {quarantine: " + quarantine + "}}\n");
  };
  json socket = compliant_pod("socket", "shop");
  socket["spec"]["volumes"] = json::array({{{"name", "s"}, {"hostPath", {{"path", "/run//containerd/containerd.sock"}}}}});
  socket["spec"]["containers"][0]["resources"] = {{"limits", {{"memory", "64Mi"}}}};
  json no_limit = compliant_pod("no-limit", "shop");
  no_limit["spec"]["containers"][0].erase("resources");
  json logs = compliant_pod("logs", "shop");  // a host path, allowed: no violation at all
  logs["spec"]["volumes"] = json::array({{{"name", "l"}, {"hostPath", {{"path", "/var/log"}}}}});
  logs["spec"]["containers"][0]["resources"] = {{"limits", {{"memory", "64Mi"}}}};
  const auto all = pods({socket, no_limit, logs});

  policy::PolicySet set;
  set.policies = {with_threshold("{minSeverity: critical}")};
  auto outcome = policy::audit_pods(set, all, policy::name_only_namespace_labels());
  EXPECT_EQ(outcome.violating_pods["hard"], 2u);
  EXPECT_EQ(outcome.to_quarantine, (std::map<std::string, std::string>{{"shop/socket", "hard"}}));

  set.policies = {with_threshold("{minSeverity: low}")};
  outcome = policy::audit_pods(set, all, policy::name_only_namespace_labels());
  EXPECT_EQ(outcome.to_quarantine,
            (std::map<std::string, std::string>{{"shop/no-limit", "hard"}, {"shop/socket", "hard"}}));
  set.policies = {with_threshold("true")};  // true: any violation, as before severities
  EXPECT_EQ(policy::audit_pods(set, all, policy::name_only_namespace_labels()).to_quarantine, outcome.to_quarantine);

  // The report's results carry the severity: the rule's, raised to critical for the socket.
  const auto audited = policy::audit_pods(set, all, policy::name_only_namespace_labels());
  const auto& shop = audited.namespaces.at("shop");
  std::map<std::string, policy::Severity> by_pod_rule;
  for (const auto& r : shop.results) by_pod_rule[r.pod + "/" + r.rule] = r.severity;
  EXPECT_EQ(by_pod_rule["socket/hostPath"], policy::Severity::Critical);
  EXPECT_EQ(by_pod_rule["logs/hostPath"], policy::Severity::High);  // a pass: the rule's own
  EXPECT_EQ(by_pod_rule["no-limit/resources"], policy::Severity::Low);
}

TEST(AuditPods, ResultsAreCappedAndCountsStayComplete) {
  policy::PolicySet set;
  set.policies = {parse(kDenyPrivileged)};
  std::vector<json> many;
  for (int i = 0; i < 50; ++i) many.push_back(privileged_pod("p" + std::to_string(i), "shop"));
  many.push_back(compliant_pod("ok", "shop"));
  policy::AuditOptions o;
  o.max_results = 20;
  auto outcome = policy::audit_pods(set, pods(many), policy::name_only_namespace_labels(), o);
  const auto& shop = outcome.namespaces.at("shop");
  EXPECT_EQ(shop.results.size(), 20u);
  EXPECT_EQ(shop.fail, 50u);
  EXPECT_EQ(shop.pass, 52u);  // 50 x hostPorts + 2 rules of ok
  for (const auto& r : shop.results) EXPECT_EQ(r.outcome, policy::AuditResult::Outcome::Fail);
}

TEST(AuditPods, PoliciesWithoutBackgroundAuditAreLeftOut) {
  policy::PolicySet set;
  set.policies = {parse(kDenyPrivileged)};
  set.policies[0].audit_background = false;
  auto outcome = policy::audit_pods(set, pods({privileged_pod("bad", "shop")}), policy::name_only_namespace_labels());
  EXPECT_TRUE(outcome.namespaces.empty());
  EXPECT_TRUE(outcome.violating_pods.empty());
}

TEST(PolicyReport, ShapeSummaryAndTimestampsOfUnchangedResultsKept) {
  policy::PolicySet set;
  set.policies = {parse(kDenyPrivileged)};
  auto outcome = policy::audit_pods(set, pods({privileged_pod("bad", "shop"), compliant_pod("good", "shop")}),
                                    policy::name_only_namespace_labels());
  json first = policy_report("shop", outcome.namespaces.at("shop"), json(), 1000);
  EXPECT_EQ(first["apiVersion"], "wgpolicyk8s.io/v1alpha2");
  EXPECT_EQ(first["kind"], "PolicyReport");
  EXPECT_EQ(first["metadata"]["namespace"], "shop");
  EXPECT_EQ(first["summary"], (json{{"pass", 3}, {"fail", 1}, {"warn", 0}, {"error", 0}, {"skip", 0}}));
  const json& r0 = first["results"][0];
  EXPECT_EQ(r0["result"], "fail");
  EXPECT_EQ(r0["resources"][0]["kind"], "Pod");
  EXPECT_EQ(r0["timestamp"]["seconds"], 1000);

  json again = policy_report("shop", outcome.namespaces.at("shop"), first, 2000);
  EXPECT_EQ(again, first);  // nothing changed: same timestamps, no write needed
  EXPECT_TRUE(same_report_content(first, again));

  auto fixed = policy::audit_pods(set, pods({compliant_pod("bad", "shop"), compliant_pod("good", "shop")}),
                                  policy::name_only_namespace_labels());
  json later = policy_report("shop", fixed.namespaces.at("shop"), first, 3000);
  EXPECT_FALSE(same_report_content(first, later));
}

TEST(ViolationEvents, OnePerPolicyNamingUserObjectAndRulesNeverForDryRun) {
  policy::PolicySet set;
  set.policies = {parse(kDenyPrivileged)};
  set.policies[0].uid = "uid-1";
  policy::Request req;
  req.kind = "Deployment";
  req.namespace_ = "shop";
  req.name = "web";
  req.username = "alice";
  policy::Decision d;
  d.allowed = false;
  d.violations = {{"no-priv", "privileged", policy::Enforcement::Deny, "app", "spec.x", "m"},
                  {"no-priv", "hostPorts", policy::Enforcement::Deny, "app", "spec.y", "m"}};
  auto events = PolicyViolationEvents::events_for(req, d, set);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "PolicyViolation");
  EXPECT_EQ(events[0].type, EventType::Warning);
  EXPECT_EQ(events[0].regarding.kind, "SecurityPolicy");
  EXPECT_EQ(events[0].regarding.uid, "uid-1");
  EXPECT_THAT(events[0].note, HasSubstr("Denied create of Deployment shop/web by alice"));
  EXPECT_THAT(events[0].note, HasSubstr("hostPorts, privileged"));
  req.dry_run = true;
  EXPECT_TRUE(PolicyViolationEvents::events_for(req, d, set).empty());
}

// The audit writes a policy's status only when it says something new: with it patched on every
// audit, each write came back as a watch event and an idle cluster saw a stream of writes (issue 21).
TEST(StatusWriteDue, OnlyWhenTheCountTheObjectOrTheRefreshPeriodSaySo) {
  using namespace std::chrono_literals;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string at = "2026-12-02T09:00:00Z";
  const json ours = {{"violations", 2}, {"lastAuditTime", at}};
  const AuditStatusWrite last{"uid-1", 4, 2, at, t0};
  auto due = [&](const json& cached, std::size_t violations, const std::string& uid, std::int64_t generation,
                 std::chrono::steady_clock::duration later) {
    return status_write_due(cached, violations, uid, generation, last, t0 + later, 1h);
  };

  // First audit of this process: written once.
  EXPECT_TRUE(status_write_due(ours, 2, "uid-1", 4, std::nullopt, t0, 1h));
  // Nothing new: no write, audit after audit, whether the cache has caught up with our write or not.
  EXPECT_FALSE(due(ours, 2, "uid-1", 4, 1s));
  EXPECT_FALSE(due(ours, 2, "uid-1", 4, 59min));
  EXPECT_FALSE(due(json::object(), 2, "uid-1", 4, 1s));
  EXPECT_FALSE(due({{"violations", 5}, {"lastAuditTime", "2026-12-02T08:59:59Z"}}, 2, "uid-1", 4, 1s));
  EXPECT_FALSE(due(json(), 2, "uid-1", 4, 1s));
  // The count changed; the spec changed (lastAuditTime then says the new one was audited); the
  // policy was deleted and created again.
  EXPECT_TRUE(due(ours, 3, "uid-1", 4, 1s));
  EXPECT_TRUE(due(ours, 2, "uid-1", 5, 1s));
  EXPECT_TRUE(due(ours, 2, "uid-2", 4, 1s));
  // Someone wrote another count after ours (a replica that led meanwhile, a person): ours goes back.
  EXPECT_TRUE(due({{"violations", 7}, {"lastAuditTime", "2026-12-02T09:05:00Z"}}, 2, "uid-1", 4, 1s));
  EXPECT_TRUE(due({{"violations", 7}, {"lastAuditTime", at}}, 2, "uid-1", 4, 1s));
  EXPECT_TRUE(due({{"lastAuditTime", at}}, 2, "uid-1", 4, 1s));
  // The refresh period: lastAuditTime still shows the audit is alive.
  EXPECT_TRUE(due(ours, 2, "uid-1", 4, 1h));
}

}  // namespace
}  // namespace kindlyguard::controller
