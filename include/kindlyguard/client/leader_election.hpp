#pragma once
// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection package
// does it: every replica tries to acquire the lease; the holder renews it every retry period;
// the others may take it only once it has not changed for leaseDurationSeconds by their own
// clock (measured from when they saw the record change, so clock skew between nodes does not
// matter); writes are conditional on resourceVersion, so of two candidates only one wins (the
// other gets 409).
//
// The leader steps down at once (on_stopped_leading) when a renew has not succeeded within the
// renew deadline, or when it sees that someone else holds the lease. It always steps down before
// the lease could expire for the others (renew deadline < lease duration). stop() releases the
// lease (holderIdentity cleared) after on_stopped_leading, so that a successor takes over at
// once instead of waiting out the lease. After losing the lease the elector becomes a candidate
// again.
//
// Callbacks run on the elector's thread and must return promptly: start controllers and return;
// stop them and return.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"

namespace kindlyguard::client {

struct LeaderElectionConfig {
  std::string ns;        // the Lease's namespace (the operator's own)
  std::string name = "kindlyguard-controller";
  std::string identity;  // unique per replica: the pod name, or hostname_uuid
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // whenever the observed holder changes
};

class LeaderElector {
 public:
  // Checks renew_deadline < lease_duration and retry_period < renew_deadline.
  static Result<std::unique_ptr<LeaderElector>> create(ApiClient& client, LeaderElectionConfig config);
  ~LeaderElector();  // stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Stops campaigning. If leading: on_stopped_leading, then (with release) the lease is released.
  // Without release the lease is simply no longer renewed (what a crash looks like to the others).
  void stop(bool release = true);

  bool is_leader() const { return leading_.load(); }
  // The holder last observed ("" = none or unknown).
  std::string leader() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  enum class Attempt { Acquired, HeldByOther, Failed };

  LeaderElector(ApiClient& client, LeaderElectionConfig config);
  void run(std::stop_token stop);
  Attempt try_acquire_or_renew(std::chrono::steady_clock::time_point deadline, std::stop_token stop);
  void observe(const nlohmann::json& spec);
  void release();

  ApiClient& client_;
  const LeaderElectionConfig config_;
  std::atomic<bool> leading_{false};
  std::atomic<bool> release_on_stop_{true};

  mutable std::mutex mu_;
  nlohmann::json observed_spec_;  // the Lease spec as last seen
  std::chrono::steady_clock::time_point observed_time_{};  // when it last changed, by our clock
  std::string observed_holder_;

  std::mutex life_mu_;
  std::jthread worker_;
};

// Lease times (metav1.MicroTime): 2006-01-02T15:04:05.000000Z.
std::string micro_time_now();

}  // namespace kindlyguard::client
