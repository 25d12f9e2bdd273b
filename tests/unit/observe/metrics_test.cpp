// The admission counters are looked up through a cache of prometheus-cpp children: each label set
// must still count on its own child, however its values split into bytes.
#include <gtest/gtest.h>

#include <map>
#include <prometheus/metric_family.h>

#include "kindlyguard/observe/metrics.hpp"

namespace kindlyguard::observe {
namespace {

// family name -> (label values joined by '|') -> counter value
std::map<std::string, std::map<std::string, double>> counters(const Metrics& m) {
  std::map<std::string, std::map<std::string, double>> out;
  for (const auto& family : m.registry()->Collect())
    for (const auto& metric : family.metric) {
      std::string key;
      for (const auto& l : metric.label) key += l.name + "=" + l.value + "|";
      out[family.name][key] = metric.counter.value;
    }
  return out;
}

policy::Violation violation(std::string policy, std::string rule, policy::Enforcement e) {
  policy::Violation v;
  v.policy = std::move(policy);
  v.rule = std::move(rule);
  v.enforcement = e;
  return v;
}

TEST(Metrics, EveryLabelSetCountsOnItsOwnCounter) {
  Metrics m;
  policy::Request pod;
  pod.kind = "Pod";
  policy::Request job;
  job.kind = "Job";
  policy::Decision denied;
  denied.allowed = false;
  denied.violations = {violation("ab", "c", policy::Enforcement::Deny), violation("a", "bc", policy::Enforcement::Deny),
                       violation("ab", "c", policy::Enforcement::Warn)};
  policy::Decision allowed;
  for (int i = 0; i < 3; ++i) m.on_decision(pod, denied, std::chrono::microseconds(5));
  m.on_decision(pod, allowed, std::chrono::microseconds(5));
  m.on_decision(job, allowed, std::chrono::microseconds(5));
  policy::Request dry = pod;
  dry.dry_run = true;
  m.on_decision(dry, denied, std::chrono::microseconds(5));  // counted as a request, not as violations

  auto c = counters(m);
  const auto& req = c["kindly_security_admission_requests_total"];
  EXPECT_EQ(req.at("decision=denied|kind=Pod|operation=CREATE|"), 4);
  EXPECT_EQ(req.at("decision=allowed|kind=Pod|operation=CREATE|"), 1);
  EXPECT_EQ(req.at("decision=allowed|kind=Job|operation=CREATE|"), 1);
  EXPECT_EQ(req.size(), 3u);
  const auto& vio = c["kindly_security_violations_total"];
  EXPECT_EQ(vio.at("enforcement=Deny|policy=ab|rule=c|"), 3);
  EXPECT_EQ(vio.at("enforcement=Deny|policy=a|rule=bc|"), 3);
  EXPECT_EQ(vio.at("enforcement=Warn|policy=ab|rule=c|"), 3);
  EXPECT_EQ(vio.size(), 3u);
}

// Issue 14 item 8: the kind label was copied from the review, so every forged kind added a
// series that is never removed (3,000 unique kinds: +1.1 MiB on /metrics). Now it is one of the
// judged kinds or "other".
TEST(Metrics, UniqueForgedKindsShareOneOtherSeries) {
  Metrics m;
  policy::Decision allowed;
  for (int i = 0; i < 3000; ++i) {
    policy::Request forged;
    forged.kind = "Forged" + std::to_string(i) + std::string(200, 'x');
    m.on_decision(forged, allowed, std::chrono::microseconds(5));
  }
  policy::Request odd;  // bytes that would run into the next value under a naive join
  odd.kind = std::string("Pod\0denied", 10);
  m.on_decision(odd, allowed, std::chrono::microseconds(5));
  policy::Request lower;  // kinds are case-sensitive: "pod" is not a kind the webhook judges
  lower.kind = "pod";
  m.on_decision(lower, allowed, std::chrono::microseconds(5));

  auto c = counters(m);
  const auto& req = c["kindly_security_admission_requests_total"];
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req.at("decision=allowed|kind=other|operation=CREATE|"), 3002);
}

TEST(Metrics, EveryJudgedKindKeepsItsOwnLabel) {
  EXPECT_EQ(kind_label("Pod"), "Pod");
  for (const char* k : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
                        "PodTemplate"})
    EXPECT_EQ(kind_label(k), k);
  EXPECT_EQ(kind_label(""), "other");
  EXPECT_EQ(kind_label("Secret"), "other");
}

// A review answered 503 because no policy set is loaded counts as decision "error", and the
// degraded gauge follows the policy files.
TEST(Metrics, UnjudgedReviewsAndTheDegradedGauge) {
  Metrics m;
  policy::Request r;
  r.kind = "Forged";
  r.operation = policy::Operation::Update;
  m.on_unjudged(r, "no policy set loaded");
  auto c = counters(m);
  EXPECT_EQ(c["kindly_security_admission_requests_total"].at("decision=error|kind=other|operation=UPDATE|"), 1);

  auto gauge = [&m] {
    for (const auto& family : m.registry()->Collect())
      if (family.name == "kindly_security_policy_set_degraded") return family.metric.at(0).gauge.value;
    return -1.0;
  };
  EXPECT_EQ(gauge(), 0);
  m.set_policy_set_degraded(true);
  EXPECT_EQ(gauge(), 1);
  m.set_policy_set_degraded(false);
  EXPECT_EQ(gauge(), 0);
}

}  // namespace
}  // namespace kindlyguard::observe
