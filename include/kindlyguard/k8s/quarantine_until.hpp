#pragma once
// kindlyguard.io/quarantine-until: when a quarantine ends by itself (issue 18). Shared by the
// quarantine guard (the leader may lift a quarantine whose time is up) and the controller.
//
// The value is an RFC 3339 time (2026-12-09T08:00:00Z) or a duration counted from the start of
// the quarantine: Go's syntax, one or more of <number><unit> with units s, m, h (and d for days),
// such as 90m, 1h30m, 2d.

#include <ctime>
#include <optional>
#include <string_view>

namespace kindlyguard::k8s {

inline constexpr const char* kQuarantineUntilAnnotation = "kindlyguard.io/quarantine-until";

// When the quarantine that began at `since` ends; nullopt when `value` is neither form.
std::optional<std::time_t> quarantine_deadline(std::string_view value, std::time_t since);

// A duration such as 90m or 1h30m, in seconds; nullopt when malformed.
std::optional<long long> parse_duration_seconds(std::string_view text);

}  // namespace kindlyguard::k8s
