#include "kindly_test_apiserver/watch_hub.hpp"

#include <algorithm>

namespace kindly::testapi {

using nlohmann::json;

bool WatchFilter::matches(const json& object) const {
  static const json empty = json::object();
  const auto m = object.find("metadata");
  const json& metadata = (m != object.end() && m->is_object()) ? *m : empty;
  if (!ns.empty() && metadata.value("namespace", "") != ns) return false;
  const auto l = metadata.find("labels");
  return labels.matches(l != metadata.end() ? *l : json()) && fields.matches(object);
}

std::optional<std::string> WatchFilter::translate(const StoredEvent& e) const {
  if (e.resource == nullptr || resource == nullptr || e.resource->qualified() != resource->qualified()) {
    return std::nullopt;
  }
  if (!ns.empty() && e.ns != ns) return std::nullopt;
  const bool now = matches(e.object);
  const bool before = !e.previous.is_null() && matches(e.previous);
  if (e.type == "ADDED") return now ? std::optional<std::string>("ADDED") : std::nullopt;
  if (e.type == "DELETED") return (before || now) ? std::optional<std::string>("DELETED") : std::nullopt;
  if (before && now) return "MODIFIED";
  if (now) return "ADDED";
  if (before) return "DELETED";
  return std::nullopt;
}

Watcher::Watcher(std::uint64_t id, WatchFilter filter, bool bookmarks)
    : id_(id), filter_(std::move(filter)), bookmarks_(bookmarks) {}

void Watcher::push(Item item) {
  {
    std::lock_guard lock(mu_);
    if (end_ != End::Open) return;
    queue_.push_back(std::move(item));
  }
  cv_.notify_all();
}

void Watcher::close(End reason, json error_status) {
  {
    std::lock_guard lock(mu_);
    if (end_ != End::Open) return;
    if (!error_status.is_null()) queue_.push_back({"ERROR", std::move(error_status)});
    if (reason == End::Dropped || reason == End::Stopped) queue_.clear();  // cut mid-stream
    end_ = reason;
  }
  cv_.notify_all();
}

Watcher::End Watcher::end() const {
  std::lock_guard lock(mu_);
  return end_;
}

std::size_t Watcher::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

Watcher::Wait Watcher::next(Item& out, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return !queue_.empty() || end_ != End::Open; });
  if (!queue_.empty()) {
    out = std::move(queue_.front());
    queue_.pop_front();
    return Wait::Item;
  }
  return end_ != End::Open ? Wait::Closed : Wait::Timeout;
}

void WatchHub::add(std::shared_ptr<Watcher> w) { watchers_.push_back(std::move(w)); }

void WatchHub::remove(const Watcher* w) {
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(), [&](const auto& p) { return p.get() == w; }),
                  watchers_.end());
}

void WatchHub::publish(const StoredEvent& e) {
  for (const auto& w : watchers_) {
    if (auto type = w->filter().translate(e)) w->push({*type, e.object});
  }
}

std::size_t WatchHub::close_all(Watcher::End reason, const ResourceInfo* only, const json& error_status) {
  std::size_t n = 0;
  for (const auto& w : watchers_) {
    if (only && w->filter().resource->qualified() != only->qualified()) continue;
    if (w->end() != Watcher::End::Open) continue;
    w->close(reason, error_status);
    ++n;
  }
  return n;
}

std::size_t WatchHub::count(const ResourceInfo* only) const {
  return static_cast<std::size_t>(std::count_if(watchers_.begin(), watchers_.end(), [&](const auto& w) {
    return w->end() == Watcher::End::Open && (!only || w->filter().resource->qualified() == only->qualified());
  }));
}

std::size_t WatchHub::backlog(const ResourceInfo* only) const {
  std::size_t most = 0;
  for (const auto& w : watchers_) {
    if (w->end() != Watcher::End::Open) continue;
    if (only && w->filter().resource->qualified() != only->qualified()) continue;
    most = std::max(most, w->queued());
  }
  return most;
}

json watch_event_json(const std::string& type, const json& object) { return {{"type", type}, {"object", object}}; }

}  // namespace kindly::testapi
