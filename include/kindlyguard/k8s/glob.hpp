#pragma once
// Shell-style globs for namespace names and image patterns: '*' any run of characters,
// '?' one character; everything else literal. No character classes (names cannot need them).
// '*' crosses '/' (an image glob "ghcr.io/acme/*" covers nested paths); '?' is one byte, which is
// one character for the ASCII names these globs are for. Matching is iterative, in time
// proportional to pattern length times text length at worst, whatever the pattern.

#include <string_view>

namespace kindlyguard::k8s {

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace kindlyguard::k8s
