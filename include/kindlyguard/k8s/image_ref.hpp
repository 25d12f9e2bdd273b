#pragma once
// Container image references as the container runtime resolves them (distribution/reference):
// "nginx" is docker.io/library/nginx:latest, a first segment with a '.' or ':' or equal to
// "localhost" is a registry host (with optional port), "@sha256:..." is a digest.

#include <optional>
#include <string>
#include <string_view>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::k8s {

struct ImageRef {
  std::string original;    // as written in the pod spec
  std::string registry;    // "docker.io", "ghcr.io", "registry.example.com:5000"
  std::string repository;  // path under the registry: "library/nginx", "acme/app"
  std::string tag;         // empty when none was written
  std::string digest;      // "sha256:..." or empty

  // Parses with the normalisation above; errors for empty names, upper-case repositories,
  // bad tags and malformed digests.
  static Result<ImageRef> parse(std::string_view image);

  // An image with neither tag nor digest runs ":latest".
  std::string effective_tag() const { return tag.empty() && digest.empty() ? "latest" : tag; }
  bool has_digest() const { return !digest.empty(); }
  std::string name() const { return registry + "/" + repository; }  // fully qualified, no tag

  // True when this image lives under `prefix`, matched on whole host and path segments:
  // "ghcr.io/acme" allows ghcr.io/acme/app but not ghcr.io/acmeevil/app; "registry.example.com"
  // does not allow registry.example.com.evil.io/x. A prefix without a registry host
  // ("library/nginx", "nginx") is resolved against docker.io like an image would be.
  bool is_under(std::string_view prefix) const;
};

}  // namespace kindlyguard::k8s
