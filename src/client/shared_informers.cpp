#include "kindlyguard/client/shared_informers.hpp"

namespace kindlyguard::client {

std::string SharedInformers::key_of(const InformerOptions& o) {
  return o.resource.group + "/" + o.resource.version + "/" + o.resource.plural + "|" +
         (o.resource.namespaced ? o.ns : "") + "|" + o.label_selector + "|" + o.field_selector;
}

Informer& SharedInformers::get(const InformerOptions& options, Scope scope) {
  std::lock_guard lock(mu_);
  auto& slot = informers_[key_of(options)];
  if (!slot.informer) {
    InformerOptions o = options;
    if (!o.on_watch_restart) o.on_watch_restart = hook_;
    slot.informer = std::make_unique<Informer>(client_, std::move(o));
    slot.scope = scope;
  } else if (scope == Scope::EveryReplica) {
    slot.scope = scope;
  }
  if (running(slot.scope)) slot.informer->start();
  return *slot.informer;
}

// Starts (or stops) the informers of `scope`, or of both when scope is empty; a stopped
// LeaderOnly informer forgets its cache.
void SharedInformers::set_running(std::optional<Scope> scope, bool run) {
  std::lock_guard lock(mu_);
  if (!scope || scope == Scope::EveryReplica) started_ = run;
  if (!scope || scope == Scope::LeaderOnly) leading_ = run;
  for (auto& [k, e] : informers_) {
    if (scope && e.scope != *scope) continue;
    if (run) {
      e.informer->start();
      continue;
    }
    e.informer->stop();
    if (e.scope == Scope::LeaderOnly) e.informer->forget();
  }
}

void SharedInformers::start_all() { set_running(Scope::EveryReplica, true); }
void SharedInformers::stop_all() { set_running(std::nullopt, false); }
void SharedInformers::start_leader_only() { set_running(Scope::LeaderOnly, true); }
void SharedInformers::stop_leader_only() { set_running(Scope::LeaderOnly, false); }

bool SharedInformers::wait_for_sync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::lock_guard lock(mu_);
  for (const auto& [k, e] : informers_) {
    if (!running(e.scope)) continue;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!e.informer->wait_for_sync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

}  // namespace kindlyguard::client
