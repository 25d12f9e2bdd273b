#pragma once
// Shared machinery of the Kyverno and Gatekeeper conformance tests
// (kyverno_gatekeeper_kyverno_test.cpp, kyverno_gatekeeper_gatekeeper_test.cpp).
//
// Both corpora come with a MANIFEST.tsv (see ../shared/conformance/README.md): one row per object
// under review, with the verdict the other project expects. Each Kyverno policy / Gatekeeper
// constraint is mapped to equivalent SecurityPolicy YAML (parsed with parse_policies, so the
// parser is exercised too) plus, where only some of our rule ids are the equivalent, the ids that
// count. A row is then judged with PodView + judge_all (or evaluate, for AdmissionReviews) and
// any counted violation means deny.
//
// Nothing is skipped silently. A row is either
//   - covered: our verdict must agree (the test fails otherwise), or
//   - out of scope, because its whole policy is (Mapping::out_of_scope, with the reason), or
//     because the row is listed by case_id with the reason in an out-of-scope list, or
//   - a known discrepancy: listed by case_id with the reason, a bug of ours being fixed.
// Listed cases must exist in the manifest, must belong to a mapped policy, and must still
// disagree: a listed case that agrees fails the test, so the lists stay exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pod_view.hpp"
#include "manifest.hpp"

namespace kgconf {

using nlohmann::json;
namespace kp = kindlyguard::policy;

inline const std::string kConformanceDir = KINDLY_CONFORMANCE_DIR;

struct Row {
  std::string case_id, file, resource_name, kind, expected, rule, level, version, params, origin, notes;
  int doc_index = 0;
};

using conformance::read_text;

inline std::vector<Row> load_manifest(const std::string& dir, std::string& error) {
  std::vector<Row> rows;
  for (const auto& c : conformance::manifest_rows(dir, error))
    rows.push_back(Row{c[0], c[1], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], std::stoi(c[2])});
  return rows;
}

// The documents of a YAML stream numbered as the manifests number them (PyYAML's load_all): a
// document between two `---` lines counts even when it holds only comments or nothing (it is
// null), text before the first `---` only when it holds something. decode_documents skips empty
// documents, so each part is decoded on its own; an empty one is a null json.
inline kindlyguard::Result<std::vector<json>> decode_numbered(const std::string& text, const std::string& source) {
  std::vector<std::string> parts(1);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r')) {
      parts.emplace_back(line.substr(3) + "\n");
      continue;
    }
    parts.back() += line + "\n";
  }
  std::vector<json> out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto docs = kp::decode_documents(parts[i], source + " (document " + std::to_string(out.size()) + ")");
    if (!docs.ok()) return docs.error();
    if (docs->size() > 1) return kindlyguard::Error{source + ": a document decoded to several", ""};
    if (docs->empty()) {
      if (i > 0) out.emplace_back(nullptr);
      continue;
    }
    out.push_back(std::move(docs->front()));
  }
  return out;
}

// How one Kyverno policy or Gatekeeper constraint is judged by kindlyguard.
struct Mapping {
  // SecurityPolicy documents (spec bodies are written by the caller). Empty text = no policy at
  // all (nothing is checked), which is what a constraint without parameters amounts to.
  std::string policies_yaml{};
  // When non-empty, only violations with one of these rule ids count (a per-control check
  // mapped to one PSS check of a whole level).
  std::vector<std::string> only_rules{};
  // Violations whose rule id starts with one of these do not count (a control excluded).
  std::vector<std::string> except_rule_prefixes{};
  // Non-empty: the whole policy / constraint kind is out of scope, for this reason.
  std::string out_of_scope{};
  // For a policy of several rules whose cases list per-rule results (kyverno-test): the
  // SecurityPolicy names standing for each rule; only the listed rules' policies count.
  std::map<std::string, std::vector<std::string>> policies_for_rule{};
};

// Cases (by case_id) that share one reason.
struct CaseList {
  std::string reason;
  std::vector<std::string> cases;
};

// One SecurityPolicy document with the given name and spec body (indented by two spaces).
inline std::string security_policy(const std::string& name, const std::string& spec_body) {
  return "---\napiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: " + name +
         "}\nspec:\n" + spec_body;
}

inline std::string pss_spec(const std::string& level) {
  return "  podSecurityStandard: {level: " + level + ", version: latest}\n";
}

struct Verdict {
  bool ok = false;     // could be judged at all
  bool denied = false;
  std::string detail;  // the counted violations, or why it could not be judged
};

// The SecurityPolicy names whose violations count for this row (empty: all).
inline std::set<std::string> policies_counted(const Mapping& m, const Row& r) {
  std::set<std::string> out;
  if (m.policies_for_rule.empty()) return out;
  std::istringstream in(r.rule);
  std::string result;
  while (std::getline(in, result, ';')) {
    // "policy/rule=pass" (kyverno-test) or "policy/*" (chainsaw: every rule)
    const auto slash = result.find('/');
    const std::string rule = result.substr(slash + 1, result.find('=') - slash - 1);
    if (rule == "*") return {};
    auto it = m.policies_for_rule.find(rule);
    EXPECT_TRUE(it != m.policies_for_rule.end()) << r.case_id << ": no policy stands for rule " << rule;
    if (it != m.policies_for_rule.end()) out.insert(it->second.begin(), it->second.end());
  }
  return out;
}

inline bool counts(const Mapping& m, const kp::Violation& v, const std::set<std::string>& policies = {}) {
  if (!policies.empty() && !policies.count(v.policy)) return false;
  if (!m.only_rules.empty() && std::find(m.only_rules.begin(), m.only_rules.end(), v.rule) == m.only_rules.end())
    return false;
  for (const auto& p : m.except_rule_prefixes)
    if (v.rule.rfind(p, 0) == 0) return false;
  return true;
}

inline std::string describe(const kp::Violation& v) {
  return "[" + v.policy + "/" + v.rule + "] " + (v.container.empty() ? "" : v.container + ": ") + v.message;
}

// The object judged as `kindlyguard check` and the background audit do.
inline Verdict judge_object(const kp::PolicySet& set, const Mapping& m, const json& object,
                            const std::set<std::string>& policies = {}) {
  Verdict out;
  auto view = kp::PodView::from_object(object);
  if (!view.ok()) {
    out.detail = "not judged: " + view.error().to_string();
    return out;
  }
  std::string ns = view->namespace_().empty() ? "default" : view->namespace_();
  out.ok = true;
  for (const auto& v : kp::judge_all(set, ns, *view, kp::name_only_namespace_labels())) {
    if (!counts(m, v, policies)) continue;
    out.denied = true;
    out.detail += (out.detail.empty() ? "" : "; ") + describe(v);
  }
  return out;
}

// An admission request judged by evaluate().
inline Verdict judge_request(const kp::PolicySet& set, const Mapping& m, const kp::Request& request) {
  Verdict out;
  auto d = kp::evaluate(set, request, kp::name_only_namespace_labels());
  out.ok = true;
  if (!d.judged) {
    out.detail = "not judged: " + d.note;
    return out;
  }
  for (const auto& v : d.violations) {
    if (!counts(m, v) || v.enforcement != kp::Enforcement::Deny) continue;
    out.denied = true;
    out.detail += (out.detail.empty() ? "" : "; ") + describe(v);
  }
  return out;
}

struct Tally {
  int rows = 0, covered = 0, agreed = 0, known = 0, out_of_scope = 0;
};

struct Corpus {
  std::string name;  // "kyverno", "gatekeeper"
  std::string dir;
  std::vector<Row> rows;
  std::size_t expected_rows = 0;
  // The policy a row belongs to (the key of `mappings`, shown in the report).
  std::function<std::string(const Row&)> policy_of;
  std::map<std::string, Mapping> mappings;
  std::vector<CaseList> out_of_scope;
  std::vector<CaseList> known_discrepancies;
  // The object under review in a decoded document, and its name (for the resource_name check).
  std::function<std::string(const Row&, const json&)> name_of;
  // Judges one row's document against the parsed policies.
  std::function<Verdict(const Row&, const json&, const kp::PolicySet&, const Mapping&)> judge;
};

// Judges every row of the corpus and reports. Every failure is a gtest failure.
inline void run_corpus(Corpus& c) {
  std::string error;
  c.rows = load_manifest(c.dir, error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(c.rows.size(), c.expected_rows) << c.name << " manifest row count changed";

  std::set<std::string> ids;
  for (const Row& r : c.rows) {
    EXPECT_TRUE(ids.insert(r.case_id).second) << "duplicate case_id " << r.case_id;
    EXPECT_TRUE(r.expected == "allow" || r.expected == "deny") << r.case_id;
  }

  // Listed cases: known, unique, and in a mapped policy.
  std::map<std::string, std::string> listed_oos, listed_known;
  for (const auto& l : c.out_of_scope)
    for (const auto& id : l.cases) {
      EXPECT_TRUE(ids.count(id)) << "out-of-scope entry is no case of the manifest: " << id;
      EXPECT_TRUE(listed_oos.emplace(id, l.reason).second) << "listed twice: " << id;
    }
  for (const auto& l : c.known_discrepancies)
    for (const auto& id : l.cases) {
      EXPECT_TRUE(ids.count(id)) << "known-discrepancy entry is no case of the manifest: " << id;
      EXPECT_TRUE(listed_known.emplace(id, l.reason).second) << "listed twice: " << id;
      EXPECT_FALSE(listed_oos.count(id)) << "listed both out of scope and as a known discrepancy: " << id;
    }

  // Parse every mapping once.
  std::map<std::string, kp::PolicySet> sets;
  std::set<std::string> used_mappings;
  for (const auto& [key, m] : c.mappings) {
    if (!m.out_of_scope.empty()) continue;
    auto parsed = kp::parse_policies(m.policies_yaml, c.name + ":" + key);
    std::string errors;
    for (const auto& e : parsed.errors) errors += e.to_string() + "\n";
    EXPECT_EQ(errors, "") << "the SecurityPolicy equivalent of " << key << " does not parse";
    sets[key].policies = std::move(parsed.policies);
  }

  std::map<std::string, std::vector<json>> docs;
  std::map<std::string, Tally> tally;
  std::vector<std::string> stale;  // listed but agreeing
  for (const Row& r : c.rows) {
    const std::string key = c.policy_of(r);
    Tally& t = tally[key];
    ++t.rows;
    auto mit = c.mappings.find(key);
    if (mit == c.mappings.end()) {
      ADD_FAILURE() << r.case_id << ": no mapping for policy " << key;
      continue;
    }
    used_mappings.insert(key);
    const Mapping& m = mit->second;
    if (!m.out_of_scope.empty()) {
      EXPECT_FALSE(listed_oos.count(r.case_id) || listed_known.count(r.case_id))
          << r.case_id << " is listed, but its whole policy is out of scope";
      ++t.out_of_scope;
      continue;
    }

    if (!docs.count(r.file)) {
      const std::string path = c.dir + "/" + r.file;
      auto decoded = decode_numbered(read_text(path), path);
      EXPECT_TRUE(decoded.ok()) << path << ": " << (decoded.ok() ? "" : decoded.error().to_string());
      docs[r.file] = decoded.ok() ? std::move(*decoded) : std::vector<json>{};
    }
    const auto& file_docs = docs[r.file];
    if (r.doc_index < 0 || static_cast<std::size_t>(r.doc_index) >= file_docs.size()) {
      ADD_FAILURE() << r.case_id << ": " << r.file << " has no document " << r.doc_index;
      continue;
    }
    const json& doc = file_docs[static_cast<std::size_t>(r.doc_index)];
    EXPECT_EQ(c.name_of(r, doc), r.resource_name) << r.case_id << ": document " << r.doc_index << " of " << r.file;

    const Verdict v = c.judge(r, doc, sets[key], m);
    const bool agree = v.ok && (v.denied ? "deny" : "allow") == r.expected;
    const std::string ours = !v.ok ? "error" : v.denied ? "deny" : "allow";
    if (auto it = listed_oos.find(r.case_id); it != listed_oos.end()) {
      ++t.out_of_scope;
      if (agree) stale.push_back(r.case_id + " (out of scope: " + it->second + ")");
      continue;
    }
    if (auto it = listed_known.find(r.case_id); it != listed_known.end()) {
      ++t.known;
      if (agree) stale.push_back(r.case_id + " (known discrepancy: " + it->second + ")");
      continue;
    }
    ++t.covered;
    if (agree) {
      ++t.agreed;
    } else {
      ADD_FAILURE() << c.name << " disagreement " << r.case_id << "\n  file: " << r.file << " doc " << r.doc_index
                    << " (" << r.kind << " " << r.resource_name << ")\n  expected " << r.expected << " (" << r.rule
                    << "), we say " << ours << (v.detail.empty() ? "" : ": " + v.detail);
    }
  }
  EXPECT_TRUE(stale.empty()) << "listed cases that now agree (cover them: remove the entries):\n  "
                             << [&] {
                                  std::string s;
                                  for (const auto& x : stale) s += x + "\n  ";
                                  return s;
                                }();
  for (const auto& [key, m] : c.mappings) EXPECT_TRUE(used_mappings.count(key)) << "mapping for no row: " << key;

  // The report.
  Tally total;
  std::ostringstream out;
  out << c.name << " conformance (" << c.rows.size() << " rows)\n";
  out << "  " << std::left << std::setw(72) << "policy" << std::right << std::setw(6) << "rows" << std::setw(9)
      << "covered" << std::setw(8) << "agreed" << std::setw(9) << "known" << std::setw(7) << "oos" << "\n";
  for (const auto& [key, t] : tally) {
    out << "  " << std::left << std::setw(72) << key << std::right << std::setw(6) << t.rows << std::setw(9)
        << t.covered << std::setw(8) << t.agreed << std::setw(9) << t.known << std::setw(7) << t.out_of_scope << "\n";
    total.rows += t.rows;
    total.covered += t.covered;
    total.agreed += t.agreed;
    total.known += t.known;
    total.out_of_scope += t.out_of_scope;
  }
  out << "  " << std::left << std::setw(72) << "TOTAL" << std::right << std::setw(6) << total.rows << std::setw(9)
      << total.covered << std::setw(8) << total.agreed << std::setw(9) << total.known << std::setw(7)
      << total.out_of_scope << "\n";
  out << "  out of scope, whole policy:\n";
  for (const auto& [key, m] : c.mappings)
    if (!m.out_of_scope.empty()) out << "    " << key << " (" << tally[key].rows << "): " << m.out_of_scope << "\n";
  out << "  out of scope, listed cases:\n";
  for (const auto& l : c.out_of_scope) out << "    " << l.cases.size() << " case(s): " << l.reason << "\n";
  if (!c.known_discrepancies.empty()) out << "  known discrepancies (bugs being fixed):\n";
  for (const auto& l : c.known_discrepancies) out << "    " << l.cases.size() << " case(s): " << l.reason << "\n";
  std::cout << out.str();
  ::testing::Test::RecordProperty("covered", total.covered);
  ::testing::Test::RecordProperty("agreed", total.agreed);
  ::testing::Test::RecordProperty("known_discrepancies", total.known);
  ::testing::Test::RecordProperty("out_of_scope", total.out_of_scope);
}

}  // namespace kgconf
