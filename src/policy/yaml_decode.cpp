// YAML (or JSON) text -> JSON documents, typed the way Kubernetes' sigs.k8s.io/yaml does.
//
// sigs.k8s.io/yaml unmarshals YAML with go-yaml v2 (YAML 1.1 resolution) into interface{} and
// marshals the result as JSON; `kubectl apply` sends that JSON to the API server. So a plain
// `yes` in a manifest arrives as JSON true, `0x10` as 16 and `017` as 15. We follow go-yaml v2's
// resolve.go rule for rule (see the comment on decode_documents in parse.hpp).
//
// yaml-cpp is driven through its event interface, not YAML::Node, because
//   - events carry the mark of every scalar, so errors can name line and column;
//   - a node's tag tells plain scalars ("?") from quoted ones ("!"), which typing needs;
//   - we see aliases as aliases and can charge their expansion to a budget (YAML::Node would
//     share the aliased node, and converting it would expand a billion-laughs document);
//   - throwing from the handler stops the recursive-descent parser at our depth limit, long
//     before yaml-cpp's own guard or the stack gives out.

#include <algorithm>
#include <charconv>
#include <optional>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "kindlyguard/policy/parse.hpp"
#include "parse_walk.hpp"
#include "yaml_decode.hpp"

namespace kindlyguard::policy {
namespace detail {
namespace {

using nlohmann::json;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// Thrown inside the event handler; carries the position of the offending node.
struct DecodeAbort {
  YAML::Mark mark;
  std::string message;
};

// ---- go-yaml v2 scalar resolution -------------------------------------------------------------

enum class Special { True, False, Null, NaN, PosInf, NegInf, Merge };

const std::unordered_map<std::string_view, Special>& special_scalars() {
  static const std::unordered_map<std::string_view, Special> table = [] {
    std::unordered_map<std::string_view, Special> t;
    for (auto s : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) t[s] = Special::True;
    for (auto s : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) t[s] = Special::False;
    for (auto s : {"", "~", "null", "Null", "NULL"}) t[s] = Special::Null;
    for (auto s : {".nan", ".NaN", ".NAN"}) t[s] = Special::NaN;
    for (auto s : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}) t[s] = Special::PosInf;
    for (auto s : {"-.inf", "-.Inf", "-.INF"}) t[s] = Special::NegInf;
    t["<<"] = Special::Merge;
    return t;
  }();
  return table;
}

// strconv.ParseUint(s, 0, 64): optional 0x/0o/0b prefix (needs a digit after it), a leading 0
// means octal, no sign.
bool go_parse_uint(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  unsigned base = 10;
  if (s[0] == '0') {
    const char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
    if (p == 'b') { base = 2; s.remove_prefix(2); }
    else if (p == 'o') { base = 8; s.remove_prefix(2); }
    else if (p == 'x') { base = 16; s.remove_prefix(2); }
    else { base = 8; s.remove_prefix(1); }
  }
  uint64_t n = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'z') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'Z') d = static_cast<unsigned>(c - 'A' + 10);
    else return false;
    if (d >= base) return false;
    if (n > (UINT64_MAX - d) / base) return false;  // out of range
    n = n * base + d;
  }
  out = n;
  return true;
}

// strconv.ParseInt(s, 0, 64).
bool go_parse_int(std::string_view s, int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u = 0;
  if (!go_parse_uint(s, u)) return false;
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  if (negative) {
    if (u > kMax + 1) return false;
    out = u == kMax + 1 ? INT64_MIN : -static_cast<int64_t>(u);
  } else {
    if (u > kMax) return false;
    out = static_cast<int64_t>(u);
  }
  return true;
}

// go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// strconv.ParseFloat on text that passed yaml_style_float. False on overflow (go-yaml then
// keeps the text as a string); underflow is zero, as in Go.
bool parse_float(std::string_view s, double& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::string buf(s);
  if (!buf.empty() && buf[0] == '-' && buf.size() > 1 && buf[1] == '.') buf.insert(1, "0");
  else if (!buf.empty() && buf[0] == '.') buf.insert(0, "0");
  double v = 0;
  auto [ptr, ec] = std::from_chars(buf.data(), buf.data() + buf.size(), v);
  if (ptr != buf.data() + buf.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Distinguish underflow (tiny exponent) from overflow.
    auto e = buf.find_first_of("eE");
    if (e != std::string::npos && e + 1 < buf.size() && buf[e + 1] == '-') {
      out = buf[0] == '-' ? -0.0 : 0.0;
      return true;
    }
    return false;
  }
  if (ec != std::errc()) return false;
  out = v;
  return true;
}

json special_value(Special s) {
  switch (s) {
    case Special::True: return true;
    case Special::False: return false;
    case Special::Null: return nullptr;
    case Special::NaN: return std::nan("");
    case Special::PosInf: return HUGE_VAL;
    case Special::NegInf: return -HUGE_VAL;
    case Special::Merge: return "<<";
  }
  return nullptr;
}

// go-yaml v2 resolve("", in) for a plain scalar.
json resolve_plain(const std::string& in) {
  const auto& table = special_scalars();
  if (auto it = table.find(in); it != table.end()) return special_value(it->second);
  const char c = in[0];  // in is not empty: "" is in the table
  if (c == '.') {
    double f;
    if (yaml_style_float(in) && parse_float(in, f)) return f;
    return in;
  }
  if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
    std::string plain;
    plain.reserve(in.size());
    for (char ch : in)
      if (ch != '_') plain += ch;
    int64_t i;
    if (go_parse_int(plain, i)) return i;
    uint64_t u;
    if (go_parse_uint(plain, u)) return u;
    double f;
    if (yaml_style_float(plain) && parse_float(plain, f)) return f;
    // Timestamps (2024-01-02) stay strings, as go-yaml v2 leaves them for interface{} targets.
  }
  return in;
}

const char* json_kind(const json& v) {
  if (v.is_null()) return "!!null";
  if (v.is_boolean()) return "!!bool";
  if (v.is_number_integer()) return "!!int";
  if (v.is_number_float()) return "!!float";
  return "!!str";
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (b < 0x80) { ++i; continue; }
    if ((b & 0xE0) == 0xC0) { n = 1; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { n = 2; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { n = 3; cp = b & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cb & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// A scalar with its YAML tag ("?" plain, "!" quoted or block, else an explicit tag) to JSON.
json resolve_scalar(const YAML::Mark& mark, const std::string& tag, const std::string& value) {
  if (!valid_utf8(value)) throw DecodeAbort{mark, "invalid UTF-8 in a scalar"};
  if (tag == "?") return resolve_plain(value);
  if (tag == "!") return value;
  if (tag.rfind(kTagPrefix, 0) != 0) return value;  // custom tags: the text, as go-yaml does
  const std::string_view t = std::string_view(tag).substr(kTagPrefix.size());
  if (t == "str" || t == "timestamp") return value;
  if (t == "binary") throw DecodeAbort{mark, "!!binary values are not supported; write the base64 text as a string"};
  if (t == "int" || t == "float" || t == "bool" || t == "null") {
    json v = resolve_plain(value.empty() ? std::string() : value);
    const std::string want = "!!" + std::string(t);
    if (want == "!!float" && v.is_number_integer()) return v.get<double>();
    if (want != json_kind(v))
      throw DecodeAbort{mark, std::string("cannot decode ") + json_kind(v) + " " + quote(value) + " as " + want};
    return v;
  }
  if (t == "merge") return "<<";
  // !!map/!!seq on a scalar, or an unknown yaml.org tag.
  throw DecodeAbort{mark, "unsupported tag " + tag + " on a scalar"};
}

// A resolved scalar used as a map key, converted the way sigs.k8s.io/yaml does.
std::string key_string(const YAML::Mark& mark, const json& k) {
  if (k.is_string()) return k.get<std::string>();
  if (k.is_boolean()) return k.get<bool>() ? "true" : "false";
  if (k.is_number_unsigned()) return std::to_string(k.get<uint64_t>());
  if (k.is_number_integer()) return std::to_string(k.get<int64_t>());
  if (k.is_number_float()) {
    const double d = k.get<double>();
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(d), std::chars_format::general);
    return std::string(buf, r.ptr);
  }
  if (k.is_null()) throw DecodeAbort{mark, "a map key is null; keys must be strings"};
  throw DecodeAbort{mark, "a map key is a map or a list; keys must be strings"};
}

// ---- the event handler -----------------------------------------------------------------------

class JsonBuilder : public YAML::EventHandler {
 public:
  JsonBuilder(const DecodeLimits& limits, std::size_t& copied) : limits_(limits), copied_(copied) {}

  // After a document: its root, or null for an empty document.
  json take_root() { return std::move(root_); }
  int start_line() const { return start_line_; }
  // Where the last document started: the byte offset and the mark for messages.
  std::size_t start_pos() const { return start_pos_; }
  const YAML::Mark& start_mark() const { return start_mark_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    anchors_.clear();  // anchors do not cross documents
    stack_.clear();
    root_ = nullptr;
    start_line_ = mark.line + 1;
    start_pos_ = static_cast<std::size_t>(mark.pos);
    start_mark_ = mark;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const std::size_t start = produced_;
    ++produced_;
    remember(anchor, json(nullptr), start);
    add(json(nullptr), mark, false);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw DecodeAbort{mark, "alias to an unknown or unfinished anchor"};
    charge(it->second.second, mark);
    produced_ += it->second.second;
    add(it->second.first, mark, false);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const std::size_t start = produced_;
    ++produced_;
    json v = resolve_scalar(mark, tag, value);
    const bool merge_key = tag == "?" && value == "<<";
    remember(anchor, v, start);
    add(std::move(v), mark, merge_key);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, json::array());
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;  // object or array under construction
    YAML::Mark mark;
    YAML::anchor_t anchor = 0;
    std::size_t start = 0;  // produced_ when the node began
    // Maps only: the key waiting for its value, and merge sources (`<<`).
    bool has_key = false;
    bool key_is_merge = false;
    std::string key;
    YAML::Mark key_mark;
    std::vector<json> merges;
  };

  void charge(std::size_t values, const YAML::Mark& mark) {
    copied_ += values;
    if (copied_ > limits_.max_alias_values)
      throw DecodeAbort{mark, "anchors and aliases expand to more than " + std::to_string(limits_.max_alias_values) +
                                  " values (an alias bomb?)"};
  }

  void remember(YAML::anchor_t anchor, const json& v, std::size_t start) {
    if (anchor == 0) return;
    const std::size_t size = produced_ - start;
    charge(size, YAML::Mark::null_mark());
    anchors_[anchor] = {v, size};
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, json empty) {
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key)
      throw DecodeAbort{mark, "a map key is a map or a list; keys must be strings"};
    if (static_cast<int>(stack_.size()) + 1 > limits_.max_depth)
      throw DecodeAbort{mark, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels"};
    ++produced_;
    Frame f;
    f.value = std::move(empty);
    f.mark = mark;
    f.anchor = anchor;
    f.start = produced_ - 1;
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.value.is_object()) {
      // Explicit keys win over merged ones; earlier merge sources win over later ones.
      for (const auto& source : f.merges)
        for (const auto& [k, v] : source.items())
          if (!f.value.contains(k)) f.value[k] = v;
    }
    remember(f.anchor, f.value, f.start);
    add(std::move(f.value), f.mark, false);
  }

  void add(json v, const YAML::Mark& mark, bool merge_key) {
    if (stack_.empty()) {
      if (v.is_number_float() && !std::isfinite(v.get<double>()))
        throw DecodeAbort{mark, "infinity and NaN (.inf, .nan) cannot be represented in JSON; quote the value"};
      root_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_object() && !top.has_key) {
      top.has_key = true;
      top.key_is_merge = merge_key;
      top.key = merge_key ? "<<" : key_string(mark, v);
      top.key_mark = mark;
      return;
    }
    if (v.is_number_float() && !std::isfinite(v.get<double>()))
      throw DecodeAbort{mark, "infinity and NaN (.inf, .nan) cannot be represented in JSON; quote the value"};
    if (top.value.is_array()) {
      top.value.push_back(std::move(v));
      return;
    }
    top.has_key = false;
    if (top.key_is_merge) {
      if (v.is_object()) {
        top.merges.push_back(std::move(v));
      } else if (v.is_array()) {
        for (auto& m : v) {
          if (!m.is_object()) throw DecodeAbort{mark, "a merge key (<<) takes a map or a list of maps"};
          top.merges.push_back(std::move(m));
        }
      } else {
        throw DecodeAbort{mark, "a merge key (<<) takes a map or a list of maps"};
      }
      return;
    }
    if (top.value.contains(top.key))
      throw DecodeAbort{top.key_mark, "duplicate key " + quote(top.key) + " in the same map"};
    top.value[top.key] = std::move(v);
  }

  const DecodeLimits& limits_;
  std::size_t& copied_;
  std::size_t produced_ = 0;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, std::pair<json, std::size_t>> anchors_;
  json root_;
  int start_line_ = 1;
  std::size_t start_pos_ = 0;
  YAML::Mark start_mark_ = YAML::Mark::null_mark();
};

// ---- flow nesting pre-scan -------------------------------------------------------------------
//
// yaml-cpp's scanner queues every token of a flow collection that might still turn out to be a
// mapping key, before the parser sees any of them: `x: [[[[...` costs ~230 bytes per bracket
// (a 4 MB line takes ~1 GB) before our depth check in the event handler could run. So flow
// nesting is measured on the raw text first. The scan knows where a flow collection can start
// (at a node position in block context, anywhere in flow context) and skips comments, quoted
// scalars and block scalars, so brackets inside text do not count. Being a heuristic, it can only
// err by counting too little; the event handler's depth check stays the authority.

struct TextPos {
  int line = 1;
  int column = 1;
};

std::optional<TextPos> flow_too_deep(std::string_view s, int max_depth) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  int line = 1;
  std::size_t line_start = 0;
  int depth = 0;
  bool node_start = true;  // block context: a node (and so a flow collection) may begin here
  bool in_indent = true;
  int indent = 0;
  int entry_col = 0;  // 0-based column of the current key or "- " entry: parent of a block scalar
  char prev = '\n';   // last non-blank character (flow context: tells quotes that open scalars)
  auto is_blank = [&](std::size_t k) { return k >= n || s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'; };
  auto advance_line = [&](std::size_t at_newline) {
    ++line;
    line_start = at_newline + 1;
  };
  auto skip_quoted = [&] {  // i at the opening quote; leaves i after the closing one
    const char q = s[i++];
    while (i < n) {
      const char c = s[i];
      if (c == '\n') advance_line(i);
      if (q == '"' && c == '\\') {
        i += 2;
        continue;
      }
      if (c == q) {
        if (q == '\'' && i + 1 < n && s[i + 1] == '\'') {
          i += 2;
          continue;
        }
        ++i;
        return;
      }
      ++i;
    }
  };
  while (i < n) {
    const char c = s[i];
    if (c == '\n') {
      advance_line(i);
      ++i;
      in_indent = true;
      indent = 0;
      if (depth == 0) node_start = true;
      continue;
    }
    if (in_indent) {
      if (c == ' ') {
        ++indent;
        ++i;
        continue;
      }
      in_indent = false;
      entry_col = indent;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#' && (i == 0 || is_blank(i - 1))) {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    const int column = static_cast<int>(i - line_start) + 1;
    if (depth > 0) {  // flow context: brackets are always structure
      if (c == '[' || c == '{') {
        if (++depth > max_depth) return TextPos{line, column};
      } else if (c == ']' || c == '}') {
        --depth;
      } else if ((c == '"' || c == '\'') && (prev == '[' || prev == '{' || prev == ',' || prev == ':' || prev == '?')) {
        skip_quoted();
        prev = c;
        continue;
      }
      prev = c;
      ++i;
      continue;
    }
    prev = c;
    if (node_start) {
      if (c == '[' || c == '{') {
        depth = 1;
        if (depth > max_depth) return TextPos{line, column};
        node_start = false;
        ++i;
        continue;
      }
      if (c == '"' || c == '\'') {
        entry_col = column - 1;
        skip_quoted();
        node_start = false;
        continue;
      }
      if ((c == '-' || c == '?' || c == ':') && is_blank(i + 1)) {
        if (c == '-') entry_col = column - 1;
        ++i;
        continue;
      }
      if (c == '&' || c == '!') {  // anchor or tag: the node itself follows
        while (!is_blank(i)) ++i;
        continue;
      }
      if (c == '|' || c == '>') {  // block scalar: skip its lines (more indented than the parent)
        const int parent = entry_col;
        while (i < n && s[i] != '\n') ++i;
        while (i < n) {  // i at the '\n' ending the previous line
          std::size_t k = i + 1;
          int ind = 0;
          while (k < n && s[k] == ' ') {
            ++k;
            ++ind;
          }
          const bool blank = k >= n || s[k] == '\n' || (s[k] == '\r' && (k + 1 >= n || s[k + 1] == '\n'));
          if (!blank && ind <= parent) break;
          advance_line(i);
          i = k;
          while (i < n && s[i] != '\n') ++i;
        }
        continue;
      }
      if (c == '-' && column == 1 && s.substr(i, 3) == "---" && is_blank(i + 3)) {
        i += 3;
        continue;
      }
      entry_col = column - 1;  // a plain scalar (perhaps a key) begins
      node_start = false;
      ++i;
      continue;
    }
    if (c == ':' && is_blank(i + 1)) node_start = true;  // after a key: the value may be a flow collection
    ++i;
  }
  return std::nullopt;
}

// Non-empty documents that end before `line` (1-based): the index the document holding that line
// would get. Used only for the pre-scan's error, where no parse has happened.
int documents_before_line(std::string_view text, int line) {
  int docs = 0;
  bool content = false;
  int current = 1;
  std::size_t k = 0;
  while (k < text.size() && current < line) {
    std::size_t end = text.find('\n', k);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(k, end - k);
    if (l.substr(0, 3) == "---" && (l.size() == 3 || std::isspace(static_cast<unsigned char>(l[3])))) {
      if (content) ++docs;
      content = l.find_first_not_of(" \t\r", 3) != std::string_view::npos;
    } else if (auto first = l.find_first_not_of(" \t\r"); first != std::string_view::npos && l[first] != '#') {
      content = true;
    }
    k = end + 1;
    ++current;
  }
  return docs;
}

// ---- JSON input ------------------------------------------------------------------------------

struct JsonAbort {
  std::string message;
};

DecodeOutcome decode_json(std::string_view text, const DecodeLimits& limits) {
  DecodeOutcome out;
  const int max_depth = limits.max_depth;
  // Keys seen in each open object: a duplicate is an error, as in YAML (nlohmann would keep the
  // last one silently).
  std::vector<std::vector<std::string>> keys;
  json::parser_callback_t guard = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth + 1 > max_depth) throw JsonAbort{"nesting deeper than " + std::to_string(max_depth) + " levels"};
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::key: {
        const auto& k = parsed.get_ref<const std::string&>();
        auto& seen = keys.back();
        if (std::find(seen.begin(), seen.end(), k) != seen.end())
          throw JsonAbort{"duplicate key " + quote(k) + " in the same object"};
        seen.push_back(k);
        break;
      }
      case json::parse_event_t::object_end:
        keys.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    DecodedDocument doc;
    doc.value = json::parse(text.begin(), text.end(), guard);
    out.documents.push_back(std::move(doc));
  } catch (const JsonAbort& e) {
    DecodeFailure f;
    f.message = e.message;
    out.failure = std::move(f);
  } catch (const json::parse_error& e) {
    DecodeFailure f;
    f.byte = static_cast<long long>(e.byte);
    // Line and column of the byte nlohmann stopped at (e.byte counts from 1).
    const std::size_t stop = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    f.line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < stop; ++i)
      if (text[i] == '\n') {
        ++f.line;
        line_start = i + 1;
      }
    f.column = static_cast<int>(stop - line_start) + 1;
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." ->
    // "syntax error ...".
    if (auto col = what.find("column "); col != std::string::npos) {
      if (auto colon = what.find(": ", col); colon != std::string::npos) what = what.substr(colon + 2);
    } else if (auto bracket = what.find("] "); bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    f.message = "invalid JSON: " + what;
    out.failure = std::move(f);
  } catch (const json::exception& e) {
    // Not a syntax error but a value JSON text may hold and a double may not: nlohmann throws
    // out_of_range.406 for 1e400 ("number overflow parsing '1e400'"), without a position.
    DecodeFailure f;
    std::string what = e.what();
    if (auto bracket = what.find("] "); bracket != std::string::npos) what = what.substr(bracket + 2);
    f.message = "invalid JSON: " + what + " (numbers must fit in a 64-bit floating point value)";
    out.failure = std::move(f);
  }
  return out;
}

}  // namespace

std::string DecodeFailure::with_position() const {
  std::string s;
  if (line > 0) s = "line " + std::to_string(line) + ", column " + std::to_string(column);
  if (byte >= 0) s += (s.empty() ? "" : " ") + std::string("(byte ") + std::to_string(byte) + ")";
  return s.empty() ? message : s + ": " + message;
}

DecodeOutcome decode_stream(std::string_view text, const DecodeLimits& limits) {
  DecodeOutcome out;
  if (text.size() > limits.max_bytes) {
    DecodeFailure f;
    f.message = "input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                std::to_string(limits.max_bytes);
    out.failure = std::move(f);
    return out;
  }

  // JSON when the first non-blank character opens an object or array (after a UTF-8 BOM).
  std::size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    auto json_out = decode_json(text.substr(i), limits);
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(i), '\n'));
    for (auto& d : json_out.documents) d.line = line;
    return json_out;
  }

  if (auto deep = flow_too_deep(text, limits.max_depth)) {
    DecodeFailure f;
    f.line = deep->line;
    f.column = deep->column;
    f.message = "nesting deeper than " + std::to_string(limits.max_depth) + " levels";
    f.document = documents_before_line(text, deep->line);
    out.failure = std::move(f);
    return out;
  }

  std::istringstream in{std::string(text)};
  std::size_t copied = 0;
  JsonBuilder builder(limits, copied);
  int index = 0;  // counts non-empty documents, the ones a reader sees
  try {
    YAML::Parser parser(in);
    // yaml-cpp 0.7 never consumes a token it has no rule for (a ',' outside [ ] or { }, as in
    // ",\n" or "[a]\n,"): HandleNextDocument then yields the same empty document forever
    // (jbeder/yaml-cpp#1040, fixed upstream after 0.8). Every real document moves forward, so a
    // document starting where the previous one did is that loop: stop it with an error.
    std::optional<std::size_t> previous_start;
    while (parser.HandleNextDocument(builder)) {
      if (previous_start == builder.start_pos()) {
        const std::size_t at = builder.start_pos();
        const bool comma = at < text.size() && text[at] == ',';
        throw DecodeAbort{builder.start_mark(),
                          comma ? "invalid YAML: a ',' can only separate items inside [ ] or { }; quote a value that starts with it"
                                : "invalid YAML: the parser cannot go past this point"};
      }
      previous_start = builder.start_pos();
      json root = builder.take_root();
      if (root.is_null()) continue;  // empty, comment-only or `null` documents
      out.documents.push_back(DecodedDocument{std::move(root), index++, builder.start_line()});
    }
  } catch (const DecodeAbort& e) {
    DecodeFailure f;
    f.document = index;
    if (!e.mark.is_null()) {
      f.line = e.mark.line + 1;
      f.column = e.mark.column + 1;
    }
    f.message = e.message;
    out.failure = std::move(f);
  } catch (const YAML::Exception& e) {
    DecodeFailure f;
    f.document = index;
    if (!e.mark.is_null()) {
      f.line = e.mark.line + 1;
      f.column = e.mark.column + 1;
    }
    f.message = "invalid YAML: " + e.msg;
    out.failure = std::move(f);
  } catch (const std::exception& e) {
    DecodeFailure f;
    f.document = index;
    f.message = std::string("invalid YAML: ") + e.what();
    out.failure = std::move(f);
  }
  return out;
}

}  // namespace detail

namespace {

Error describe(const detail::DecodeFailure& f, const std::string& source) {
  std::string where = source;
  if (f.line > 0) where += ":" + std::to_string(f.line) + ":" + std::to_string(f.column);
  if (f.byte >= 0) where += " (byte " + std::to_string(f.byte) + ")";
  return Error{where + ": " + f.message, ""};
}

}  // namespace

Result<std::vector<nlohmann::json>> decode_documents(std::string_view text, const std::string& source,
                                                     const DecodeLimits& limits) {
  auto outcome = detail::decode_stream(text, limits);
  if (outcome.failure) return describe(*outcome.failure, source);
  std::vector<nlohmann::json> docs;
  docs.reserve(outcome.documents.size());
  for (auto& d : outcome.documents) docs.push_back(std::move(d.value));
  return docs;
}

Result<std::vector<LineDocument>> decode_documents_with_lines(std::string_view text, const std::string& source,
                                                             const DecodeLimits& limits) {
  auto outcome = detail::decode_stream(text, limits);
  if (outcome.failure) return describe(*outcome.failure, source);
  std::vector<LineDocument> docs;
  docs.reserve(outcome.documents.size());
  for (auto& d : outcome.documents) docs.push_back(LineDocument{std::move(d.value), std::max(d.line, 1)});
  return docs;
}

}  // namespace kindlyguard::policy
