// EventRecorder: a bounded queue in front of one writer thread; aggregation into series first,
// then a token bucket per object and source for new series, as client-go does. See event_recorder.hpp.
#include "kindlyguard/controller/event_recorder.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

using nlohmann::json;
using SysClock = std::chrono::system_clock;

namespace {

constexpr std::size_t kMaxNote = 1024;      // events.k8s.io/v1 validation: note <= 1 kB
constexpr std::size_t kMaxNamePrefix = 200;  // + "." + 16 hex digits stays within 253

// Cut at a UTF-8 character boundary, with "..." to show it was cut.
std::string cut_note(std::string note) {
  if (note.size() <= kMaxNote) return note;
  std::size_t end = kMaxNote - 3;
  while (end > 0 && (static_cast<unsigned char>(note[end]) & 0xC0) == 0x80) --end;
  note.resize(end);
  return note + "...";
}

std::string series_key_of(const EventRecord& r) {
  return r.regarding.identity() + "\x1f" + r.reason + "\x1f" + to_string(r.type) + "\x1f" +
         (r.series_key.empty() ? r.note : r.series_key);
}

class ApiSink : public EventSink {
 public:
  explicit ApiSink(client::ApiClient& api) : api_(api) {}
  client::ApiResult<json> create(const json& event) override {
    return api_.create(client::resources::events, event, {}, call());
  }
  client::ApiResult<json> patch(const std::string& ns, const std::string& name, const json& merge_patch) override {
    return api_.patch(client::resources::events, ns, name, client::PatchType::Merge, merge_patch, {}, "", call());
  }

 private:
  // Our own retries come on top; one Event is never worth a long wait.
  static client::CallOptions call() {
    client::CallOptions c;
    c.timeout = std::chrono::seconds(10);
    c.max_retries = 1;
    return c;
  }
  client::ApiClient& api_;
};

}  // namespace

const char* to_string(EventType t) { return t == EventType::Warning ? "Warning" : "Normal"; }

std::string format_micro_time(SysClock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  long frac = static_cast<long>(us % 1'000'000);
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06ldZ", date, frac);
  return out;
}

ObjectReference ObjectReference::of(const json& object) {
  ObjectReference r;
  if (!object.is_object()) return r;
  r.api_version = object.value("apiVersion", "");
  r.kind = object.value("kind", "");
  const k8s::Meta meta(object);
  r.namespace_ = meta.namespace_();
  r.name = meta.name();
  r.uid = meta.uid();
  r.resource_version = meta.resource_version();
  return r;
}

json ObjectReference::to_json() const {
  json j = {{"apiVersion", api_version}, {"kind", kind}, {"name", name}};
  if (!namespace_.empty()) j["namespace"] = namespace_;
  if (!uid.empty()) j["uid"] = uid;
  if (!resource_version.empty()) j["resourceVersion"] = resource_version;
  return j;
}

std::string ObjectReference::identity() const {
  return uid.empty() ? kind + "/" + namespace_ + "/" + name : uid;
}

std::unique_ptr<EventSink> api_event_sink(client::ApiClient& api) { return std::make_unique<ApiSink>(api); }

EventRecorder::EventRecorder(client::ApiClient& api, EventRecorderOptions options)
    : EventRecorder(api_event_sink(api), std::move(options)) {}

EventRecorder::EventRecorder(std::unique_ptr<EventSink> sink, EventRecorderOptions options)
    : sink_(std::move(sink)), options_(std::move(options)) {
  worker_ = std::thread([this] { run(); });
}

EventRecorder::~EventRecorder() { stop(); }

SysClock::time_point EventRecorder::now() const { return options_.now ? options_.now() : SysClock::now(); }

bool EventRecorder::take_token(const EventRecord& r, SysClock::time_point at) {
  std::string key = r.regarding.identity() + "\x1f" + r.source;
  // Past max_tracked, sources not seen yet share one bucket: forged sources cannot grow the map,
  // and the sources already tracked keep theirs.
  if (buckets_.size() >= options_.max_tracked && !buckets_.count(key)) key = "\x1f(overflow)";
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  const double burst = std::max(1, options_.burst);
  if (fresh) {
    b.tokens = burst;
  } else if (options_.refill_every.count() > 0 && at > b.updated) {
    const double elapsed = std::chrono::duration<double, std::milli>(at - b.updated).count();
    b.tokens = std::min(burst, b.tokens + elapsed / static_cast<double>(options_.refill_every.count()));
  }
  b.updated = std::max(b.updated, at);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void EventRecorder::enqueue(Pending p) {
  queue_.push_back(std::move(p));
  queued_[queue_.back().key] = &queue_.back();  // deque elements stay put while others come and go
}

void EventRecorder::sweep(SysClock::time_point at) {
  for (auto& [key, series] : series_) {
    if (series.unsent == 0 || at - series.written < options_.series_patch_interval) continue;
    if (queued_.count(key) || key == writing_) continue;  // that write will take them along
    if (queue_.size() >= options_.queue_capacity) return;
    enqueue(Pending{key, series.record, series.unsent_last, series.unsent_last, series.unsent});
    series.unsent = 0;
    --unsent_series_;
  }
}

void EventRecorder::tally(std::uint64_t EventRecorderStats::*count, const char* outcome) {
  {
    std::lock_guard lock(mu_);
    ++(stats_.*count);
  }
  if (options_.on_outcome) options_.on_outcome(outcome);
}

bool EventRecorder::record(EventRecord event) {
  const auto at = now();
  event.note = cut_note(std::move(event.note));
  const std::string key = series_key_of(event);
  std::uint64_t dropped = 0;
  const char* why = nullptr;
  bool dropped_full = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    // Grouping first: a repeat of a series is a count, never a new Event, and costs no token.
    if (auto q = queued_.find(key); q != queued_.end()) {
      Pending& waiting = *q->second;  // its write has not started: one more occurrence in it
      ++waiting.count;
      waiting.last_observed = std::max(waiting.last_observed, at);
      ++stats_.recorded;
      ++stats_.aggregated;
      return true;
    }
    auto s = series_.find(key);
    const bool repeat = s != series_.end() && at - s->second.last <= options_.series_window;
    if (repeat && at - s->second.written < options_.series_patch_interval) {
      Series& series = s->second;  // written a moment ago: the next write (or the sweep) counts it
      if (series.unsent++ == 0) ++unsent_series_;
      series.unsent_last = std::max(series.unsent_last, at);
      series.last = std::max(series.last, at);
      ++stats_.recorded;
      ++stats_.aggregated;
      return true;
    }
    if (queue_.size() >= options_.queue_capacity) {
      dropped = ++stats_.dropped_queue_full;
      why = "queue full";
      dropped_full = true;
    } else if (!repeat && key != writing_ && !take_token(event, at)) {
      // Only new series reach the rate limit, and each (object, source) has its own bucket.
      dropped = ++stats_.dropped_rate_limited;
      why = "rate limited";
    } else {
      ++stats_.recorded;
      Pending p{key, std::move(event), at, at, 1};
      if (repeat && s->second.unsent > 0) {
        p.count += s->second.unsent;
        s->second.unsent = 0;
        --unsent_series_;
      }
      enqueue(std::move(p));
    }
  }
  if (why) {
    if (options_.on_outcome) options_.on_outcome(dropped_full ? "dropped_queue_full" : "dropped_rate_limited");
    // The first drop and then every hundredth: a flood must not become a flood of log lines.
    if (dropped == 1 || dropped % 100 == 0)
      log::warn("event dropped", {{"reason", event.reason},
                                  {"object", event.regarding.kind + " " + event.regarding.namespace_ + "/" + event.regarding.name},
                                  {"source", event.source},
                                  {"why", why},
                                  {"dropped", std::to_string(dropped)}});
    return false;
  }
  cv_.notify_one();
  return true;
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return (queue_.empty() && !busy_) || stopping_; }) &&
         queue_.empty() && !busy_;
}

void EventRecorder::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  idle_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard lock(mu_);
  stats_.abandoned += queue_.size();
  queued_.clear();
  queue_.clear();
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void EventRecorder::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, options_.sweep_every, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    if (unsent_series_ > 0) sweep(now());
    if (queue_.empty()) continue;
    Pending p = std::move(queue_.front());
    queued_.erase(p.key);
    queue_.pop_front();
    writing_ = p.key;
    busy_ = true;
    lock.unlock();
    try {
      write(std::move(p));
    } catch (const std::exception& e) {
      log::error("writing an event threw", {{"error", e.what()}});
    }
    lock.lock();
    writing_.clear();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  busy_ = false;
  idle_cv_.notify_all();
}

client::ApiResult<json> EventRecorder::attempt(const std::function<client::ApiResult<json>()>& call) {
  auto result = call();
  for (int i = 1; i < options_.max_attempts && !result.ok() && result.error().is_retryable(); ++i) {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, options_.retry_delay * i, [this] { return stopping_; })) break;
    lock.unlock();
    result = call();
  }
  return result;
}

json EventRecorder::build(const Pending& p, const std::string& name) const {
  const EventRecord& r = p.record;
  const std::string ns = r.regarding.namespace_.empty() ? "default" : r.regarding.namespace_;
  return {{"apiVersion", "events.k8s.io/v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"eventTime", format_micro_time(p.observed)},
          {"reportingController", options_.reporting_controller},
          {"reportingInstance", options_.reporting_instance},
          {"action", r.action},
          {"reason", r.reason},
          {"regarding", r.regarding.to_json()},
          {"note", r.note},
          {"type", to_string(r.type)}};
}

void EventRecorder::forget_old(SysClock::time_point at) {
  if (series_.size() > options_.max_tracked) {
    auto erase = [this](std::map<std::string, Series>::iterator it) {
      if (it->second.unsent > 0) --unsent_series_;
      return series_.erase(it);
    };
    for (auto it = series_.begin(); it != series_.end();)
      it = at - it->second.last > options_.series_window ? erase(it) : std::next(it);
    while (series_.size() > options_.max_tracked)
      erase(std::min_element(series_.begin(), series_.end(),
                             [](const auto& a, const auto& b) { return a.second.last < b.second.last; }));
  }
  // A bucket idle long enough to be full again says nothing: forget it.
  const auto full_after = options_.refill_every * std::max(1, options_.burst);
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = at - it->second.updated > full_after ? buckets_.erase(it) : std::next(it);
}

void EventRecorder::write(Pending p) {
  std::optional<Series> existing;
  {
    std::lock_guard lock(mu_);
    auto it = series_.find(p.key);
    if (it != series_.end() && p.observed - it->second.last <= options_.series_window) existing = it->second;
  }
  if (existing) {
    const Series& s = *existing;
    json patch = {{"series", {{"count", s.count + p.count}, {"lastObservedTime", format_micro_time(p.last_observed)}}}};
    auto patched = attempt([&] { return sink_->patch(s.ns, s.name, patch); });
    if (patched.ok()) {
      {
        std::lock_guard lock(mu_);
        if (auto it = series_.find(p.key); it != series_.end()) {
          it->second.count += p.count;
          it->second.last = std::max(it->second.last, p.last_observed);
          it->second.written = now();
        }
      }
      return tally(&EventRecorderStats::patched, "patched");
    }
    if (!patched.error().is_not_found()) {
      log::warn("event series update failed", {{"event", s.ns + "/" + s.name}, {"error", patched.error().to_string()}});
      return tally(&EventRecorderStats::failed, "failed");
    }
    // The Event is gone (its TTL passed, or someone deleted it): start a new one with this count.
    std::lock_guard lock(mu_);
    if (auto it = series_.find(p.key); it != series_.end()) {
      if (it->second.unsent > 0) {
        p.count += it->second.unsent;
        --unsent_series_;
      }
      series_.erase(it);
    }
  }

  // client-go's naming: the object's name and the time in hex nanoseconds.
  std::string prefix = p.record.regarding.name.empty() ? "kindlyguard" : p.record.regarding.name;
  if (prefix.size() > kMaxNamePrefix) prefix.resize(kMaxNamePrefix);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(SysClock::now().time_since_epoch()).count();
  client::ApiResult<json> created = client::ApiError{};
  for (std::int64_t salt = 0; salt < 3; ++salt) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos + salt));
    json event = build(p, prefix + "." + hex);
    if (p.count > 1)  // repeats arrived before the first write: the Event starts as a series
      event["series"] = {{"count", p.count}, {"lastObservedTime", format_micro_time(p.last_observed)}};
    created = attempt([&] { return sink_->create(event); });
    if (created.ok() || !created.error().is_already_exists()) break;
  }
  if (!created.ok()) {
    log::warn("event not written", {{"reason", p.record.reason},
                                    {"object", p.record.regarding.kind + " " + p.record.regarding.namespace_ + "/" +
                                                   p.record.regarding.name},
                                    {"error", created.error().to_string()}});
    return tally(&EventRecorderStats::failed, "failed");
  }
  const k8s::Meta meta(*created);
  {
    std::lock_guard lock(mu_);
    Series& s = series_[p.key];
    if (s.unsent > 0) --unsent_series_;  // an expired series of the same key is replaced
    s = Series{meta.namespace_(), meta.name(), p.count, p.last_observed, now(), 0, {}, p.record};
    forget_old(p.observed);
  }
  tally(&EventRecorderStats::created, "created");
}

}  // namespace kindlyguard::controller
