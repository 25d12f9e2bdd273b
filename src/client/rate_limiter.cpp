#include "kindlyguard/client/rate_limiter.hpp"

#include <algorithm>

#include "kindlyguard/client/backoff.hpp"

namespace kindlyguard::client {

TokenBucket::TokenBucket(double qps, int burst)
    : qps_(qps), burst_(std::max(1, burst)), tokens_(std::max(1, burst)), last_(std::chrono::steady_clock::now()) {}

void TokenBucket::refill_locked(std::chrono::steady_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
}

bool TokenBucket::acquire(std::stop_token stop) {
  if (qps_ <= 0) return !stop.stop_requested();
  std::chrono::nanoseconds wait{0};
  {
    // Reserve now (tokens may go negative), then wait out the debt: callers are served in order.
    std::lock_guard lock(mu_);
    refill_locked(std::chrono::steady_clock::now());
    tokens_ -= 1.0;
    if (tokens_ < 0) wait = std::chrono::nanoseconds(static_cast<long long>(-tokens_ / qps_ * 1e9));
  }
  if (wait.count() == 0) return !stop.stop_requested();
  if (sleep_for(wait, stop)) return true;
  std::lock_guard lock(mu_);
  tokens_ += 1.0;  // give the unused reservation back
  return false;
}

bool TokenBucket::try_acquire() {
  if (qps_ <= 0) return true;
  std::lock_guard lock(mu_);
  refill_locked(std::chrono::steady_clock::now());
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::nanoseconds TokenBucket::wait_time() const {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);
  std::lock_guard lock(mu_);
  refill_locked(std::chrono::steady_clock::now());
  if (tokens_ >= 1.0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<long long>((1.0 - tokens_) / qps_ * 1e9));
}

}  // namespace kindlyguard::client
