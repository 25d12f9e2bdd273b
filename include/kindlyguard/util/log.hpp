#pragma once
// Process log: one JSON object per line on stderr ({"time","level","msg",...fields}), or
// "time LEVEL msg key=value" with --log-format text. The admission audit log is separate
// (stdout, observe/audit_log.hpp). Thread-safe; a line is written whole.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace kindlyguard::log {

enum class Level { Debug, Info, Warn, Error };
enum class Format { Json, Text };

void configure(Level min_level, Format format);
bool parse_level(std::string_view text, Level& out);
bool enabled(Level level);

using Field = std::pair<std::string_view, std::string>;
void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(Level::Debug)) write(Level::Debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Error, m, f); }

// RFC 3339 UTC with milliseconds: 2026-11-25T11:24:15.123Z
std::string now_rfc3339();

}  // namespace kindlyguard::log
