#pragma once
// Exponential backoff with jitter for retries and re-watches: initial, doubling (factor) up to a
// cap, each delay drawn uniformly from [d * (1 - jitter), d] so that many clients that failed
// together do not come back together. reset() after a success.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stop_token>

namespace kindlyguard::client {

class Backoff {
 public:
  struct Options {
    std::chrono::milliseconds initial{200};
    std::chrono::milliseconds max{30000};
    double factor = 2.0;
    double jitter = 0.5;  // fraction of the delay that is random
  };

  Backoff() : Backoff(Options{}) {}
  explicit Backoff(Options options);

  // The next delay (and advances the exponent).
  std::chrono::milliseconds next();
  void reset();
  int failures() const { return failures_; }

 private:
  Options options_;
  double current_ms_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

// Sleeps for `d` unless `stop` is requested first; false when stopped.
bool sleep_for(std::chrono::nanoseconds d, std::stop_token stop);

}  // namespace kindlyguard::client
