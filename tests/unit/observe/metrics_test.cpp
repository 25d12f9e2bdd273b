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
  policy::Request odd;  // a kind whose bytes would run into the next value under a naive join
  odd.kind = std::string("Pod\0denied", 10);
  policy::Decision denied;
  denied.allowed = false;
  denied.violations = {violation("ab", "c", policy::Enforcement::Deny), violation("a", "bc", policy::Enforcement::Deny),
                       violation("ab", "c", policy::Enforcement::Warn)};
  policy::Decision allowed;
  for (int i = 0; i < 3; ++i) m.on_decision(pod, denied, std::chrono::microseconds(5));
  m.on_decision(pod, allowed, std::chrono::microseconds(5));
  m.on_decision(odd, allowed, std::chrono::microseconds(5));
  policy::Request dry = pod;
  dry.dry_run = true;
  m.on_decision(dry, denied, std::chrono::microseconds(5));  // counted as a request, not as violations

  auto c = counters(m);
  const auto& req = c["kindly_security_admission_requests_total"];
  EXPECT_EQ(req.at("decision=denied|kind=Pod|operation=CREATE|"), 4);
  EXPECT_EQ(req.at("decision=allowed|kind=Pod|operation=CREATE|"), 1);
  EXPECT_EQ(req.at("decision=allowed|kind=" + std::string("Pod\0denied", 10) + "|operation=CREATE|"), 1);
  EXPECT_EQ(req.size(), 3u);
  const auto& vio = c["kindly_security_violations_total"];
  EXPECT_EQ(vio.at("enforcement=Deny|policy=ab|rule=c|"), 3);
  EXPECT_EQ(vio.at("enforcement=Deny|policy=a|rule=bc|"), 3);
  EXPECT_EQ(vio.at("enforcement=Warn|policy=ab|rule=c|"), 3);
  EXPECT_EQ(vio.size(), 3u);
}

}  // namespace
}  // namespace kindlyguard::observe
