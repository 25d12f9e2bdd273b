// Informer: list, then watch from the list's resourceVersion; resume after drops; relist and
// emit the difference after 410; back off on errors. See informer.hpp.
#include "kindlyguard/client/informer.hpp"

#include <random>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::client {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

Informer::Informer(ApiClient& client, InformerOptions options) : client_(client), options_(std::move(options)) {}

Informer::~Informer() { stop(); }

void Informer::add_handlers(InformerHandlers handlers) {
  std::lock_guard dispatch(dispatch_mu_);
  std::vector<ObjectPtr> snapshot = list();
  if (handlers.on_add)
    for (const auto& obj : snapshot) handlers.on_add(*obj);
  if (handlers.on_synced && has_synced()) handlers.on_synced();
  handlers_.push_back(std::move(handlers));
}

void Informer::start() {
  std::lock_guard lock(life_mu_);
  if (worker_.joinable()) return;
  worker_ = std::jthread([this](std::stop_token st) { run(st); });
  if (options_.resync.count() > 0) resyncer_ = std::jthread([this](std::stop_token st) { resync_loop(st); });
}

void Informer::stop() {
  std::lock_guard lock(life_mu_);
  for (auto* t : {&worker_, &resyncer_}) {
    if (!t->joinable()) continue;
    t->request_stop();
    t->join();
  }
}

void Informer::forget() {
  std::lock_guard life(life_mu_);
  if (worker_.joinable()) return;  // running: its cache is live
  std::lock_guard dispatch(dispatch_mu_);
  {
    std::unique_lock lock(cache_mu_);
    cache_.clear();
    rv_.clear();
  }
  std::lock_guard lock(sync_mu_);
  synced_ = false;
}

bool Informer::has_synced() const {
  std::lock_guard lock(sync_mu_);
  return synced_;
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(sync_mu_);
  return sync_cv_.wait_for(lock, timeout, [this] { return synced_; });
}

Informer::ObjectPtr Informer::get(const std::string& key) const {
  std::shared_lock lock(cache_mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<Informer::ObjectPtr> Informer::list() const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
  return out;
}

std::size_t Informer::size() const {
  std::shared_lock lock(cache_mu_);
  return cache_.size();
}

std::string Informer::resource_version() const {
  std::shared_lock lock(cache_mu_);
  return rv_;
}

InformerStats Informer::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

// List items of built-in types come without kind and apiVersion; handlers get them filled in.
json Informer::normalise(json obj) const {
  if (obj.is_object()) {
    if (!obj.contains("kind") && !options_.resource.kind.empty()) obj["kind"] = options_.resource.kind;
    if (!obj.contains("apiVersion")) obj["apiVersion"] = options_.resource.api_version();
  }
  if (options_.transform) return options_.transform(std::move(obj));
  return obj;
}

namespace {
template <class F, class... A>
void call_safely(const F& f, const char* what, const std::string& resource, A&&... args) {
  if (!f) return;
  try {
    f(std::forward<A>(args)...);
  } catch (const std::exception& e) {
    log::error("an informer handler threw", {{"handler", what}, {"resource", resource}, {"error", e.what()}});
  } catch (...) {
    log::error("an informer handler threw", {{"handler", what}, {"resource", resource}});
  }
}
}  // namespace

void Informer::emit_add(const json& obj) {
  for (const auto& h : handlers_) call_safely(h.on_add, "on_add", options_.resource.qualified(), obj);
}
void Informer::emit_update(const json& old_obj, const json& new_obj) {
  for (const auto& h : handlers_) call_safely(h.on_update, "on_update", options_.resource.qualified(), old_obj, new_obj);
}
void Informer::emit_delete(const json& obj) {
  for (const auto& h : handlers_) call_safely(h.on_delete, "on_delete", options_.resource.qualified(), obj);
}

// Called under dispatch_mu_. The on_synced handlers run before has_synced() turns true, so a
// caller of wait_for_sync() finds them done.
void Informer::mark_synced() {
  if (has_synced()) return;
  for (const auto& h : handlers_) call_safely(h.on_synced, "on_synced", options_.resource.qualified());
  {
    std::lock_guard lock(sync_mu_);
    synced_ = true;
  }
  sync_cv_.notify_all();
}

bool Informer::relist(std::stop_token stop) {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  lo.limit = options_.page_size;
  CallOptions call;
  call.stop = stop;
  const std::string ns = options_.resource.namespaced ? options_.ns : "";
  // Each page's objects go into the fresh cache (transformed) before the next page is fetched.
  Cache fresh;
  auto listed = client_.list_pages(
      options_.resource, ns, lo,
      [&](json& page, bool restart) {
        if (restart) fresh.clear();
        auto items = page.find("items");
        if (items == page.end() || !items->is_array()) return;
        for (auto& item : *items) {
          json obj = normalise(std::move(item));
          std::string key = object_key(obj);
          fresh.emplace(std::move(key), std::make_shared<const json>(std::move(obj)));
        }
      },
      call);
  if (!listed) {
    if (!stop.stop_requested())
      log::warn("informer list failed", {{"resource", options_.resource.qualified()}, {"error", listed.error().to_string()}});
    return false;
  }
  const std::string list_rv = k8s::Meta(*listed).resource_version();

  std::lock_guard dispatch(dispatch_mu_);
  Cache old;
  {
    std::unique_lock lock(cache_mu_);
    old = std::move(cache_);
    cache_ = fresh;
    rv_ = list_rv;
  }
  std::uint64_t changes = 0;
  for (const auto& [key, obj] : fresh) {
    auto it = old.find(key);
    if (it == old.end()) {
      emit_add(*obj);
      ++changes;
    } else if (const std::string rv = k8s::Meta(*obj).resource_version();
               rv.empty() || k8s::Meta(*it->second).resource_version() != rv) {
      emit_update(*it->second, *obj);
      ++changes;
    }
  }
  for (const auto& [key, obj] : old)
    if (!fresh.count(key)) {
      emit_delete(*obj);
      ++changes;
    }
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.lists;
    stats_.events += changes;
  }
  mark_synced();
  log::debug("informer listed", {{"resource", options_.resource.qualified()},
                                 {"objects", std::to_string(fresh.size())},
                                 {"resourceVersion", list_rv}});
  return true;
}

void Informer::apply(WatchEvent&& event, bool& expired, bool& errored) {
  if (event.type == WatchEvent::Type::Error) {
    ApiError e = event.error();
    if (e.is_gone()) {
      expired = true;
    } else {
      errored = true;
      log::warn("watch error event", {{"resource", options_.resource.qualified()}, {"error", e.to_string()}});
    }
    return;
  }
  const std::string rv = event.resource_version();
  if (event.type == WatchEvent::Type::Bookmark) {
    if (!rv.empty()) {
      std::unique_lock lock(cache_mu_);
      rv_ = rv;
    }
    return;
  }
  json obj = normalise(std::move(event.object));
  const std::string key = object_key(obj);
  std::lock_guard dispatch(dispatch_mu_);
  ObjectPtr previous;
  ObjectPtr current;
  {
    std::unique_lock lock(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) previous = it->second;
    if (event.type == WatchEvent::Type::Deleted) {
      if (it != cache_.end()) cache_.erase(it);
    } else {
      current = std::make_shared<const json>(std::move(obj));
      cache_[key] = current;
    }
    if (!rv.empty()) rv_ = rv;
  }
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.events;
  }
  if (event.type == WatchEvent::Type::Deleted) {
    if (previous) emit_delete(obj);
  } else if (previous) {
    emit_update(*previous, *current);
  } else {
    emit_add(*current);
  }
}

Informer::WatchOutcome Informer::watch_once(std::stop_token stop, std::chrono::milliseconds& retry_after) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  WatchOptions wo;
  wo.label_selector = options_.label_selector;
  wo.field_selector = options_.field_selector;
  wo.resource_version = resource_version();
  wo.allow_bookmarks = true;
  std::uniform_int_distribution<int> spread(0, std::max(0, options_.watch_timeout_seconds - 1));
  wo.timeout_seconds = options_.watch_timeout_seconds + spread(rng);
  wo.idle_slack = options_.idle_slack;
  const std::string ns = options_.resource.namespaced ? options_.ns : "";
  bool expired = false;
  bool errored = false;
  const auto started = Clock::now();
  auto res = client_.watch(
      options_.resource, ns, wo, [&](WatchEvent&& e) { apply(std::move(e), expired, errored); }, stop);
  if (stop.stop_requested()) return WatchOutcome::Stopped;
  if (!res) {
    if (res.error().is_gone()) return WatchOutcome::Expired;
    if (res.error().retry_after) retry_after = std::min<std::chrono::milliseconds>(*res.error().retry_after, options_.backoff.max);
    log::warn("informer watch failed", {{"resource", options_.resource.qualified()}, {"error", res.error().to_string()}});
    return WatchOutcome::Failed;
  }
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.watches;
  }
  if (expired) return WatchOutcome::Expired;
  if (errored) return WatchOutcome::Failed;
  if (res->how == WatchEnd::How::Dropped) {
    log::info("informer watch dropped; resuming", {{"resource", options_.resource.qualified()},
                                                   {"resourceVersion", resource_version()},
                                                   {"reason", res->message}});
    return WatchOutcome::Failed;
  }
  // A clean end that came at once and brought nothing is a server in trouble, not a healthy
  // watch: treat it as a failure so that it backs off instead of spinning.
  if (res->events == 0 && Clock::now() - started < std::chrono::seconds(1)) return WatchOutcome::Failed;
  return WatchOutcome::Healthy;
}

void Informer::run(std::stop_token stop) {
  Backoff backoff(options_.backoff);
  bool need_list = true;
  int expired_in_a_row = 0;
  while (!stop.stop_requested()) {
    if (need_list) {
      if (!relist(stop)) {
        if (stop.stop_requested()) break;
        {
          std::lock_guard lock(stats_mu_);
          ++stats_.errors;
        }
        sleep_for(backoff.next(), stop);
        continue;
      }
      need_list = false;
    }
    const auto started = Clock::now();
    std::chrono::milliseconds retry_after{0};
    switch (watch_once(stop, retry_after)) {
      case WatchOutcome::Stopped: return;
      case WatchOutcome::Expired:
        log::info("watch history expired; relisting", {{"resource", options_.resource.qualified()}});
        need_list = true;
        {
          std::lock_guard lock(stats_mu_);
          ++stats_.relists;
        }
        if (options_.on_watch_restart) options_.on_watch_restart(options_.resource.qualified(), "expired");
        // A fresh list's resourceVersion expiring again at once is not normal: slow down.
        if (++expired_in_a_row > 1) sleep_for(backoff.next(), stop);
        break;
      case WatchOutcome::Healthy:
        expired_in_a_row = 0;
        backoff.reset();
        {
          std::lock_guard lock(stats_mu_);
          ++stats_.resumes;
        }
        if (options_.on_watch_restart) options_.on_watch_restart(options_.resource.qualified(), "ended");
        break;
      case WatchOutcome::Failed:
        // A watch that ran for a good while before failing starts the backoff afresh.
        if (Clock::now() - started > std::chrono::seconds(30)) backoff.reset();
        {
          std::lock_guard lock(stats_mu_);
          ++stats_.errors;
          ++stats_.resumes;
        }
        if (options_.on_watch_restart) options_.on_watch_restart(options_.resource.qualified(), "failed");
        sleep_for(std::max(backoff.next(), retry_after), stop);
        break;
    }
  }
}

void Informer::resync_loop(std::stop_token stop) {
  while (sleep_for(options_.resync, stop)) {
    if (!has_synced()) continue;
    std::lock_guard dispatch(dispatch_mu_);
    for (const auto& obj : list()) emit_update(*obj, *obj);
  }
}

}  // namespace kindlyguard::client
