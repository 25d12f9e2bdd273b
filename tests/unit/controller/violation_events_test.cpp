// Issue 14 item 9: PolicyViolation Events through the real recorder. They were rate-limited per
// policy before repeats were grouped, so 25 violations (forged reviews, or one crash-looping
// workload) hid every later violation of that policy from everyone. Now repeats of one request
// are a count on one series, and new series are limited per requesting namespace.
#include "kindlyguard/controller/violation_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

namespace kindlyguard::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

class MemorySink : public EventSink {
 public:
  client::ApiResult<json> create(const json& event) override {
    std::lock_guard lock(mu_);
    created_.push_back(event);
    return event;
  }
  client::ApiResult<json> patch(const std::string& ns, const std::string& name, const json& p) override {
    std::lock_guard lock(mu_);
    patches_.push_back(p);
    return json{{"metadata", {{"namespace", ns}, {"name", name}}}};
  }
  std::vector<json> created() const {
    std::lock_guard lock(mu_);
    return created_;
  }
  std::vector<json> patches() const {
    std::lock_guard lock(mu_);
    return patches_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<json> created_, patches_;
};

struct ViolationEventsTest : ::testing::Test {
  ViolationEventsTest() {
    auto s = std::make_unique<MemorySink>();
    sink = s.get();
    EventRecorderOptions o;
    o.now = [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(now_s.load())); };
    recorder = std::make_unique<EventRecorder>(std::move(s), o);
    policy::SecurityPolicy p;
    p.name = "no-privileged";
    p.uid = "sp-uid";
    store.replace({p});
    events = std::make_unique<PolicyViolationEvents>(*recorder, store);
  }

  void deny(const std::string& ns, const std::string& name, const std::string& user = "alice") {
    policy::Request req;
    req.kind = "Pod";
    req.namespace_ = ns;
    req.name = name;
    req.username = user;
    policy::Decision d;
    d.allowed = false;
    d.violations = {{"no-privileged", "privileged", policy::Enforcement::Deny, "app", "spec.containers[0]", "m"}};
    events->on_decision(req, d, 1us);
  }

  std::atomic<std::int64_t> now_s{1'767'225'600};  // the clock the recorder reads, moved by hand
  MemorySink* sink = nullptr;
  policy::PolicyStore store;
  std::unique_ptr<EventRecorder> recorder;
  std::unique_ptr<PolicyViolationEvents> events;
};

TEST_F(ViolationEventsTest, ForgedViolationsInOneNamespaceNeverHideAnothersEvents) {
  for (int i = 0; i < 200; ++i) deny("attacker", "forged-" + std::to_string(i));
  deny("team", "web");
  ASSERT_TRUE(recorder->flush(10s));
  auto created = sink->created();
  ASSERT_FALSE(created.empty());
  EXPECT_EQ(created.size(), 26u) << "25 from the noisy namespace, then the other namespace's one";
  EXPECT_THAT(created.back()["note"].get<std::string>(), HasSubstr("Pod team/web by alice"));
  EXPECT_EQ(created.back()["regarding"]["name"], "no-privileged");
  EXPECT_EQ(recorder->stats().dropped_rate_limited, 175u);
}

TEST_F(ViolationEventsTest, RepeatsOfOneObjectAreOneSeriesAndNeverUseUpThePolicy) {
  for (int i = 0; i < 100; ++i) {
    deny("team", "crashloop");
    ASSERT_TRUE(recorder->flush(10s));
    now_s += 11;  // each repeat past the patch interval, so each is written
  }
  ASSERT_EQ(sink->created().size(), 1u);
  auto patches = sink->patches();
  ASSERT_EQ(patches.size(), 99u);
  EXPECT_EQ(patches.back()["series"]["count"], 100);
  // The same namespace's other objects still get their Events.
  deny("team", "another");
  ASSERT_TRUE(recorder->flush(10s));
  EXPECT_EQ(sink->created().size(), 2u);
  EXPECT_EQ(recorder->stats().dropped_rate_limited, 0u);
}

}  // namespace
}  // namespace kindlyguard::controller
