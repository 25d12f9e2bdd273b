#include "kindlyguard/k8s/glob.hpp"

namespace kindlyguard::k8s {

// Only the most recent '*' ever needs revisiting: whatever an earlier star could absorb, the later
// one can absorb instead. So one resume point replaces recursion, and "a*a*a*...b" stays linear
// per star instead of exponential.
bool glob_match(std::string_view pattern, std::string_view text) {
  constexpr auto kNone = std::string_view::npos;
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = kNone;  // position of the last '*' seen in the pattern
  std::size_t resume = 0;    // text position that star is currently made to end at
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != kNone) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace kindlyguard::k8s
