// The client-side token bucket and the backoff with jitter.
#include <gtest/gtest.h>

#include <thread>

#include "kindlyguard/client/backoff.hpp"
#include "kindlyguard/client/rate_limiter.hpp"

namespace kindlyguard::client {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, BurstThenQps) {
  TokenBucket b(1.0, 3);  // 1 per second: the 4th token is about a second away
  EXPECT_TRUE(b.try_acquire());
  EXPECT_TRUE(b.try_acquire());
  EXPECT_TRUE(b.try_acquire());
  EXPECT_FALSE(b.try_acquire());
  EXPECT_GT(b.wait_time(), 500ms);
}

TEST(TokenBucket, DisabledWithZeroQps) {
  TokenBucket b(0, 1);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.try_acquire());
  EXPECT_TRUE(b.acquire());
}

TEST(TokenBucket, AcquireStopsWhenAsked) {
  TokenBucket b(0.001, 1);  // one token, then one every 1000 s
  EXPECT_TRUE(b.acquire());
  std::stop_source stop;
  std::thread stopper([&] { stop.request_stop(); });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(b.acquire(stop.get_token()));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);  // it did not wait the 1000 s
}

TEST(Backoff, DoublesWithJitterUpToTheCap) {
  Backoff b({.initial = 100ms, .max = 1000ms, .factor = 2.0, .jitter = 0.5});
  const std::vector<long> caps = {100, 200, 400, 800, 1000, 1000};
  for (long cap : caps) {
    const auto d = b.next().count();
    EXPECT_LE(d, cap);
    EXPECT_GE(d, cap / 2);
  }
  EXPECT_EQ(b.failures(), 6);
  b.reset();
  EXPECT_LE(b.next().count(), 100);
}

TEST(Backoff, NoJitterIsExact) {
  Backoff b({.initial = 10ms, .max = 50ms, .factor = 3.0, .jitter = 0.0});
  EXPECT_EQ(b.next(), 10ms);
  EXPECT_EQ(b.next(), 30ms);
  EXPECT_EQ(b.next(), 50ms);
}

TEST(SleepFor, ReturnsFalseWhenStopped) {
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(sleep_for(1h, stop.get_token()));
  EXPECT_TRUE(sleep_for(1ms, std::stop_token{}));
}

}  // namespace
}  // namespace kindlyguard::client
