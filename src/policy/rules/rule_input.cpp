#include "kindlyguard/k8s/glob.hpp"
#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::policy {

bool RuleInput::exempt(const ContainerView& c) const {
  const auto& globs = policy_.exemptions.images;
  if (globs.empty()) return false;
  std::string image = c.image();
  // Match what the admin wrote and the fully-qualified form, so "nginx*" and
  // "docker.io/library/nginx*" both work; a tag or digest is part of the text matched.
  std::string qualified;
  if (auto ref = k8s::ImageRef::parse(image); ref.ok()) {
    qualified = ref->name();
    if (!ref->tag.empty()) qualified += ":" + ref->tag;
    if (!ref->digest.empty()) qualified += "@" + ref->digest;
  }
  for (const auto& g : globs)
    if (k8s::glob_match(g, image) || (!qualified.empty() && k8s::glob_match(g, qualified))) return true;
  return false;
}

std::vector<const ContainerView*> RuleInput::judged_containers() const {
  std::vector<const ContainerView*> out;
  out.reserve(pod_.containers().size());
  for (const auto& c : pod_.containers())
    if (!exempt(c)) out.push_back(&c);
  return out;
}

}  // namespace kindlyguard::policy
