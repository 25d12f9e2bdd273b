// The EventRecorder against the Kubernetes API test server: identical records aggregate into one
// Event object whose series.count says how many there were; cluster-scoped objects' Events land in
// "default"; an Event deleted meanwhile starts a new series; a flood of repeats is a few writes.
#include "kindlyguard/controller/event_recorder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client_fixture.hpp"
#include "support/process.hpp"

namespace kindlyguard::client::e2e {
namespace {

using controller::EventRecord;
using controller::EventRecorder;
using controller::EventType;
using controller::ObjectReference;

class EventRecorderApiTest : public ClientTest {
 protected:
  // patch_interval 0: every repeat is written as soon as the one before it is (repeats that
  // arrive meanwhile join the queued write); the default interval is tested on its own below.
  std::unique_ptr<EventRecorder> recorder(std::chrono::milliseconds patch_interval = std::chrono::milliseconds(0)) {
    controller::EventRecorderOptions o;
    o.reporting_instance = "replica-a";
    o.series_patch_interval = patch_interval;
    o.sweep_every = std::chrono::milliseconds(10);
    return std::make_unique<EventRecorder>(*client, o);
  }
  std::vector<json> events(const std::string& ns) { return api->store().list("events.events.k8s.io", ns); }
};

TEST_F(EventRecorderApiTest, NIdenticalRecordsAreOneEventWithSeriesCountN) {
  json stored = api->store().create("pods", pod("web-1", "default"));
  auto rec = recorder();
  const auto regarding = ObjectReference::of(stored);
  ASSERT_FALSE(regarding.uid.empty());
  constexpr int N = 7;
  for (int i = 0; i < N; ++i)
    ASSERT_TRUE(rec->record({regarding, EventType::Warning, "QuarantineIncomplete", "CheckIsolation",
                             "NetworkPolicy allow-all lets traffic in", ""}));
  ASSERT_TRUE(rec->flush(20s));

  auto list = events("default");
  ASSERT_EQ(list.size(), 1u) << json(list).dump(2);
  const json& e = list[0];
  EXPECT_EQ(e["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(e["reason"], "QuarantineIncomplete");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["action"], "CheckIsolation");
  EXPECT_EQ(e["note"], "NetworkPolicy allow-all lets traffic in");
  EXPECT_EQ(e["reportingController"], "kindlyguard.io/kindlyguard");
  EXPECT_EQ(e["reportingInstance"], "replica-a");
  EXPECT_EQ(e["regarding"]["uid"], regarding.uid);
  EXPECT_EQ(e["regarding"]["kind"], "Pod");
  EXPECT_EQ(e["regarding"]["name"], "web-1");
  EXPECT_EQ(e["series"]["count"], N);
  EXPECT_TRUE(e["series"].contains("lastObservedTime"));
  EXPECT_TRUE(e.contains("eventTime"));

  // One create, then patches only: nothing else was written. Repeats that arrived while a write
  // was still queued joined it, so there are at most N - 1 patches.
  EXPECT_EQ(api->requests().count({.verb = "create", .resource = "events.events.k8s.io"}), 1u);
  const auto patches = api->requests().count({.verb = "patch", .resource = "events.events.k8s.io"});
  EXPECT_LE(patches, static_cast<std::size_t>(N - 1));
  EXPECT_EQ(rec->stats().created, 1u);
  EXPECT_EQ(rec->stats().patched, patches);
  EXPECT_EQ(rec->stats().recorded, static_cast<std::uint64_t>(N));
}

// Issue 14 item 9: a flood of one Event is a count, not a flood of writes. Every repeat is
// accepted (no token is spent on it), and the series is written at most once per patch interval.
TEST_F(EventRecorderApiTest, AFloodOfRepeatsIsFewWritesAndTheWholeCount) {
  json stored = api->store().create("pods", pod("web-1", "default"));
  auto rec = recorder(std::chrono::seconds(2));
  const auto regarding = ObjectReference::of(stored);
  constexpr int N = 500;
  for (int i = 0; i < N; ++i)
    ASSERT_TRUE(rec->record({regarding, EventType::Warning, "PolicyViolation", "Deny", "denied: privileged", ""}));
  ASSERT_TRUE(testing::eventually(
      [&] {
        auto list = events("default");
        return list.size() == 1 && list[0].contains("series") && list[0]["series"].value("count", 0) == N;
      },
      20s))
      << json(events("default")).dump(2);
  EXPECT_EQ(api->requests().count({.verb = "create", .resource = "events.events.k8s.io"}), 1u);
  // The create, and the rest once the interval is over: never one write per repeat.
  EXPECT_LE(api->requests().count({.verb = "patch", .resource = "events.events.k8s.io"}), 3u);
  EXPECT_EQ(rec->stats().dropped_rate_limited, 0u);
}

TEST_F(EventRecorderApiTest, DifferentNotesAreDifferentEvents) {
  json stored = api->store().create("pods", pod("web-1", "default"));
  auto rec = recorder();
  rec->record({ObjectReference::of(stored), EventType::Normal, "Quarantined", "Isolate", "isolated", ""});
  rec->record({ObjectReference::of(stored), EventType::Normal, "Released", "Release", "released", ""});
  rec->record({ObjectReference::of(stored), EventType::Normal, "Quarantined", "Isolate", "isolated", ""});
  ASSERT_TRUE(rec->flush(20s));
  auto list = events("default");
  ASSERT_EQ(list.size(), 2u);
  for (const auto& e : list) EXPECT_EQ(e.value("reason", "") == "Quarantined", e.contains("series"));
}

TEST_F(EventRecorderApiTest, ClusterScopedObjectsEventsGoToDefault) {
  api->store().create("namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}});
  auto rec = recorder();
  ObjectReference policy{"kindlyguard.io/v1alpha1", "SecurityPolicy", "", "restricted", "sp-uid-1", ""};
  rec->record({policy, EventType::Warning, "PolicyViolation", "Audit", "3 running pods violate it", ""});
  ASSERT_TRUE(rec->flush(20s));
  auto list = events("default");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["regarding"]["name"], "restricted");
  EXPECT_TRUE(events("team").empty());
}

TEST_F(EventRecorderApiTest, AnEventDeletedMeanwhileStartsANewSeries) {
  json stored = api->store().create("pods", pod("web-1", "default"));
  auto rec = recorder();
  rec->record({ObjectReference::of(stored), EventType::Normal, "Released", "Release", "released", ""});
  ASSERT_TRUE(rec->flush(20s));
  auto first = events("default");
  ASSERT_EQ(first.size(), 1u);
  api->store().remove("events.events.k8s.io", "default", first[0]["metadata"]["name"]);
  rec->record({ObjectReference::of(stored), EventType::Normal, "Released", "Release", "released", ""});
  ASSERT_TRUE(rec->flush(20s));
  auto second = events("default");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0]["metadata"]["name"], first[0]["metadata"]["name"]);
  EXPECT_FALSE(second[0].contains("series"));
}

}  // namespace
}  // namespace kindlyguard::client::e2e
