#pragma once
// The MANIFEST.tsv every conformance corpus comes with (see ../shared/conformance/README.md): a
// header naming twelve columns, then one tab-separated row per object under review. Each corpus's
// test turns the cells into its own Row.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace conformance {

inline const std::vector<std::string> kManifestColumns = {
    "case_id", "file", "doc_index", "resource_name", "kind", "expected",
    "rule",    "level", "version",  "params",        "origin", "notes"};

// The cells of one line; a trailing tab is an empty last cell.
inline std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '\t')) out.push_back(cell);
  if (!line.empty() && line.back() == '\t') out.emplace_back();
  return out;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The rows of `dir`/MANIFEST.tsv, each with a cell per kManifestColumns entry. A missing file, an
// unexpected header or a short row sets `error` and yields no rows: a corpus is judged whole or not.
inline std::vector<std::vector<std::string>> manifest_rows(const std::string& dir, std::string& error) {
  std::ifstream in(dir + "/MANIFEST.tsv");
  if (!in) {
    error = "cannot open " + dir + "/MANIFEST.tsv";
    return {};
  }
  std::string line;
  std::getline(in, line);
  if (split_tabs(line) != kManifestColumns) {
    error = "unexpected MANIFEST.tsv header: " + line;
    return {};
  }
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto cells = split_tabs(line);
    if (cells.size() != kManifestColumns.size()) {
      error = "malformed row: " + line;
      return {};
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

}  // namespace conformance
