#pragma once
// A level-triggered controller in controller-runtime's shape: events only enqueue keys; workers
// take keys from a WorkQueue and call reconcile(key), which reads the desired state from caches,
// compares it with the world and makes one step of change. A failed reconcile comes back with a
// per-key exponential delay; a periodic resync enqueues every key so drift is repaired even when
// no event says so.
//
// A Controller can be started and stopped many times (leader election gains and loses the
// lease): each start() enqueues every key from list_keys, and stop() returns once no reconcile
// is running any more, so a replica that lost the lease writes nothing after it returns.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kindlyguard/controller/work_queue.hpp"

namespace kindlyguard::controller {

struct ReconcileResult {
  enum class Kind { Done, RequeueAfter, Failed };
  Kind kind = Kind::Done;
  std::chrono::milliseconds after{0};
  std::string error;  // for Failed: what went wrong, for the log

  static ReconcileResult done() { return {}; }
  static ReconcileResult requeue_after(std::chrono::milliseconds d) { return {Kind::RequeueAfter, d, {}}; }
  static ReconcileResult failed(std::string why) { return {Kind::Failed, {}, std::move(why)}; }
};

struct ControllerOptions {
  std::string name;  // "policy-status", "quarantine": in logs and metrics
  int workers = 1;
  std::chrono::milliseconds resync{0};  // 0: no periodic resync
  WorkQueue::Options queue{};
  // Every key there is to reconcile now (from the informer caches): enqueued on start and resync.
  std::function<std::vector<std::string>()> list_keys;
  // Told of each reconcile's outcome ("success", "requeue", "error"), for metrics.
  std::function<void(const std::string& controller, const char* result)> on_result;
  // Called at the end of stop() (leadership lost), e.g. to zero gauges only the leader keeps.
  std::function<void()> on_stop;
};

class Controller {
 public:
  using Reconcile = std::function<ReconcileResult(const std::string& key)>;

  Controller(ControllerOptions options, Reconcile reconcile);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // While stopped, keys are dropped: start() lists every key anyway.
  void enqueue(const std::string& key);
  void enqueue_after(const std::string& key, std::chrono::milliseconds delay);

  void start();
  // Returns after the running reconciles have finished; queued keys are dropped.
  void stop();
  bool running() const { return running_.load(); }
  const std::string& name() const { return options_.name; }

 private:
  void work(std::shared_ptr<WorkQueue> queue);
  void resync_loop(std::stop_token stop, std::shared_ptr<WorkQueue> queue);

  const ControllerOptions options_;
  const Reconcile reconcile_;
  std::mutex mu_;  // guards queue_ and threads_
  std::shared_ptr<WorkQueue> queue_;
  std::vector<std::thread> workers_;
  std::jthread resyncer_;
  std::atomic<bool> running_{false};
};

}  // namespace kindlyguard::controller
