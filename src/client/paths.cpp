#include "paths.hpp"

namespace kindlyguard::client::detail {

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

std::string resource_path(const ResourceRef& r, const std::string& ns, const std::string& name,
                          const std::string& subresource) {
  std::string p = r.group_version_path();
  if (r.namespaced && !ns.empty()) p += "/namespaces/" + url_encode(ns);
  p += "/" + r.plural;
  if (!name.empty()) {
    p += "/" + url_encode(name);
    if (!subresource.empty()) p += "/" + subresource;
  }
  return p;
}

Query& Query::add(std::string key, std::string value) {
  items_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Query& Query::add_if(std::string key, const std::string& value) {
  if (!value.empty()) items_.emplace_back(std::move(key), value);
  return *this;
}

std::string Query::str() const {
  std::string out;
  for (const auto& [k, v] : items_) {
    out += out.empty() ? "?" : "&";
    out += url_encode(k) + "=" + url_encode(v);
  }
  return out;
}

std::string metric_resource(const ResourceRef& r, const std::string& subresource) {
  std::string q = r.qualified();
  return subresource.empty() ? q : q + "/" + subresource;
}

}  // namespace kindlyguard::client::detail
