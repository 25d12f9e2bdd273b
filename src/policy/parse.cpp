// SecurityPolicy objects: envelope (apiVersion, kind, metadata), spec, and the multi-document
// entry point. Decisions that shape what a user sees:
//   - Every problem of a document is reported (parse_policies gives one PolicyParseError each, up
//     to kMaxErrorsPerDocument); parse_policy returns the first and counts the rest.
//   - metadata.namespace is accepted and ignored: SecurityPolicy is cluster-scoped and the API
//     server drops it too. Other ObjectMeta fields (labels, managedFields, ...) are accepted.
//   - status is accepted and ignored: the operator writes it.
//   - spec is required, and a spec with neither podSecurityStandard nor any rule is an error:
//     it would admit everything while looking like a policy.
//   - A policy name used twice in one input is an error (names are cluster-wide).

#include <algorithm>
#include <map>

#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/rules.hpp"
#include "parse_fields.hpp"
#include "parse_walk.hpp"
#include "yaml_decode.hpp"

namespace kindlyguard::policy {
namespace detail {
namespace {

constexpr std::string_view kApiVersion = "kindlyguard.io/v1alpha1";
constexpr std::string_view kKind = "SecurityPolicy";
constexpr std::size_t kMaxErrorsPerDocument = 20;

struct Checked {
  SecurityPolicy policy;
  std::string name;  // metadata.name when it is a string, valid or not
  std::vector<Error> errors;
};

void parse_metadata(Errors& errors, ObjectReader& top, Checked& out) {
  ObjectReader md(errors, top.required("metadata", "a SecurityPolicy needs metadata.name"), top.path("metadata"));
  if (!md.present()) return;
  if (md.get("name") == nullptr) {
    errors.add(md.path("name"), "is required: the policy's name");
  } else if (auto name = md.string("name")) {
    out.name = *name;
    if (!is_dns1123_subdomain(*name))
      errors.add(md.path("name"), quote(*name) +
                                      " is not a valid name: use at most 253 lower-case letters, digits, '-' and '.', "
                                      "starting and ending with a letter or digit");
    else
      out.policy.name = *name;
  }
  if (auto g = md.integer("generation")) {
    if (*g < 0) errors.add(md.path("generation"), "must not be negative");
    else out.policy.generation = *g;
  }
  if (auto rv = md.string("resourceVersion")) out.policy.resource_version = *rv;
  if (auto uid = md.string("uid")) out.policy.uid = *uid;
  md.string("namespace");  // cluster-scoped: accepted and ignored, as the API server does
  md.ignore({"labels", "annotations", "generateName", "selfLink", "creationTimestamp", "deletionTimestamp",
             "deletionGracePeriodSeconds", "finalizers", "ownerReferences", "managedFields"});
  md.finish();
}

void parse_enforcement(Errors& errors, ObjectReader& spec, SecurityPolicy& p) {
  auto e = spec.string("enforcement");
  if (!e) return;
  if (*e == "Deny") p.enforcement = Enforcement::Deny;
  else if (*e == "Warn") p.enforcement = Enforcement::Warn;
  else if (*e == "Audit") p.enforcement = Enforcement::Audit;
  else {
    std::string hint = closest(*e, {"Deny", "Warn", "Audit"});
    errors.add(spec.path("enforcement"), quote(*e) + " is not an enforcement; expected Deny, Warn or Audit" +
                                             (hint.empty() ? "" : " (did you mean " + hint + "?)"));
  }
}

void parse_spec(Errors& errors, ObjectReader& top, SecurityPolicy& p) {
  ObjectReader spec(errors,
                    top.required("spec", "set podSecurityStandard or rules (and optionally enforcement and match)"),
                    top.path("spec"));
  if (!spec.present()) return;
  parse_enforcement(errors, spec, p);
  parse_match(errors, spec.get("match"), spec.path("match"), p.match);
  parse_exemptions(errors, spec.get("exemptions"), spec.path("exemptions"), p.exemptions);
  const json* pss = spec.get("podSecurityStandard");
  p.pod_security_standard = parse_pod_security_standard(errors, pss, spec.path("podSecurityStandard"));
  const json* rules = spec.get("rules");
  {
    // Every rule optional, absent = not checked; each rule's parser reads its own field.
    ObjectReader rules_reader(errors, rules, spec.path("rules"));
    for (const auto& rule : rule_registry()) rule.parse(rules_reader, rule.id, p.rules);
    rules_reader.finish();
  }
  {
    ObjectReader audit(errors, spec.get("audit"), spec.path("audit"));
    if (auto b = audit.boolean("background")) p.audit_background = *b;
    audit.finish();
  }
  {
    ObjectReader on(errors, spec.get("onViolation"), spec.path("onViolation"));
    // quarantine: true, or {minSeverity: critical} to quarantine only for violations that severe.
    if (const json* q = on.get("quarantine"); q && q->is_object()) {
      ObjectReader quarantine(errors, q, on.path("quarantine"));
      p.quarantine_on_violation = true;
      if (auto word = quarantine.string("minSeverity")) {
        if (auto s = parse_severity(*word)) p.quarantine_min_severity = *s;
        else
          errors.add(quarantine.path("minSeverity"),
                     quote(*word) + " is not a severity: use critical, high, medium or low");
      }
      quarantine.finish();
    } else if (q && !q->is_boolean()) {
      type_error(errors, on.path("quarantine"), "a boolean (true or false) or {minSeverity: critical|high|medium|low}", *q);
    } else if (q) {
      p.quarantine_on_violation = q->get<bool>();
    }
    on.finish();
  }
  const bool no_rules = rules == nullptr || (rules->is_object() && rules->empty());
  if (pss == nullptr && no_rules)
    errors.add(spec.path(), "the policy checks nothing: set podSecurityStandard or at least one rule");
  spec.finish();
}

// Checks envelope and content of one object; `prefix` is "" or "items[3]" inside a List.
Checked check_policy(const json& object, const std::string& prefix) {
  Checked out;
  Errors errors;
  if (!object.is_object()) {
    type_error(errors, prefix, "a SecurityPolicy (a map with apiVersion, kind, metadata and spec)", object);
    out.errors = errors.all();
    return out;
  }
  ObjectReader top(errors, &object, prefix);
  // The name first, so that even a wrong kind can be reported with it.
  if (auto md = object.find("metadata"); md != object.end() && md->is_object())
    if (auto n = md->find("name"); n != md->end() && n->is_string()) out.name = n->get<std::string>();

  const json* api = top.get("apiVersion");
  const json* kind = top.get("kind");
  if (kind == nullptr) {
    errors.add(top.path("kind"), "is required: SecurityPolicy");
  } else if (!kind->is_string()) {
    type_error(errors, top.path("kind"), "a string", *kind);
  } else if (kind->get_ref<const std::string&>() != kKind) {
    const auto& k = kind->get_ref<const std::string&>();
    std::string message = quote(k) + " is not a SecurityPolicy; expected kind SecurityPolicy (apiVersion " +
                          std::string(kApiVersion) + ")";
    if (auto hint = closest(k, {kKind}); !hint.empty()) message += " (did you mean " + hint + "?)";
    errors.add(top.path("kind"), std::move(message));
    out.errors = errors.all();
    return out;  // another kind of object: its fields are not ours to judge
  }
  if (api == nullptr) {
    errors.add(top.path("apiVersion"), "is required: " + std::string(kApiVersion));
  } else if (!api->is_string()) {
    type_error(errors, top.path("apiVersion"), "a string", *api);
  } else if (api->get_ref<const std::string&>() != kApiVersion) {
    errors.add(top.path("apiVersion"), quote(api->get_ref<const std::string&>()) +
                                           " is not a supported version; expected " + std::string(kApiVersion));
  }

  parse_metadata(errors, top, out);
  parse_spec(errors, top, out.policy);
  top.ignore({"status"});  // written by the operator
  top.finish();
  out.errors = errors.all();
  return out;
}

}  // namespace
}  // namespace detail

std::string PolicyParseError::to_string() const {
  std::string s = source + " (document " + std::to_string(document + 1);
  if (!name.empty()) s += ", " + detail::quote(name);
  s += "): ";
  return s + error.to_string();
}

Result<SecurityPolicy> parse_policy(const nlohmann::json& object) {
  auto checked = detail::check_policy(object, "");
  if (checked.errors.empty()) return std::move(checked.policy);
  Error first = checked.errors.front();
  if (checked.errors.size() > 1)
    first.message += " (and " + std::to_string(checked.errors.size() - 1) + " more problem" +
                     (checked.errors.size() > 2 ? "s" : "") + ")";
  return first;
}

std::vector<Error> validate_policy(const nlohmann::json& object) { return detail::check_policy(object, "").errors; }

ParsedPolicies parse_policies(std::string_view text, const std::string& source) {
  ParsedPolicies out;
  auto decoded = detail::decode_stream(text, DecodeLimits{});
  std::map<std::string, int> seen;  // name -> document

  auto report = [&](int document, const std::string& name, std::vector<Error> errors) {
    const std::size_t total = errors.size();
    if (total > detail::kMaxErrorsPerDocument) {
      errors.resize(detail::kMaxErrorsPerDocument);
      errors.push_back(Error{std::to_string(total - detail::kMaxErrorsPerDocument) + " more problems not shown", ""});
    }
    for (auto& e : errors) out.errors.push_back(PolicyParseError{source, document, name, std::move(e)});
  };
  std::map<std::string, int> seen_exceptions;  // namespace/name -> document
  auto accept_exception = [&](int document, const std::string& prefix, const nlohmann::json& object) {
    SecurityPolicyException e;
    auto errors = detail::check_exception(object, e);
    if (errors.empty()) {
      auto [it, fresh] = seen_exceptions.emplace(e.key(), document);
      if (fresh) {
        out.exceptions.push_back(std::move(e));
        return;
      }
      errors.push_back(Error{detail::quote(e.key()) + " is already used by document " + std::to_string(it->second + 1),
                             "metadata.name"});
    }
    for (auto& err : errors) err.path = err.path.empty() ? prefix : prefix.empty() ? err.path : prefix + "." + err.path;
    std::string name;
    if (auto md = object.find("metadata"); object.is_object() && md != object.end() && md->is_object())
      if (auto n = md->find("name"); n != md->end() && n->is_string()) name = n->get<std::string>();
    report(document, name, std::move(errors));
  };
  auto accept = [&](int document, const std::string& prefix, const nlohmann::json& object) {
    if (object.is_object())
      if (auto k = object.find("kind"); k != object.end() && *k == "SecurityPolicyException")
        return accept_exception(document, prefix, object);
    auto checked = detail::check_policy(object, prefix);
    if (checked.errors.empty()) {
      auto [it, fresh] = seen.emplace(checked.policy.name, document);
      if (!fresh) {
        checked.errors.push_back(Error{detail::quote(checked.policy.name) + " is already used by document " +
                                           std::to_string(it->second + 1) + "; policy names are cluster-wide",
                                       detail::join(prefix, "metadata") + ".name"});
      } else {
        out.policies.push_back(std::move(checked.policy));
        return;
      }
    }
    report(document, checked.name, std::move(checked.errors));
  };

  for (const auto& doc : decoded.documents) {
    const nlohmann::json& v = doc.value;
    const bool is_list = v.is_object() && v.contains("kind") && v["kind"].is_string() &&
                         (v["kind"] == "List" || v["kind"] == "SecurityPolicyList" || v["kind"] == "SecurityPolicyExceptionList");
    if (!is_list) {
      accept(doc.index, "", v);
      continue;
    }
    auto items = v.find("items");
    if (items == v.end() || items->is_null()) continue;  // an empty List
    if (!items->is_array()) {
      detail::Errors errors;
      detail::type_error(errors, "items", "a list of SecurityPolicy objects", *items);
      report(doc.index, "", errors.all());
      continue;
    }
    for (std::size_t i = 0; i < items->size(); ++i) accept(doc.index, detail::index("items", i), (*items)[i]);
  }
  if (decoded.failure) {
    const auto& f = *decoded.failure;
    out.errors.push_back(PolicyParseError{source, f.document, "", Error{f.with_position(), ""}});
  }
  return out;
}

}  // namespace kindlyguard::policy
