// The QuarantineRecord and its Secret from what was captured (quarantine_record.hpp): names, the
// byte bound and what each cut says, retention, and kindlyguard.io/quarantine-until's two forms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/controller/quarantine_record.hpp"
#include "kindlyguard/k8s/quarantine_until.hpp"
#include "kindlyguard/util/base64.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

EvidenceInput input() {
  EvidenceInput in;
  in.pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
            {"metadata", {{"name", "web-1"}, {"namespace", "shop"}, {"uid", "u-1"}, {"labels", {{"app", "web"}}}}},
            {"spec", {{"nodeName", "n1"}, {"containers", json::array({{{"name", "app"}, {"image", "nginx"}}})}}}};
  in.captured_at = "2026-12-08T01:15:00Z";
  return in;
}

std::size_t data_bytes(const json& secret) {
  std::size_t n = 0;
  for (const auto& [k, v] : secret["data"].items()) n += k.size() + base64_decode(v.get<std::string>())->size();
  return n;
}

TEST(QuarantineEvidence, NamesFollowThePodAndTheTime) {
  EXPECT_EQ(record_name("web-1", "2026-12-08T01:15:00Z"), "web-1-20261208-011500");
  EXPECT_EQ(evidence_secret_name("web-1-20261208-011500"), "web-1-20261208-011500-evidence");
  const std::string long_name(253, 'a');
  EXPECT_LE(evidence_secret_name(record_name(long_name, "2026-12-08T01:15:00Z")).size(), 253u);
}

TEST(QuarantineEvidence, EverythingFitsWhole) {
  EvidenceInput in = input();
  in.logs.push_back({"app", false, "hello\n", "", ""});
  in.logs.push_back({"app", true, "", "previous terminated container \"app\" not found", ""});
  Evidence ev = build_evidence({}, "kindlyguard", "web-1-20261208-011500", in);
  EXPECT_EQ(ev.record["metadata"]["namespace"], "kindlyguard");
  EXPECT_EQ(ev.record["status"]["state"], "Capturing");
  EXPECT_EQ(ev.record["spec"]["pod"]["ref"], "shop/web-1");
  EXPECT_FALSE(ev.record["spec"]["evidence"]["truncated"].get<bool>());
  EXPECT_EQ(ev.record["spec"]["evidence"]["bytes"], data_bytes(ev.secret));
  EXPECT_EQ(*base64_decode(ev.secret["data"]["log.app.current"].get<std::string>()), "hello\n");
  // What could not be captured is said, not dropped.
  EXPECT_THAT(ev.record["spec"]["evidence"]["errors"][0].get<std::string>(), HasSubstr("log of container app (previous)"));
}

TEST(QuarantineEvidence, TheBoundHoldsAndEveryCutIsSaid) {
  EvidenceInput in = input();
  std::string big;
  for (int i = 0; big.size() < 200000; ++i) big += "line " + std::to_string(i) + "\n";
  in.logs.push_back({"app", false, big, "", ""});
  in.logs.push_back({"app", true, big, "", "only the newest 100 lines were fetched"});
  in.logs.push_back({"side", false, "tick\n", "", ""});
  for (int i = 0; i < 80; ++i)
    in.events.push_back({{"metadata", {{"name", "e" + std::to_string(i)}}}, {"lastTimestamp", "2026-12-08T00:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i % 60) + "Z"}, {"message", std::string(200, 'x')}});
  ForensicsConfig c;
  c.max_bytes = 64 * 1024;
  c.log_bytes = 40 * 1024;
  c.events = 50;
  Evidence ev = build_evidence(c, "kindlyguard", "r", in);
  EXPECT_LE(data_bytes(ev.secret), 64u * 1024);
  const json& e = ev.record["spec"]["evidence"];
  EXPECT_TRUE(e["truncated"].get<bool>());
  std::map<std::string, json> parts;
  for (const auto& p : e["parts"]) parts[p["key"]] = p;
  EXPECT_FALSE(parts["log.side.current"].contains("cut"));
  EXPECT_THAT(parts["events.json"].value("cut", ""), HasSubstr("dropped the 30 oldest of 80 Events"));
  EXPECT_THAT(parts["log.app.current"].value("cut", ""), HasSubstr("kept the last"));
  EXPECT_THAT(parts["log.app.previous"].value("cut", ""), HasSubstr("only the newest 100 lines were fetched"));
  // The newest bytes are the ones kept.
  const std::string kept = *base64_decode(ev.secret["data"]["log.app.current"].get<std::string>());
  EXPECT_EQ(kept, big.substr(big.size() - kept.size()));
}

TEST(QuarantineEvidence, RetentionCountsFromTheEnd) {
  json r = {{"status", {{"state", "Quarantined"}, {"endedAt", "2026-12-08T00:00:00Z"}}}};
  EXPECT_FALSE(retention_deadline(r, std::chrono::seconds(60)));  // still quarantined: kept
  r["status"]["state"] = "Released";
  EXPECT_EQ(retention_deadline(r, std::chrono::seconds(60)), *parse_k8s_time("2026-12-08T00:01:00Z"));
  r["status"].erase("endedAt");
  EXPECT_FALSE(retention_deadline(r, std::chrono::seconds(60)));
}

TEST(QuarantineUntil, TimeOrDurationFromTheStart) {
  const std::time_t since = *parse_k8s_time("2026-12-08T00:00:00Z");
  EXPECT_EQ(k8s::quarantine_deadline("2026-12-09T08:00:00Z", since), *parse_k8s_time("2026-12-09T08:00:00Z"));
  EXPECT_EQ(k8s::quarantine_deadline("90m", since), since + 5400);
  EXPECT_EQ(k8s::quarantine_deadline("1h30m", since), since + 5400);
  EXPECT_EQ(k8s::quarantine_deadline("2d", since), since + 2 * 86400);
  for (const char* bad : {"", "soon", "5", "h", "-1h", "1.5h", "1y"}) EXPECT_FALSE(k8s::quarantine_deadline(bad, since)) << bad;
}

}  // namespace
}  // namespace kindlyguard::controller
