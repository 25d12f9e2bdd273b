#include "kindlyguard/client/shared_informers.hpp"

namespace kindlyguard::client {

std::string SharedInformers::key_of(const InformerOptions& o) {
  return o.resource.group + "/" + o.resource.version + "/" + o.resource.plural + "|" +
         (o.resource.namespaced ? o.ns : "") + "|" + o.label_selector + "|" + o.field_selector;
}

Informer& SharedInformers::get(const InformerOptions& options) {
  std::lock_guard lock(mu_);
  auto& slot = informers_[key_of(options)];
  if (!slot) {
    InformerOptions o = options;
    if (!o.on_watch_restart) o.on_watch_restart = hook_;
    slot = std::make_unique<Informer>(client_, std::move(o));
    if (started_) slot->start();
  }
  return *slot;
}

void SharedInformers::start_all() {
  std::lock_guard lock(mu_);
  started_ = true;
  for (auto& [k, inf] : informers_) inf->start();
}

void SharedInformers::stop_all() {
  std::lock_guard lock(mu_);
  started_ = false;
  for (auto& [k, inf] : informers_) inf->stop();
}

bool SharedInformers::wait_for_sync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::lock_guard lock(mu_);
  for (const auto& [k, inf] : informers_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!inf->wait_for_sync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

}  // namespace kindlyguard::client
