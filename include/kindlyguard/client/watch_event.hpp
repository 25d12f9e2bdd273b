#pragma once
// One event of a watch stream ({"type": ..., "object": ...} per line), and how a stream ended.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_error.hpp"

namespace kindlyguard::client {

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };

  Type type = Type::Added;
  nlohmann::json object;  // the object; for BOOKMARK only metadata.resourceVersion; for ERROR a Status

  // "ADDED", "MODIFIED", ...
  std::string_view type_name() const;
  // object.metadata.resourceVersion ("" when absent, and for ERROR).
  std::string resource_version() const;
  // The Status of an ERROR event as an ApiError (code 410 / reason Expired: relist).
  ApiError error() const { return ApiError::from_status(object, 500); }

  // Parses one line of a watch stream; nullopt for a line that is not a watch event.
  static std::optional<WatchEvent> parse(std::string_view line);
};

struct WatchEnd {
  enum class How {
    Closed,   // the server ended the stream cleanly (timeoutSeconds reached, or after an ERROR event)
    Stopped,  // the caller's stop token was triggered
    Dropped,  // the connection broke mid-stream, or went silent past the idle limit
  };
  How how = How::Closed;
  std::string message;                // what happened, for Dropped
  std::size_t events = 0;             // events delivered (bookmarks included)
  std::string last_resource_version;  // of the last event that carried one ("" if none)
};

}  // namespace kindlyguard::client
