#pragma once
// Which SecurityPolicyException excused something, and when: the webhook's decisions (as a
// DecisionObserver, on the request thread: a map update under a short lock, nothing more) and the
// background audit's results (the objects each exception excused something for). The exception
// status controller reads it for status.lastUsed and status.matchedObjects.
//
// It tells its listener (to enqueue the exception's status) at most once between two status
// writes of lastUsed (written()), so a busy webhook enqueues nothing more than one key per
// exception, and the status controller decides when the write is due (at most once a minute).

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/exception.hpp"

namespace kindlyguard::controller {

class ExceptionUsage : public admission::DecisionObserver {
 public:
  using Clock = std::function<policy::Seconds()>;
  explicit ExceptionUsage(Clock now = {}, std::chrono::seconds audit_use_every = std::chrono::hours(1))
      : now_(std::move(now)), audit_use_every_(audit_use_every) {}

  // Every exception a decision's excused violations name, used now. Dry runs leave no trace.
  void on_decision(const policy::Request& request, const policy::Decision& decision,
                   std::chrono::microseconds latency) override;
  void record_use(const std::string& key, policy::Seconds at);
  // The background audit's count of objects per exception (exceptions not named: 0). An audit
  // use moves lastUsed only when it is `audit_use_every` newer than the last known use.
  void set_matched(const std::map<std::string, std::size_t>& matched, policy::Seconds at);

  std::optional<policy::Seconds> last_used(const std::string& key) const;
  std::size_t matched(const std::string& key) const;
  // The status controller wrote lastUsed = `at`: the next use tells the listener again. True when
  // a use later than `at` is already known (it came while the write was under way): the caller
  // schedules the next write itself.
  bool written(const std::string& key, policy::Seconds at);
  // The exception is gone.
  void forget(const std::string& key);

  // Told (with the key) of a use not yet written, or of a changed matched count. Set before use.
  void on_news(std::function<void(const std::string& key)> f) { news_ = std::move(f); }

 private:
  policy::Seconds now() const;
  struct Use {
    std::optional<policy::Seconds> last;
    std::size_t matched = 0;
    bool told = false;
  };
  Clock now_;
  const std::chrono::seconds audit_use_every_;
  mutable std::mutex mu_;
  std::map<std::string, Use> uses_;
  std::function<void(const std::string&)> news_;
};

}  // namespace kindlyguard::controller
