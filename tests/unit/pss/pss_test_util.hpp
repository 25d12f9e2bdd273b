#pragma once
// Helpers for the PSS unit tests: pods from JSON literals, and the result of one check.

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/policy/pss.hpp"

namespace kindlyguard::policy::pss::testing {

using nlohmann::json;

inline PssVersion v(int minor) { return PssVersion{false, minor}; }
inline PssVersion latest() { return PssVersion{true, 0}; }

// A Pod with `spec` and optional `metadata`.
inline json pod(json spec, json metadata = json::object()) {
  if (!metadata.contains("name")) metadata["name"] = "p";
  return json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", metadata}, {"spec", spec}};
}

// The same pod spec and metadata as a Deployment's template.
inline json deployment(json spec, json metadata = json::object()) {
  return json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "d"}}},
              {"spec", {{"template", {{"metadata", metadata}, {"spec", spec}}}}}};
}

// A bare container named `name`, with securityContext `sc` when given: each check's tests set just
// the fields they judge.
inline json c(const std::string& name, json sc = nullptr) {
  json out = {{"name", name}, {"image", "x"}};
  if (!sc.is_null()) out["securityContext"] = sc;
  return out;
}

// A restricted-compliant container named `name` with extra securityContext settings merged in.
inline json good_container(const std::string& name, json extra_sc = json::object()) {
  json sc = {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", {"ALL"}}}}};
  sc.merge_patch(extra_sc);
  return json{{"name", name}, {"image", "registry.example/app:1"}, {"securityContext", sc}};
}

// A restricted-compliant pod spec (one container "app" unless given), merged with `patch`.
inline json good_spec(json patch = json::object()) {
  json spec = {{"containers", {good_container("app")}},
               {"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}}};
  spec.merge_patch(patch);
  return spec;
}

inline std::vector<CheckResult> run(PssLevel level, PssVersion version, const json& object) {
  auto view = PodView::from_object(object);
  EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().to_string());
  if (!view.ok()) return {};
  auto results = evaluate(level, version, *view);
  EXPECT_EQ(allowed(level, version, *view), results.empty());
  return results;
}

inline std::vector<std::string> ids(const std::vector<CheckResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) out.push_back(r.check_id);
  return out;
}

// The result of check `id` among `results`, if it failed.
inline std::optional<CheckResult> failed(const std::vector<CheckResult>& results, const std::string& id) {
  for (const auto& r : results)
    if (r.check_id == id) return r;
  return std::nullopt;
}

inline std::optional<CheckResult> check(const std::string& id, PssLevel level, PssVersion version, const json& object) {
  return failed(run(level, version, object), id);
}

}  // namespace kindlyguard::policy::pss::testing
