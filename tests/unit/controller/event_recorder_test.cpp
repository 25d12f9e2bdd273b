#include "kindlyguard/controller/event_recorder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace kindlyguard::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using nlohmann::json;
using namespace std::chrono_literals;
using SysClock = std::chrono::system_clock;

// A sink that keeps what it was asked to write and answers as told.
class FakeSink : public EventSink {
 public:
  struct Call {
    std::string verb;  // create, patch
    std::string ns, name;
    json body;
  };

  client::ApiResult<json> create(const json& event) override {
    std::unique_lock lock(mu_);
    ++entered_;
    gate_cv_.notify_all();
    gate_cv_.wait(lock, [this] { return open_; });
    calls_.push_back({"create", event["metadata"].value("namespace", ""), event["metadata"].value("name", ""), event});
    if (create_answer) {
      auto a = create_answer(event);
      if (!a.ok()) return a;
    }
    json stored = event;
    stored["metadata"]["uid"] = "uid-" + std::to_string(calls_.size());
    return stored;
  }
  client::ApiResult<json> patch(const std::string& ns, const std::string& name, const json& p) override {
    std::unique_lock lock(mu_);
    ++entered_;
    gate_cv_.notify_all();
    gate_cv_.wait(lock, [this] { return open_; });
    calls_.push_back({"patch", ns, name, p});
    if (patch_answer) return patch_answer(p);
    return json{{"metadata", {{"namespace", ns}, {"name", name}}}};
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void close_gate() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  // Waits until the worker has made `n` calls (it may be held at the gate in the last one).
  bool wait_entered(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return gate_cv_.wait_for(lock, timeout, [&] { return entered_ >= n; });
  }
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    gate_cv_.notify_all();
  }

  std::function<client::ApiResult<json>(const json&)> create_answer;
  std::function<client::ApiResult<json>(const json&)> patch_answer;

 private:
  mutable std::mutex mu_;
  std::condition_variable gate_cv_;
  bool open_ = true;
  int entered_ = 0;
  std::vector<Call> calls_;
};

// A wall clock the test moves by hand.
struct FakeClock {
  std::atomic<std::int64_t> us{1'767'225'600'000'000};  // 2026-01-01T00:00:00Z
  SysClock::time_point now() const { return SysClock::time_point(std::chrono::microseconds(us.load())); }
  void advance(std::chrono::microseconds d) { us += d.count(); }
};

ObjectReference pod_ref(const std::string& name = "web-1", const std::string& uid = "pod-uid-1") {
  return {"v1", "Pod", "team", name, uid, "42"};
}

class EventRecorderTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventRecorder> make(EventRecorderOptions o = {}) {
    auto sink = std::make_unique<FakeSink>();
    fake = sink.get();
    o.reporting_instance = "kindlyguard-7d9f-abcde";
    o.now = [this] { return clock.now(); };
    o.retry_delay = 1ms;
    o.on_outcome = [this](const char* outcome) {
      std::lock_guard lock(outcomes_mu_);
      ++outcomes_[outcome];
    };
    return std::make_unique<EventRecorder>(std::move(sink), std::move(o));
  }
  // What on_outcome reported so far, by outcome.
  std::map<std::string, int> outcomes() {
    std::lock_guard lock(outcomes_mu_);
    return outcomes_;
  }
  std::mutex outcomes_mu_;
  std::map<std::string, int> outcomes_;
  // Waits (by the wall clock, generously) until the sink has seen `n` calls.
  bool eventually_calls(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (fake->calls().size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }
  FakeClock clock;
  FakeSink* fake = nullptr;
};

TEST(MicroTime, SixDigitsOfMicrosecondsInUtc) {
  auto t = SysClock::time_point(std::chrono::microseconds(1'767'225'600'123'456));
  EXPECT_EQ(format_micro_time(t), "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(format_micro_time(SysClock::time_point(std::chrono::microseconds(1'767'225'600'000'007))),
            "2026-01-01T00:00:00.000007Z");
}

TEST(ObjectReferenceTest, FromAnObject) {
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
              {"metadata", {{"name", "web-1"}, {"namespace", "team"}, {"uid", "u1"}, {"resourceVersion", "7"}}}};
  auto r = ObjectReference::of(pod);
  EXPECT_EQ(r.to_json(), json({{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", "web-1"}, {"namespace", "team"},
                               {"uid", "u1"}, {"resourceVersion", "7"}}));
  EXPECT_EQ(r.identity(), "u1");
  r.uid.clear();
  EXPECT_EQ(r.identity(), "Pod/team/web-1");
}

TEST_F(EventRecorderTest, FirstRecordCreatesAnEventsK8sIoV1Event) {
  auto rec = make();
  clock.advance(123456us);
  ASSERT_TRUE(rec->record({pod_ref(), EventType::Normal, "Quarantined", "Isolate", "Isolated by NetworkPolicy x.", ""}));
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].verb, "create");
  const json& e = calls[0].body;
  EXPECT_EQ(e["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_EQ(e["metadata"]["namespace"], "team");
  EXPECT_THAT(e["metadata"].value("name", ""), StartsWith("web-1."));
  EXPECT_EQ(e["eventTime"], "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(e["reportingController"], "kindlyguard.io/kindlyguard");
  EXPECT_EQ(e["reportingInstance"], "kindlyguard-7d9f-abcde");
  EXPECT_EQ(e["action"], "Isolate");
  EXPECT_EQ(e["reason"], "Quarantined");
  EXPECT_EQ(e["note"], "Isolated by NetworkPolicy x.");
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["regarding"], json({{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", "team"}, {"name", "web-1"},
                                  {"uid", "pod-uid-1"}, {"resourceVersion", "42"}}));
  EXPECT_FALSE(e.contains("series"));
  EXPECT_EQ(rec->stats().created, 1u);
}

TEST_F(EventRecorderTest, IdenticalRecordsWithinTheWindowBumpTheSeries) {
  auto rec = make();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(rec->record({pod_ref(), EventType::Warning, "QuarantineIncomplete", "CheckIsolation", "leaky: a", ""}));
    ASSERT_TRUE(rec->flush(10s));
    clock.advance(std::chrono::minutes(2));
  }
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].verb, "create");
  const std::string name = calls[0].name;
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(calls[i].verb, "patch");
    EXPECT_EQ(calls[i].ns, "team");
    EXPECT_EQ(calls[i].name, name);
    EXPECT_EQ(calls[i].body["series"]["count"], i + 1);
  }
  // lastObservedTime is the time of the record: 3 x 2 minutes after the first.
  EXPECT_EQ(calls[3].body["series"]["lastObservedTime"], "2026-01-01T00:06:00.000000Z");
  auto s = rec->stats();
  EXPECT_EQ(s.created, 1u);
  EXPECT_EQ(s.patched, 3u);
  EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"created", 1}, {"patched", 3}}));
}

TEST_F(EventRecorderTest, ADifferentReasonTypeNoteOrObjectIsANewEvent) {
  auto rec = make();
  rec->record({pod_ref(), EventType::Warning, "QuarantineIncomplete", "CheckIsolation", "leaky: a", ""});
  rec->record({pod_ref(), EventType::Warning, "QuarantineIncomplete", "CheckIsolation", "leaky: a, b", ""});
  rec->record({pod_ref(), EventType::Normal, "QuarantineIncomplete", "CheckIsolation", "leaky: a", ""});
  rec->record({pod_ref(), EventType::Warning, "Other", "CheckIsolation", "leaky: a", ""});
  rec->record({pod_ref("web-2", "pod-uid-2"), EventType::Warning, "QuarantineIncomplete", "CheckIsolation", "leaky: a", ""});
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 5u);
  for (const auto& c : calls) EXPECT_EQ(c.verb, "create");
}

TEST_F(EventRecorderTest, ASeriesKeyAggregatesDifferentNotes) {
  auto rec = make();
  rec->record({pod_ref(), EventType::Normal, "Retried", "Retry", "attempt 1", "retry"});
  ASSERT_TRUE(rec->flush(10s));
  clock.advance(std::chrono::minutes(1));
  rec->record({pod_ref(), EventType::Normal, "Retried", "Retry", "attempt 2", "retry"});
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].verb, "patch");
}

TEST_F(EventRecorderTest, AfterTheWindowANewEventStarts) {
  auto rec = make();
  rec->record({pod_ref(), EventType::Normal, "Released", "Release", "released", ""});
  ASSERT_TRUE(rec->flush(10s));
  clock.advance(std::chrono::minutes(11));
  rec->record({pod_ref(), EventType::Normal, "Released", "Release", "released", ""});
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].verb, "create");
}

TEST_F(EventRecorderTest, AnEventDeletedMeanwhileStartsANewSeries) {
  auto rec = make();
  rec->record({pod_ref(), EventType::Normal, "Released", "Release", "released", ""});
  ASSERT_TRUE(rec->flush(10s));
  fake->patch_answer = [](const json&) -> client::ApiResult<json> { return client::ApiError::from_response(404, ""); };
  clock.advance(std::chrono::minutes(1));
  rec->record({pod_ref(), EventType::Normal, "Released", "Release", "released", ""});
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1].verb, "patch");
  EXPECT_EQ(calls[2].verb, "create");
  EXPECT_FALSE(calls[2].body.contains("series"));
}

TEST_F(EventRecorderTest, ClusterScopedObjectsEventsGoToTheDefaultNamespace) {
  auto rec = make();
  ObjectReference policy{"kindlyguard.io/v1alpha1", "SecurityPolicy", "", "restricted", "sp-uid", ""};
  rec->record({policy, EventType::Warning, "PolicyViolation", "Audit", "3 pods violate it", ""});
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].body["metadata"]["namespace"], "default");
  EXPECT_FALSE(calls[0].body["regarding"].contains("namespace"));
}

TEST_F(EventRecorderTest, NotesAreCutToOneKilobyteOnACharacterBoundary) {
  auto rec = make();
  std::string note(1000, 'a');
  for (int i = 0; i < 40; ++i) note += "\xc3\xa9";  // é, two bytes each
  rec->record({pod_ref(), EventType::Normal, "Long", "Say", note, ""});
  ASSERT_TRUE(rec->flush(10s));
  std::string written = fake->calls().at(0).body["note"];
  EXPECT_LE(written.size(), 1024u);
  EXPECT_THAT(written, ::testing::EndsWith("..."));
  EXPECT_TRUE(json::parse(json(written).dump()).is_string());  // still valid UTF-8
}

TEST_F(EventRecorderTest, TokenBucketPerObjectBurst25ThenOneEveryFiveMinutes) {
  auto rec = make();
  int accepted = 0;
  for (int i = 0; i < 30; ++i)
    accepted += rec->record({pod_ref(), EventType::Normal, "Flap", "Flap", "flap " + std::to_string(i), ""});
  EXPECT_EQ(accepted, 25);
  // Another object has its own bucket.
  EXPECT_TRUE(rec->record({pod_ref("web-2", "pod-uid-2"), EventType::Normal, "Flap", "Flap", "flap", ""}));
  clock.advance(std::chrono::minutes(5));
  EXPECT_TRUE(rec->record({pod_ref(), EventType::Normal, "Flap", "Flap", "after 5m", ""}));
  EXPECT_FALSE(rec->record({pod_ref(), EventType::Normal, "Flap", "Flap", "right after", ""}));
  ASSERT_TRUE(rec->flush(10s));
  auto s = rec->stats();
  EXPECT_EQ(s.recorded, 27u);
  EXPECT_EQ(s.dropped_rate_limited, 6u);
  EXPECT_EQ(fake->calls().size(), 27u);
  EXPECT_EQ(outcomes()["dropped_rate_limited"], 6);
}

// Issue 14 item 9: grouping comes before the rate limit. Repeats of one Event were each charged
// a token, so 25 of them silenced the object (a SecurityPolicy) for everyone; now a repeat is a
// count on its series and costs nothing.
TEST_F(EventRecorderTest, RepeatsAreCountedBeforeTheRateLimitAndCostNoToken) {
  auto rec = make();
  ObjectReference policy{"kindlyguard.io/v1alpha1", "SecurityPolicy", "", "restricted", "sp-uid", ""};
  int accepted = 0;
  for (int i = 0; i < 100; ++i) {
    accepted += rec->record({policy, EventType::Warning, "PolicyViolation", "Deny", "Denied create of Pod a/web", ""});
    ASSERT_TRUE(rec->flush(10s));
    clock.advance(std::chrono::seconds(11));  // past the patch interval: each repeat is written
  }
  EXPECT_EQ(accepted, 100);
  EXPECT_EQ(rec->stats().dropped_rate_limited, 0u);
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 100u);
  EXPECT_EQ(calls[0].verb, "create");
  EXPECT_EQ(calls[99].verb, "patch");
  EXPECT_EQ(calls[99].body["series"]["count"], 100);
  // The policy's bucket is untouched but for the one new series: other Events still get through.
  for (int i = 0; i < 24; ++i)
    EXPECT_TRUE(rec->record({policy, EventType::Warning, "PolicyViolation", "Deny", "other " + std::to_string(i), ""}));
}

// Repeats faster than the patch interval: one write carries them all, so a hot series cannot
// spend the API client's request budget. What is left when the repeats stop is written by the
// worker once the interval is over.
TEST_F(EventRecorderTest, RepeatsWithinThePatchIntervalAreCountedIntoOneWrite) {
  EventRecorderOptions o;
  o.series_patch_interval = 10s;
  o.sweep_every = 5ms;
  auto rec = make(o);
  ASSERT_TRUE(rec->record({pod_ref(), EventType::Warning, "Flap", "Flap", "same", ""}));
  ASSERT_TRUE(rec->flush(10s));
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(rec->record({pod_ref(), EventType::Warning, "Flap", "Flap", "same", ""}));
  ASSERT_TRUE(rec->flush(10s));
  EXPECT_EQ(fake->calls().size(), 1u) << "repeats within the interval wait for one write";
  clock.advance(std::chrono::seconds(11));
  ASSERT_TRUE(eventually_calls(2));
  auto calls = fake->calls();
  EXPECT_EQ(calls[1].verb, "patch");
  EXPECT_EQ(calls[1].body["series"]["count"], 501);
  auto s = rec->stats();
  EXPECT_EQ(s.recorded, 501u);
  EXPECT_EQ(s.aggregated, 500u);
  EXPECT_EQ(s.patched, 1u);
}

// Repeats that arrive while the first write is still queued join it: the Event is created as a
// series with their count, and they take no queue slot.
TEST_F(EventRecorderTest, RepeatsOfAQueuedEventJoinIt) {
  EventRecorderOptions o;
  o.queue_capacity = 2;
  auto rec = make(o);
  fake->close_gate();
  ASSERT_TRUE(rec->record({pod_ref("a", "ua"), EventType::Normal, "R", "A", "hold", ""}));
  ASSERT_TRUE(fake->wait_entered(1, 10s));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(rec->record({pod_ref("b", "ub"), EventType::Normal, "R", "A", "n", ""}));
  fake->open_gate();
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].verb, "create");
  EXPECT_EQ(calls[1].body["series"]["count"], 50);
  EXPECT_EQ(rec->stats().dropped_queue_full, 0u);
}

// New series are limited per (object, source): one noisy source uses up its own bucket only.
TEST_F(EventRecorderTest, EachSourceHasItsOwnBucket) {
  auto rec = make();
  ObjectReference policy{"kindlyguard.io/v1alpha1", "SecurityPolicy", "", "restricted", "sp-uid", ""};
  auto violation = [&](const std::string& source, int i) {
    EventRecord e{policy, EventType::Warning, "PolicyViolation", "Deny", source + " pod " + std::to_string(i), ""};
    e.source = source;
    return rec->record(std::move(e));
  };
  int noisy = 0;
  for (int i = 0; i < 100; ++i) noisy += violation("namespace/noisy", i);
  EXPECT_EQ(noisy, 25);
  EXPECT_TRUE(violation("namespace/team", 0)) << "another namespace's violation was hidden";
  EXPECT_TRUE(violation("namespace/other", 0));
}

// The buckets are bounded too: past max_tracked, sources not seen yet share one overflow bucket.
TEST_F(EventRecorderTest, SourcesBeyondMaxTrackedShareOneBucket) {
  EventRecorderOptions o;
  o.max_tracked = 2;
  o.burst = 1;
  auto rec = make(o);
  auto from = [&](const std::string& source, const std::string& note) {
    EventRecord e{pod_ref(), EventType::Normal, "R", "A", note, ""};
    e.source = source;
    return rec->record(std::move(e));
  };
  EXPECT_TRUE(from("a", "a1"));
  EXPECT_TRUE(from("b", "b1"));
  EXPECT_TRUE(from("c", "c1"));   // the overflow bucket's one token
  EXPECT_FALSE(from("d", "d1"));  // shares it
  EXPECT_FALSE(from("a", "a2"));  // a's own bucket is empty
}

TEST_F(EventRecorderTest, RecordNeverBlocksAFullQueueDrops) {
  EventRecorderOptions o;
  o.queue_capacity = 2;
  auto rec = make(o);
  fake->close_gate();  // the worker takes the first Event and hangs in the API call
  ASSERT_TRUE(rec->record({pod_ref("a", "ua"), EventType::Normal, "R", "A", "1", ""}));
  // The worker holds it in the API call, so the queue is empty again.
  ASSERT_TRUE(fake->wait_entered(1, 10s));
  const auto start = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 0; i < 5; ++i)
    accepted += rec->record({pod_ref("b" + std::to_string(i), "ub" + std::to_string(i)), EventType::Normal, "R", "A", "n", ""});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(rec->stats().dropped_queue_full, 3u);
  fake->open_gate();
  EXPECT_TRUE(rec->flush(10s));
  EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"created", 3}, {"dropped_queue_full", 3}}));
}

TEST_F(EventRecorderTest, ServerErrorsAreRetriedThenCountedAsFailed) {
  EventRecorderOptions o;
  o.max_attempts = 3;
  auto rec = make(o);
  fake->create_answer = [](const json&) -> client::ApiResult<json> { return client::ApiError::from_response(500, ""); };
  rec->record({pod_ref(), EventType::Normal, "R", "A", "n", ""});
  ASSERT_TRUE(rec->flush(10s));
  EXPECT_EQ(fake->calls().size(), 3u);
  EXPECT_EQ(rec->stats().failed, 1u);
  // A refusal that is not worth retrying is given up at once.
  fake->create_answer = [](const json&) -> client::ApiResult<json> { return client::ApiError::from_response(403, ""); };
  rec->record({pod_ref(), EventType::Normal, "R", "A", "other", ""});
  ASSERT_TRUE(rec->flush(10s));
  EXPECT_EQ(fake->calls().size(), 4u);
  EXPECT_EQ(rec->stats().failed, 2u);
  EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"failed", 2}}));
}

TEST_F(EventRecorderTest, ANameTakenAlreadyGetsAnother) {
  auto rec = make();
  int n = 0;
  fake->create_answer = [&n](const json&) -> client::ApiResult<json> {
    if (n++ == 0) return client::ApiError::from_response(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})");
    return json::object();
  };
  rec->record({pod_ref(), EventType::Normal, "R", "A", "n", ""});
  ASSERT_TRUE(rec->flush(10s));
  auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_NE(calls[0].name, calls[1].name);
  EXPECT_EQ(rec->stats().created, 1u);
}

TEST_F(EventRecorderTest, StopAbandonsWhatIsQueuedAndRefusesMore) {
  auto rec = make();
  fake->close_gate();
  rec->record({pod_ref("a", "ua"), EventType::Normal, "R", "A", "1", ""});
  rec->record({pod_ref("b", "ub"), EventType::Normal, "R", "A", "2", ""});
  std::thread opener([this] {
    std::this_thread::sleep_for(50ms);
    fake->open_gate();
  });
  rec->stop();
  opener.join();
  EXPECT_FALSE(rec->record({pod_ref("c", "uc"), EventType::Normal, "R", "A", "3", ""}));
  auto s = rec->stats();
  EXPECT_EQ(s.created + s.abandoned, 2u);
}

}  // namespace
}  // namespace kindlyguard::controller
