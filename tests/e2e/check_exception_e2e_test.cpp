// `kindlyguard check` with SecurityPolicyExceptions among the policy files: what they excuse is
// listed as excused and fails nothing, --now decides expiry to the second, JSON lists `exempted`,
// and ownerReferences are followed among the inputs themselves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "exception_fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

class CheckExceptions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("policies/baseline.yaml", kBaselineDeny);
    dir.write("policies/exceptions/node-exporter.yaml", node_exporter_exception());
    dir.write("ds.json", as_workload(node_exporter_pod(false), "DaemonSet").dump());
  }
  RunResult check(std::vector<std::string> extra) {
    std::vector<std::string> args = {"check", "-o", "wide", "--policy", dir.file("policies"), "-f", dir.file("ds.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_binary(args);
  }
  TempDir dir;
};

TEST_F(CheckExceptions, ExceptionsInThePolicyFolderExcuseAndDoNotFail) {
  auto r = check({"--now", "2027-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("DaemonSet monitoring/node-exporter: excused baseline-deny/pss/hostPorts container=node-exporter"));
  EXPECT_THAT(r.out, HasSubstr("excused by SecurityPolicyException monitoring/node-exporter"));
  EXPECT_THAT(r.out, HasSubstr("1 object judged: 0 denied, 0 warned, 1 passed (2 findings excused by SecurityPolicyExceptions)"));
  EXPECT_THAT(r.out, Not(HasSubstr(": deny ")));
}

TEST_F(CheckExceptions, NowAtTheExpirySecondIsExpiredAndOneSecondBeforeIsActive) {
  auto active = check({"--now", "2027-06-29T23:59:59Z"});
  EXPECT_EQ(active.exit_code, 0) << active.out << active.err;
  auto expired = check({"--now=2027-06-30T00:00:00Z"});
  EXPECT_EQ(expired.exit_code, 1) << expired.out << expired.err;
  EXPECT_THAT(expired.out, HasSubstr(": deny baseline-deny/pss/hostPorts"));
  EXPECT_THAT(expired.out, Not(HasSubstr("excused")));
  EXPECT_THAT(expired.err, HasSubstr("SecurityPolicyException monitoring/node-exporter expired at 2027-06-30T00:00:00Z"));
  // Offsets are times too: 01:59:59+02:00 is one second before.
  EXPECT_EQ(check({"--now", "2027-06-30T01:59:59+02:00"}).exit_code, 0);
}

TEST_F(CheckExceptions, BadNowIsAnInputError) {
  auto r = check({"--now", "tomorrow"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--now must be an RFC 3339 time"));
}

TEST_F(CheckExceptions, JsonListsExemptedWithTheException) {
  auto r = check({"--now", "2027-01-01T00:00:00Z", "-o", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 1u);
  const auto& res = j["results"][0];
  EXPECT_EQ(res["decision"], "pass");
  EXPECT_TRUE(res["violations"].empty());
  ASSERT_EQ(res["exempted"].size(), 2u) << r.out;
  for (const auto& x : res["exempted"]) {
    EXPECT_EQ(x["exception"], "monitoring/node-exporter");
    EXPECT_EQ(x["policy"], "baseline-deny");
    EXPECT_EQ(x["enforcement"], "deny");
    EXPECT_FALSE(x["field"].get<std::string>().empty());
  }
  EXPECT_EQ(j["summary"]["excused"], 2);
}

TEST_F(CheckExceptions, WithoutExceptionsTheJsonHasNoExemptedKey) {
  TempDir plain;
  plain.write("baseline.yaml", kBaselineDeny);
  auto r = run_binary({"check", "--policy", plain.file("baseline.yaml"), "-f", dir.file("ds.json"), "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = json::parse(r.out);
  EXPECT_FALSE(j["results"][0].contains("exempted"));
  EXPECT_FALSE(j["summary"].contains("excused"));
}

// A pod exported with its owners (uids and controller references) is judged as its Deployment;
// a pod that only names an owner the inputs do not hold with that uid is judged as itself.
TEST_F(CheckExceptions, OwnerReferencesAreFollowedAmongTheInputs) {
  dir.write("policies/exceptions/node-exporter.yaml", node_exporter_exception("2027-06-30T00:00:00Z", "[Deployment]"));
  json deployment = as_workload(node_exporter_pod(false), "Deployment");
  deployment["metadata"]["uid"] = "uid-deploy";
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", "node-exporter-5d8f"}, {"namespace", "monitoring"}, {"uid", "uid-rs"},
               {"ownerReferences", json::array({{{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                                 {"name", "node-exporter"}, {"uid", "uid-deploy"}, {"controller", true}}})}}},
             {"spec", deployment["spec"]}};
  json pod = node_exporter_pod(false, "node-exporter-5d8f-abcde");
  pod["metadata"]["uid"] = "uid-pod";
  pod["metadata"]["ownerReferences"] = json::array(
      {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "node-exporter-5d8f"}, {"uid", "uid-rs"}, {"controller", true}}});
  json forged = pod;
  forged["metadata"]["name"] = "impostor";
  forged["metadata"]["ownerReferences"][0]["uid"] = "uid-other";
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", {deployment, rs, pod, forged}}};
  dir.write("exported.json", list.dump());
  auto r = run_binary({"check", "-o", "wide", "--policy", dir.file("policies"), "-f", dir.file("exported.json"), "--now",
                       "2027-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Pod monitoring/node-exporter-5d8f-abcde: excused"));
  EXPECT_THAT(r.out, HasSubstr("ReplicaSet monitoring/node-exporter-5d8f: excused"));
  EXPECT_THAT(r.out, HasSubstr("Deployment monitoring/node-exporter: excused"));
  EXPECT_THAT(r.out, HasSubstr("Pod monitoring/impostor: deny baseline-deny/pss/hostPorts"));
  EXPECT_THAT(r.out, HasSubstr("4 objects judged: 1 denied"));
}

TEST_F(CheckExceptions, ACrossNamespaceExceptionNeedsExceptionNamespaces) {
  dir.write("policies/exceptions/node-exporter.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: node-exporter, namespace: platform}
spec:
  exceptions: [{policy: baseline-deny, rules: ["*"]}]
  match: {namespaces: ["monitor*"], names: ["node-exporter"]}
  reason: Platform-wide exception for node-exporter.
)");
  auto r = check({});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("SecurityPolicyException platform/node-exporter excuses nothing"));
  r = check({"--exception-namespaces", "kube-system,platform"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("excused by SecurityPolicyException platform/node-exporter"));
}

}  // namespace
}  // namespace kindlyguard::testing
