#include "kindlyguard/controller/work_queue.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace kindlyguard::controller {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesWaitingKeys) {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.length(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
}

TEST(WorkQueue, AKeyAddedWhileProcessingComesBackAfterDoneNotBefore) {
  WorkQueue q;
  q.add("a");
  auto k = q.get();
  ASSERT_EQ(k, "a");
  q.add("a");
  EXPECT_EQ(q.length(), 0u);  // never to two workers at once
  q.done("a");
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.length(), 0u);
}

TEST(WorkQueue, RateLimitedRetriesBackOffPerKeyAndForgetResets) {
  WorkQueue q(WorkQueue::Options{10ms, 1000ms});
  q.add_rate_limited("a");
  q.add_rate_limited("a");
  q.add_rate_limited("a");
  EXPECT_EQ(q.failures("a"), 3);
  q.forget("a");
  EXPECT_EQ(q.failures("a"), 0);
  EXPECT_EQ(q.failures("b"), 0);
  // Delayed keys arrive (event-driven: get() blocks until the delay is over).
  EXPECT_EQ(q.get(), "a");
}

TEST(WorkQueue, DelayedKeyIsNotReadyBeforeItsTime) {
  WorkQueue q;
  q.add_after("late", 1h);
  q.add("now");
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.get(), "now");
}

TEST(WorkQueue, ShutDownWakesBlockedWorkers) {
  WorkQueue q;
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = q.get(); });
  q.shut_down();
  worker.join();
  EXPECT_FALSE(got.has_value());
  q.add("ignored");
  EXPECT_EQ(q.length(), 0u);
}

}  // namespace
}  // namespace kindlyguard::controller
