#pragma once
// Reading the files the CLI is pointed at: a file, a directory (its *.yaml, *.yml and *.json,
// recursively, in name order) or "-" for standard input.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::cli {

struct InputFile {
  std::string name;  // path, or "<stdin>"
  std::string text;
};

// Files larger than this are refused rather than read into memory.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;

Result<std::vector<InputFile>> read_inputs(const std::string& path);

// The objects of one decoded document: `kind: List` (and the typed *List kinds kubectl prints)
// flattened into their items, recursively; anything else is itself.
void flatten_lists(const nlohmann::json& doc, std::vector<const nlohmann::json*>& out);

}  // namespace kindlyguard::cli
