// kindlyguard judges its own Deployment: the one in manifests/install.yaml (the chart's default
// render; chart_test.mjs proves the file equals a fresh render) passes the restricted Pod Security
// Standard and a policy with every hardening rule, through the same policy core the webhook uses.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pod_view.hpp"

#ifndef KINDLY_SOURCE_DIR
#error "KINDLY_SOURCE_DIR must name the source tree"
#endif

namespace {

using nlohmann::json;
namespace kp = kindlyguard::policy;

json install_deployment() {
  const std::string path = std::string(KINDLY_SOURCE_DIR) + "/manifests/install.yaml";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  auto docs = kp::decode_documents(text.str(), path);
  if (!docs.ok()) throw std::runtime_error(docs.error().to_string());
  for (const auto& d : *docs)
    if (d.value("kind", "") == "Deployment") return d;
  throw std::runtime_error(path + " has no Deployment");
}

kp::SecurityPolicy policy(const std::string& yaml) {
  auto parsed = kp::parse_policies(yaml, "test");
  if (!parsed.errors.empty()) throw std::runtime_error(parsed.errors.front().to_string());
  return parsed.policies.at(0);
}

std::string describe(const std::vector<kp::Violation>& violations) {
  std::string out;
  for (const auto& v : violations) out += "\n  " + v.rule + " " + v.container + " " + v.field + ": " + v.message;
  return out;
}

TEST(ChartPosture, OwnDeploymentPassesRestrictedAndEveryHardeningRule) {
  const json deployment = install_deployment();
  auto pod = kp::PodView::from_object(deployment);
  ASSERT_TRUE(pod.ok()) << pod.error().to_string();
  ASSERT_FALSE(pod->containers().empty());
  const auto restricted = policy(R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: restricted}
spec: {enforcement: Deny, podSecurityStandard: {level: restricted, version: latest}}
)");
  const auto hardening = policy(R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: hardening}
spec:
  rules:
    runAsNonRoot: true
    runAsUser: {min: 10000}
    readOnlyRootFilesystem: true
    capabilities: {requiredDrop: [ALL], allowedAdd: []}
    allowPrivilegeEscalation: false
    privileged: false
    hostNamespaces: false
    hostPorts: false
    hostPath: {allowed: false}
    seccomp: {allowedProfiles: [RuntimeDefault]}
    resources: {requireLimits: [cpu, memory], requireRequests: [cpu, memory], maxLimits: {cpu: "1", memory: 512Mi}}
    images: {disallowTags: [latest]}
)");
  for (const auto* p : {&restricted, &hardening}) {
    const auto violations = kp::judge(*p, *pod);
    EXPECT_TRUE(violations.empty()) << p->name << ":" << describe(violations);
  }
}

}  // namespace
