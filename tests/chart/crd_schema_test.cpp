// The SecurityPolicy CRD's OpenAPI schema (crds/securitypolicies.kindlyguard.io.yaml) and the
// policy parser (src/policy) accept the same fields, object by object, in both directions.
//
// The parser has no list of its fields to read, so the test asks it: it parses a maximal policy
// (testdata/full-policy.yaml, every field set), and at every object of that policy it adds a field
// named like nothing the parser knows. The parser's "unknown field" error then lists the fields it
// accepts there, which must be exactly the schema's properties at that place. Objects the parser
// treats as maps (label maps, maxLimits) must be maps (additionalProperties) in the schema. Every
// schema field must appear in the maximal policy, and renaming any field of it (appending 'x') must
// make the parser reject it as unknown. Enums and patterns are checked against what the parser
// accepts, value by value.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/parse.hpp"

#ifndef KINDLY_SOURCE_DIR
#error "KINDLY_SOURCE_DIR must name the source tree"
#endif

namespace {

using nlohmann::json;
using Path = std::vector<std::string>;  // object keys; array indexes as decimal strings

constexpr const char* kProbe = "zzzzqqqqzzzz";  // a field name no object has, nor resembles

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json load_single(const std::string& relative) {
  const std::string path = std::string(KINDLY_SOURCE_DIR) + "/" + relative;
  auto docs = kindlyguard::policy::decode_documents(read_file(path), path);
  if (!docs.ok()) throw std::runtime_error(docs.error().to_string());
  if (docs->size() != 1) throw std::runtime_error(path + ": expected one document");
  return docs->front();
}

const json& crd() {
  static const json c = load_single("crds/securitypolicies.kindlyguard.io.yaml");
  return c;
}

const json& schema() {
  static const json s = [] {
    for (const auto& v : crd().at("spec").at("versions"))
      if (v.at("name") == "v1alpha1") return v.at("schema").at("openAPIV3Schema");
    throw std::runtime_error("the CRD has no v1alpha1");
  }();
  return s;
}

const json& full_policy() {
  static const json p = load_single("tests/chart/testdata/full-policy.yaml");
  return p;
}

bool is_index(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// "spec.rules.hostPath.allowedPaths[0].pathPrefix", as the parser writes paths.
std::string dotted(const Path& p) {
  std::string out;
  for (const auto& part : p) {
    if (is_index(part)) out += "[" + part + "]";
    else out += (out.empty() ? "" : ".") + part;
  }
  return out;
}

json::json_pointer pointer(const Path& p) {
  json::json_pointer ptr;
  for (const auto& part : p) {
    if (is_index(part)) ptr /= static_cast<std::size_t>(std::stoul(part));
    else ptr /= part;
  }
  return ptr;
}

json& at(json& doc, const Path& p) {
  json* node = &doc;
  for (const auto& part : p) node = is_index(part) ? &node->at(std::stoul(part)) : &node->at(part);
  return *node;
}

const json& at(const json& doc, const Path& p) {
  const json* node = &doc;
  for (const auto& part : p) node = is_index(part) ? &node->at(std::stoul(part)) : &node->at(part);
  return *node;
}

// The schema node for a document path (array indexes go to items).
const json& schema_at(const Path& p) {
  const json* node = &schema();
  for (const auto& part : p) {
    if (is_index(part)) node = &node->at("items");
    else if (node->contains("properties")) node = &node->at("properties").at(part);
    else node = &node->at("additionalProperties");
  }
  return *node;
}

std::vector<kindlyguard::Error> problems(const json& doc) { return kindlyguard::policy::validate_policy(doc); }

std::string describe(const std::vector<kindlyguard::Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.to_string();
  return out.empty() ? " (none)" : out;
}

// The fields the parser accepts in the object at `p`: adds kProbe there and reads the list from
// the unknown-field error ("... (expected one of: a, b, c)" from the policy reader,
// "... (a label selector has matchLabels and matchExpressions)" from the label selector parser).
// Returns nullopt when the parser takes any key there (a map): then no unknown-field error comes.
std::optional<std::set<std::string>> parser_fields(const Path& p) {
  json doc = full_policy();
  at(doc, p)[kProbe] = "x";
  const std::string probe_path = dotted(p) + (p.empty() ? "" : ".") + kProbe;
  for (const auto& e : problems(doc)) {
    if (e.path != probe_path) continue;
    if (e.message.find("unknown field") == std::string::npos) return std::nullopt;  // a map: the key was read as data
    const auto open = e.message.rfind('(');
    const auto close = e.message.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
      throw std::runtime_error("no field list in: " + e.to_string());
    std::string list = e.message.substr(open + 1, close - open - 1);
    if (list.rfind("expected one of: ", 0) == 0) list = list.substr(17);
    else if (auto has = list.find(" has "); has != std::string::npos) list = list.substr(has + 5);
    else throw std::runtime_error("no field list in: " + e.to_string());
    std::set<std::string> out;
    std::regex sep(", | and ");
    for (std::sregex_token_iterator it(list.begin(), list.end(), sep, -1), end; it != end; ++it)
      if (!it->str().empty()) out.insert(it->str());
    return out;
  }
  return std::nullopt;
}

std::set<std::string> schema_fields(const json& node) {
  std::set<std::string> out;
  for (const auto& [k, v] : node.at("properties").items()) out.insert(k);
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// Every object of the maximal policy under spec (and the top level), with its schema node.
struct ObjectSite {
  Path path;
  const json* schema_node;
};

void collect_objects(const json& doc, const Path& p, std::vector<ObjectSite>& out) {
  const json& s = schema_at(p);
  if (doc.is_object()) {
    if (!s.contains("properties")) return;  // a map: its keys are data
    out.push_back({p, &s});
    for (const auto& [k, v] : doc.items()) {
      if (p.empty() && (k == "metadata" || k == "status")) continue;  // ObjectMeta, and status the parser ignores
      if (!s.at("properties").contains(k)) continue;                 // reported by the field comparison
      Path child = p;
      child.push_back(k);
      collect_objects(v, child, out);
    }
  } else if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i) {
      Path child = p;
      child.push_back(std::to_string(i));
      collect_objects(doc[i], child, out);
    }
  }
}

std::vector<ObjectSite> objects() {
  std::vector<ObjectSite> out;
  collect_objects(full_policy(), {}, out);
  return out;
}

TEST(CrdSchema, TheMaximalPolicyIsAValidPolicy) {
  auto parsed = kindlyguard::policy::parse_policy(full_policy());
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_TRUE(problems(full_policy()).empty()) << describe(problems(full_policy()));
  // It really sets things: the model carries what the file says.
  EXPECT_EQ(parsed->name, "full-policy");
  EXPECT_TRUE(parsed->pod_security_standard.has_value());
  EXPECT_TRUE(parsed->rules.images.has_value());
  EXPECT_TRUE(parsed->quarantine_on_violation);
}

TEST(CrdSchema, ParserAndSchemaAcceptTheSameFieldsInEveryObject) {
  const auto sites = objects();
  ASSERT_GE(sites.size(), 20u) << "the maximal policy has too few objects: is it maximal?";
  for (const auto& site : sites) {
    SCOPED_TRACE("at " + (site.path.empty() ? std::string("<top>") : dotted(site.path)));
    auto accepted = parser_fields(site.path);
    ASSERT_TRUE(accepted.has_value()) << "the parser takes any field here, the schema lists properties";
    EXPECT_EQ(join(*accepted), join(schema_fields(*site.schema_node)))
        << "the parser accepts [" << join(*accepted) << "], the schema has [" << join(schema_fields(*site.schema_node)) << "]";
  }
}

TEST(CrdSchema, MapsInTheSchemaAreMapsToTheParser) {
  // Walk the schema: wherever it has additionalProperties, the maximal policy has an entry and the
  // parser reads keys there as data, not as fields.
  std::function<void(const json&, const Path&)> walk = [&](const json& node, const Path& p) {
    if (node.contains("additionalProperties") && node.at("additionalProperties").is_object()) {
      SCOPED_TRACE("map at " + dotted(p));
      json doc = full_policy();
      ASSERT_NO_THROW(at(doc, p));
      EXPECT_FALSE(at(doc, p).empty()) << "the maximal policy leaves this map empty";
      EXPECT_FALSE(parser_fields(p).has_value()) << "the parser rejects arbitrary keys here";
    }
    if (node.contains("properties"))
      for (const auto& [k, v] : node.at("properties").items()) {
        if (p.empty() && (k == "metadata" || k == "status")) continue;
        Path child = p;
        child.push_back(k);
        walk(v, child);
      }
    if (node.contains("items")) {
      Path child = p;
      child.push_back("0");
      walk(node.at("items"), child);
    }
  };
  walk(schema(), {});
}

TEST(CrdSchema, EverySchemaFieldAppearsInTheMaximalPolicy) {
  std::vector<std::string> missing;
  std::function<void(const json&, const Path&)> walk = [&](const json& node, const Path& p) {
    const json properties = node.value("properties", json::object());  // a copy: items() must not outlive it
    for (const auto& [k, v] : properties.items()) {
      if (p.empty() && (k == "metadata" || k == "status")) continue;
      Path child = p;
      child.push_back(k);
      if (!full_policy().contains(pointer(child))) {
        missing.push_back(dotted(child));
        continue;
      }
      if (v.contains("properties")) walk(v, child);
      if (v.contains("items") && v.at("items").contains("properties")) {
        Path item = child;
        item.push_back("0");
        walk(v.at("items"), item);
      }
    }
  };
  walk(schema(), {});
  EXPECT_TRUE(missing.empty()) << "schema fields missing from testdata/full-policy.yaml: "
                               << join(std::set<std::string>(missing.begin(), missing.end()));
}

TEST(CrdSchema, RenamingAnyFieldMakesItUnknown) {
  for (const auto& site : objects()) {
    for (const auto& item : at(full_policy(), site.path).items()) {
      const std::string key = item.key();
      if (site.path.empty() && key == "status") continue;
      json doc = full_policy();
      json& obj = at(doc, site.path);
      json moved = obj[key];
      obj.erase(key);
      obj[key + "x"] = moved;
      Path renamed = site.path;
      renamed.push_back(key + "x");
      const std::string want = dotted(renamed);
      bool found = false;
      const auto errors = problems(doc);
      for (const auto& e : errors) found |= e.path == want && e.message.find("unknown field") != std::string::npos;
      EXPECT_TRUE(found) << want << " was not rejected as an unknown field:" << describe(errors);
    }
  }
}

TEST(CrdSchema, WrongTypesAreRejectedWhereTheSchemaTypesAField) {
  // Every leaf of the maximal policy under spec, given a value of another JSON type than the
  // schema says, is an error at that path.
  std::function<void(const json&, const Path&)> walk = [&](const json& value, const Path& p) {
    const json& s = schema_at(p);
    const bool map = s.contains("additionalProperties") && s.at("additionalProperties").is_object();
    if (value.is_object() && !map) {
      for (const auto& [k, v] : value.items()) {
        Path child = p;
        child.push_back(k);
        walk(v, child);
      }
      return;
    }
    const std::string type = s.value("type", "int-or-string");
    json wrong;
    if (type == "boolean") wrong = "true";
    else if (type == "integer") wrong = "10";
    else if (type == "string" || type == "int-or-string") wrong = json::array({"x"});
    else if (type == "array" || type == "object") wrong = "x";
    else FAIL() << "unexpected schema type " << type << " at " << dotted(p);
    json doc = full_policy();
    at(doc, p) = wrong;
    const auto errors = problems(doc);
    bool found = false;
    for (const auto& e : errors) found |= e.path.rfind(dotted(p), 0) == 0;
    EXPECT_TRUE(found) << dotted(p) << " (" << type << ") = " << wrong.dump() << " was accepted:" << describe(errors);
    if (value.is_array() && !value.empty() && value[0].is_object()) {
      Path first = p;
      first.push_back("0");
      walk(value[0], first);
    }
  };
  walk(full_policy().at("spec"), {"spec"});
}

// Sets a value where the maximal policy has a field, keeping label selector expressions valid.
json with_value(const Path& p, const json& v) {
  json doc = full_policy();
  at(doc, p) = v;
  if (!p.empty() && p.back() == "operator") {
    Path parent(p.begin(), p.end() - 1);
    json& expr = at(doc, parent);
    if (v == "Exists" || v == "DoesNotExist") expr.erase("values");
    else expr["values"] = json::array({"a"});
  }
  return doc;
}

TEST(CrdSchema, EveryEnumValueIsAcceptedAndNothingElse) {
  int enums = 0;
  std::function<void(const json&, const Path&)> walk = [&](const json& node, const Path& p) {
    const bool items = node.value("type", "") == "array" && node.contains("items") && node.at("items").contains("enum");
    if (node.contains("enum") || items) {
      ++enums;
      const json& values = items ? node.at("items").at("enum") : node.at("enum");
      for (const auto& v : values) {
        const json doc = with_value(p, items ? json::array({v}) : v);
        EXPECT_TRUE(problems(doc).empty()) << dotted(p) << " = " << v.dump() << " is in the schema's enum but the parser refuses it:"
                                           << describe(problems(doc));
        // Off the enum: the other boolean (a rule value that would check nothing), or another string.
        const json off = v.is_boolean() ? json(!v.get<bool>()) : json(v.get<std::string>() + "x");
        const json bad = with_value(p, items ? json::array({off}) : off);
        EXPECT_FALSE(problems(bad).empty()) << dotted(p) << " = " << off.dump() << " is outside the enum but the parser accepts it";
      }
    }
    const json properties = node.value("properties", json::object());  // a copy: items() must not outlive it
    for (const auto& [k, v] : properties.items()) {
      if (p.empty() && (k == "metadata" || k == "status")) continue;
      Path child = p;
      child.push_back(k);
      walk(v, child);
    }
    if (node.contains("items") && node.at("items").contains("properties")) {
      Path child = p;
      child.push_back("0");
      walk(node.at("items"), child);
    }
  };
  walk(schema(), {});
  // enforcement, two selector operators, level, requiredDrop, allowedAdd, allowedProfiles, and the
  // six boolean rules whose other value would check nothing.
  EXPECT_GE(enums, 13);
}

// Patterns and bounds: where the schema and the parser must agree exactly, and where the schema
// is deliberately looser (the parser's error is more helpful: a did-you-mean, a quantity check).
struct Samples {
  Path path;        // the field; for lists, a one-element list is set
  bool list;
  bool exact;       // true: same verdict; false: the parser accepting implies the schema accepting
  std::vector<json> values;
};

bool schema_accepts(const json& node, const json& v) {
  if (node.contains("pattern") && v.is_string() && !std::regex_search(v.get<std::string>(), std::regex(node.at("pattern").get<std::string>())))
    return false;
  if (node.contains("maxLength") && v.is_string() && v.get<std::string>().size() > node.at("maxLength").get<std::size_t>()) return false;
  if (node.contains("minLength") && v.is_string() && v.get<std::string>().size() < node.at("minLength").get<std::size_t>()) return false;
  if (node.contains("minimum") && v.is_number() && v.get<double>() < node.at("minimum").get<double>()) return false;
  if (node.contains("maximum") && v.is_number() && v.get<double>() > node.at("maximum").get<double>()) return false;
  return true;
}

TEST(CrdSchema, PatternsAndBoundsAgreeWithTheParser) {
  const std::vector<Samples> table = {
      {{"spec", "podSecurityStandard", "version"}, false, true,
       {"latest", "v1.0", "v1.9", "v1.29", "v1.99", "v1.100", "1.29", "v1.029", "Latest", "v2.1", "v1.", ""}},
      {{"spec", "match", "namespaces"}, true, true,
       {"prod", "prod-*", "*", "a?c", "Prod", "-prod", "prod-", "a_b", "kube-system", "-x*", std::string(63, 'a'), std::string(64, 'a'),
        "*" + std::string(63, 'a')}},
      {{"spec", "match", "excludedNamespaces"}, true, true, {"kube-system", "KUBE", "team-*"}},
      {{"spec", "rules", "images", "disallowTags"}, true, true,
       {"latest", "v1.2.3", "_x", ".x", "-x", ":latest", "a-b_c.d", std::string(128, 'a'), std::string(129, 'a')}},
      // (min stays at most the policy's max, 65535: min > max is refused by both, through CEL)
      {{"spec", "rules", "runAsUser", "min"}, false, true, {-1, 0, 10000, 65535}},
      {{"spec", "rules", "runAsUser", "max"}, false, true, {-1, 65535, 2147483647, 2147483648LL}},
      {{"spec", "rules", "resources", "requireLimits"}, true, false,
       {"cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "example.com/gpu", "gpu", "CPU", "example.com/", "hugepages-x"}},
      {{"spec", "rules", "resources", "maxLimits", "cpu"}, false, false, {"2", "500m", "1.5Gi", "12Qi", "-1", "1e3", 4, "0.5"}},
      {{"spec", "rules", "hostPath", "allowedPaths", "0", "pathPrefix"}, false, false, {"/var/log", "var/log", "/var/../etc", "/"}},
      {{"spec", "exemptions", "usernames"}, true, false, {"alice", "", " "}},
  };
  for (const auto& t : table) {
    const json& leaf = schema_at(t.path);
    const json& node = t.list ? leaf.at("items") : leaf;
    for (const auto& v : t.values) {
      const bool parser_ok = problems(with_value(t.path, t.list ? json::array({v}) : v)).empty();
      const bool schema_ok = schema_accepts(node, v);
      if (t.exact) {
        EXPECT_EQ(parser_ok, schema_ok) << dotted(t.path) << " = " << v.dump() << ": parser " << (parser_ok ? "accepts" : "refuses")
                                        << ", schema " << (schema_ok ? "accepts" : "refuses");
      } else if (parser_ok) {
        EXPECT_TRUE(schema_ok) << dotted(t.path) << " = " << v.dump() << ": the parser accepts it, the schema refuses it";
      }
    }
  }
}

TEST(CrdSchema, SpecRequiredAndCheckingSomething) {
  // The schema requires spec; its CEL rule requires podSecurityStandard or a rule. The parser agrees.
  const auto& required = schema().at("required");
  EXPECT_NE(std::find(required.begin(), required.end(), "spec"), required.end());
  json no_spec = full_policy();
  no_spec.erase("spec");
  EXPECT_FALSE(problems(no_spec).empty());
  json nothing = full_policy();
  nothing["spec"] = json{{"enforcement", "Warn"}};
  EXPECT_FALSE(problems(nothing).empty());
  const std::string rule = schema().at("properties").at("spec").at("x-kubernetes-validations").at(0).at("rule");
  for (const auto& [k, v] : schema().at("properties").at("spec").at("properties").at("rules").at("properties").items()) {
    EXPECT_NE(rule.find("has(self.rules." + k + ")"), std::string::npos) << "the CEL rule does not count rule " << k;
    json only = full_policy();
    only["spec"] = json{{"rules", {{k, full_policy().at("spec").at("rules").at(k)}}}};
    EXPECT_TRUE(problems(only).empty()) << "a policy with only rule " << k << " is refused:" << describe(problems(only));
  }
}

}  // namespace

// Issue 18: spec.onViolation.quarantine is true/false or {minSeverity}. The schema leaves it
// untyped with a CEL rule (crd_cel_test.mjs checks the rule on the same values); the parser
// accepts and refuses the same ones, and reads what it accepts.
TEST(CrdSchema, QuarantineTakesABooleanOrAMinimumSeverity) {
  auto with = [](json quarantine) {
    json doc = full_policy();
    doc["spec"]["onViolation"]["quarantine"] = std::move(quarantine);
    return doc;
  };
  for (const json& ok : {json(true), json(false), json::object(), json{{"minSeverity", "critical"}},
                         json{{"minSeverity", "high"}}, json{{"minSeverity", "medium"}}, json{{"minSeverity", "low"}}})
    EXPECT_TRUE(problems(with(ok)).empty()) << ok.dump() << describe(problems(with(ok)));
  for (const json& bad : {json("true"), json(1), json{{"minSeverity", "severe"}}, json{{"minSeverity", "Critical"}},
                          json{{"minseverity", "critical"}}, json{{"minSeverity", "critical"}, {"extra", 1}},
                          json::array({"critical"})})
    EXPECT_FALSE(problems(with(bad)).empty()) << bad.dump();

  using kindlyguard::policy::Severity;
  auto parsed = kindlyguard::policy::parse_policy(with(json{{"minSeverity", "critical"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_TRUE(parsed->quarantine_on_violation);
  EXPECT_EQ(parsed->quarantine_min_severity, Severity::Critical);
  parsed = kindlyguard::policy::parse_policy(with(json::object()));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->quarantine_on_violation);
  EXPECT_EQ(parsed->quarantine_min_severity, Severity::Low);  // any violation, as `true`
  parsed = kindlyguard::policy::parse_policy(with(false));
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->quarantine_on_violation);
}
