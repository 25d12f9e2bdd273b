// Rule resources (spec.rules.resources: {requireLimits, requireRequests, maxLimits})
//
// Restricted fields: spec.containers[*].resources.{limits,requests}.<name>,
//                    spec.initContainers[*].resources.{limits,requests}.<name>
// Allowed: every required name present; every limit named in maxLimits present and no larger
// than the maximum (compared as exact Kubernetes quantities: 0.5Gi == 512Mi). Ephemeral
// containers are left out: the API server forbids resources on them.
#include "kindlyguard/k8s/quantity.hpp"
#include "rule_helpers.hpp"

namespace kindlyguard::policy::rules {
namespace {

const json* resource_value(const ContainerView& c, const char* section, const std::string& name) {
  auto res = c.raw().find("resources");
  if (res == c.raw().end() || !res->is_object()) return nullptr;
  auto sec = res->find(section);
  if (sec == res->end() || !sec->is_object()) return nullptr;
  auto v = sec->find(name);
  return v == sec->end() || v->is_null() ? nullptr : &*v;
}

Result<k8s::Quantity> quantity_of(const json& v) {
  if (v.is_string()) return k8s::Quantity::parse(v.get<std::string>());
  if (v.is_number()) return k8s::Quantity::parse(v.dump());
  return Error{"is not a quantity", ""};
}

}  // namespace

void check_resources(const RuleInput& in, std::vector<Finding>& out) {
  const ResourcesRule& rule = *in.rules().resources;
  for (const ContainerView* c : in.judged_containers()) {
    if (c->kind() == ContainerKind::EphemeralContainer) continue;
    for (const auto& name : rule.require_requests)
      if (!resource_value(*c, "requests", name))
        out.push_back({c->name(), c->field("resources.requests." + name),
                       describe(*c) + " has no " + name + " request: set resources.requests." + name});
    for (const auto& name : rule.require_limits)
      if (!resource_value(*c, "limits", name))
        out.push_back({c->name(), c->field("resources.limits." + name),
                       describe(*c) + " has no " + name + " limit: set resources.limits." + name});
    for (const auto& [name, max] : rule.max_limits) {
      const json* v = resource_value(*c, "limits", name);
      std::string field = c->field("resources.limits." + name);
      if (!v) {
        // Without a limit the container may use the whole node: the maximum cannot hold.
        bool reported = false;
        for (const auto& r : rule.require_limits) reported = reported || r == name;
        if (!reported)
          out.push_back({c->name(), field,
                         describe(*c) + " has no " + name + " limit: set resources.limits." + name + " to at most " +
                             max.text()});
        continue;
      }
      auto q = quantity_of(*v);
      if (!q.ok()) {
        out.push_back({c->name(), field, describe(*c) + " has an invalid " + name + " limit " + v->dump()});
      } else if (*q > max) {
        out.push_back({c->name(), field,
                       describe(*c) + " sets a " + name + " limit of " + (v->is_string() ? v->get<std::string>() : v->dump()) +
                           ", above the maximum " + max.text() + ": set resources.limits." + name + " to at most " +
                           max.text()});
      }
    }
  }
}

}  // namespace kindlyguard::policy::rules
