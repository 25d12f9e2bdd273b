#pragma once
// Container image references as the container runtime resolves them (distribution/reference):
// "nginx" is docker.io/library/nginx:latest, a first segment with a '.' or ':' or equal to
// "localhost" is a registry host (with optional port), "@sha256:..." is a digest.
// As in distribution/reference, a first segment with upper-case letters is a host too (paths are
// lower-case, so it cannot be a path), and "index.docker.io" is the same registry as "docker.io".

#include <optional>
#include <string>
#include <string_view>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::k8s {

// One entry of an image allow-list (images.allowedRegistries), resolved to the registry and the
// repository path it covers. How an entry is read:
//   "registry.example.com", "localhost:5000", "[::1]:5000"  a whole registry: a first segment with
//        '.' or ':', or "localhost", names a host even without a '/' after it. The port is part
//        of the registry: "registry.example.com" does not cover registry.example.com:5000 (another
//        port is another server), nor registry.example.com.evil.io (hosts match whole).
//   "ghcr.io/acme", "docker.io/bitnami"  a repository path on that registry, taken literally:
//        with the host written out, "docker.io/bitnami" is the Docker Hub namespace bitnami, and
//        "docker.io/library" every official image. Docker Hub namespaces can only be named this
//        way, with the host written out.
//   "nginx", "acme"  a single bare word is read the way the runtime reads the same word as an
//        image: docker.io/library/nginx. A bare word never grants a whole Docker Hub namespace,
//        since namespaces there belong to whoever registered them first; a policy meaning the
//        namespace must say "docker.io/acme".
//   "library/nginx", "bitnami/redis"  several segments without a host are on docker.io, as for
//        images.
// Trailing '/' is ignored. Tags, digests and wildcards are errors, and so is an empty entry (it
// would otherwise cover everything).
struct ImagePrefix {
  std::string registry;  // "docker.io", "ghcr.io", "registry.example.com:5000"
  std::string path;      // "" covers the whole registry; else whole path segments: "acme", "library/nginx"

  static Result<ImagePrefix> parse(std::string_view prefix);
  std::string to_string() const { return path.empty() ? registry : registry + "/" + path; }
};

struct ImageRef {
  std::string original;    // as written in the pod spec
  std::string registry;    // "docker.io", "ghcr.io", "registry.example.com:5000"
  std::string repository;  // path under the registry: "library/nginx", "acme/app"
  std::string tag;         // empty when none was written
  std::string digest;      // "sha256:..." or empty

  // Parses with the normalisation above; errors for empty names, upper-case repositories,
  // bad tags and malformed digests. Digests must use an algorithm the runtime knows (sha256,
  // sha384, sha512) with the matching number of lower-case hex digits.
  static Result<ImageRef> parse(std::string_view image);

  // An image with neither tag nor digest runs ":latest".
  std::string effective_tag() const { return tag.empty() && digest.empty() ? "latest" : tag; }
  bool has_digest() const { return !digest.empty(); }
  std::string name() const { return registry + "/" + repository; }  // fully qualified, no tag

  // True when this image lives under `prefix`, matched on whole host and path segments:
  // "ghcr.io/acme" allows ghcr.io/acme/app and the repository ghcr.io/acme itself, but not
  // ghcr.io/acmeevil/app; "registry.example.com" does not allow registry.example.com.evil.io/x
  // nor registry.example.com:5000/x. Host names compare case-insensitively (DNS does), paths
  // exactly. A prefix without a registry host ("library/nginx", "nginx") is resolved against
  // docker.io like an image would be; see ImagePrefix for every form. An invalid prefix allows
  // nothing; validate allow-lists with ImagePrefix::parse when the policy is loaded.
  bool is_under(std::string_view prefix) const;
  bool is_under(const ImagePrefix& prefix) const;
};

}  // namespace kindlyguard::k8s
