#include "kindlyguard/cli/policy_dir_watcher.hpp"

#include <filesystem>

#include "kindlyguard/cli/policy_files.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {
namespace fs = std::filesystem;

PolicyDirWatcher::PolicyDirWatcher(std::string dir, policy::PolicyStore& store, std::chrono::milliseconds interval,
                                   OnLoaded on_loaded, OnResult on_result)
    : dir_(std::move(dir)),
      store_(store),
      interval_(interval),
      on_loaded_(std::move(on_loaded)),
      on_result_(std::move(on_result)) {}

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

std::string PolicyDirWatcher::last_errors() const {
  std::lock_guard lock(errors_mu_);
  return last_errors_;
}

// Exceptions go in before the policies they name, so a request that sees a new policy also sees
// the exceptions written for it.
void PolicyDirWatcher::install_exceptions(std::vector<policy::SecurityPolicyException> loaded) {
  // An exception that can never apply is installed (it excuses nothing) but said loudly: its
  // author expects it to work.
  for (const auto& e : loaded)
    if (std::string why = policy::invalid_reason(e, exceptions_->admin_namespaces()); !why.empty())
      log::warn("SecurityPolicyException excuses nothing", {{"exception", e.key()}, {"dir", dir_}, {"reason", why}});
  std::size_t n = loaded.size();
  const bool had_some = !exceptions_->get()->exceptions.empty();
  auto set = exceptions_->replace(std::move(loaded));
  if (n > 0 || had_some)  // directories without exceptions log as they always did
    log::info("exceptions loaded", {{"dir", dir_}, {"count", std::to_string(n)}, {"version", std::to_string(set->version)}});
}

bool PolicyDirWatcher::load() {
  last_fingerprint_ = fingerprint();
  auto loaded = load_policy_files({dir_});
  if (!loaded.errors.empty()) {
    // The first error, for messages (every one is logged below).
    std::string summary = loaded.errors.front();
    if (loaded.errors.size() > 1)
      summary += " (and " + std::to_string(loaded.errors.size() - 1) + " more errors in the log)";
    {
      std::lock_guard lock(errors_mu_);
      last_errors_ = std::move(summary);
    }
    last_ok_ = false;
    // Say what the error means for admission: judged by the old set, or not judged at all.
    const bool degraded = has_valid_set_;
    const std::string consequence =
        degraded ? "invalid policy files; the last valid policy set stays in force and this replica stays ready "
                   "(kindly_security_policy_set_degraded=1) until they are fixed"
                 : "invalid policy files and no valid policy set loaded yet: every review is answered HTTP 503 "
                   "(the webhook's failurePolicy decides) and /readyz is 503 until they are fixed";
    for (const auto& e : loaded.errors) log::error(consequence, {{"error", e}, {"dir", dir_}});
    if (degraded)
      log::warn("policy set degraded", {{"dir", dir_},
                                        {"errors", std::to_string(loaded.errors.size())},
                                        {"inForceVersion", std::to_string(store_.get()->version)}});
    if (on_result_) on_result_(false);
    return false;
  }
  if (exceptions_) install_exceptions(std::move(loaded.exceptions));
  std::size_t n = loaded.policies.size();
  auto set = store_.replace(std::move(loaded.policies));
  log::info("policies loaded", {{"dir", dir_}, {"count", std::to_string(n)}, {"version", std::to_string(set->version)}});
  if (on_loaded_) on_loaded_(set->policies);
  {
    std::lock_guard lock(errors_mu_);
    last_errors_.clear();
  }
  last_ok_ = true;
  has_valid_set_ = true;
  if (on_result_) on_result_(true);
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
