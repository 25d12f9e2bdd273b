#include "quote.hpp"

namespace kindlyguard::k8s::detail {

void append_escaped(std::string& out, char ch) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto c = static_cast<unsigned char>(ch);
  if (c == '"' || c == '\\') {
    out += '\\';
    out += static_cast<char>(c);
  } else if (c < 0x20 || c >= 0x7f) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  } else {
    out += static_cast<char>(c);
  }
}

std::string quote(std::string_view s, std::size_t max_chars) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == max_chars) {
      out += "...";
      break;
    }
    append_escaped(out, s[i]);
  }
  out += '"';
  return out;
}

std::string join_path(std::string_view path, std::string_view field) {
  if (path.empty()) return std::string(field);
  std::string out(path);
  out += '.';
  out += field;
  return out;
}

}  // namespace kindlyguard::k8s::detail
