#pragma once
// Warns (a log line, and an Event in cluster mode) when the serving certificate is within 7 days
// of expiry: checked at every (re)load and hourly, so a certificate that nobody rotates is noticed.

#include <atomic>
#include <ctime>
#include <functional>
#include <string>
#include <thread>

namespace kindlyguard::cli {

class CertExpiryWarner {
 public:
  // `warn` gets the message; it is called at most once per certificate (per notAfter).
  explicit CertExpiryWarner(std::function<void(const std::string& message)> warn,
                            std::chrono::seconds threshold = std::chrono::hours(24 * 7));
  ~CertExpiryWarner();
  void loaded(std::time_t not_after);

 private:
  void check();

  std::function<void(const std::string&)> warn_;
  const std::chrono::seconds threshold_;
  std::atomic<std::time_t> not_after_{0};
  std::atomic<std::time_t> warned_for_{0};
  std::jthread hourly_;
};

}  // namespace kindlyguard::cli
