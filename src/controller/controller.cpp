#include "kindlyguard/controller/controller.hpp"

#include <algorithm>
#include <condition_variable>

#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

Controller::Controller(ControllerOptions options, Reconcile reconcile)
    : options_(std::move(options)), reconcile_(std::move(reconcile)) {}

Controller::~Controller() { stop(); }

void Controller::enqueue(const std::string& key) {
  std::shared_ptr<WorkQueue> q;
  {
    std::lock_guard lock(mu_);
    q = queue_;
  }
  if (q) q->add(key);
}

void Controller::enqueue_after(const std::string& key, std::chrono::milliseconds delay) {
  std::shared_ptr<WorkQueue> q;
  {
    std::lock_guard lock(mu_);
    q = queue_;
  }
  if (q) q->add_after(key, delay);
}

void Controller::start() {
  std::lock_guard lock(mu_);
  if (queue_) return;
  auto q = std::make_shared<WorkQueue>(options_.queue);
  queue_ = q;
  running_ = true;
  if (options_.list_keys)
    for (const auto& key : options_.list_keys()) q->add(key);
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this, q] { work(q); });
  if (options_.resync.count() > 0)
    resyncer_ = std::jthread([this, q](std::stop_token stop) { resync_loop(stop, q); });
  log::info("controller started", {{"controller", options_.name}});
}

void Controller::stop() {
  std::shared_ptr<WorkQueue> q;
  std::vector<std::thread> workers;
  std::jthread resyncer;
  {
    std::lock_guard lock(mu_);
    if (!queue_) return;
    q = std::move(queue_);
    queue_.reset();
    workers.swap(workers_);
    resyncer = std::move(resyncer_);
  }
  q->shut_down();
  resyncer.request_stop();
  for (auto& t : workers) t.join();
  if (resyncer.joinable()) resyncer.join();
  running_ = false;
  if (options_.on_stop) options_.on_stop();
  log::info("controller stopped", {{"controller", options_.name}});
}

void Controller::work(std::shared_ptr<WorkQueue> queue) {
  while (auto key = queue->get()) {
    ReconcileResult result;
    try {
      result = reconcile_(*key);
    } catch (const std::exception& e) {
      result = ReconcileResult::failed(std::string("reconcile threw: ") + e.what());
    }
    const char* outcome = "success";
    switch (result.kind) {
      case ReconcileResult::Kind::Done:
        queue->forget(*key);
        break;
      case ReconcileResult::Kind::RequeueAfter:
        queue->forget(*key);
        queue->add_after(*key, result.after);
        outcome = "requeue";
        break;
      case ReconcileResult::Kind::Failed:
        outcome = "error";
        log::warn("reconcile failed, will retry",
                  {{"controller", options_.name}, {"key", *key}, {"error", result.error},
                   {"failures", std::to_string(queue->failures(*key) + 1)}});
        queue->add_rate_limited(*key);
        break;
    }
    if (options_.on_result) options_.on_result(options_.name, outcome);
    queue->done(*key);
  }
}

void Controller::resync_loop(std::stop_token stop, std::shared_ptr<WorkQueue> queue) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  while (!cv.wait_for(lock, stop, options_.resync, [] { return false; }) && !stop.stop_requested()) {
    if (options_.list_keys)
      for (const auto& key : options_.list_keys()) queue->add(key);
  }
}

}  // namespace kindlyguard::controller
