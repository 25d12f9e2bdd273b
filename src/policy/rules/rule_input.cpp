#include <algorithm>

#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::policy {

bool RuleInput::exempt(const ContainerView& c) const {
  const auto& patterns = policy_.exemptions.images;
  if (patterns.empty()) return false;
  // Matched on the reference the runtime resolves, never on the text: "nginx*" must not exempt
  // nginx.evil.io/rootkit, and docker.io/library/nginx is the same image as nginx.
  auto ref = k8s::ImageRef::parse(c.image());
  if (!ref.ok()) return false;
  return std::any_of(patterns.begin(), patterns.end(), [&](const k8s::ImagePattern& p) { return p.matches(*ref); });
}

std::vector<const ContainerView*> RuleInput::judged_containers() const {
  std::vector<const ContainerView*> out;
  out.reserve(pod_.containers().size());
  for (const auto& c : pod_.containers())
    if (!exempt(c)) out.push_back(&c);
  return out;
}

}  // namespace kindlyguard::policy
