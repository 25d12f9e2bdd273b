#include "kindlyguard/util/time.hpp"

namespace kindlyguard {

std::string format_k8s_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string k8s_time_now() { return format_k8s_time(std::time(nullptr)); }

}  // namespace kindlyguard
