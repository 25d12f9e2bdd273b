// Rule resources (spec.rules.resources: {requireLimits, requireRequests, maxLimits})
//
// Restricted fields: spec.containers[*].resources.{limits,requests}.<name>,
//                    spec.initContainers[*].resources.{limits,requests}.<name>
// Allowed: every required name present; every limit named in maxLimits present and no larger
// than the maximum (compared as exact Kubernetes quantities: 0.5Gi == 512Mi). Ephemeral
// containers are left out: the API server forbids resources on them.
// The policy: resource names as Kubernetes accepts them (cpu, memory, ephemeral-storage,
// hugepages-<size>, <domain>/<name>), lists not empty, maxLimits non-negative quantities.
#include <algorithm>
#include <cctype>

#include "kindlyguard/k8s/quantity.hpp"
#include "rule_helpers.hpp"
#include "rule_parse.hpp"

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

namespace {

// cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource <domain>/<name>.
std::string resource_name_problem(const std::string& name) {
  static const std::vector<std::string_view> standard = {"cpu", "memory", "ephemeral-storage"};
  if (std::find(standard.begin(), standard.end(), name) != standard.end()) return "";
  if (name.rfind("hugepages-", 0) == 0) {
    if (k8s::Quantity::parse(name.substr(10)).ok()) return "";
    return detail::quote(name) + " is not a resource name: hugepages take a page size, such as hugepages-2Mi";
  }
  const auto slash = name.find('/');
  if (slash != std::string::npos) {
    const std::string domain = name.substr(0, slash);
    const std::string rest = name.substr(slash + 1);
    const bool rest_ok = !rest.empty() && rest.size() <= 63 && std::isalnum(static_cast<unsigned char>(rest.front())) &&
                         std::isalnum(static_cast<unsigned char>(rest.back())) &&
                         std::all_of(rest.begin(), rest.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                         });
    if (is_dns1123_subdomain(domain) && rest_ok) return "";
  }
  std::string message = detail::quote(name) +
                        " is not a resource name (expected cpu, memory, ephemeral-storage, hugepages-<size> or an "
                        "extended resource such as example.com/gpu)";
  if (auto hint = closest(name, standard); !hint.empty()) message += "; did you mean " + hint + "?";
  return message;
}

// requireLimits / requireRequests.
void read_names(ObjectReader& r, std::string_view key, std::vector<std::string>& out) {
  read_entries(r, key, "such as cpu and memory", resource_name_problem, out);
}

void read_max_limits(Errors& errors, const json& limits, const std::string& limits_path, ResourcesRule& rule) {
  if (!limits.is_object()) {
    type_error(errors, limits_path, "a map of resource names to quantities", limits);
    return;
  }
  if (limits.empty()) errors.add(limits_path, "must set at least one limit, or be removed (such as memory: 512Mi)");
  for (const auto& [name, q] : limits.items()) {
    const std::string entry_path = join(limits_path, name);
    if (auto p = resource_name_problem(name); !p.empty()) {
      errors.add(entry_path, std::move(p));
      continue;
    }
    if (q.is_null()) {
      errors.add(entry_path, "must be a quantity such as \"500m\", \"2\" or \"1.5Gi\", not null");
      continue;
    }
    auto quantity = k8s::Quantity::from_json(q, entry_path);
    if (!quantity) {
      Error e = quantity.error();
      if (e.path.empty()) e.path = entry_path;
      errors.add(std::move(e));
      continue;
    }
    if (quantity->nano() < 0) {
      errors.add(entry_path, detail::quote(quantity->text()) + " is negative; a limit must be zero or more");
      continue;
    }
    rule.max_limits.emplace(name, *quantity);
  }
}

}  // namespace

void parse_resources(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  ResourcesRule rule;
  read_names(r, "requireLimits", rule.require_limits);
  read_names(r, "requireRequests", rule.require_requests);
  if (const json* limits = r.get("maxLimits")) read_max_limits(r.errors(), *limits, r.path("maxLimits"), rule);
  // An empty list or map is refused above, so an empty one here was not given.
  if (r.finish_rule(!rule.require_limits.empty() || !rule.require_requests.empty() || !rule.max_limits.empty(),
                    "set requireLimits, requireRequests or maxLimits"))
    out.resources = std::move(rule);
}

}  // namespace kindlyguard::policy::rules
