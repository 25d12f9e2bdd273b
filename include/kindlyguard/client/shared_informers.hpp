#pragma once
// One informer per (resource, namespace, selectors), shared by every part of the process that
// wants it (the webhook's namespace labels, the policy set, the controllers), as client-go's
// SharedInformerFactory: one list and one watch per resource however many handlers there are.

#include <chrono>
#include <map>
#include <memory>
#include <functional>
#include <mutex>
#include <string>

#include "kindlyguard/client/informer.hpp"

namespace kindlyguard::client {

class SharedInformers {
 public:
  explicit SharedInformers(ApiClient& client) : client_(client) {}
  ~SharedInformers() { stop_all(); }
  SharedInformers(const SharedInformers&) = delete;
  SharedInformers& operator=(const SharedInformers&) = delete;

  // The informer for these options, created on first use (and started at once if start_all()
  // was already called). Options that differ only in resync/backoff share the first one's.
  Informer& get(const InformerOptions& options);
  // Given to every informer created from now on (metrics of watch restarts).
  void set_watch_restart_hook(std::function<void(const std::string&, const char*)> hook) { hook_ = std::move(hook); }
  void start_all();
  void stop_all();
  // True when every informer has synced within the timeout.
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

 private:
  static std::string key_of(const InformerOptions& o);

  ApiClient& client_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Informer>> informers_;
  bool started_ = false;
  std::function<void(const std::string&, const char*)> hook_;
};

}  // namespace kindlyguard::client
