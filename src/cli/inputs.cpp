#include "kindlyguard/cli/inputs.hpp"

#include "kindlyguard/policy/pod_view.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
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

policy::OwnerLookupFn owner_lookup(const std::vector<const nlohmann::json*>& objects, const std::string& default_namespace) {
  // "namespace/kind/name/uid" -> metadata; '/' appears in none of the four parts' valid values,
  // and an invalid one only fails to match.
  auto index = std::make_shared<std::map<std::string, const nlohmann::json*>>();
  for (const nlohmann::json* obj : objects) {
    const nlohmann::json& md = policy::member_at(*obj, "metadata");
    std::string uid(policy::string_at(md, "uid").value_or(""));
    if (uid.empty()) continue;
    std::string ns(policy::string_at(md, "namespace").value_or(""));
    if (ns.empty()) ns = default_namespace;
    std::string key = ns + "/" + std::string(policy::string_at(*obj, "kind").value_or("")) + "/" +
                      std::string(policy::string_at(md, "name").value_or("")) + "/" + uid;
    index->emplace(std::move(key), &md);
  }
  return [index](const std::string& ns, const policy::OwnerRef& ref) -> std::optional<nlohmann::json> {
    if (ref.uid.empty()) return std::nullopt;
    auto it = index->find(ns + "/" + ref.kind + "/" + ref.name + "/" + ref.uid);
    if (it == index->end()) return std::nullopt;
    return *it->second;
  };
}

}  // namespace kindlyguard::cli
