// SecurityPolicyException objects into the model, with the SecurityPolicy parser's reader: every
// problem named by its field path, unknown fields with a did-you-mean. What it refuses, beyond
// types, and why:
//   - rule ids no policy can produce: an exception for "runAsNonroot" would excuse nothing while
//     looking like it does ("*" is the whole policy and stands alone);
//   - a blank reason: the reason is the record of why a rule is broken;
//   - expiresAt that is not RFC 3339: a misread expiry is an exception that never ends.

#include <algorithm>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "kindlyguard/policy/rules.hpp"
#include "kindlyguard/util/time.hpp"
#include "parse_fields.hpp"
#include "parse_walk.hpp"

namespace kindlyguard::policy {
namespace {

using detail::closest;
using detail::Errors;
using detail::index;
using detail::ObjectReader;
using detail::quote;

constexpr std::string_view kApiVersion = "kindlyguard.io/v1alpha1";
constexpr std::string_view kKind = "SecurityPolicyException";
constexpr std::size_t kMaxReason = 1024;

// The top-owner kinds an exception can name: what PodView judges, and Pod for bare pods.
const std::vector<std::string_view> kOwnerKinds = {"Pod",     "Deployment", "StatefulSet",          "DaemonSet",
                                                   "ReplicaSet", "Job",     "CronJob", "ReplicationController"};

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

void parse_metadata(Errors& errors, ObjectReader& top, SecurityPolicyException& out) {
  ObjectReader md(errors, top.required("metadata", "a SecurityPolicyException needs metadata.name"),
                  top.path("metadata"));
  if (!md.present()) return;
  if (md.get("name") == nullptr) {
    errors.add(md.path("name"), "is required: the exception's name");
  } else if (auto name = md.string("name")) {
    if (!detail::is_dns1123_subdomain(*name))
      errors.add(md.path("name"), quote(*name) + " is not a valid name: use at most 253 lower-case letters, digits, "
                                                 "'-' and '.', starting and ending with a letter or digit");
    else
      out.name = *name;
  }
  out.namespace_ = "default";
  if (auto ns = md.string("namespace")) {
    if (!detail::is_dns1123_label(*ns)) errors.add(md.path("namespace"), quote(*ns) + " is not a namespace name");
    else out.namespace_ = *ns;
  }
  if (auto g = md.integer("generation")) out.generation = *g;
  if (auto rv = md.string("resourceVersion")) out.resource_version = *rv;
  if (auto uid = md.string("uid")) out.uid = *uid;
  md.ignore({"labels", "annotations", "generateName", "selfLink", "creationTimestamp", "deletionTimestamp",
             "deletionGracePeriodSeconds", "finalizers", "ownerReferences", "managedFields"});
  md.finish();
}

void parse_rule_ids(Errors& errors, ObjectReader& r, ExcusedRules& out) {
  auto rules = r.strings("rules");
  if (!rules) {
    if (r.get("rules") == nullptr)
      errors.add(r.path("rules"), "is required: the rule ids to excuse, as denials name them (runAsUser, "
                                  "pss/hostPorts), or [\"*\"] for the whole policy");
    return;
  }
  if (rules->empty()) errors.add(r.path("rules"), "must name at least one rule id, or \"*\" for the whole policy");
  const auto& known = known_rule_ids();
  std::vector<std::string_view> candidates(known.begin(), known.end());
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const std::string& id = (*rules)[i];
    if (id == "*") {
      if (rules->size() > 1) errors.add(index(r.path("rules"), i), "\"*\" excuses the whole policy and must stand alone");
      continue;
    }
    if (std::find(known.begin(), known.end(), id) != known.end()) continue;
    std::string message = quote(id) + " is not a rule id; expected one as denials name it (e.g. runAsUser, "
                                      "pss/hostNamespaces) or \"*\"";
    std::string hint = closest(id, candidates);
    if (hint.empty() && id.find('/') == std::string::npos) hint = closest("pss/" + id, candidates);
    if (!hint.empty()) message += " (did you mean " + hint + "?)";
    errors.add(index(r.path("rules"), i), std::move(message));
  }
  out.rules = std::move(*rules);
}

void parse_excused(Errors& errors, ObjectReader& spec, SecurityPolicyException& out) {
  const json* list = spec.required("exceptions", "what is excused: a list of {policy, rules}");
  if (list == nullptr) return;
  if (!list->is_array()) {
    detail::type_error(errors, spec.path("exceptions"), "a list of {policy, rules}", *list);
    return;
  }
  if (list->empty()) errors.add(spec.path("exceptions"), "must list at least one {policy, rules}");
  for (std::size_t i = 0; i < list->size(); ++i) {
    ObjectReader item(errors, &(*list)[i], index(spec.path("exceptions"), i));
    if (!item.present()) continue;
    ExcusedRules excused;
    if (item.get("policy") == nullptr) {
      errors.add(item.path("policy"), "is required: the SecurityPolicy's name");
    } else if (auto p = item.string("policy")) {
      if (!detail::is_dns1123_subdomain(*p)) errors.add(item.path("policy"), quote(*p) + " is not a SecurityPolicy name");
      else excused.policy = *p;
    }
    parse_rule_ids(errors, item, excused);
    item.finish();
    out.exceptions.push_back(std::move(excused));
  }
}

void non_empty_globs(Errors& errors, const std::vector<std::string>& items, const std::string& path,
                     std::string_view what) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].empty() || items[i].size() > 253 || items[i].find_first_of(" \t/") != std::string::npos)
      errors.add(index(path, i), quote(items[i]) + " is not a " + std::string(what) + " or glob");
}

void parse_match(Errors& errors, const json* value, const std::string& path, ExceptionMatch& out) {
  ObjectReader r(errors, value, path);
  if (auto v = r.strings("namespaces")) {
    detail::check_namespace_patterns(errors, *v, r.path("namespaces"));
    out.namespaces = std::move(*v);
  }
  if (auto v = r.strings("kinds")) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      const std::string& k = (*v)[i];
      if (std::find(kOwnerKinds.begin(), kOwnerKinds.end(), k) != kOwnerKinds.end()) continue;
      std::string hint = closest(k, kOwnerKinds);
      errors.add(index(r.path("kinds"), i),
                 quote(k) + " is not a workload kind; expected Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, "
                            "ReplicationController, Job or CronJob (the top owner's kind)" +
                     (hint.empty() ? "" : " (did you mean " + hint + "?)"));
    }
    out.kinds = std::move(*v);
  }
  if (auto v = r.strings("names")) {
    non_empty_globs(errors, *v, r.path("names"), "name");
    out.names = std::move(*v);
  }
  out.selector = detail::selector(errors, r, "selector");
  if (auto v = r.strings("containers")) {
    non_empty_globs(errors, *v, r.path("containers"), "container name");
    out.containers = std::move(*v);
  }
  out.images = detail::image_patterns(errors, r, "images");
  r.finish();
}

void parse_spec(Errors& errors, ObjectReader& top, SecurityPolicyException& out) {
  ObjectReader spec(errors, top.required("spec", "set exceptions (what is excused) and reason"), top.path("spec"));
  if (!spec.present()) return;
  parse_excused(errors, spec, out);
  parse_match(errors, spec.get("match"), spec.path("match"), out.match);
  if (spec.get("reason") == nullptr) {
    errors.add(spec.path("reason"), "is required: why this workload may break these rules (kept as the record)");
  } else if (auto reason = spec.string("reason")) {
    if (blank(*reason)) errors.add(spec.path("reason"), "must not be blank: say why this workload may break these rules");
    else if (reason->size() > kMaxReason) errors.add(spec.path("reason"), "must be at most 1024 characters");
    else out.reason = *reason;
  }
  if (auto t = spec.string("ticket")) out.ticket = *t;
  if (auto o = spec.string("owner")) out.owner = *o;
  if (auto e = spec.string("expiresAt")) {
    if (auto t = parse_k8s_time(*e))
      out.expires_at = Seconds(std::chrono::seconds(*t));
    else
      errors.add(spec.path("expiresAt"), quote(*e) + " is not an RFC 3339 time; write it as 2027-06-30T00:00:00Z");
  }
  spec.finish();
}

}  // namespace

std::vector<Error> detail::check_exception(const json& object, SecurityPolicyException& out) {
  Errors errors;
  if (!object.is_object()) {
    detail::type_error(errors, "", "a SecurityPolicyException (a map with apiVersion, kind, metadata and spec)", object);
    return errors.all();
  }
  ObjectReader top(errors, &object, "");
  if (auto kind = top.string("kind"); !kind) {
    if (top.get("kind") == nullptr) errors.add(top.path("kind"), "is required: SecurityPolicyException");
  } else if (*kind != kKind) {
    errors.add(top.path("kind"), quote(*kind) + " is not a SecurityPolicyException");
    return errors.all();
  }
  if (auto api = top.string("apiVersion"); !api) {
    if (top.get("apiVersion") == nullptr) errors.add(top.path("apiVersion"), "is required: " + std::string(kApiVersion));
  } else if (*api != kApiVersion) {
    errors.add(top.path("apiVersion"), quote(*api) + " is not a supported version; expected " + std::string(kApiVersion));
  }
  parse_metadata(errors, top, out);
  parse_spec(errors, top, out);
  top.ignore({"status"});
  top.finish();
  return errors.all();
}

const std::vector<std::string>& known_rule_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> out;
    for (const auto& rule : rule_registry()) out.emplace_back(rule.id);
    for (const auto& id : pss::check_ids()) out.push_back("pss/" + id);
    return out;
  }();
  return ids;
}

Result<SecurityPolicyException> parse_exception(const nlohmann::json& object) {
  SecurityPolicyException out;
  auto errors = detail::check_exception(object, out);
  if (errors.empty()) return out;
  Error first = errors.front();
  if (errors.size() > 1)
    first.message += " (and " + std::to_string(errors.size() - 1) + " more problem" + (errors.size() > 2 ? "s" : "") + ")";
  return first;
}

std::vector<Error> validate_exception(const nlohmann::json& object) {
  SecurityPolicyException ignored;
  return detail::check_exception(object, ignored);
}

}  // namespace kindlyguard::policy
