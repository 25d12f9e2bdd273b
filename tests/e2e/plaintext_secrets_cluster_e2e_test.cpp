// The no-echo rule of plaintextSecrets through the operator: a running pod holding distinctive
// secrets is judged by the background audit and by the webhook in cluster mode, and nothing the
// binary writes to the API server (PolicyReports, Events, SecurityPolicy status, every version of
// each in the server's history) nor its log carries a secret value or a piece of one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "planted_secrets.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

class PlaintextSecretsCluster : public ClusterTest {
 protected:
  PlaintextSecretsCluster() : ClusterTest({.namespaces = {"kindlyguard", "shop"}}) {}
};

TEST_F(PlaintextSecretsCluster, ReportsEventsStatusAndLogsNameTheVariableNeverTheValue) {
  api->store().create("securitypolicies", json{{"apiVersion", "kindlyguard.io/v1alpha1"},
                                               {"kind", "SecurityPolicy"},
                                               {"metadata", {{"name", "no-plaintext-secrets"}}},
                                               {"spec",
                                                {{"enforcement", "Deny"},
                                                 {"rules", {{"plaintextSecrets", {{"deny", true}}}}}}}});
  json pod = secret_pod("leaky", "shop");
  pod["status"] = {{"phase", "Running"}};
  api->store().create("pods", pod);
  const std::uint64_t before = api->store().resource_version();
  auto hook = serve({"--leader-election-namespace", "kindlyguard", "--audit-interval", "1s"});

  // The background audit's report, with one finding per planted variable in each container.
  auto report = api->store().wait_for_object(
      "policyreports", "shop", "kindlyguard", [](const json& r) { return r["summary"].value("fail", 0) >= 1; }, 30s);
  ASSERT_TRUE(report) << hook->process().stderr_text();
  EXPECT_THAT(report->dump(), HasSubstr("DB_PASSWORD"));
  EXPECT_THAT(report->dump(), HasSubstr("a GitHub token"));
  ASSERT_TRUE(api->store().wait_for_object("securitypolicies", "", "no-plaintext-secrets", [](const json& p) {
    return p.contains("status") && p["status"].value("violations", 0) >= 1;
  }, 30s));

  // The webhook in cluster mode: a denial, its PolicyViolation Event and audit log line.
  std::string body;
  ASSERT_TRUE(eventually([&] {
    auto r = hook->review(review_json(secret_pod("leaky-2", "shop").dump()));
    if (r.ok()) body = r->body;
    return r.ok() && r->body.find("\"allowed\":false") != std::string::npos;
  }, 30s)) << body;
  EXPECT_THAT(body, HasSubstr("DB_PASSWORD"));
  expect_no_secret(body, "the webhook's denial in cluster mode");
  ASSERT_TRUE(api->store().wait_for(
      [](const kindly::testapi::StoreView& view) {
        for (const auto& e : view.list("events.events.k8s.io", "default"))
          if (e.value("reason", "") == "PolicyViolation" && e.value("note", "").find("shop/leaky-2") != std::string::npos)
            return true;
        return false;
      },
      30s));

  // Everything the binary wrote since it started, every version: only the pods (ours) hold secrets.
  std::string written;
  std::size_t writes = 0;
  for (const auto& e : api->store().history()) {
    if (e.resource_version <= before || e.resource->plural == "pods") continue;
    written += e.resource->plural + " " + e.ns + "/" + e.name + ": " + e.object.dump() + "\n";
    ++writes;
  }
  EXPECT_THAT(written, HasSubstr("policyreports shop/kindlyguard"));
  EXPECT_THAT(written, HasSubstr("PolicyViolation"));
  expect_no_secret(written, "the objects the operator wrote (" + std::to_string(writes) + " writes)");
  expect_no_secret(hook->process().stderr_text(), "the operator's log and audit lines");
}

}  // namespace
}  // namespace kindlyguard::testing
