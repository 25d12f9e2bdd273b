#pragma once
// ASCII case folding, for our own fixed words ("Deny" -> "deny", "CREATE" -> "create") where an
// output spells them in lower case. Not for user text: only A-Z change.

#include <string>
#include <string_view>

namespace kindlyguard {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace kindlyguard
