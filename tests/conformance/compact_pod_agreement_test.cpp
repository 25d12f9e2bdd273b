// The pod cache keeps pods compact (controller/pod_cache.hpp: no managedFields, status reduced to
// phase). That must never change a verdict: every object of every conformance corpus (PSA,
// Kyverno, Gatekeeper) and of examples/, dressed as the API server serves it (managedFields, a
// full status), is judged in its full and its compact form, by the webhook's evaluate() and by the
// background audit's audit_pods(), against PSS baseline and restricted (oldest and newest) and the
// example policies and exception (their namespace matches lifted so that every object is judged):
// the decisions, messages and report results must be identical.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/controller/pod_cache.hpp"
#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/exception_store.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "manifest.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard;
namespace fs = std::filesystem;

bool is_yaml(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Every object with a pod spec in the YAML files under `dir` (List items unpacked).
void collect(const fs::path& dir, std::vector<json>& out, std::size_t& files) {
  if (!fs::exists(dir)) return;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || !is_yaml(entry.path())) continue;
    auto docs = policy::decode_documents(conformance::read_text(entry.path().string()), entry.path().string());
    if (!docs.ok()) continue;
    ++files;
    for (auto& d : *docs) {
      std::vector<json> objects;
      if (d.is_object() && d.contains("items") && d["items"].is_array()) objects = d["items"].get<std::vector<json>>();
      else objects.push_back(std::move(d));
      for (auto& o : objects)
        if (o.is_object() && o.value("kind", json()).is_string() && policy::PodView::is_judged_kind(o["kind"].get<std::string>()))
          out.push_back(std::move(o));
    }
  }
}

// What the API server adds to a stored pod: managedFields of two managers and a running status.
json as_served(json o, const std::string& phase) {
  json& md = o["metadata"];
  if (!md.is_object()) md = json::object();
  if (!md.contains("namespace")) md["namespace"] = "default";
  if (!md.contains("name")) md["name"] = "generated";
  md["uid"] = "0b9a3f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
  md["resourceVersion"] = "12345";
  md["managedFields"] = json::array(
      {{{"manager", "kubectl-client-side-apply"}, {"operation", "Update"}, {"apiVersion", "v1"},
        {"fieldsType", "FieldsV1"},
        {"fieldsV1", {{"f:spec", {{"f:containers", {{"k:{\"name\":\"app\"}", {{".", json::object()}}}}}}}}}},
       {{"manager", "kubelet"}, {"operation", "Update"}, {"subresource", "status"}, {"apiVersion", "v1"},
        {"fieldsType", "FieldsV1"}, {"fieldsV1", {{"f:status", {{"f:phase", json::object()}}}}}}});
  json statuses = json::array();
  for (const auto& c : o.value("spec", json::object()).value("containers", json::array()))
    if (c.is_object())
      statuses.push_back({{"name", c.value("name", json("app"))},
                          {"image", c.value("image", json("busybox"))},
                          {"imageID", "docker.io/library/busybox@sha256:0000"},
                          {"containerID", "containerd://abc"},
                          {"ready", true},
                          {"restartCount", 0},
                          {"state", {{"running", {{"startedAt", "2024-01-01T00:00:00Z"}}}}}});
  o["status"] = {{"phase", phase},
                 {"podIP", "10.0.0.7"},
                 {"hostIP", "192.168.0.3"},
                 {"qosClass", "BestEffort"},
                 {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                 {"containerStatuses", std::move(statuses)}};
  return o;
}

policy::PolicySet policies() {
  policy::PolicySet set;
  std::ostringstream pss;
  // The oldest and the newest version of every check: what the transform drops (managedFields,
  // status but phase) no version reads, and each further version multiplies a run that must also
  // fit the sanitizer build (every version: 11 s here, over 300 s under ASan at -O0).
  for (const char* level : {"baseline", "restricted"})
    for (int minor : {0, policy::pss::latest_minor()})
      pss << "---\napiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: pss-" << level << "-"
          << minor << "}\nspec: {enforcement: Warn, podSecurityStandard: {level: " << level << ", version: v1." << minor
          << "}}\n";
  auto parsed = policy::parse_policies(pss.str(), "pss");
  for (const auto& e : parsed.errors) ADD_FAILURE() << e.to_string();
  set.policies = std::move(parsed.policies);
  for (const auto& entry : fs::directory_iterator(std::string(KINDLY_SOURCE_DIR) + "/examples/policies")) {
    auto more = policy::parse_policies(conformance::read_text(entry.path().string()), entry.path().string());
    for (const auto& e : more.errors) ADD_FAILURE() << e.to_string();
    for (auto& p : more.policies) set.policies.push_back(std::move(p));
  }
  for (auto& p : set.policies) {
    p.match = {};  // every object judged by every policy
    p.audit_background = true;
  }
  return set;
}

policy::ExceptionSetPtr exceptions() {
  policy::ExceptionStore store;
  std::vector<policy::SecurityPolicyException> all;
  for (const auto& entry : fs::directory_iterator(std::string(KINDLY_SOURCE_DIR) + "/examples/exceptions")) {
    auto parsed = policy::parse_policies(conformance::read_text(entry.path().string()), entry.path().string());
    for (auto& x : parsed.exceptions) all.push_back(std::move(x));
  }
  EXPECT_FALSE(all.empty());
  return store.replace(std::move(all));
}

std::string decision_text(const policy::Decision& d) {
  json j = {{"judged", d.judged}, {"allowed", d.allowed}, {"code", d.code}, {"message", d.message},
            {"warnings", d.warnings}, {"audit", d.audit_annotations}, {"matched", d.matched_policies},
            {"violations", d.violations.size()}, {"excused", d.excused.size()}, {"note", d.note}};
  return j.dump();
}

std::string audit_text(const policy::AuditOutcome& o) {
  json j = {{"judged", o.pods_judged}, {"compliant", o.pods_compliant}, {"violating", o.violating_pods},
            {"quarantine", o.to_quarantine}, {"exceptions", o.exception_matches}};
  for (const auto& [ns, a] : o.namespaces) {
    json results = json::array();
    for (const auto& r : a.results)
      results.push_back({r.policy, r.rule, policy::to_string(r.outcome), r.message, r.pod, r.pod_uid, r.exception});
    j["namespaces"][ns] = {{"pass", a.pass}, {"fail", a.fail}, {"warn", a.warn}, {"skip", a.skip}, {"pods", a.pods},
                           {"results", std::move(results)}};
  }
  return j.dump();
}

TEST(CompactPodAgreement, EveryCorpusCaseGetsTheSameVerdictFullAndCompact) {
  std::vector<json> objects;
  std::size_t files = 0;
  for (const char* corpus : {"psa", "kyverno", "gatekeeper"})
    collect(fs::path(KINDLY_CONFORMANCE_DIR) / corpus, objects, files);
  const std::size_t corpus_objects = objects.size();
  collect(fs::path(KINDLY_SOURCE_DIR) / "examples", objects, files);
  ASSERT_GT(corpus_objects, 1000u) << "the conformance corpora are missing from " << KINDLY_CONFORMANCE_DIR;
  ASSERT_GT(objects.size(), corpus_objects);

  const policy::PolicySet set = policies();
  ASSERT_GT(set.policies.size(), 2u);
  const auto excepted = exceptions();
  const policy::ExceptionScope scope{excepted.get(), policy::Seconds{}, nullptr};
  const auto labels = policy::name_only_namespace_labels();

  std::size_t compared = 0;
  for (const auto& original : objects)
    for (const char* phase : {"Running", "Succeeded"}) {
      const json full = as_served(original, phase);
      const json compact = controller::compact_pod(full);
      ASSERT_FALSE(compact["metadata"].contains("managedFields"));
      ASSERT_EQ(compact["status"], json({{"phase", phase}}));

      policy::Request req;
      req.kind = full["kind"].get<std::string>();
      req.resource = "pods";
      req.namespace_ = full["metadata"]["namespace"].get<std::string>();
      req.name = full["metadata"]["name"].is_string() ? full["metadata"]["name"].get<std::string>() : "";
      req.username = "someone";
      req.object = &full;
      const std::string full_decision = decision_text(policy::evaluate(set, req, labels, scope));
      req.object = &compact;
      EXPECT_EQ(decision_text(policy::evaluate(set, req, labels, scope)), full_decision) << original.dump();

      policy::AuditOptions ao;
      ao.exceptions = scope;
      const auto full_audit = audit_text(
          policy::audit_pods(set, {std::make_shared<const json>(full)}, labels, ao));
      EXPECT_EQ(audit_text(policy::audit_pods(set, {std::make_shared<const json>(compact)}, labels, ao)), full_audit)
          << original.dump();
      ++compared;
    }
  std::cout << "compared " << compared << " objects (" << corpus_objects << " from the corpora) in " << files
            << " files against " << set.policies.size() << " policies\n";
}

}  // namespace
