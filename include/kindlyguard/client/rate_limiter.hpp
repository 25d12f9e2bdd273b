#pragma once
// Client-side request limits: a token bucket of `burst` tokens refilled at `qps` per second, as
// client-go's flowcontrol.NewTokenBucketRateLimiter. client-go's defaults (5/10) starve an
// operator that lists and writes status for many objects; ours default to 50/100.

#include <chrono>
#include <mutex>
#include <stop_token>

namespace kindlyguard::client {

class TokenBucket {
 public:
  // qps <= 0 disables limiting.
  TokenBucket(double qps, int burst);

  // Takes one token, waiting until one is available. False when `stop` was requested first.
  bool acquire(std::stop_token stop = {});
  // Takes a token only if one is available now.
  bool try_acquire();
  // How long acquire() would wait now (0 when a token is ready).
  std::chrono::nanoseconds wait_time() const;

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void refill_locked(std::chrono::steady_clock::time_point now) const;

  const double qps_;
  const int burst_;
  mutable std::mutex mu_;
  mutable double tokens_;
  mutable std::chrono::steady_clock::time_point last_;
};

}  // namespace kindlyguard::client
