#pragma once
// Standalone mode (`serve --policy-dir DIR`): keeps the policy store equal to the YAML files in a
// directory. Polls the directory's file list, sizes and mtimes (works on ConfigMap volumes, whose
// atomic symlink swaps inotify reports poorly); on a change reloads the whole set. A set with
// any error is reported and not installed: the last valid set stays in force.
//
// Two states matter to the webhook, and they are kept apart:
// - has_valid_set(): some valid set was installed, so reviews can be judged. Until then the
//   webhook answers errors (fail closed) and /readyz says not ready.
// - degraded (has_valid_set() && !last_load_ok()): a later edit broke the files. The last valid
//   set judges, the replica stays ready (with failurePolicy Fail an unready webhook would block
//   every pod for one typo), and the errors go to the log and the degraded gauge.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kindlyguard/policy/exception_store.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::cli {

class PolicyDirWatcher {
 public:
  // Called after each valid set is installed (the policies gauge follows it).
  using OnLoaded = std::function<void(const std::vector<policy::SecurityPolicy>&)>;
  // Called after every load attempt with its outcome (the degraded gauge follows it).
  using OnResult = std::function<void(bool ok)>;

  PolicyDirWatcher(std::string dir, policy::PolicyStore& store, std::chrono::milliseconds interval,
                   OnLoaded on_loaded = {}, OnResult on_result = {});
  ~PolicyDirWatcher();

  // SecurityPolicyExceptions in the same files go to `exceptions`, replaced with each valid set
  // (one load installs both; an error in either kind keeps both old sets). Set before load().
  void set_exception_store(policy::ExceptionStore* exceptions) { exceptions_ = exceptions; }
  // Loads once; false (with errors logged) when the directory holds an invalid set.
  bool load();
  void start();
  void stop();
  // Thread-safe: read by request threads while the watcher's thread loads.
  bool has_valid_set() const { return has_valid_set_.load(); }
  bool last_load_ok() const { return last_ok_.load(); }
  // The first error of the last load and how many more there are ("" after a good one).
  std::string last_errors() const;

 private:
  std::string fingerprint() const;
  void install_exceptions(std::vector<policy::SecurityPolicyException> loaded);
  void loop();

  std::string dir_;
  policy::PolicyStore& store_;
  policy::ExceptionStore* exceptions_ = nullptr;
  std::chrono::milliseconds interval_;
  OnLoaded on_loaded_;
  OnResult on_result_;
  std::string last_fingerprint_;
  std::atomic<bool> last_ok_{false};
  std::atomic<bool> has_valid_set_{false};
  mutable std::mutex errors_mu_;
  std::string last_errors_;  // guarded by errors_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kindlyguard::cli
