// Wording helpers shared by the PSS checks: PSA's pluralised container lists and Go's %q.
#include "check.hpp"

#include <cstdio>

namespace kindlyguard::policy::pss::detail {

std::string Pod::metadata_field(std::string_view sub) const {
  // The metadata sits beside the spec: "spec" -> "metadata", "spec.template.spec" -> "spec.template.metadata".
  const std::string& spec_path = view->spec_path();
  std::string out = spec_path.substr(0, spec_path.size() - std::string_view("spec").size()) + "metadata";
  if (!sub.empty()) {
    out += '.';
    out += sub;
  }
  return out;
}

std::string containers_phrase(const Names& names) {
  std::string out = pluralize("container", "containers", names.size());
  out += ' ';
  out += join_quote(names);
  return out;
}

bool fail(CheckResult& out, std::string reason, std::string detail, std::string field, std::string_view container) {
  out.reason = std::move(reason);
  out.detail = std::move(detail);
  out.field = std::move(field);
  out.container = std::string(container);
  return false;
}

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when the bytes are not valid UTF-8.
std::size_t utf8_length(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and values beyond Unicode are invalid, as in Go.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// Go's unicode.IsPrint approximated: every code point is printable except the C0/C1 controls,
// DEL, non-ASCII spaces and the Unicode format/separator characters commonly met in the wild.
bool printable(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp >= 0x80 && cp <= 0xA0) return false;
  if (cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
      (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB))
    return false;
  return true;
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_length(s, i, cp);
    if (n == 0) {  // an invalid byte: \xNN
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (printable(cp)) {
          out.append(s.substr(i, n));
        } else if (cp < 0x80) {
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
          out += buf;
        } else if (cp < 0x10000) {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
        } else {
          std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
          out += buf;
        }
    }
    i += n;
  }
  out += '"';
  return out;
}

}  // namespace kindlyguard::policy::pss::detail
