#pragma once
// Reading the files the CLI is pointed at: a file, a directory (its *.yaml, *.yml and *.json,
// recursively, in name order) or "-" for standard input.

#include <string>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::cli {

struct InputFile {
  std::string name;  // path, or "<stdin>"
  std::string text;
};

// Files larger than this are refused rather than read into memory.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;

Result<std::vector<InputFile>> read_inputs(const std::string& path);

}  // namespace kindlyguard::cli
