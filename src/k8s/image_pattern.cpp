#include "kindlyguard/k8s/image_pattern.hpp"

#include <algorithm>

#include "image_grammar.hpp"
#include "kindlyguard/k8s/glob.hpp"
#include "quote.hpp"

namespace kindlyguard::k8s {
namespace {

constexpr std::size_t kMaxSegments = 32;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_host(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

// A path segment glob: the characters of repository components, plus '*' and '?'.
bool valid_segment(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '*' || c == '?';
  });
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// Segment-wise match; "**" spans one or more segments. Patterns hold at most kMaxSegments
// segments, so the recursion is shallow; the memo keeps "**/**/**" from going exponential.
bool match_segments(const std::vector<std::string>& pattern, std::size_t p, const std::vector<std::string_view>& text,
                    std::size_t t, std::vector<signed char>& memo) {
  const std::size_t key = p * (text.size() + 1) + t;
  if (memo[key] >= 0) return memo[key] != 0;
  bool result = false;
  if (p == pattern.size()) {
    result = t == text.size();
  } else if (pattern[p] == "**") {
    for (std::size_t end = t + 1; end <= text.size() && !result; ++end) result = match_segments(pattern, p + 1, text, end, memo);
  } else if (t < text.size() && glob_match(pattern[p], text[t])) {
    result = match_segments(pattern, p + 1, text, t + 1, memo);
  }
  memo[key] = result ? 1 : 0;
  return result;
}

}  // namespace

Result<ImagePattern> ImagePattern::parse(std::string_view pattern) {
  auto fail = [&](const std::string& reason) {
    return Error{detail::quote(pattern) + " is not a valid image pattern: " + reason, ""};
  };
  if (pattern.empty()) return Error{"an image pattern must not be empty (expected, for example, registry.example.com/tools/*)", ""};
  if (pattern.find_first_of(" \t\r\n") != std::string_view::npos) return fail("it contains white space");

  ImagePattern out;
  out.original = std::string(pattern);
  std::string_view name = pattern;
  if (const auto at = pattern.find('@'); at != std::string_view::npos) {
    std::string digest(pattern.substr(at + 1));
    if (auto p = detail::digest_problem(digest); !p.empty()) return fail(p + " (a digest in a pattern is matched exactly)");
    out.digest = std::move(digest);
    name = pattern.substr(0, at);
  }
  auto parts = split(name);
  if (parts.size() > kMaxSegments) return fail("it has more than " + std::to_string(kMaxSegments) + " segments");
  std::size_t first_path = 0;
  out.registry = std::string(detail::kDockerHub);
  if (parts.size() > 1) {
    const std::string_view first = parts.front();
    if (has_wildcard(first))
      return fail("a wildcard in the first segment could match a registry host or a Docker Hub namespace; write "
                  "the registry out, such as docker.io/" + std::string(first) + "/... or registry.example.com/" +
                  std::string(first) + "/...");
    if (detail::looks_like_host(first)) {
      if (auto p = detail::host_problem(first); !p.empty()) return fail(p);
      out.registry = first == detail::kLegacyDockerHub ? std::string(detail::kDockerHub) : std::string(first);
      first_path = 1;
    }
  }
  if (parts.size() == 1 && parts.front().find('.') != std::string_view::npos && !has_wildcard(parts.front()))
    return fail("a single segment with a '.' reads as a Docker Hub image but looks like a registry host; write " +
                std::string(parts.front()) + "/** for every image on that registry, or docker.io/library/" +
                std::string(parts.front()) + " for the Docker Hub image");
  if (first_path == parts.size()) return fail("it names a registry but no repository; write registry/** for every image on it");
  // The host is gone, so a ':' in the last segment starts the tag.
  std::string_view last = parts.back();
  if (const auto colon = last.find(':'); colon != std::string_view::npos) {
    std::string tag(last.substr(colon + 1));
    std::string probe = tag;
    std::replace(probe.begin(), probe.end(), '*', 'a');
    std::replace(probe.begin(), probe.end(), '?', 'a');
    if (tag.empty() || !detail::tag_problem(probe).empty())
      return fail("the tag " + detail::quote(tag) + " is not a tag glob (letters, digits, '_', '.', '-', '*' and '?')");
    out.tag = std::move(tag);
    parts.back() = last.substr(0, colon);
  }
  for (std::size_t i = first_path; i < parts.size(); ++i) {
    if (parts[i] != "**" && parts[i].find("**") != std::string_view::npos)
      return fail("\"**\" must be a whole segment, such as registry.example.com/tools/**");
    if (!valid_segment(parts[i]))
      return fail(parts[i].empty() ? std::string("it has an empty path segment")
                                   : "the segment " + detail::quote(parts[i]) +
                                         " is not a repository path glob (lower-case letters, digits, '.', '_', '-', "
                                         "'*' and '?')");
    out.segments.emplace_back(parts[i]);
  }
  // Official Docker Hub images live under library/, as for images: "nginx*" is library/nginx*.
  if (out.registry == detail::kDockerHub && out.segments.size() == 1 && out.segments.front() != "**")
    out.segments.insert(out.segments.begin(), "library");
  return out;
}

bool ImagePattern::matches(const ImageRef& image) const {
  if (!same_host(registry, image.registry)) return false;
  const auto text = split(image.repository);
  std::vector<signed char> memo((segments.size() + 1) * (text.size() + 1), -1);
  if (!match_segments(segments, 0, text, 0, memo)) return false;
  if (digest && *digest != image.digest) return false;
  if (tag) {
    if (image.has_digest()) return *tag == "*";  // the runtime pulls the digest, whatever the tag says
    if (!glob_match(*tag, image.effective_tag())) return false;
  }
  return true;
}

bool ImagePattern::matches(std::string_view image) const {
  auto ref = ImageRef::parse(image);
  return ref.ok() && matches(*ref);
}

std::string ImagePattern::to_string() const {
  std::string s = registry;
  for (const auto& seg : segments) s += "/" + seg;
  if (tag) s += ":" + *tag;
  if (digest) s += "@" + *digest;
  return s;
}

}  // namespace kindlyguard::k8s
