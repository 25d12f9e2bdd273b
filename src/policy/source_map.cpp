// map_sources: a second, position-only pass over a YAML or JSON text with yaml-cpp's event
// parser. It keeps no values, only the pointer of each one and where it starts; documents are
// counted as the decoder counts them (empty and null documents do not count), so map i belongs
// to decode_documents' document i. JSON is read by the same parser (JSON is YAML flow syntax);
// if yaml-cpp refuses some JSON the decoder accepted, the maps are simply missing (best effort).
#include "kindlyguard/policy/source_map.hpp"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace kindlyguard::policy {
namespace {

void append_segment(std::string& pointer, std::string_view segment) {
  pointer += '/';
  for (char c : segment) {
    if (c == '~') pointer += "~0";
    else if (c == '/') pointer += "~1";
    else pointer += c;
  }
}

SourcePos pos_of(const YAML::Mark& m, int line_offset) {
  if (m.is_null()) return {};
  return {m.line + 1 + line_offset, m.column + 1};
}

bool is_null_scalar(const std::string& tag, const std::string& value) {
  // What the decoder resolves to null for a plain scalar (see resolve_plain in yaml_decode.cpp).
  return tag == "?" && (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL");
}

class PositionRecorder : public YAML::EventHandler {
 public:
  PositionRecorder(std::vector<SourceMap>& out, int line_offset) : out_(out), line_offset_(line_offset) {}

  void OnDocumentStart(const YAML::Mark&) override {
    current_ = SourceMap();
    stack_.clear();
    root_seen_ = false;
    root_null_ = true;
  }
  void OnDocumentEnd() override {
    if (root_seen_ && !root_null_) out_.push_back(std::move(current_));
  }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, Node::Null); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, Node::Scalar); }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string& value) override {
    node(mark, is_null_scalar(tag, value) ? Node::Null : Node::Scalar, &value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark, Node::Sequence);
  }
  void OnSequenceEnd() override { pop(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark, Node::Map);
  }
  void OnMapEnd() override { pop(); }

 private:
  enum class Node { Null, Scalar, Sequence, Map };
  struct Frame {
    bool map = false;
    bool ignored = false;      // a collection used as a map key, or inside one: no pointers there
    std::string pointer;
    std::size_t index = 0;     // sequences: the next item's index
    bool expecting_key = true; // maps: the next node is a key
    bool key_valid = false;
    std::string key;
    YAML::Mark key_mark;
  };

  void node(const YAML::Mark& mark, Node kind, const std::string* scalar = nullptr) {
    const bool collection = kind == Node::Sequence || kind == Node::Map;
    if (stack_.empty()) {
      root_seen_ = true;
      root_null_ = kind == Node::Null;
      current_.set_root(pos_of(mark));
      if (collection) push(kind, "", false);
      return;
    }
    Frame& f = stack_.back();
    if (f.ignored) {
      if (collection) push(kind, "", true);
      return;
    }
    if (f.map && f.expecting_key) {
      f.expecting_key = false;
      f.key_valid = scalar != nullptr;
      if (scalar) {
        f.key = *scalar;
        f.key_mark = mark;
      } else if (kind == Node::Null) {
        f.key_valid = false;
      }
      if (collection) push(kind, "", true);
      return;
    }
    std::string pointer;
    SourcePos at;
    bool valid = true;
    if (f.map) {
      f.expecting_key = true;
      valid = f.key_valid;
      if (valid) {
        pointer = f.pointer;
        append_segment(pointer, f.key);
        at = pos_of(f.key_mark);  // `privileged: true` is found at its key
      }
    } else {
      pointer = f.pointer;
      append_segment(pointer, std::to_string(f.index++));
      at = pos_of(mark);
    }
    if (valid) current_.add(pointer, at);
    if (collection) push(kind, std::move(pointer), !valid);
  }

  void push(Node kind, std::string pointer, bool ignored) {
    Frame f;
    f.map = kind == Node::Map;
    f.ignored = ignored;
    f.pointer = std::move(pointer);
    stack_.push_back(std::move(f));
  }
  void pop() {
    if (!stack_.empty()) stack_.pop_back();
  }

  SourcePos pos_of(const YAML::Mark& m) const { return kindlyguard::policy::pos_of(m, line_offset_); }

  std::vector<SourceMap>& out_;
  int line_offset_ = 0;
  SourceMap current_;
  std::vector<Frame> stack_;
  bool root_seen_ = false;
  bool root_null_ = true;
};

}  // namespace

SourcePos SourceMap::at_pointer(std::string_view pointer) const {
  for (;;) {
    if (pointer.empty()) return root_;
    if (auto it = positions_.find(std::string(pointer)); it != positions_.end()) return it->second;
    auto slash = pointer.rfind('/');
    if (slash == std::string_view::npos) return root_;
    pointer = pointer.substr(0, slash);
  }
}

SourcePos SourceMap::at_field(std::string_view object_pointer, std::string_view field_path) const {
  return at_pointer(std::string(object_pointer) + field_path_to_pointer(field_path));
}

std::string field_path_to_pointer(std::string_view field_path) {
  std::string pointer;
  std::size_t i = 0;
  while (i < field_path.size()) {
    if (field_path[i] == '.') {
      ++i;
      continue;
    }
    if (field_path[i] == '[') {
      auto close = field_path.find(']', i + 1);
      if (close == std::string_view::npos) close = field_path.size();
      append_segment(pointer, field_path.substr(i + 1, close - i - 1));
      i = close + 1;
      continue;
    }
    auto end = field_path.find_first_of(".[", i);
    if (end == std::string_view::npos) end = field_path.size();
    append_segment(pointer, field_path.substr(i, end - i));
    i = end;
  }
  return pointer;
}

std::vector<SourceMap> map_sources(std::string_view text, int line_offset) {
  std::vector<SourceMap> maps;
  std::istringstream in{std::string(text)};
  PositionRecorder recorder(maps, line_offset);
  try {
    YAML::Parser parser(in);
    std::size_t documents = 0;
    // The decoder stops yaml-cpp 0.7's endless empty-document loop (jbeder/yaml-cpp#1040) by
    // position; here a bound on documents without progress does: a text cannot hold more
    // documents than it has bytes.
    while (parser.HandleNextDocument(recorder))
      if (++documents > text.size() + 1) break;
  } catch (...) {
    // Positions are best effort: what was mapped before the error is kept.
  }
  return maps;
}

SourceText::SourceText(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts_.push_back(i + 1);
}

SourceMap SourceText::map_document(int line, int next_line) const {
  if (line < 1 || static_cast<std::size_t>(line) > line_starts_.size()) return {};
  const std::size_t begin = line_starts_[static_cast<std::size_t>(line) - 1];
  std::size_t end = text_.size();
  if (next_line > line && static_cast<std::size_t>(next_line) <= line_starts_.size())
    end = line_starts_[static_cast<std::size_t>(next_line) - 1];
  auto maps = map_sources(text_.substr(begin, end - begin), line - 1);
  return maps.empty() ? SourceMap{} : std::move(maps.front());
}

}  // namespace kindlyguard::policy
