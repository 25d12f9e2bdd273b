#include "kindlyguard/client/backoff.hpp"

#include <algorithm>

namespace kindlyguard::client {

Backoff::Backoff(Options options)
    : options_(options), current_ms_(static_cast<double>(options.initial.count())), rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
  const double d = std::min(current_ms_, static_cast<double>(options_.max.count()));
  current_ms_ = std::min(current_ms_ * options_.factor, static_cast<double>(options_.max.count()));
  ++failures_;
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> dist(d * (1.0 - jitter), d);
  return std::chrono::milliseconds(static_cast<long long>(jitter > 0 ? dist(rng_) : d));
}

void Backoff::reset() {
  current_ms_ = static_cast<double>(options_.initial.count());
  failures_ = 0;
}

bool sleep_for(std::chrono::nanoseconds d, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  if (d.count() <= 0) return true;
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });  // wakes on stop or when d has passed
  return !stop.stop_requested();
}

}  // namespace kindlyguard::client
