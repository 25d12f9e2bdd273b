// detail::settle: waiting on a pplx task with a deadline (pplx's wait() has none).
#pragma once

#include <condition_variable>
#include <mutex>

namespace kindlyguard::client::detail {

struct SettleFlag {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  void set() {
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  }
  bool wait_until(Clock::time_point deadline) {
    std::unique_lock lock(mu);
    return cv.wait_until(lock, deadline, [this] { return done; });
  }
};

template <class T>
bool settle(const pplx::task<T>& t, Clock::time_point deadline, pplx::cancellation_token_source cts, bool* timed_out) {
  auto flag = std::make_shared<SettleFlag>();
  // A task-based continuation runs however the task ends (value, exception, cancellation).
  t.then([flag](pplx::task<T>) { flag->set(); });
  if (flag->wait_until(deadline)) return true;
  if (timed_out) *timed_out = true;
  cts.cancel();  // closes the connection; the task then fails promptly
  return flag->wait_until(Clock::now() + std::chrono::seconds(10));
}

}  // namespace kindlyguard::client::detail
