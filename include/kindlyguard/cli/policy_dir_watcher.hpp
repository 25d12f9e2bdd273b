#pragma once
// Standalone mode (`serve --policy-dir DIR`): keeps the policy store equal to the YAML files in a
// directory. Polls the directory's file list, sizes and mtimes (works on ConfigMap volumes, whose
// atomic symlink swaps inotify reports poorly); on a change reloads the whole set. A set with
// any error is reported and not installed: the last valid set stays in force.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::cli {

class PolicyDirWatcher {
 public:
  // Called after each valid set is installed (the policies gauge follows it).
  using OnLoaded = std::function<void(const std::vector<policy::SecurityPolicy>&)>;

  PolicyDirWatcher(std::string dir, policy::PolicyStore& store, std::chrono::milliseconds interval,
                   OnLoaded on_loaded = {});
  ~PolicyDirWatcher();

  // Loads once; false (with errors logged) when the directory holds an invalid set.
  bool load();
  void start();
  void stop();
  bool last_load_ok() const { return last_ok_; }

 private:
  std::string fingerprint() const;
  void loop();

  std::string dir_;
  policy::PolicyStore& store_;
  std::chrono::milliseconds interval_;
  OnLoaded on_loaded_;
  std::string last_fingerprint_;
  bool last_ok_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kindlyguard::cli
