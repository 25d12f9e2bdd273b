// What admins read, from the real binary against the test API server: the background audit's
// PolicyReports and SecurityPolicy status as pods are added, fixed and deleted; no report churn
// when nothing changed; the compliance ratio on /metrics; PolicyViolation Events aggregated into a
// series and never for a dry run; and the audit's cost over 10,000 pods.
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

// events.k8s.io/v1 (the test server's "events" is core/v1).
const char* kEvents = "events.events.k8s.io";

json running(json pod) {
  pod["status"] = {{"phase", "Running"}};
  return pod;
}

json deny_privileged() {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicy"},
          {"metadata", {{"name", "no-privileged"}}},
          {"spec", {{"enforcement", "Deny"}, {"rules", {{"privileged", false}}}}}};
}

class BackgroundAudit : public ClusterTest {
 protected:
  BackgroundAudit() : ClusterTest({.namespaces = {"kindlyguard", "shop"}}) {}

  std::unique_ptr<WebhookProcess> start(std::vector<std::string> extra = {}) {
    return serve(concat({{"--leader-election-namespace", "kindlyguard", "--audit-interval", "1s"}, extra}));
  }

  static std::size_t count_lines(const std::string& log, const std::string& msg) {
    std::size_t n = 0, pos = 0;
    const std::string needle = "\"msg\":\"" + msg + "\"";
    while ((pos = log.find(needle, pos)) != std::string::npos) ++n, ++pos;
    return n;
  }

  // The Ready condition of a SecurityPolicy's status, or null.
  static json ready_condition(const json& status) {
    for (const auto& c : status.value("conditions", json::array()))
      if (c.value("type", "") == "Ready") return c;
    return nullptr;
  }

  static json result_for(const json& report, const std::string& pod, const std::string& rule) {
    for (const auto& r : report["results"])
      if (r["resources"][0]["name"] == pod && r["rule"] == rule) return r;
    return json::object();
  }
};

TEST_F(BackgroundAudit, ReportsAndStatusFollowPodsAddedFixedAndDeleted) {
  api->store().create("securitypolicies", deny_privileged());
  api->store().create("pods", running(privileged_pod("bad", "shop")));
  api->store().create("pods", running(compliant_pod("good", "shop")));
  api->store().create("pods", [] { json p = running(privileged_pod("done", "shop")); p["status"]["phase"] = "Succeeded"; return p; }());
  auto hook = start();

  auto report = api->store().wait_for_object("policyreports", "shop", "kindlyguard",
                                             [](const json& r) { return r["summary"].value("fail", 0) == 1; }, 30s);
  ASSERT_TRUE(report) << hook->process().stderr_text();
  EXPECT_EQ((*report)["summary"]["pass"], 1);  // good passes the one rule; done is not running
  EXPECT_EQ((*report)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kindlyguard");
  json bad = result_for(*report, "bad", "privileged");
  EXPECT_EQ(bad["result"], "fail");
  EXPECT_EQ(bad["policy"], "no-privileged");
  EXPECT_EQ(bad["severity"], "critical");  // privileged's severity (README "Severities"), whatever the enforcement
  EXPECT_THAT(bad.value("message", ""), HasSubstr("privileged"));
  EXPECT_EQ(result_for(*report, "good", "privileged")["result"], "pass");
  EXPECT_TRUE(result_for(*report, "done", "privileged").empty());

  // Two writers: the audit patches violations and lastAuditTime, the status controller writes the
  // Ready condition; either may land first. Wait for both, then check neither undid the other.
  auto status = api->store().wait_for_object("securitypolicies", "", "no-privileged", [](const json& p) {
    return p.contains("status") && p["status"].value("violations", -1) == 1 && ready_condition(p["status"]).is_object();
  }, 30s);
  ASSERT_TRUE(status) << api->store().get("securitypolicies", "", "no-privileged")->dump() << hook->process().stderr_text();
  EXPECT_TRUE((*status)["status"].contains("lastAuditTime"));
  EXPECT_EQ(ready_condition((*status)["status"])["status"], "True");

  // No churn: later audits (the interval is 1s) leave the report and the status as they are.
  const std::string rv = (*report)["metadata"]["resourceVersion"];
  const std::string status_rv = (*status)["metadata"]["resourceVersion"];
  const auto audits = count_lines(hook->process().stderr_text(), "background audit");
  ASSERT_TRUE(eventually([&] { return count_lines(hook->process().stderr_text(), "background audit") >= audits + 2; }, 30s));
  EXPECT_EQ((*api->store().get("policyreports", "shop", "kindlyguard"))["metadata"]["resourceVersion"], rv);
  EXPECT_EQ((*api->store().get("securitypolicies", "", "no-privileged"))["metadata"]["resourceVersion"], status_rv);

  // Fixed.
  auto fixed = *api->store().get("pods", "shop", "bad");
  fixed["spec"]["containers"][0]["securityContext"]["privileged"] = false;
  api->store().update("pods", fixed);
  report = api->store().wait_for_object("policyreports", "shop", "kindlyguard",
                                        [](const json& r) { return r["summary"].value("fail", -1) == 0; }, 30s);
  ASSERT_TRUE(report);
  EXPECT_EQ((*report)["summary"]["pass"], 2);
  EXPECT_TRUE(api->store().wait_for_object("securitypolicies", "", "no-privileged",
                                           [](const json& p) { return p["status"].value("violations", -1) == 0; }, 30s));
  // The compliance ratio on /metrics.
  EXPECT_TRUE(eventually([&] {
    auto m = server::request("GET", "http://127.0.0.1:" + std::to_string(hook->metrics_port()) + "/metrics");
    return m.ok() && m->body.find("kindly_security_compliance_ratio 1") != std::string::npos;
  }, 30s));

  // Deleted: a namespace with no judged pods has no report.
  api->store().remove("pods", "shop", "bad");
  api->store().remove("pods", "shop", "good");
  EXPECT_TRUE(api->store().wait_for_absent("policyreports", "shop", "kindlyguard", 30s));
}

// Issue 21: --report-format=openreports writes openreports.io/v1alpha1 Reports instead, with the
// same results, the same no-churn rule and the same clean-up, and no PolicyReport at all.
TEST_F(BackgroundAudit, OpenReportsFormatWritesReportsWithTheSameRules) {
  api->store().create("securitypolicies", deny_privileged());
  api->store().create("pods", running(privileged_pod("bad", "shop")));
  api->store().create("pods", running(compliant_pod("good", "shop")));
  auto hook = start({"--report-format", "openreports"});

  auto report = api->store().wait_for_object("reports", "shop", "kindlyguard",
                                             [](const json& r) { return r["summary"].value("fail", 0) == 1; }, 30s);
  ASSERT_TRUE(report) << hook->process().stderr_text();
  EXPECT_EQ((*report)["apiVersion"], "openreports.io/v1alpha1");
  EXPECT_EQ((*report)["kind"], "Report");
  EXPECT_EQ((*report)["source"], "kindlyguard");
  EXPECT_EQ((*report)["summary"]["pass"], 1);
  json bad = result_for(*report, "bad", "privileged");
  EXPECT_EQ(bad["result"], "fail");
  EXPECT_EQ(bad["severity"], "critical");
  EXPECT_EQ(bad["source"], "kindlyguard");

  const std::string rv = (*report)["metadata"]["resourceVersion"];
  const auto audits = count_lines(hook->process().stderr_text(), "background audit");
  ASSERT_TRUE(eventually([&] { return count_lines(hook->process().stderr_text(), "background audit") >= audits + 2; }, 30s));
  EXPECT_EQ((*api->store().get("reports", "shop", "kindlyguard"))["metadata"]["resourceVersion"], rv);  // no churn
  EXPECT_FALSE(api->store().get("policyreports", "shop", "kindlyguard"));

  api->store().remove("pods", "shop", "bad");
  api->store().remove("pods", "shop", "good");
  EXPECT_TRUE(api->store().wait_for_absent("reports", "shop", "kindlyguard", 30s));
}

TEST(BackgroundAuditFlags, AnUnknownReportFormatIsRefusedAtStart) {
  TempDir d;
  ASSERT_EQ(run_binary({"certs", "self-signed", "--out-dir", d.file("tls")}).exit_code, 0);
  auto bad = run_binary({"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--tls-cert-file",
                         d.file("tls/tls.crt"), "--tls-key-file", d.file("tls/tls.key"), "--report-format", "yaml"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--report-format"));
  EXPECT_THAT(bad.err, HasSubstr("yaml\\\" is not a report format: use policyreport or openreports"));  // in a JSON log line
}

// Issue 21: every audit patched each policy's status, the write came back as a MODIFIED event,
// the policy set counted it as a change and the audit ran again: back to back for ever, two status
// PATCHes per round, on an idle cluster. Now only a change of spec starts an audit and the status
// is written only when it says something new. Once the first audit has settled, a quiet window
// sees no write at all (Lease renewals aside) and no more audits than the interval implies.
TEST_F(BackgroundAudit, AQuietClusterIsAuditedOnlyByTheIntervalAndCostsNoWrites) {
  api->store().create("securitypolicies", deny_privileged());
  api->store().create("securitypolicies",
                      {{"apiVersion", "kindlyguard.io/v1alpha1"},
                       {"kind", "SecurityPolicy"},
                       {"metadata", {{"name", "restricted"}}},
                       {"spec", {{"enforcement", "Warn"}, {"podSecurityStandard", {{"level", "restricted"}}}}}});
  api->store().create("pods", running(privileged_pod("bad", "shop")));
  api->store().create("pods", running(compliant_pod("good", "shop")));
  // The loop ran about once a second (an audit 2 s after each status write); with the interval at
  // 10 s it stands out in a 15 s window: at least 5 audits against at most 3.
  constexpr auto kInterval = 10s;
  auto hook = start({"--audit-interval", "10s"});

  // Settled: the report is there and both policies carry the audit's count and the Ready condition
  // (the last writes there are to be: two writers, either may land first).
  ASSERT_TRUE(api->store().wait_for_object("policyreports", "shop", "kindlyguard", nullptr, 30s)) << hook->process().stderr_text();
  for (const char* policy : {"no-privileged", "restricted"})
    ASSERT_TRUE(api->store().wait_for_object("securitypolicies", "", policy, [](const json& p) {
      return p.contains("status") && p["status"].contains("violations") && ready_condition(p["status"]).is_object();
    }, 30s)) << policy << "\n" << hook->process().stderr_text();

  // The request log records a request once it has been answered, a little after its write shows
  // in the store: let it catch up with the writes that made the state above before the window opens.
  ASSERT_TRUE(api->requests().wait_for({.verb = "create", .resource = "policyreports", .code = 201}, 1, 30s));
  ASSERT_TRUE(api->requests().wait_for({.verb = "patch", .resource = "securitypolicies/status", .code = 200}, 2, 30s));
  ASSERT_TRUE(api->requests().wait_for({.verb = "update", .resource = "securitypolicies/status", .code = 200}, 2, 30s));

  auto is_write = [](const kindly::testapi::RequestRecord& r) {
    static const std::set<std::string> writes = {"create", "update", "patch", "delete", "deletecollection"};
    // Lease renewals are leader election's own heartbeat, not the audit's.
    return writes.count(r.info.verb) && r.info.resource != "leases";
  };
  auto writes_after = [&](std::uint64_t seq) {
    std::vector<std::string> out;
    for (const auto& r : api->requests().all())
      if (r.seq > seq && is_write(r)) out.push_back(r.method + " " + r.path + " " + r.body.substr(0, 200));
    return out;
  };
  std::uint64_t seq0 = 0;
  for (const auto& r : api->requests().all()) seq0 = std::max(seq0, r.seq);
  const auto audits0 = count_lines(hook->process().stderr_text(), "background audit");
  const auto t0 = std::chrono::steady_clock::now();

  // The quiet window. Not a wait for something to happen: what is measured is how much happens in
  // a given time, so it is observed for its whole length; the bounds below hold however the
  // interval's ticks fall in it.
  std::this_thread::sleep_for(15s);
  // At least one audit ran in it, so "no writes" is not the silence of an audit that stopped.
  ASSERT_TRUE(eventually([&] { return count_lines(hook->process().stderr_text(), "background audit") > audits0; }, 30s))
      << hook->process().stderr_text();
  const auto audits = count_lines(hook->process().stderr_text(), "background audit") - audits0;
  const auto elapsed = std::chrono::steady_clock::now() - t0;

  const auto writes = writes_after(seq0);
  EXPECT_TRUE(writes.empty()) << writes.size() << " writes in a quiet window, the first: " << writes.front() << "\n"
                              << hook->process().stderr_text();
  // Audit i of the window starts at the interval's tick i (ticks are kInterval apart) or is the one
  // that was running when the window opened.
  const auto bound = 2 + static_cast<std::size_t>(elapsed / kInterval);
  EXPECT_LE(audits, bound) << "audits in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                           << " ms with a 10 s interval";
  std::cout << "[ measured ] quiet window of " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
            << " ms: " << audits << " audits, " << writes.size() << " writes (Lease renewals aside)\n";
}

TEST_F(BackgroundAudit, ReportsAreBoundedButTheSummaryIsComplete) {
  api->store().create("securitypolicies", deny_privileged());
  for (int i = 0; i < 30; ++i) api->store().create("pods", running(privileged_pod("p" + std::to_string(i), "shop")));
  auto hook = start({"--report-max-results", "10"});
  auto report = api->store().wait_for_object("policyreports", "shop", "kindlyguard",
                                             [](const json& r) { return r["summary"].value("fail", 0) == 30; }, 30s);
  ASSERT_TRUE(report) << hook->process().stderr_text();
  EXPECT_EQ((*report)["results"].size(), 10u);
}

TEST_F(BackgroundAudit, ViolationEventsAggregateAndSkipDryRuns) {
  api->store().create("securitypolicies", deny_privileged());
  auto hook = start();
  ASSERT_TRUE(eventually([&] {
    auto r = hook->review(review_json(privileged_pod("x", "shop").dump()));
    return r.ok() && r->body.find("\"allowed\":false") != std::string::npos;
  }, 30s));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(hook->review(review_json(privileged_pod("x", "shop").dump())).ok());
  // SecurityPolicies are cluster-scoped: their Events live in "default".
  bool aggregated = api->store().wait_for(
      [&](const kindly::testapi::StoreView& view) {
        for (const auto& e : view.list(kEvents, "default"))
          if (e.value("reason", "") == "PolicyViolation" && e.contains("series") && e["series"].value("count", 0) >= 4)
            return true;
        return false;
      },
      30s);
  ASSERT_TRUE(aggregated);
  std::size_t violation_events = 0;
  json event;
  for (const auto& e : api->store().list(kEvents, "default"))
    if (e.value("reason", "") == "PolicyViolation") ++violation_events, event = e;
  EXPECT_EQ(violation_events, 1u);
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["regarding"]["kind"], "SecurityPolicy");
  EXPECT_EQ(event["regarding"]["name"], "no-privileged");
  EXPECT_THAT(event.value("note", ""), HasSubstr("Pod shop/x"));
  EXPECT_THAT(event.value("note", ""), HasSubstr("privileged"));

  // A dry run leaves nothing behind.
  auto dry = hook->review(review_json(privileged_pod("y", "shop").dump(), "CREATE", "dry-uid", "alice", "", true));
  ASSERT_TRUE(dry.ok());
  EXPECT_THAT(dry->body, HasSubstr("\"allowed\":false"));
  // Flush: a further real request's Event is written after the dry run would have been.
  ASSERT_TRUE(hook->review(review_json(privileged_pod("z", "shop").dump())).ok());
  ASSERT_TRUE(eventually([&] {
    for (const auto& e : api->store().list(kEvents, "default"))
      if (e.value("note", "").find("shop/z") != std::string::npos) return true;
    return false;
  }, 30s));
  for (const auto& e : api->store().list(kEvents, "default")) EXPECT_EQ(e.value("note", "").find("shop/y"), std::string::npos);
}

// Many pods in many namespaces: every running pod judged once by each policy, one report per
// namespace with the complete counts. What it costs at scale (time, memory, writes, up to 100,000
// pods) is measured by the cluster-scale bench (`make bench`, bench/RESULTS.md), not here.
TEST_F(BackgroundAudit, EveryPodOfAFewThousandInManyNamespacesIsJudgedAndReported) {
  api->store().create("securitypolicies", deny_privileged());
  json restricted = {{"apiVersion", "kindlyguard.io/v1alpha1"},
                     {"kind", "SecurityPolicy"},
                     {"metadata", {{"name", "restricted"}}},
                     {"spec", {{"enforcement", "Warn"}, {"podSecurityStandard", {{"level", "restricted"}, {"version", "latest"}}}}}};
  api->store().create("securitypolicies", restricted);
  constexpr int kNamespaces = 20, kPods = 2000;
  for (int n = 0; n < kNamespaces; ++n)
    api->store().create("namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ns" + std::to_string(n)}}}});
  for (int i = 0; i < kPods; ++i) {
    const std::string ns = "ns" + std::to_string(i % kNamespaces);
    const bool privileged = i / kNamespaces % 10 == 0;  // a tenth of each namespace
    api->store().create("pods", running(privileged ? privileged_pod("p" + std::to_string(i), ns) : compliant_pod("p" + std::to_string(i), ns)));
  }
  auto hook = start({"--audit-interval", "1h"});
  ASSERT_TRUE(eventually([&] { return count_lines(hook->process().stderr_text(), "background audit") >= 1; }, 120s))
      << hook->process().stderr_text();
  const std::string log = hook->process().stderr_text();
  const auto at = log.find("\"msg\":\"background audit\"");
  const auto line_start = log.rfind('\n', at) + 1;
  json line = json::parse(log.substr(line_start, log.find('\n', at) - line_start));
  EXPECT_EQ(line.value("judged", ""), std::to_string(kPods));
  EXPECT_EQ(line.value("compliant", ""), std::to_string(kPods - kPods / 10));
  for (int n = 0; n < kNamespaces; ++n) {
    auto report = api->store().wait_for_object("policyreports", "ns" + std::to_string(n), "kindlyguard", nullptr, 60s);
    ASSERT_TRUE(report) << "ns" << n;
    // Per namespace: 100 pods, 10 privileged; no-privileged fails those 10 and passes the other 90.
    EXPECT_EQ((*report)["summary"]["fail"], kPods / kNamespaces / 10) << "ns" << n;
  }
  EXPECT_TRUE(api->store().wait_for_object("securitypolicies", "", "no-privileged", [&](const json& p) {
    return p.contains("status") && p["status"].value("violations", -1) == kPods / 10;
  }, 60s)) << api->store().get("securitypolicies", "", "no-privileged")->dump();
}

}  // namespace
}  // namespace kindlyguard::testing
