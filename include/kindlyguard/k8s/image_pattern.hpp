#pragma once
// Image globs (spec.exemptions.images), matched on the normalised reference the runtime pulls,
// never on the text a pod author wrote. A pattern reads like an image reference:
//   [registry/]path[:tag][@digest]
// - The registry is resolved exactly as for images (see ImageRef): "nginx*" is
//   docker.io/library/nginx*, "bitnami/*" is docker.io/bitnami/*, "index.docker.io" is docker.io.
//   It must be written literally: a wildcard in the first segment of a pattern with several
//   segments ("*/rootkit", "*.example.com/app") could be a registry host or a Docker Hub namespace,
//   and could cross into a registry the admin never meant, so it is an error.
// - Path segments match one by one: '*' and '?' never cross '/', so "nginx*" covers
//   docker.io/library/nginx-unprivileged but not docker.io/nginxx/rootkit nor
//   nginx.evil.io/rootkit. A segment that is exactly "**" covers one or more whole segments
//   ("registry.example.com/tools/**" covers every repository under tools/).
// - Without a tag or digest the pattern covers every tag and digest of the repositories it names.
//   A tag glob is matched against the tag the runtime would pull (none written = latest). When
//   the image is pinned by digest the runtime ignores its tag, so only a tag glob of "*" covers
//   it; a digest in the pattern must equal the image's.
// Host names compare case-insensitively (DNS does), everything else exactly.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::k8s {

struct ImagePattern {
  std::string original;
  std::string registry;                 // literal host[:port], "docker.io" by default
  std::vector<std::string> segments;    // path segment globs; "**" spans segments
  std::optional<std::string> tag;       // tag glob, absent = any
  std::optional<std::string> digest;    // exact digest, absent = any

  static Result<ImagePattern> parse(std::string_view pattern);
  bool matches(const ImageRef& image) const;
  bool matches(std::string_view image) const;  // false for an image that does not parse
  std::string to_string() const;               // the normalised form, e.g. docker.io/library/nginx*
};

}  // namespace kindlyguard::k8s
