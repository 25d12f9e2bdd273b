// spec.match, spec.exemptions and spec.podSecurityStandard.

#include <algorithm>

#include "kindlyguard/k8s/label_selector.hpp"
#include "parse_fields.hpp"

namespace kindlyguard::policy::detail {

// A namespace name (DNS-1123 label) or a glob over them: lower-case letters, digits and '-',
// with '*' and '?' as wildcards.
void check_namespace_patterns(Errors& errors, const std::vector<std::string>& patterns, const std::string& path) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string& p = patterns[i];
    const bool glob = p.find_first_of("*?") != std::string::npos;
    bool ok;
    if (glob) {
      ok = !p.empty() && p.size() <= 63 && std::all_of(p.begin(), p.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*' || c == '?';
      });
    } else {
      ok = is_dns1123_label(p);
    }
    if (!ok)
      errors.add(index(path, i), quote(p) +
                                     " is not a namespace name or glob (lower-case letters, digits and '-', at most 63 "
                                     "characters, starting and ending with a letter or digit; '*' and '?' as wildcards)");
  }
}

std::optional<k8s::LabelSelector> selector(Errors& errors, ObjectReader& r, std::string_view key) {
  const json* v = r.get(key);
  if (v == nullptr) return std::nullopt;
  auto s = k8s::LabelSelector::from_json(*v, r.path(key));
  if (!s) {
    Error e = s.error();
    if (e.path.empty()) e.path = r.path(key);
    errors.add(std::move(e));
    return std::nullopt;
  }
  return *s;
}

std::vector<k8s::ImagePattern> image_patterns(Errors& errors, ObjectReader& r, std::string_view key) {
  std::vector<k8s::ImagePattern> out;
  if (auto v = r.strings(key)) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      auto pattern = k8s::ImagePattern::parse((*v)[i]);
      if (pattern.ok()) out.push_back(std::move(*pattern));
      else errors.add(index(r.path(key), i), pattern.error().message);
    }
  }
  return out;
}

namespace {

void non_empty_entries(Errors& errors, const std::vector<std::string>& items, const std::string& path,
                       std::string_view what) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].empty() || items[i].find_first_not_of(" \t") == std::string::npos)
      errors.add(index(path, i), "must be a non-empty " + std::string(what));
}

}  // namespace

void parse_match(Errors& errors, const json* value, const std::string& path, Match& out) {
  ObjectReader r(errors, value, path);
  if (auto v = r.strings("namespaces")) {
    check_namespace_patterns(errors, *v, r.path("namespaces"));
    out.namespaces = std::move(*v);
  }
  if (auto v = r.strings("excludedNamespaces")) {
    check_namespace_patterns(errors, *v, r.path("excludedNamespaces"));
    out.excluded_namespaces = std::move(*v);
  }
  out.namespace_selector = selector(errors, r, "namespaceSelector");
  out.pod_selector = selector(errors, r, "podSelector");
  r.finish();
}

void parse_exemptions(Errors& errors, const json* value, const std::string& path, Exemptions& out) {
  ObjectReader r(errors, value, path);
  if (auto v = r.strings("usernames")) {
    non_empty_entries(errors, *v, r.path("usernames"), "user name");
    out.usernames = std::move(*v);
  }
  if (auto v = r.strings("groups")) {
    non_empty_entries(errors, *v, r.path("groups"), "group name");
    out.groups = std::move(*v);
  }
  out.images = image_patterns(errors, r, "images");
  r.finish();
}

std::optional<PodSecurityStandard> parse_pod_security_standard(Errors& errors, const json* value,
                                                               const std::string& path) {
  if (value == nullptr) return std::nullopt;
  ObjectReader r(errors, value, path);
  if (!r.present()) return std::nullopt;
  const std::size_t before = errors.size();
  PodSecurityStandard pss;

  if (r.get("level") == nullptr) {
    errors.add(r.path("level"), "is required: baseline or restricted");
  } else if (auto level = r.string("level")) {
    if (*level == "baseline") {
      pss.level = PssLevel::Baseline;
    } else if (*level == "restricted") {
      pss.level = PssLevel::Restricted;
    } else if (*level == "privileged") {
      errors.add(r.path("level"),
                 "\"privileged\" enforces nothing (the privileged standard allows everything); choose baseline or "
                 "restricted, or remove podSecurityStandard");
    } else {
      std::string hint = closest(*level, {"baseline", "restricted"});
      errors.add(r.path("level"), quote(*level) + " is not a Pod Security Standard level; expected baseline or restricted" +
                                      (hint.empty() ? "" : " (did you mean " + hint + "?)"));
    }
  }

  if (auto version = r.string("version")) {
    const std::string& v = *version;
    bool ok = false;
    if (v == "latest") {
      pss.version = PssVersion{};
      ok = true;
    } else if (v.size() >= 4 && v.size() <= 5 && v.compare(0, 3, "v1.") == 0) {
      const std::string minor = v.substr(3);
      const bool digits = std::all_of(minor.begin(), minor.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits && (minor.size() == 1 || minor[0] != '0')) {
        pss.version = PssVersion{false, std::stoi(minor)};
        ok = true;
      }
    }
    if (!ok) {
      std::string message = quote(v) + " is not a Pod Security Standards version; expected latest or v1.<minor> such as v1.29";
      if (!v.empty() && v[0] == '1') message += " (add the leading v: v" + v + ")";
      else if (v == "Latest" || v == "LATEST") message += " (did you mean latest?)";
      errors.add(r.path("version"), std::move(message));
    }
  }
  r.finish();
  if (errors.size() != before) return std::nullopt;
  return pss;
}

}  // namespace kindlyguard::policy::detail
