// kindlyguard.io/quarantine-until. See quarantine_until.hpp.
#include "kindlyguard/k8s/quarantine_until.hpp"

#include "kindlyguard/util/time.hpp"

namespace kindlyguard::k8s {

std::optional<long long> parse_duration_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    long long n = 0;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      if (n > 1'000'000'000) return std::nullopt;
      n = n * 10 + (text[i] - '0');
    }
    if (digits == 0 || i == text.size()) return std::nullopt;
    long long unit = 0;
    switch (text[i++]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return std::nullopt;
    }
    total += n * unit;
    if (total > 100LL * 365 * 86400) return std::nullopt;
  }
  return total;
}

std::optional<std::time_t> quarantine_deadline(std::string_view value, std::time_t since) {
  if (auto t = parse_k8s_time(value)) return t;
  if (auto d = parse_duration_seconds(value)) return since + static_cast<std::time_t>(*d);
  return std::nullopt;
}

}  // namespace kindlyguard::k8s
