#include "kindly_test_apiserver/selectors.hpp"

#include <algorithm>
#include <cctype>

#include "kindly_test_apiserver/status.hpp"
#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  void skip_ws() {
    while (pos_ < s_.size() && std::isspace((unsigned char)s_[pos_])) ++pos_;
  }
  bool done() {
    skip_ws();
    return pos_ >= s_.size();
  }
  char peek() {
    skip_ws();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool consume(std::string_view tok) {
    skip_ws();
    if (s_.substr(pos_, tok.size()) == tok) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  // A key or value: everything up to a delimiter.
  std::string word() {
    skip_ws();
    const std::size_t start = pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (std::isspace((unsigned char)c) || c == ',' || c == '=' || c == '!' || c == '(' || c == ')' || c == '<' ||
          c == '>')
        break;
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  // "in"/"notin" only when followed by whitespace or "(".
  bool keyword(std::string_view kw) {
    skip_ws();
    if (s_.substr(pos_, kw.size()) != kw) return false;
    const std::size_t after = pos_ + kw.size();
    if (after < s_.size() && !std::isspace((unsigned char)s_[after]) && s_[after] != '(') return false;
    pos_ = after;
    return true;
  }
 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

[[noreturn]] void syntax(std::string_view text, const std::string& why) {
  throw errors::bad_request("unable to parse requirement: " + why + " (in label selector \"" + std::string(text) +
                            "\")");
}

bool valid_label_value(const std::string& v) {
  if (v.size() > 63) return false;
  if (v.empty()) return true;
  auto alnum = [](char c) { return std::isalnum((unsigned char)c) != 0; };
  if (!alnum(v.front()) || !alnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

}  // namespace

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  Lexer lx(text);
  if (lx.done()) return sel;
  while (true) {
    Requirement r;
    if (lx.consume("!")) {
      r.key = lx.word();
      if (r.key.empty()) syntax(text, "expected a key after '!'");
      r.op = Op::DoesNotExist;
    } else {
      r.key = lx.word();
      if (r.key.empty()) syntax(text, "expected a key");
      if (lx.done() || lx.peek() == ',') {
        r.op = Op::Exists;
      } else if (lx.consume("==") || lx.consume("=")) {
        r.op = Op::Equals;
        r.values.push_back(lx.word());
      } else if (lx.consume("!=")) {
        r.op = Op::NotEquals;
        r.values.push_back(lx.word());
      } else if (lx.consume(">")) {
        r.op = Op::GreaterThan;
        r.values.push_back(lx.word());
      } else if (lx.consume("<")) {
        r.op = Op::LessThan;
        r.values.push_back(lx.word());
      } else if (const bool notin = lx.keyword("notin"); notin || lx.keyword("in")) {
        r.op = notin ? Op::NotIn : Op::In;
        if (!lx.consume("(")) syntax(text, "expected '(' after set operator");
        while (true) {
          std::string v = lx.word();
          r.values.push_back(v);
          if (lx.consume(",")) continue;
          if (lx.consume(")")) break;
          syntax(text, "expected ',' or ')' in value set");
        }
      } else {
        syntax(text, "found '" + std::string(1, lx.peek()) + "', expected: in, notin, =, ==, !=, gt, lt");
      }
    }
    for (const auto& v : r.values) {
      if (!valid_label_value(v)) syntax(text, "invalid label value: \"" + v + "\"");
    }
    if ((r.op == Op::GreaterThan || r.op == Op::LessThan)) {
      try {
        (void)std::stoll(r.values.at(0));
      } catch (...) {
        syntax(text, "for 'Gt', 'Lt' operators, the value must be an integer");
      }
    }
    sel.reqs_.push_back(std::move(r));
    if (lx.done()) break;
    if (!lx.consume(",")) syntax(text, "expected ','");
  }
  return sel;
}

bool LabelSelector::matches(const json& labels) const {
  for (const auto& r : reqs_) {
    const bool has = labels.is_object() && labels.contains(r.key) && labels[r.key].is_string();
    const std::string value = has ? labels[r.key].get<std::string>() : "";
    const bool in = std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    bool ok = false;
    switch (r.op) {
      case Op::Equals: ok = has && value == r.values[0]; break;
      case Op::NotEquals: ok = !has || value != r.values[0]; break;
      case Op::In: ok = has && in; break;
      case Op::NotIn: ok = !has || !in; break;
      case Op::Exists: ok = has; break;
      case Op::DoesNotExist: ok = !has; break;
      case Op::GreaterThan:
      case Op::LessThan: {
        if (!has) break;
        try {
          const long long lv = std::stoll(value), rv = std::stoll(r.values[0]);
          ok = r.op == Op::GreaterThan ? lv > rv : lv < rv;
        } catch (...) {
          ok = false;
        }
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

FieldSelector FieldSelector::parse(std::string_view text, const ResourceInfo& resource) {
  FieldSelector sel;
  // Split on unescaped commas, then on the first unescaped operator.
  std::vector<std::string> terms;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      cur += text[i];
      cur += text[++i];
    } else if (text[i] == ',') {
      terms.push_back(cur);
      cur.clear();
    } else {
      cur += text[i];
    }
  }
  terms.push_back(cur);
  auto unescape = [](std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i];
    }
    return out;
  };
  for (const auto& raw : terms) {
    const std::string term = util::trim(raw);
    if (term.empty()) continue;
    Requirement r{};
    std::size_t op_pos = std::string::npos, op_len = 0;
    for (std::size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term.compare(i, 2, "!=") == 0) {
        op_pos = i, op_len = 2, r.equals = false;
      } else if (term.compare(i, 2, "==") == 0) {
        op_pos = i, op_len = 2, r.equals = true;
      } else if (term[i] == '=') {
        op_pos = i, op_len = 1, r.equals = true;
      }
      if (op_pos != std::string::npos) break;
    }
    if (op_pos == std::string::npos) {
      throw errors::bad_request("invalid field selector: \"" + term + "\": " + term + " is not a valid field selector");
    }
    r.field = util::trim(term.substr(0, op_pos));
    r.value = unescape(util::trim(term.substr(op_pos + op_len)));
    const bool supported = r.field == "metadata.name" || r.field == "metadata.namespace" ||
                           std::find(resource.field_labels.begin(), resource.field_labels.end(), r.field) !=
                               resource.field_labels.end();
    if (!supported) throw errors::bad_request("field label not supported: " + r.field);
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

std::string FieldSelector::field_value(const json& object, const std::string& dotted_path) {
  const json* cur = &object;
  for (const auto& part : util::split(dotted_path, '.')) {
    if (!cur->is_object() || !cur->contains(part)) return "";
    cur = &(*cur)[part];
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return "";
}

bool FieldSelector::matches(const json& object) const {
  for (const auto& r : reqs_) {
    // "source" on events means source.component.
    const std::string path = r.field == "source" ? "source.component" : r.field;
    const bool eq = field_value(object, path) == r.value;
    if (eq != r.equals) return false;
  }
  return true;
}

}  // namespace kindly::testapi
