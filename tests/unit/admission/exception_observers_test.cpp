// What the observers make of excused violations: the audit line's `exempted` (no object contents,
// the same bytes nlohmann would write) and kindly_security_exceptions_used_total, bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/metric_family.h>

#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/observe/metrics.hpp"

namespace kindlyguard::observe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

policy::ExcusedViolation excused(std::string exception, std::string rule, std::string container = "node-exporter") {
  policy::ExcusedViolation x;
  x.violation.policy = "baseline-deny";
  x.violation.rule = std::move(rule);
  x.violation.enforcement = policy::Enforcement::Deny;
  x.violation.container = std::move(container);
  x.violation.field = "spec.template.spec.hostPID";
  x.violation.message = "secret-looking message TOKEN=abc";  // never written to the audit line
  x.exception = std::move(exception);
  return x;
}

policy::Request daemonset_request() {
  policy::Request r;
  r.uid = "u1";
  r.kind = "DaemonSet";
  r.namespace_ = "monitoring";
  r.name = "node-exporter";
  r.username = "argo";
  return r;
}

TEST(AuditLineExempted, ListsEachExcusedRuleWithItsExceptionAndKeepsKeyOrder) {
  policy::Decision d;
  d.judged = true;
  d.matched_policies = {"baseline-deny"};
  d.excused = {excused("monitoring/node-exporter", "pss/hostNamespaces", ""),
               excused("monitoring/node-exporter", "pss/hostPorts")};
  const std::string line = AuditLog::format(daemonset_request(), d, std::chrono::microseconds(3));
  json parsed = json::parse(line);
  EXPECT_EQ(parsed.dump(-1, ' ', false, json::error_handler_t::replace), line);
  ASSERT_EQ(parsed["exempted"].size(), 2u);
  EXPECT_EQ(parsed["exempted"][1], json({{"policy", "baseline-deny"},
                                          {"rule", "pss/hostPorts"},
                                          {"container", "node-exporter"},
                                          {"field", "spec.template.spec.hostPID"},
                                          {"exception", "monitoring/node-exporter"}}));
  EXPECT_EQ(parsed["decision"], "allowed");
  EXPECT_THAT(line, Not(HasSubstr("TOKEN")));
  EXPECT_FALSE(parsed.contains("exceptionApprovedBy"));
}

TEST(AuditLineExempted, AbsentWhenNothingWasExcused) {
  policy::Decision d;
  d.judged = true;
  EXPECT_THAT(AuditLog::format(daemonset_request(), d, std::chrono::microseconds(3)), Not(HasSubstr("exempted")));
}

double used(const Metrics& m, const std::string& exception) {
  for (const auto& family : m.registry()->Collect())
    if (family.name == "kindly_security_exceptions_used_total")
      for (const auto& metric : family.metric)
        for (const auto& l : metric.label)
          if (l.name == "exception" && l.value == exception) return metric.counter.value;
  return -1;
}

TEST(ExceptionMetrics, CountsOncePerReviewAndExceptionDryRunsExcluded) {
  Metrics m;
  policy::Decision d;
  d.judged = true;
  d.excused = {excused("monitoring/node-exporter", "pss/hostNamespaces"), excused("monitoring/node-exporter", "pss/hostPorts"),
               excused("kube-system/cni", "pss/privileged")};
  auto r = daemonset_request();
  m.on_decision(r, d, std::chrono::microseconds(1));
  m.on_decision(r, d, std::chrono::microseconds(1));
  r.dry_run = true;
  m.on_decision(r, d, std::chrono::microseconds(1));
  EXPECT_EQ(used(m, "monitoring/node-exporter"), 2);
  EXPECT_EQ(used(m, "kube-system/cni"), 2);
}

TEST(ExceptionMetrics, DistinctLabelValuesAreCapped) {
  Metrics m;
  auto r = daemonset_request();
  for (std::size_t i = 0; i < Metrics::kMaxExceptionLabels + 5; ++i) {
    policy::Decision d;
    d.excused = {excused("ns/e" + std::to_string(i), "pss/hostPorts")};
    m.on_decision(r, d, std::chrono::microseconds(1));
  }
  EXPECT_EQ(used(m, "ns/e0"), 1);
  EXPECT_EQ(used(m, "ns/e" + std::to_string(Metrics::kMaxExceptionLabels - 1)), 1);
  EXPECT_EQ(used(m, "ns/e" + std::to_string(Metrics::kMaxExceptionLabels)), -1);
  EXPECT_EQ(used(m, "other"), 5);
  // A value seen before the cap keeps its own series.
  policy::Decision d;
  d.excused = {excused("ns/e0", "pss/hostPorts")};
  m.on_decision(r, d, std::chrono::microseconds(1));
  EXPECT_EQ(used(m, "ns/e0"), 2);
}

}  // namespace
}  // namespace kindlyguard::observe
