#include "label_names.hpp"

#include "kindlyguard/k8s/label_selector.hpp"
#include "quote.hpp"

namespace kindlyguard::k8s::detail {
namespace {

constexpr std::size_t kMaxNameLength = 63;     // label names and values
constexpr std::size_t kMaxPrefixLength = 253;  // DNS subdomain

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], the shape of label names and non-empty values.
bool is_qualified_name_part(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// RFC 1123 subdomain: lower-case labels of [a-z0-9-], not starting or ending with '-'.
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLength) return false;
  for (;;) {
    const auto dot = s.find('.');
    const std::string_view label = s.substr(0, dot);
    if (label.empty() || !is_lower_alnum(label.front()) || !is_lower_alnum(label.back())) return false;
    for (char c : label)
      if (!is_lower_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

constexpr std::string_view kNameShape =
    "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

}  // namespace

std::string label_key_problem(std::string_view key) {
  const std::string what = "label key " + quote(key) + " is not valid: ";
  std::string_view name = key;
  if (const auto slash = key.find('/'); slash != std::string_view::npos) {
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (name.find('/') != std::string_view::npos) return what + "a key has at most one '/' (prefix/name)";
    if (prefix.empty()) return what + "the prefix before '/' is empty";
    if (!is_dns_subdomain(prefix))
      return what + "the prefix before '/' must be a lower-case DNS subdomain such as example.com (at most 253 "
                    "characters)";
  }
  if (name.empty()) return what + "the name is empty";
  if (name.size() > kMaxNameLength || !is_qualified_name_part(name))
    return what + "the name must be " + std::string(kNameShape);
  return {};
}

std::string label_value_problem(std::string_view value) {
  if (value.empty()) return {};
  if (value.size() <= kMaxNameLength && is_qualified_name_part(value)) return {};
  return "label value " + quote(value) + " is not valid: it must be empty or " + std::string(kNameShape);
}

}  // namespace kindlyguard::k8s::detail

namespace kindlyguard::k8s {

bool is_valid_label_key(std::string_view key) { return detail::label_key_problem(key).empty(); }
bool is_valid_label_value(std::string_view value) { return detail::label_value_problem(value).empty(); }

}  // namespace kindlyguard::k8s
