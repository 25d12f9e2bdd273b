#pragma once
// Times as Kubernetes writes them in objects (metav1.Time): RFC 3339, UTC, whole seconds.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace kindlyguard {

// 2026-12-02T09:15:04Z
std::string format_k8s_time(std::time_t t);
std::string k8s_time_now();

// RFC 3339 (what a CRD's `format: date-time` admits): 2027-06-30T00:00:00Z, with an optional
// fraction (dropped: times here count whole seconds, and rounding down never extends an expiry)
// and Z or a +hh:mm / -hh:mm offset; 't' and 'z' as Go accepts them. nullopt when malformed or
// out of range (years 0001-9999, a day that the month has, 00-23:00-59:00-60).
std::optional<std::time_t> parse_k8s_time(std::string_view text);

}  // namespace kindlyguard
