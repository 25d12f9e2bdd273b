#pragma once
// Kubernetes Events (events.k8s.io/v1) about the objects kindlyguard acts on, written the way
// client-go's recorders write them:
//
// - Grouping comes first. One Event object per (regarding object, reason, type, series key) and
//   window: an identical record within `series_window` of the last one does not create a new
//   Event; it becomes a count on the existing one's series (series.count and
//   series.lastObservedTime, PATCHed; kubectl describe then shows "(x5 over 3m)"). The series key
//   is the note unless the caller gives one. A repeat costs no token and no queue slot, and a
//   series is written at most once per `series_patch_interval`: repeats in between add to the
//   count of the next write (made by the next repeat, or by the worker once the interval is over).
// - Then the rate limit, for new series only: a token bucket per (regarding object, source),
//   `burst` new Events at once, then one per `refill_every` (client-go's EventCorrelator spam
//   filter keys on source and object too: burst 25, one per 5 minutes). The source is who caused
//   the Event (for PolicyViolation: the requesting namespace), so one noisy namespace, or forged
//   reviews, use up their own bucket and never hide the Events others cause about the same
//   policy. Past `max_tracked` buckets, sources not yet seen share one overflow bucket, so the
//   limiter's memory is bounded too. kindlyguard records a handful of Events per pod over its
//   life (Quarantined, Released, QuarantineIncomplete when the leaks change), so the bucket only
//   bites when something flaps, and then it keeps the Event stream (and etcd) from flooding.
// - record() never blocks and never fails the caller: it queues (bounded) and returns; a
//   background worker writes. A full queue, the rate limit or an API server that keeps refusing
//   drop the Event; stats() counts every drop.
// - Events of cluster-scoped objects go to the "default" namespace, as Kubernetes puts them.
//
// The caller's duty: never record for a dryRun admission request (a dry run must leave no side
// effects), and only record from the replica that acts (the leader) for controller Events.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"

namespace kindlyguard::controller {

// The object an Event is about (Event.regarding).
struct ObjectReference {
  std::string api_version;  // "v1"
  std::string kind;         // "Pod"
  std::string namespace_;   // "" for cluster-scoped objects
  std::string name;
  std::string uid;
  std::string resource_version;

  // From an object's apiVersion, kind and metadata.
  static ObjectReference of(const nlohmann::json& object);
  nlohmann::json to_json() const;
  // What the rate limiter and the aggregation key on: the uid when known, else kind/ns/name.
  std::string identity() const;
};

enum class EventType { Normal, Warning };
const char* to_string(EventType t);

struct EventRecord {
  ObjectReference regarding;
  EventType type = EventType::Normal;
  std::string reason;      // UpperCamelCase, machine-readable: "Quarantined"
  std::string action;      // what was done: "Isolate"
  std::string note;        // for people; cut to 1 kB (the API's limit)
  std::string series_key;  // records with equal (regarding, reason, type, series_key) aggregate; "" = note
  // Who caused it: each (regarding, source) has its own rate limit. "" = the regarding object's.
  std::string source = {};
};

// Where Events are written: the API server in production, a fake in unit tests.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual client::ApiResult<nlohmann::json> create(const nlohmann::json& event) = 0;
  virtual client::ApiResult<nlohmann::json> patch(const std::string& ns, const std::string& name,
                                                  const nlohmann::json& merge_patch) = 0;
};

// Writes events.k8s.io/v1 Events through `api` (create, and merge patches for series).
std::unique_ptr<EventSink> api_event_sink(client::ApiClient& api);

struct EventRecorderOptions {
  std::string reporting_controller = "kindlyguard.io/kindlyguard";
  std::string reporting_instance;  // this replica: the leader election identity
  std::size_t queue_capacity = 1024;
  int burst = 25;
  std::chrono::milliseconds refill_every{std::chrono::minutes(5)};
  std::chrono::milliseconds series_window{std::chrono::minutes(10)};
  // A series is written at most this often; repeats in between are counted into the next write,
  // so a hot series cannot spend the API client's request budget.
  std::chrono::milliseconds series_patch_interval{std::chrono::seconds(10)};
  // How often (real time) the worker looks for series counts whose interval is over.
  std::chrono::milliseconds sweep_every{std::chrono::seconds(1)};
  std::size_t max_tracked = 4096;  // series and rate buckets remembered (oldest forgotten first)
  int max_attempts = 3;            // per write, on errors worth retrying (5xx, 429, no answer)
  std::chrono::milliseconds retry_delay{500};
  // The wall clock, for eventTime and the windows; tests substitute their own.
  std::function<std::chrono::system_clock::time_point()> now;
  // Each Event's fate as it happens: "created", "patched", "failed", "dropped_queue_full" or
  // "dropped_rate_limited" (the events metric). Called on the recorder's or the caller's thread.
  std::function<void(const char* outcome)> on_outcome;
};

struct EventRecorderStats {
  std::uint64_t recorded = 0;              // accepted by record()
  std::uint64_t aggregated = 0;            // of those, repeats counted into a series write
  std::uint64_t created = 0;               // new Event objects
  std::uint64_t patched = 0;               // series updates of an existing Event
  std::uint64_t dropped_queue_full = 0;
  std::uint64_t dropped_rate_limited = 0;
  std::uint64_t failed = 0;                // the API refused or never answered, after retries
  std::uint64_t abandoned = 0;             // still queued when the recorder stopped
};

class EventRecorder {
 public:
  EventRecorder(std::unique_ptr<EventSink> sink, EventRecorderOptions options);
  EventRecorder(client::ApiClient& api, EventRecorderOptions options);
  ~EventRecorder();  // stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues the Event and returns at once: false when it was dropped (queue full, rate limit,
  // stopped). Thread-safe.
  bool record(EventRecord event);
  // Waits until every Event recorded so far has been written or given up (tests, shutdown); a
  // repeat still within its series' patch interval is a count the worker writes afterwards.
  bool flush(std::chrono::milliseconds timeout);
  // Ends the worker after the write in progress; what is still queued is abandoned.
  void stop();
  EventRecorderStats stats() const;

 private:
  struct Pending {
    std::string key;  // the series key
    EventRecord record;
    std::chrono::system_clock::time_point observed;       // the first occurrence
    std::chrono::system_clock::time_point last_observed;  // the latest one counted in
    std::int64_t count = 1;                               // occurrences this write reports
  };
  struct Series {
    std::string ns, name;
    std::int64_t count = 1;                          // as written to the API server
    std::chrono::system_clock::time_point last;      // latest occurrence, written or not
    std::chrono::system_clock::time_point written;   // when the series was last written
    std::int64_t unsent = 0;                         // repeats not written yet
    std::chrono::system_clock::time_point unsent_last;
    EventRecord record;                              // to start over if the Event is gone
  };
  struct Bucket {
    double tokens = 0;
    std::chrono::system_clock::time_point updated;
  };

  std::chrono::system_clock::time_point now() const;
  // Counts a write's outcome in stats_ and tells on_outcome.
  void tally(std::uint64_t EventRecorderStats::*count, const char* outcome);
  // The three below run under mu_.
  bool take_token(const EventRecord& r, std::chrono::system_clock::time_point at);
  void enqueue(Pending p);
  void sweep(std::chrono::system_clock::time_point at);  // queues the series whose unsent repeats are due
  void run();
  void write(Pending p);
  // Retries what is worth retrying; false when stop() interrupts a wait.
  client::ApiResult<nlohmann::json> attempt(const std::function<client::ApiResult<nlohmann::json>()>& call);
  nlohmann::json build(const Pending& p, const std::string& name) const;
  void forget_old(std::chrono::system_clock::time_point at);  // under mu_

  std::unique_ptr<EventSink> sink_;
  const EventRecorderOptions options_;

  mutable std::mutex mu_;  // guards everything below but the worker
  std::condition_variable cv_;        // work arrived, or stop
  std::condition_variable idle_cv_;   // the queue drained
  std::deque<Pending> queue_;
  std::map<std::string, Pending*> queued_;  // series key -> its write waiting in queue_
  std::string writing_;                     // series key of the write in progress
  bool busy_ = false;
  bool stopping_ = false;
  std::map<std::string, Bucket> buckets_;  // by regarding identity and source
  std::map<std::string, Series> series_;   // by series key
  std::size_t unsent_series_ = 0;          // series with unsent repeats
  EventRecorderStats stats_;

  std::thread worker_;
};

// "2026-12-02T09:15:04.123456Z": metav1.MicroTime.
std::string format_micro_time(std::chrono::system_clock::time_point t);

}  // namespace kindlyguard::controller
