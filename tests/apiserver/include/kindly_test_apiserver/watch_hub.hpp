// Watch plumbing: the event history entry, a watcher's filter and queue, and the hub that fans
// stored events out to the open watchers.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kindly_test_apiserver/resources.hpp"
#include "kindly_test_apiserver/selectors.hpp"

namespace kindly::testapi {

// One entry of the store's event history.
struct StoredEvent {
  std::string type;  // ADDED | MODIFIED | DELETED
  std::uint64_t resource_version = 0;
  const ResourceInfo* resource = nullptr;
  std::string ns;
  std::string name;
  nlohmann::json object;    // state after; for DELETED the last state stamped with the deletion's RV
  nlohmann::json previous;  // state before; null for ADDED
};

struct WatchFilter {
  const ResourceInfo* resource = nullptr;
  std::string ns;  // "" = every namespace
  LabelSelector labels;
  FieldSelector fields;

  bool matches(const nlohmann::json& object) const;
  // What this watcher sees of a stored event, as the real server does it: an object that stops
  // matching the selectors is DELETED for the watcher, one that starts matching is ADDED.
  std::optional<std::string> translate(const StoredEvent& e) const;
};

class Watcher {
 public:
  enum class End { Open, ClientGone, Dropped, Expired, Stopped };
  struct Item {
    std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
    nlohmann::json object;
  };
  enum class Wait { Item, Closed, Timeout };

  Watcher(std::uint64_t id, WatchFilter filter, bool bookmarks);

  std::uint64_t id() const { return id_; }
  const WatchFilter& filter() const { return filter_; }
  bool bookmarks() const { return bookmarks_; }

  void push(Item item);
  // Closes the watcher; with an error status, an ERROR event is queued first (Expired).
  void close(End reason, nlohmann::json error_status = nullptr);
  End end() const;
  // Items queued and not yet taken by the consumer (the connection writing them to the client).
  std::size_t queued() const;

  // Consumer side: the next queued item, or Closed once the queue is drained after close().
  Wait next(Item& out, std::chrono::steady_clock::time_point deadline);

 private:
  const std::uint64_t id_;
  const WatchFilter filter_;
  const bool bookmarks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  End end_ = End::Open;
};

// Not synchronised on its own: the store calls it under its lock, so that registering a watcher,
// replaying history and publishing new events are one ordered sequence.
class WatchHub {
 public:
  void add(std::shared_ptr<Watcher> w);
  void remove(const Watcher* w);
  void publish(const StoredEvent& e);
  // Closes every watcher (or those on one resource) with the reason; returns how many.
  std::size_t close_all(Watcher::End reason, const ResourceInfo* only = nullptr,
                        const nlohmann::json& error_status = nullptr);
  std::size_t count(const ResourceInfo* only = nullptr) const;
  // The longest queue of an open watcher (on one resource): how far a slow client lags.
  std::size_t backlog(const ResourceInfo* only = nullptr) const;

 private:
  std::vector<std::shared_ptr<Watcher>> watchers_;
};

// The object a watch event carries for one stored event type (object or previous state).
nlohmann::json watch_event_json(const std::string& type, const nlohmann::json& object);

}  // namespace kindly::testapi
