// Two LeaderElectors over one Lease on the test API server: exactly one leads; the other takes
// over when the leader stops renewing (after the lease runs out) and at once when it releases;
// a leader steps down when it cannot renew or sees the lease taken.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "client_fixture.hpp"
#include "kindlyguard/client/leader_election.hpp"

namespace kindlyguard::client::e2e {
namespace {

using Clock = std::chrono::steady_clock;

class LeaderElectionTest : public ClientTest {
 protected:
  // Every elector reports here; `leading` counts the replicas that think they lead right now.
  std::unique_ptr<LeaderElector> elector(const std::string& id, std::chrono::milliseconds lease = 2s,
                                         std::chrono::milliseconds renew = 1500ms,
                                         std::chrono::milliseconds retry = 200ms) {
    LeaderElectionConfig c;
    c.ns = "kube-system";
    c.name = "kindlyguard-controller";
    c.identity = id;
    c.lease_duration = lease;
    c.renew_deadline = renew;
    c.retry_period = retry;
    c.on_started_leading = [this, id] {
      const int now = ++leading;
      int seen = max_leading.load();
      while (now > seen && !max_leading.compare_exchange_weak(seen, now)) {
      }
      log.add("start " + id);
    };
    c.on_stopped_leading = [this, id] {
      --leading;
      log.add("stop " + id);
    };
    auto e = LeaderElector::create(*client, c);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().to_string());
    return std::move(*e);
  }

  std::string holder() {
    auto lease = api->store().get("leases.coordination.k8s.io", "kube-system", "kindlyguard-controller");
    return lease ? (*lease)["spec"].value("holderIdentity", "") : "";
  }

  Recorder log;
  std::atomic<int> leading{0};
  std::atomic<int> max_leading{0};
};

TEST_F(LeaderElectionTest, ExactlyOneLeadsAndTheOtherTakesOverWhenRenewalsStop) {
  auto a = elector("a");
  auto b = elector("b");
  a->start();
  b->start();
  ASSERT_TRUE(log.wait([](const auto& v) { return !v.empty(); }));
  const bool a_leads = log.items().front() == "start a";
  LeaderElector& first = a_leads ? *a : *b;
  LeaderElector& second = a_leads ? *b : *a;
  const std::string first_id = a_leads ? "a" : "b";
  const std::string second_id = a_leads ? "b" : "a";
  EXPECT_TRUE(first.is_leader());
  EXPECT_FALSE(second.is_leader());
  EXPECT_EQ(holder(), first_id);
  // Several renew periods pass with one leader and the other standing by.
  ASSERT_TRUE(api->requests().wait_for({.verb = "update", .resource = "leases.coordination.k8s.io", .code = 200}, 6, 20s));
  EXPECT_FALSE(second.is_leader());
  EXPECT_EQ(second.leader(), first_id);

  // The leader stops renewing without releasing (what a crash looks like).
  first.stop(/*release=*/false);
  EXPECT_TRUE(log.wait_for("stop " + first_id));
  EXPECT_EQ(holder(), first_id);  // still recorded: the other must wait for it to run out
  ASSERT_TRUE(log.wait_for("start " + second_id, 30s));
  EXPECT_TRUE(second.is_leader());
  EXPECT_EQ(holder(), second_id);
  EXPECT_EQ(max_leading.load(), 1);  // never two at once
  auto lease = api->store().get("leases.coordination.k8s.io", "kube-system", "kindlyguard-controller");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 2);
}

TEST_F(LeaderElectionTest, ReleaseLetsTheOtherTakeOverAtOnce) {
  // A long lease: without the release the successor would wait 60 s.
  auto a = elector("a", 60s, 20s, 200ms);
  a->start();
  ASSERT_TRUE(log.wait_for("start a"));
  auto b = elector("b", 60s, 20s, 200ms);
  b->start();
  ASSERT_TRUE(api->requests().wait_for({.verb = "get", .resource = "leases.coordination.k8s.io", .user = ""}, 4, 20s));
  EXPECT_FALSE(b->is_leader());
  const auto t0 = Clock::now();
  a->stop();  // releases
  EXPECT_TRUE(log.wait_for("stop a"));
  ASSERT_TRUE(log.wait_for("start b", 30s));
  EXPECT_LT(Clock::now() - t0, 30s);  // well before the 60 s lease could have run out
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(max_leading.load(), 1);
}

TEST_F(LeaderElectionTest, StepsDownWhenRenewalsFailPastTheDeadline) {
  auto a = elector("a", 3s, 2s, 200ms);
  a->start();
  ASSERT_TRUE(log.wait_for("start a"));
  api->faults().add(fault("update", "leases.coordination.k8s.io", 500, -1));
  ASSERT_TRUE(log.wait_for("stop a", 20s));
  EXPECT_FALSE(a->is_leader());
  api->faults().clear();
  EXPECT_TRUE(log.wait([](const auto& v) { return std::count(v.begin(), v.end(), "start a") == 2; }, 30s));
}

TEST_F(LeaderElectionTest, StepsDownAtOnceWhenTheLeaseIsTaken) {
  auto a = elector("a", 10s, 8s, 200ms);
  a->start();
  ASSERT_TRUE(log.wait_for("start a"));
  auto lease = api->store().get("leases.coordination.k8s.io", "kube-system", "kindlyguard-controller");
  ASSERT_TRUE(lease);
  (*lease)["spec"]["holderIdentity"] = "intruder";
  (*lease)["spec"]["renewTime"] = micro_time_now();
  (*lease)["metadata"].erase("resourceVersion");
  api->store().update("leases.coordination.k8s.io", *lease);
  const auto t0 = Clock::now();
  ASSERT_TRUE(log.wait_for("stop a", 20s));
  EXPECT_LT(Clock::now() - t0, 8s);  // before the renew deadline: it saw the new holder
  EXPECT_EQ(a->leader(), "intruder");
}

TEST_F(LeaderElectionTest, ConfigurationIsChecked) {
  LeaderElectionConfig c;
  c.ns = "kube-system";
  c.identity = "a";
  c.renew_deadline = c.lease_duration;
  auto bad = LeaderElector::create(*client, c);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("renew deadline"));
  c.renew_deadline = 10s;
  c.identity = "";
  EXPECT_FALSE(LeaderElector::create(*client, c).ok());
}

}  // namespace
}  // namespace kindlyguard::client::e2e
