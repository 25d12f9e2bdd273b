// The ?labelSelector= syntax, read the way k8s.io/apimachinery/pkg/labels reads it: whitespace
// between tokens is free, keys and values are any run of characters other than whitespace and
// = ! ( ) , < >, and "in"/"notin" are operators only where an operator is expected.
#include <optional>

#include "kindlyguard/k8s/label_selector.hpp"
#include "label_names.hpp"
#include "quote.hpp"

namespace kindlyguard::k8s {
namespace {

using Op = LabelRequirement::Op;

enum class Tok { Word, Equals, DoubleEquals, NotEquals, Bang, Open, Close, Comma, Greater, Less, End };

struct Token {
  Tok kind;
  std::string_view text;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_symbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '<' || c == '>';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
    if (pos_ == s_.size()) return {Tok::End, {}};
    const std::size_t start = pos_;
    const char c = s_[pos_++];
    const bool then_equals = pos_ < s_.size() && s_[pos_] == '=';
    switch (c) {
      case '=': return then_equals ? symbol(Tok::DoubleEquals, start) : Token{Tok::Equals, s_.substr(start, 1)};
      case '!': return then_equals ? symbol(Tok::NotEquals, start) : Token{Tok::Bang, s_.substr(start, 1)};
      case '(': return {Tok::Open, s_.substr(start, 1)};
      case ')': return {Tok::Close, s_.substr(start, 1)};
      case ',': return {Tok::Comma, s_.substr(start, 1)};
      case '<': return {Tok::Less, s_.substr(start, 1)};
      case '>': return {Tok::Greater, s_.substr(start, 1)};
      default: break;
    }
    while (pos_ < s_.size() && !is_space(s_[pos_]) && !is_symbol(s_[pos_])) ++pos_;
    return {Tok::Word, s_.substr(start, pos_ - start)};
  }

 private:
  Token symbol(Tok kind, std::size_t start) {
    ++pos_;
    return {kind, s_.substr(start, 2)};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) { advance(); }

  Result<std::vector<LabelRequirement>> requirements() {
    std::vector<LabelRequirement> out;
    if (tok_.kind == Tok::End) return out;
    for (;;) {
      auto r = requirement();
      if (!r) return r.error();
      out.push_back(std::move(*r));
      if (tok_.kind == Tok::End) return out;
      if (tok_.kind != Tok::Comma) return unexpected("',' or the end of the selector");
      advance();
      if (tok_.kind != Tok::Word && tok_.kind != Tok::Bang) return unexpected("a requirement after ','");
    }
  }

 private:
  Result<LabelRequirement> requirement() {
    LabelRequirement r;
    const bool negated = tok_.kind == Tok::Bang;
    if (negated) advance();
    if (tok_.kind != Tok::Word) return unexpected("a label key");
    r.key = std::string(tok_.text);
    if (auto p = detail::label_key_problem(r.key); !p.empty()) return fail(p);
    advance();

    if (negated || tok_.kind == Tok::End || tok_.kind == Tok::Comma) {
      r.op = negated ? Op::DoesNotExist : Op::Exists;
      return r;
    }
    switch (tok_.kind) {
      case Tok::Equals:
      case Tok::DoubleEquals:
      case Tok::NotEquals: {
        r.op = tok_.kind == Tok::NotEquals ? Op::NotIn : Op::In;
        advance();
        if (tok_.kind == Tok::Word) {
          r.values.emplace_back(tok_.text);
          advance();
        } else if (tok_.kind == Tok::End || tok_.kind == Tok::Comma) {
          r.values.emplace_back();  // "tier=" selects the empty value
        } else {
          return unexpected("a label value");
        }
        break;
      }
      case Tok::Word:
        if (tok_.text != "in" && tok_.text != "notin") return unexpected("an operator (=, ==, !=, in, notin)");
        r.op = tok_.text == "in" ? Op::In : Op::NotIn;
        advance();
        if (auto err = value_set(r.values)) return *err;
        break;
      case Tok::Greater:
      case Tok::Less:
        return fail("the operators > and < are not supported; use =, ==, !=, in, notin, key or !key");
      default:
        return unexpected("an operator (=, ==, !=, in, notin)");
    }
    for (const auto& v : r.values)
      if (auto p = detail::label_value_problem(v); !p.empty()) return fail(p);
    return r;
  }

  // "(a,b)"; an empty slot is the empty value, as in Kubernetes: "()" and "(a,)" hold "".
  std::optional<Error> value_set(std::vector<std::string>& values) {
    if (tok_.kind != Tok::Open) return unexpected("'(' to start the list of values");
    advance();
    for (;;) {
      if (tok_.kind == Tok::Word) {
        values.emplace_back(tok_.text);
        advance();
      } else {
        values.emplace_back();
      }
      if (tok_.kind == Tok::Close) {
        advance();
        return std::nullopt;
      }
      if (tok_.kind != Tok::Comma) return unexpected("',' or ')' in the list of values");
      advance();
    }
  }

  void advance() { tok_ = lexer_.next(); }

  Error fail(const std::string& reason) const {
    return Error{detail::quote(text_) + " is not a valid label selector: " + reason, ""};
  }

  Error unexpected(std::string_view expected) const {
    const std::string found = tok_.kind == Tok::End ? "the end of the selector" : detail::quote(tok_.text, 40);
    return fail("found " + found + " where " + std::string(expected) + " was expected");
  }

  std::string_view text_;
  Lexer lexer_;
  Token tok_{Tok::End, {}};
};

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  auto requirements = Parser(text).requirements();
  if (!requirements) return requirements.error();
  LabelSelector s;
  s.requirements_ = std::move(*requirements);
  s.canonicalize();
  return s;
}

}  // namespace kindlyguard::k8s
