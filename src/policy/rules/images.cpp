// Rule images (spec.rules.images: {allowedRegistries, disallowTags, requireDigest})
//
// Restricted field: spec.*containers[*].image
// Allowed: the image, normalised as the runtime resolves it (nginx = docker.io/library/nginx),
// lives under one of allowedRegistries (whole host and path segments); its tag is not in
// disallowTags (an image with neither tag nor digest runs :latest); it carries a digest when
// requireDigest is set. A digest satisfies the tag rule whatever tag is written beside it.
#include <algorithm>

#include "kindlyguard/k8s/image_ref.hpp"
#include "rule_helpers.hpp"

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

}  // namespace kindlyguard::policy::rules
