#include "image_grammar.hpp"

#include "quote.hpp"

namespace kindlyguard::k8s::detail {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_hex(char c) { return is_lower_hex(c) || (c >= 'A' && c <= 'F'); }

bool valid_path_component(std::string_view c) {
  std::size_t i = 0;
  for (;;) {
    const std::size_t run = i;
    while (i < c.size() && is_lower_alnum(c[i])) ++i;
    if (i == run) return false;  // empty, or a separator at the start, end or beside another
    if (i == c.size()) return true;
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      i += (i + 1 < c.size() && c[i + 1] == '_') ? 2 : 1;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  for (char ch : c)
    if (!is_alnum(ch) && ch != '-') return false;
  return true;
}

bool valid_domain_name(std::string_view name) {
  for (;;) {
    const auto dot = name.find('.');
    if (!valid_domain_component(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

}  // namespace

bool looks_like_host(std::string_view segment) {
  if (segment == "localhost" || segment.find_first_of(".:") != std::string_view::npos) return true;
  for (char c : segment)
    if (is_upper(c)) return true;
  return false;
}

std::string host_problem(std::string_view host) {
  std::string_view name = host;
  std::string_view port;
  bool has_port = false;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return "registry host " + quote(host) + " has an unclosed '['";
    const std::string_view address = host.substr(1, close - 1);
    bool ok = !address.empty();
    for (char c : address) ok = ok && (is_hex(c) || c == ':');
    if (!ok) return "registry host " + quote(host) + " is not a valid bracketed IPv6 address";
    name = {};
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "registry host " + quote(host) + " has text after the IPv6 address";
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      has_port = true;
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
    }
    if (!valid_domain_name(name))
      return "registry host " + quote(host) +
             " is not valid (expected a host name with an optional port such as registry.example.com:5000)";
  }
  if (has_port) {
    bool ok = !port.empty();
    for (char c : port) ok = ok && is_digit(c);
    if (!ok) return "the port of registry host " + quote(host) + " must be a number (such as :5000)";
  }
  return {};
}

std::string path_problem(std::string_view path) {
  for (char c : path)
    if (is_upper(c)) return "repository name " + quote(path) + " must be lowercase";
  std::string_view rest = path;
  for (;;) {
    const auto slash = rest.find('/');
    if (!valid_path_component(rest.substr(0, slash)))
      return "repository path " + quote(path) +
             " is not valid (each '/'-separated part is lower-case letters and digits, joined by '.', '_', "
             "'__' or '-')";
    if (slash == std::string_view::npos) return {};
    rest.remove_prefix(slash + 1);
  }
}

std::string tag_problem(std::string_view tag) {
  bool ok = !tag.empty() && tag.size() <= 128 && is_word(tag.front());
  for (char c : tag) ok = ok && (is_word(c) || c == '.' || c == '-');
  if (ok) return {};
  return "tag " + quote(tag) +
         " is not valid (expected 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-')";
}

std::string digest_problem(std::string_view digest) {
  struct Algorithm {
    std::string_view name;
    std::size_t hex_digits;
  };
  static constexpr Algorithm kAlgorithms[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
  const auto colon = digest.find(':');
  const std::string_view algorithm = digest.substr(0, colon);
  for (const auto& a : kAlgorithms) {
    if (a.name != algorithm) continue;
    const std::string_view hex = colon == std::string_view::npos ? std::string_view{} : digest.substr(colon + 1);
    bool ok = hex.size() == a.hex_digits;
    for (char c : hex) ok = ok && is_lower_hex(c);
    if (ok) return {};
    return "digest " + quote(digest) + " is not valid (expected " + std::string(a.name) + ":<" + std::to_string(a.hex_digits) +
           " lower-case hex digits>)";
  }
  return "digest " + quote(digest) +
         " is not valid (expected sha256:<64 lower-case hex digits>; sha384 and sha512 are accepted too)";
}

}  // namespace kindlyguard::k8s::detail
