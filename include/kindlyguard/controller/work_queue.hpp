#pragma once
// The work queue of a level-triggered controller, as client-go's workqueue does it: keys, not
// events. A key added while it waits is stored once; a key added while a worker holds it is
// handed out again after done(), never to two workers at once. Failed keys come back after a
// per-key exponential delay (add_rate_limited), reset by forget() after a success.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace kindlyguard::controller {

class WorkQueue {
 public:
  struct Options {
    std::chrono::milliseconds base_delay{5};      // client-go's item exponential failure limiter
    std::chrono::milliseconds max_delay{30000};   // client-go caps at 1000 s; an operator wants sooner
  };

  WorkQueue() : WorkQueue(Options{}) {}
  explicit WorkQueue(Options options) : options_(options) {}

  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  // After the key's n-th consecutive failure: base_delay * 2^n, capped.
  void add_rate_limited(const std::string& key);
  // The key succeeded: its failure count starts over.
  void forget(const std::string& key);
  int failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt).
  std::optional<std::string> get();
  // The worker finished with the key (success or not).
  void done(const std::string& key);

  // Wakes every get(); keys still queued are dropped.
  void shut_down();
  bool shutting_down() const;
  std::size_t length() const;  // keys ready now (not delayed, not in process)

 private:
  void add_locked(const std::string& key);
  void promote_due_locked(std::chrono::steady_clock::time_point now);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to be requeued after processing
  std::set<std::string> processing_;
  std::multimap<std::chrono::steady_clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace kindlyguard::controller
