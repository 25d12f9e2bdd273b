// The Kubernetes project's own Pod Security Admission fixtures (k8s.io/pod-security-admission,
// test/testdata/<level>/v1.<N>/{pass,fail}/*.yaml, 4,537 rows in psa/MANIFEST.tsv) judged by our
// Pod Security Standards implementation, the way upstream's test/run.go judges them:
//   1. as a Pod: a fail fixture is denied and the message contains the expected error substring,
//      a pass fixture is allowed;
//   2. as a Deployment pod template (metadata + spec wrapped into spec.template): the same verdict
//      and the same message (PSA only warns there, but its wording is the same).
// Every row is judged; none is skipped. A row whose expectation we believe is wrong would be listed
// in kManifestWrong with the reason, and that list is asserted to be exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "manifest.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard::policy;

const std::string kPsaDir = std::string(KINDLY_CONFORMANCE_DIR) + "/psa";

// Rows whose expected outcome we believe the manifest gets wrong, by case_id, with the reason.
// Empty: every row of the corpus agrees with our implementation.
const std::map<std::string, std::string> kManifestWrong = {};

struct Row {
  std::string case_id, file, resource_name, kind, expected, rule, level_text, version_text, notes;
  int doc_index = 0;
  std::string substring;  // expect_error_substring from notes (deny rows)
  PssLevel level = PssLevel::Baseline;
  PssVersion version;
};

std::vector<Row> load_manifest(std::string& error) {
  std::vector<Row> rows;
  for (const auto& c : conformance::manifest_rows(kPsaDir, error)) {
    Row r;
    r.case_id = c[0];
    r.file = c[1];
    r.doc_index = std::stoi(c[2]);
    r.resource_name = c[3];
    r.kind = c[4];
    r.expected = c[5];
    r.rule = c[6];
    r.level_text = c[7];
    r.version_text = c[8];
    r.notes = c[11];
    const std::string key = "expect_error_substring=";
    if (auto at = r.notes.find(key); at != std::string::npos) {
      auto end = r.notes.find(';', at);
      r.substring = r.notes.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
    }
    r.level = r.level_text == "restricted" ? PssLevel::Restricted : PssLevel::Baseline;
    if (r.version_text == "latest") {
      r.version = PssVersion{true, 0};
    } else {
      r.version = PssVersion{false, std::stoi(r.version_text.substr(r.version_text.find('.') + 1))};
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// The pod's metadata and spec as the template of a Deployment.
json as_deployment(const json& pod) {
  json tmpl = json::object();
  tmpl["metadata"] = pod.value("metadata", json::object());
  tmpl["metadata"].erase("name");
  tmpl["spec"] = pod.value("spec", json::object());
  const std::string name = pod.value("metadata", json::object()).value("name", std::string("fixture"));
  return json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", name}}},
              {"spec", {{"selector", {{"matchLabels", {{"app", name}}}}}, {"template", tmpl}}}};
}

struct Verdict {
  bool ok = false;           // the object could be judged at all
  std::string error;         // why not
  bool denied = false;
  std::string message;       // format_message of the failed checks
  std::vector<std::string> check_ids;
};

Verdict judge(const json& object, PssLevel level, PssVersion version) {
  Verdict v;
  auto view = PodView::from_object(object);
  if (!view.ok()) {
    v.error = view.error().to_string();
    return v;
  }
  auto failed = pss::evaluate(level, version, *view);
  v.ok = true;
  v.denied = !failed.empty();
  if (v.denied) v.message = pss::format_message(level, version, failed);
  for (const auto& f : failed) v.check_ids.push_back(f.check_id);
  // The fast verdict must agree with the full one.
  if (pss::allowed(level, version, *view) == v.denied) {
    v.ok = false;
    v.error = "pss::allowed() disagrees with pss::evaluate()";
  }
  return v;
}

struct Tally {
  int rows = 0, agree = 0;
};

std::string tally_table(const std::map<std::string, Tally>& t) {
  // One line per level with its total, then the versions that have disagreements.
  std::map<std::string, Tally> per_level;
  for (const auto& [key, v] : t) {
    auto& l = per_level[key.substr(0, key.find('/'))];
    l.rows += v.rows;
    l.agree += v.agree;
  }
  std::ostringstream out;
  for (const auto& [level, v] : per_level) out << "  " << level << ": " << v.agree << "/" << v.rows << " agree\n";
  for (const auto& [key, v] : t)
    if (v.agree != v.rows) out << "    " << key << ": " << v.agree << "/" << v.rows << "\n";
  return out.str();
}

class PsaConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rows_ = new std::vector<Row>(load_manifest(*load_error_));
    docs_ = new std::map<std::string, json>();
    for (const Row& r : *rows_) {
      if (docs_->count(r.file)) continue;
      const std::string path = kPsaDir + "/" + r.file;
      auto decoded = decode_documents(conformance::read_text(path), path);
      if (!decoded.ok()) {
        *load_error_ += path + ": " + decoded.error().to_string() + "\n";
        continue;
      }
      json all = json::array();
      for (auto& d : *decoded) all.push_back(std::move(d));
      (*docs_)[r.file] = std::move(all);
    }
  }
  static void TearDownTestSuite() {
    delete rows_;
    delete docs_;
    rows_ = nullptr;
    docs_ = nullptr;
  }

  static const json* document(const Row& r) {
    auto it = docs_->find(r.file);
    if (it == docs_->end() || r.doc_index >= static_cast<int>(it->second.size())) return nullptr;
    return &it->second[static_cast<std::size_t>(r.doc_index)];
  }

  // Does our verdict on `object` agree with the row? Sets `why` when not.
  static bool agrees(const Row& r, const Verdict& v, std::string& why) {
    if (!v.ok) {
      why = v.error;
      return false;
    }
    if (r.expected == "allow") {
      if (!v.denied) return true;
      why = "expected allow, got: " + v.message;
      return false;
    }
    if (!v.denied) {
      why = "expected deny (" + r.substring + "), got allow";
      return false;
    }
    if (v.message.find(r.substring) == std::string::npos) {
      why = "message lacks \"" + r.substring + "\": " + v.message;
      return false;
    }
    return true;
  }

  static void judge_all(const std::function<json(const json&)>& wrap, const char* how);

  static std::string* load_error_;
  static std::vector<Row>* rows_;
  static std::map<std::string, json>* docs_;
};

std::string* PsaConformance::load_error_ = new std::string();
std::vector<Row>* PsaConformance::rows_ = nullptr;
std::map<std::string, json>* PsaConformance::docs_ = nullptr;

TEST_F(PsaConformance, ManifestLoads) {
  ASSERT_EQ(*load_error_, "");
  EXPECT_EQ(rows_->size(), 4537u);
  int allow = 0, deny = 0;
  for (const Row& r : *rows_) {
    EXPECT_TRUE(r.expected == "allow" || r.expected == "deny") << r.case_id;
    EXPECT_TRUE(r.level_text == "baseline" || r.level_text == "restricted") << r.case_id;
    EXPECT_EQ(r.kind, "Pod") << r.case_id;
    if (r.expected == "deny") {
      EXPECT_FALSE(r.substring.empty()) << r.case_id << " has no expected error substring";
    }
    (r.expected == "allow" ? allow : deny)++;
  }
  EXPECT_GT(allow, 0);
  EXPECT_GT(deny, 0);
}

TEST_F(PsaConformance, LatestIsTheNewestFixtureVersion) {
  int newest = 0;
  for (const Row& r : *rows_)
    if (!r.version.latest) newest = std::max(newest, r.version.minor);
  EXPECT_GE(pss::latest_minor(), newest) << "the corpus has fixtures for v1." << newest;
}

// Judges every row as `wrap` makes it (the pod itself, or a Deployment around it).
void PsaConformance::judge_all(const std::function<json(const json&)>& wrap, const char* how) {
  const std::vector<Row>& rows = *rows_;
  std::map<std::string, Tally> tally;
  std::vector<std::string> disagreements;
  std::map<std::string, std::string> wrong_seen;  // listed as wrong and indeed disagreeing
  for (const Row& r : rows) {
    auto& t = tally[r.level_text + "/" + r.version_text];
    ++t.rows;
    const json* d = document(r);
    std::string why;
    bool ok = false;
    if (!d) {
      why = "document not decoded";
    } else {
      Verdict v = judge(wrap(*d), r.level, r.version);
      ok = agrees(r, v, why);
    }
    auto listed = kManifestWrong.find(r.case_id);
    if (listed != kManifestWrong.end()) {
      if (ok) disagreements.push_back(r.case_id + ": listed as wrong in the manifest (" + listed->second + ") but agrees");
      else wrong_seen[r.case_id] = why;
      ++t.agree;  // judged, and judged as we expect
      continue;
    }
    if (ok) ++t.agree;
    else disagreements.push_back(r.case_id + " [" + r.rule + "]: " + why);
  }
  int rows_total = 0, agree_total = 0;
  for (const auto& [k, v] : tally) {
    rows_total += v.rows;
    agree_total += v.agree;
  }
  std::cout << "[ PSA ] " << how << ": " << agree_total << "/" << rows_total << " rows agree\n" << tally_table(tally);
  std::ostringstream list;
  for (std::size_t i = 0; i < disagreements.size() && i < 60; ++i) list << "  " << disagreements[i] << "\n";
  if (disagreements.size() > 60) list << "  ... and " << disagreements.size() - 60 << " more\n";
  EXPECT_TRUE(disagreements.empty()) << how << ": " << disagreements.size() << " of " << rows_total
                                     << " rows disagree with the Kubernetes fixtures\n"
                                     << tally_table(tally) << list.str();
  EXPECT_EQ(wrong_seen.size(), kManifestWrong.size());
}

TEST_F(PsaConformance, EveryFixtureAsPod) {
  ASSERT_EQ(*load_error_, "");
  judge_all([](const json& pod) { return pod; }, "as Pod");
}

TEST_F(PsaConformance, EveryFixtureAsDeploymentTemplate) {
  ASSERT_EQ(*load_error_, "");
  judge_all(as_deployment, "as Deployment template");
}

// PSA's wording does not depend on where the pod spec sits, so the Pod and the Deployment
// template of one fixture get the same message and the same failed checks.
TEST_F(PsaConformance, TemplateMessagesEqualPodMessages) {
  ASSERT_EQ(*load_error_, "");
  int compared = 0;
  for (const Row& r : *rows_) {
    const json* d = document(r);
    ASSERT_NE(d, nullptr) << r.case_id;
    Verdict pod = judge(*d, r.level, r.version);
    Verdict deployment = judge(as_deployment(*d), r.level, r.version);
    ASSERT_TRUE(pod.ok && deployment.ok) << r.case_id;
    EXPECT_EQ(pod.message, deployment.message) << r.case_id;
    EXPECT_EQ(pod.check_ids, deployment.check_ids) << r.case_id;
    ++compared;
  }
  EXPECT_EQ(compared, 4537);
}

// A fail fixture fails the check it is named after (the file is the minimal valid pod plus one
// tweak for that check), unless a restricted check replaces that baseline check at this version.
TEST_F(PsaConformance, FailFixturesFailTheirOwnCheck) {
  ASSERT_EQ(*load_error_, "");
  // Baseline checks replaced at the restricted level, from a minor version on.
  const std::map<std::string, std::pair<std::string, int>> replaced = {
      {"hostPathVolumes", {"restrictedVolumes", 0}},
      {"capabilities_baseline", {"capabilities_restricted", 22}},
      {"seccompProfile_baseline", {"seccompProfile_restricted", 19}},
      {"procMount", {"procMount_restricted", 35}},
  };
  for (const Row& r : *rows_) {
    if (r.expected != "deny") continue;
    const json* d = document(r);
    ASSERT_NE(d, nullptr) << r.case_id;
    Verdict v = judge(*d, r.level, r.version);
    std::string want = r.rule;
    if (auto it = replaced.find(r.rule);
        it != replaced.end() && r.level == PssLevel::Restricted && pss::resolve_minor(r.version) >= it->second.second)
      want = it->second.first;
    EXPECT_NE(std::find(v.check_ids.begin(), v.check_ids.end(), want), v.check_ids.end())
        << r.case_id << " should fail " << want << ": " << v.message;
  }
}

}  // namespace
