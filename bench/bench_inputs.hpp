#pragma once
// What the Google Benchmarks read from the source tree: the generated reviews (bench/reviews) and
// the example policies (examples/policies), the same inputs the load generator and the webhook
// use in `make bench`.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::bench {

inline const std::filesystem::path kSource = KINDLY_SOURCE_DIR;

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The files in dir ending in ext, in name order.
inline std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir, const std::string& ext) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// examples/policies, parsed once; null if any of them fails to parse.
inline policy::PolicySetPtr example_policies() {
  static policy::PolicyStore store;
  static const bool loaded = [] {
    std::string yaml;
    for (const auto& f : files_in(kSource / "examples/policies", ".yaml")) yaml += "---\n" + read_text(f) + "\n";
    auto parsed = policy::parse_policies(yaml, "examples/policies");
    store.replace(parsed.policies);
    return parsed.errors.empty();
  }();
  return loaded ? store.get() : nullptr;
}

}  // namespace kindlyguard::bench
