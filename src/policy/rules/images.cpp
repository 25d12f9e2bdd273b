// Rule images (spec.rules.images: {allowedRegistries, disallowTags, requireDigest})
//
// Restricted field: spec.*containers[*].image
// Allowed: the image, normalised as the runtime resolves it (nginx = docker.io/library/nginx),
// lives under one of allowedRegistries (whole host and path segments); its tag is not in
// disallowTags (an image with neither tag nor digest runs :latest); it carries a digest when
// requireDigest is set. A digest satisfies the tag rule whatever tag is written beside it.
// The policy: allowedRegistries entries are registry prefixes (host[:port][/path], no scheme, tag
// or digest), disallowTags entries are tags; a rule that would check nothing is refused.
#include <algorithm>
#include <cctype>

#include "kindlyguard/k8s/image_ref.hpp"
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {

void check_images(const RuleInput& in, std::vector<Finding>& out) {
  const ImagesRule& rule = *in.rules().images;
  for (const ContainerView* c : in.judged_containers()) {
    std::string image = c->image();
    std::string field = c->field("image");
    auto ref = k8s::ImageRef::parse(image);
    if (!ref.ok()) {
      out.push_back({c->name(), field, describe(*c) + " has image " + quote(image) + ", which " + ref.error().message});
      continue;
    }
    if (!rule.allowed_registries.empty()) {
      bool allowed = std::any_of(rule.allowed_registries.begin(), rule.allowed_registries.end(),
                                 [&](const std::string& r) { return ref->is_under(r); });
      if (!allowed) {
        std::string list;
        for (const auto& r : rule.allowed_registries) list += (list.empty() ? "" : ", ") + r;
        out.push_back({c->name(), field,
                       describe(*c) + " uses image " + quote(image) + " from " + ref->registry +
                           ", which is not a trusted registry: use an image from " + list});
      }
    }
    // A digest-pinned reference runs what the digest names: the runtime pulls by digest and
    // ignores the tag, so "app:latest@sha256:..." is as pinned as "app@sha256:...".
    std::string tag = ref->has_digest() ? std::string() : ref->effective_tag();
    if (!tag.empty() &&
        std::find(rule.disallow_tags.begin(), rule.disallow_tags.end(), tag) != rule.disallow_tags.end()) {
      out.push_back({c->name(), field,
                     describe(*c) + " uses image " + quote(image) +
                         (ref->tag.empty() ? " with no tag, which runs :" + tag : " with tag :" + tag) +
                         ": pin a version tag or a digest"});
    }
    if (rule.require_digest && !ref->has_digest())
      out.push_back({c->name(), field,
                     describe(*c) + " uses image " + quote(image) + " without a digest: pin it as " + ref->name() +
                         "@sha256:<digest>"});
  }
}

namespace {

bool is_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t[0])) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

std::string tag_problem(const std::string& t) {
  if (is_tag(t)) return "";
  std::string message = detail::quote(t) +
                        " is not an image tag (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-')";
  if (!t.empty() && t[0] == ':' && is_tag(t.substr(1))) message += "; write it without the colon: " + t.substr(1);
  return message;
}

// allowedRegistries entries: host[:port][/path], no scheme, tag or digest.
std::string registry_problem(const std::string& r) {
  if (r.empty()) return "must be a registry host, optionally with a path, such as ghcr.io/acme";
  if (auto scheme = r.find("://"); scheme != std::string::npos)
    return detail::quote(r) + " must not include a scheme; write " + detail::quote(r.substr(scheme + 3)) +
           " (images name registries without one)";
  if (r.find_first_of(" \t\n\r") != std::string::npos) return detail::quote(r) + " must not contain spaces";
  if (auto at = r.find('@'); at != std::string::npos)
    return detail::quote(r) + " must not include a digest; write " + detail::quote(r.substr(0, at));
  if (r.front() == '/' || r.back() == '/' || r.find("//") != std::string::npos)
    return detail::quote(r) +
           " is not a registry prefix: write host[:port][/path] without empty segments, such as ghcr.io/acme";
  const auto slash = r.find('/');
  const auto last_slash = r.rfind('/');
  if (slash == std::string::npos) {
    // "host:port" is fine; "nginx:1.25" is an image with a tag. An IPv6 host keeps its colons
    // inside brackets: "[::1]:5000".
    const auto host_end = r.front() == '[' ? r.find(']') : std::string::npos;
    const auto colon = r.find(':', host_end == std::string::npos ? 0 : host_end);
    if (colon != std::string::npos && (host_end == std::string::npos || colon > host_end)) {
      const std::string port = r.substr(colon + 1);
      if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return detail::quote(r) + " must not include a tag; write " + detail::quote(r.substr(0, colon));
    }
  } else {
    if (auto colon = r.find(':', last_slash); colon != std::string::npos)
      return detail::quote(r) + " must not include a tag; write " + detail::quote(r.substr(0, colon));
    const std::string path = r.substr(slash + 1);
    if (std::any_of(path.begin(), path.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      return detail::quote(r) + " is not a registry prefix: repository paths are lower-case";
  }
  // Last, the grammar images are matched with: an entry it refuses would silently allow nothing
  // (wildcards, invalid host names, empty path segments, ...).
  if (auto prefix = k8s::ImagePrefix::parse(r); !prefix.ok()) return prefix.error().message;
  return "";
}

}  // namespace

void parse_images(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  ImagesRule rule;
  read_entries(r, "allowedRegistries", "an empty list would trust no registry", registry_problem, rule.allowed_registries);
  read_entries(r, "disallowTags", "such as latest", tag_problem, rule.disallow_tags);
  if (auto v = r.boolean("requireDigest")) rule.require_digest = *v;
  if (r.finish_rule(!rule.allowed_registries.empty() || !rule.disallow_tags.empty() || rule.require_digest,
                    "checks nothing as written: set allowedRegistries, disallowTags or requireDigest: true"))
    out.images = std::move(rule);
}

}  // namespace kindlyguard::policy::rules
