#pragma once
// One informer per (resource, namespace, selectors), shared by every part of the process that
// wants it (the webhook's namespace labels, the policy set, the controllers), as client-go's
// SharedInformerFactory: one list and one watch per resource however many handlers there are.

#include <chrono>
#include <map>
#include <memory>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "kindlyguard/client/informer.hpp"

namespace kindlyguard::client {

class SharedInformers {
 public:
  explicit SharedInformers(ApiClient& client) : client_(client) {}
  ~SharedInformers() { stop_all(); }
  SharedInformers(const SharedInformers&) = delete;
  SharedInformers& operator=(const SharedInformers&) = delete;

  // Who needs an informer: every replica (the webhook's policies, exceptions, namespace labels),
  // or only the replica that leads (the controllers' caches: a follower holds none of them).
  enum class Scope { EveryReplica, LeaderOnly };

  // The informer for these options, created on first use (and started at once if its scope has
  // been started). Options that differ only in resync/backoff/transform share the first one's.
  // An informer asked for by both scopes runs on every replica.
  Informer& get(const InformerOptions& options, Scope scope = Scope::EveryReplica);
  // Given to every informer created from now on (metrics of watch restarts).
  void set_watch_restart_hook(std::function<void(const std::string&, const char*)> hook) { hook_ = std::move(hook); }
  // The EveryReplica informers.
  void start_all();
  // Every informer; the LeaderOnly ones also forget their caches.
  void stop_all();
  // The LeaderOnly informers, when this replica starts and stops leading. Stopping forgets their
  // caches (a follower holds none; the next leadership lists afresh) without telling handlers.
  void start_leader_only();
  void stop_leader_only();
  // True when every running informer has synced within the timeout.
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

 private:
  static std::string key_of(const InformerOptions& o);

  ApiClient& client_;
  mutable std::mutex mu_;
  struct Entry {
    std::unique_ptr<Informer> informer;
    Scope scope = Scope::EveryReplica;
  };
  bool running(Scope scope) const { return scope == Scope::EveryReplica ? started_ : leading_; }
  void set_running(std::optional<Scope> scope, bool run);

  std::map<std::string, Entry> informers_;
  bool started_ = false;
  bool leading_ = false;
  std::function<void(const std::string&, const char*)> hook_;
};

}  // namespace kindlyguard::client
