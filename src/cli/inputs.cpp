#include "kindlyguard/cli/inputs.hpp"

#include "kindlyguard/policy/pod_view.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace kindlyguard::cli {
namespace fs = std::filesystem;

namespace {

Result<InputFile> read_file(const fs::path& p) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return Error{"cannot read " + p.string() + ": " + ec.message(), ""};
  if (size > kMaxInputBytes) return Error{p.string() + " is larger than 64 MiB; split it", ""};
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error{"cannot open " + p.string(), ""};
  std::ostringstream ss;
  ss << in.rdbuf();
  return InputFile{p.string(), ss.str()};
}

bool is_manifest(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

Result<std::vector<InputFile>> read_inputs(const std::string& path) {
  std::vector<InputFile> out;
  if (path == "-") {
    std::string text;
    char buf[65536];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
      if (text.size() > kMaxInputBytes) return Error{"standard input is larger than 64 MiB; split it", ""};
    }
    out.push_back({"<stdin>", std::move(text)});
    return out;
  }
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Error{path + ": no such file or directory", ""};
  if (!fs::is_directory(st)) {
    auto f = read_file(path);
    if (!f.ok()) return f.error();
    out.push_back(std::move(*f));
    return out;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // Hidden entries (.git, editor swap files) are never manifests.
    if (it->path().filename().string().rfind('.', 0) == 0) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_manifest(it->path())) files.push_back(it->path());
  }
  if (ec) return Error{"cannot list " + path + ": " + ec.message(), ""};
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto r = read_file(f);
    if (!r.ok()) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

void flatten_lists(const nlohmann::json& doc, std::vector<const nlohmann::json*>& out) {
  const nlohmann::json& items = policy::member_at(doc, "items");
  if (items.is_array() && policy::string_at(doc, "kind").value_or("").ends_with("List")) {
    for (const auto& item : items) flatten_lists(item, out);
    return;
  }
  out.push_back(&doc);
}

}  // namespace kindlyguard::cli
