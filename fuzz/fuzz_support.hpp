#pragma once
// Shared by the fuzz targets: a check that survives NDEBUG (a failed invariant is a crash the
// fuzzer records), and the input as a string.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);    \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace kindlyguard::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits the input at the first '\n': the head and the rest ("" when there is no newline).
inline std::pair<std::string_view, std::string_view> split_line(std::string_view in) {
  auto nl = in.find('\n');
  if (nl == std::string_view::npos) return {in, {}};
  return {in.substr(0, nl), in.substr(nl + 1)};
}

}  // namespace kindlyguard::fuzz
