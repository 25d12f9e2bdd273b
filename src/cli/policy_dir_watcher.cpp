#include "kindlyguard/cli/policy_dir_watcher.hpp"

#include <filesystem>

#include "kindlyguard/cli/policy_files.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {
namespace fs = std::filesystem;

PolicyDirWatcher::PolicyDirWatcher(std::string dir, policy::PolicyStore& store, std::chrono::milliseconds interval,
                                   OnLoaded on_loaded)
    : dir_(std::move(dir)), store_(store), interval_(interval), on_loaded_(std::move(on_loaded)) {}

PolicyDirWatcher::~PolicyDirWatcher() { stop(); }

std::string PolicyDirWatcher::fingerprint() const {
  std::string fp;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    auto size = fs::file_size(it->path(), e2);
    auto mtime = fs::last_write_time(it->path(), e2).time_since_epoch().count();
    fp += it->path().string() + ":" + std::to_string(size) + ":" + std::to_string(mtime) + "\n";
  }
  if (ec) fp += "error:" + ec.message();
  return fp;
}

bool PolicyDirWatcher::load() {
  last_fingerprint_ = fingerprint();
  auto loaded = load_policy_files({dir_});
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors)
      log::error("invalid policy; the last valid policy set stays in force", {{"error", e}, {"dir", dir_}});
    last_ok_ = false;
    return false;
  }
  std::size_t n = loaded.policies.size();
  auto set = store_.replace(std::move(loaded.policies));
  log::info("policies loaded", {{"dir", dir_}, {"count", std::to_string(n)}, {"version", std::to_string(set->version)}});
  if (on_loaded_) on_loaded_(set->policies);
  last_ok_ = true;
  return true;
}

void PolicyDirWatcher::start() {
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void PolicyDirWatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PolicyDirWatcher::loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    if (fingerprint() != last_fingerprint_) load();
    lock.lock();
  }
}

}  // namespace kindlyguard::cli
