#pragma once
// Shell-style globs for namespace names and image patterns: '*' any run of characters,
// '?' one character; everything else literal. No character classes (names cannot need them).

#include <string_view>

namespace kindlyguard::k8s {

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace kindlyguard::k8s
