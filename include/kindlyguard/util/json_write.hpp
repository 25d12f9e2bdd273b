#pragma once
// Writing JSON text directly, for the hot paths (one audit line per admission request) where
// building an nlohmann object only to dump it costs more than the decision itself. The bytes are
// the ones nlohmann's dump(-1, ' ', false, error_handler_t::replace) writes for the same value.

#include <string>
#include <string_view>
#include <vector>

namespace kindlyguard::json_write {

// A JSON string: \" \\ \b \f \n \r \t escaped, other control characters as \u00xx, well-formed
// UTF-8 as it is; text with malformed UTF-8 is written with U+FFFD in place of the bad bytes.
void string(std::string& out, std::string_view s);
void strings(std::string& out, const std::vector<std::string>& v);

}  // namespace kindlyguard::json_write
