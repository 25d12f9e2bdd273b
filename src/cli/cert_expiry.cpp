#include "kindlyguard/cli/cert_expiry.hpp"

#include <condition_variable>
#include <mutex>

#include "kindlyguard/util/time.hpp"

namespace kindlyguard::cli {

CertExpiryWarner::CertExpiryWarner(std::function<void(const std::string&)> warn, std::chrono::seconds threshold)
    : warn_(std::move(warn)), threshold_(threshold) {
  hourly_ = std::jthread([this](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, stop, std::chrono::hours(1), [] { return false; }) && !stop.stop_requested()) check();
  });
}

CertExpiryWarner::~CertExpiryWarner() {
  hourly_.request_stop();
  if (hourly_.joinable()) hourly_.join();
}

void CertExpiryWarner::loaded(std::time_t not_after) {
  not_after_ = not_after;
  check();
}

void CertExpiryWarner::check() {
  const std::time_t not_after = not_after_.load();
  if (not_after == 0 || warned_for_.load() == not_after) return;
  const std::time_t now = std::time(nullptr);
  if (not_after - now > static_cast<std::time_t>(threshold_.count())) return;
  warned_for_ = not_after;
  const long days = static_cast<long>((not_after - now) / 86400);
  warn_(not_after <= now ? "the serving certificate expired at " + format_k8s_time(not_after) +
                               ": the API server cannot call the webhook; renew it"
                         : "the serving certificate expires at " + format_k8s_time(not_after) + " (in " +
                               std::to_string(days) + " days): renew it before then");
}

}  // namespace kindlyguard::cli
