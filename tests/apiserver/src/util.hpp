// Small helpers shared by the implementation files (not part of the public API).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kindly::testapi::util {

std::string rfc3339(std::chrono::system_clock::time_point t);
std::string rfc3339_micro(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);
// kubectl's age format: 45s, 3m12s, 17m, 5h3m, 3d, ...
std::string human_duration(std::chrono::seconds d);

std::string new_uid();
std::string random_suffix(std::size_t n);  // generateName suffix: consonants and digits

std::string base64_encode(std::string_view in);
std::optional<std::string> base64_decode(std::string_view in);

std::string url_decode(std::string_view s, bool plus_is_space = true);
std::string url_encode(std::string_view s);
std::multimap<std::string, std::string> parse_query(std::string_view q);

std::vector<std::string> split(std::string_view s, char sep);
std::string trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
std::string lower(std::string_view s);

}  // namespace kindly::testapi::util
