#include "kindlyguard/k8s/image_ref.hpp"

#include "image_grammar.hpp"
#include "quote.hpp"

namespace kindlyguard::k8s {
namespace {

// A bare content ID: runtimes would read it as an image ID, not a name, so the API rejects it.
bool is_image_id(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_host(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view canonical_registry(std::string_view host) {
  return host == detail::kLegacyDockerHub ? detail::kDockerHub : host;
}

}  // namespace

Result<ImageRef> ImageRef::parse(std::string_view image) {
  if (image.empty())
    return Error{"the image reference is empty (expected a name such as nginx:1.25 or "
                 "registry.example.com/team/app@sha256:<64 hex digits>)",
                 ""};
  auto fail = [&](const std::string& reason) {
    return Error{detail::quote(image) + " is not a valid image reference: " + reason, ""};
  };
  if (is_image_id(image)) return fail("a bare image ID names no repository; write <name>@sha256:<id>");

  ImageRef ref;
  ref.original = std::string(image);

  // Neither names nor tags contain '@', so the first one starts the digest.
  std::string_view name = image;
  const auto at = image.find('@');
  if (at != std::string_view::npos) {
    ref.digest = std::string(image.substr(at + 1));
    name = image.substr(0, at);
  }

  std::string_view remainder = name;
  ref.registry = std::string(detail::kDockerHub);
  if (const auto slash = name.find('/'); slash != std::string_view::npos) {
    const std::string_view first = name.substr(0, slash);
    if (detail::looks_like_host(first)) {
      ref.registry = std::string(canonical_registry(first));
      remainder = name.substr(slash + 1);
    }
  }

  // The host is gone, so the first ':' left can only start the tag.
  std::string_view path = remainder;
  if (const auto colon = remainder.find(':'); colon != std::string_view::npos) {
    path = remainder.substr(0, colon);
    ref.tag = std::string(remainder.substr(colon + 1));
    if (auto p = detail::tag_problem(ref.tag); !p.empty()) return fail(p);
  }
  if (auto p = detail::path_problem(path); !p.empty()) return fail(p);
  if (auto p = detail::host_problem(ref.registry); !p.empty()) return fail(p);
  if (at != std::string_view::npos)
    if (auto p = detail::digest_problem(ref.digest); !p.empty()) return fail(p);

  // Official Docker Hub images live under library/: "nginx" and "docker.io/nginx" are one image.
  ref.repository = std::string(path);
  if (ref.registry == detail::kDockerHub && path.find('/') == std::string_view::npos)
    ref.repository.insert(0, "library/");
  if (ref.name().size() > detail::kMaxNameLength)
    return fail("the repository name is longer than " + std::to_string(detail::kMaxNameLength) + " characters");
  return ref;
}

bool ImageRef::is_under(std::string_view prefix) const {
  const auto p = ImagePrefix::parse(prefix);
  return p && is_under(*p);
}

bool ImageRef::is_under(const ImagePrefix& prefix) const {
  if (!same_host(registry, prefix.registry)) return false;
  if (prefix.path.empty() || repository == prefix.path) return true;
  return repository.size() > prefix.path.size() && repository.starts_with(prefix.path) &&
         repository[prefix.path.size()] == '/';
}

Result<ImagePrefix> ImagePrefix::parse(std::string_view prefix) {
  auto fail = [&](const std::string& reason) {
    return Error{detail::quote(prefix) + " is not a valid image prefix: " + reason, ""};
  };
  std::string_view s = prefix;
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (s.empty())
    return Error{"an image prefix must not be empty (expected a registry such as registry.example.com or a "
                 "repository path such as ghcr.io/acme)",
                 ""};
  if (s.find_first_of("*?") != std::string_view::npos)
    return fail("prefixes match whole path segments and take no wildcards: \"ghcr.io/acme\" already allows "
                "every image under ghcr.io/acme/");
  if (s.find('@') != std::string_view::npos) return fail("a prefix names a registry or repository, not a digest");

  ImagePrefix out;
  const auto slash = s.find('/');
  const std::string_view first = s.substr(0, slash);
  if (detail::looks_like_host(first)) {
    if (auto p = detail::host_problem(first); !p.empty())
      return fail(p + (first.find(':') != std::string_view::npos ? "; a prefix takes no tag" : ""));
    out.registry = std::string(canonical_registry(first));
    if (slash != std::string_view::npos) out.path = std::string(s.substr(slash + 1));
  } else {
    out.registry = std::string(detail::kDockerHub);
    out.path = slash == std::string_view::npos ? "library/" + std::string(s) : std::string(s);
  }
  if (!out.path.empty()) {
    if (out.path.find(':') != std::string::npos) return fail("a prefix names a registry or repository, not a tag");
    if (auto p = detail::path_problem(out.path); !p.empty()) return fail(p);
  }
  return out;
}

}  // namespace kindlyguard::k8s
