#pragma once
// Quoting of user input inside error messages. Input can be hostile (megabytes long, control
// characters, terminal escapes), and messages end up in kubectl output, Events and audit logs,
// so it is escaped and shortened before it is shown.

#include <string>
#include <string_view>

namespace kindlyguard::k8s::detail {

// `s` in double quotes, with '"', '\\' and bytes outside printable ASCII escaped, and cut to
// `max_chars` input bytes followed by "..." when longer.
std::string quote(std::string_view s, std::size_t max_chars = 100);

// One byte of quoted text as quote() writes it: '"' and '\\' behind a backslash, bytes outside
// printable ASCII as \xNN. For quoting with other framing (policy/parse_walk.cpp).
void append_escaped(std::string& out, char c);

// "a.b" from ("a", "b"); a field path may start empty when the caller gave none.
std::string join_path(std::string_view path, std::string_view field);

}  // namespace kindlyguard::k8s::detail
