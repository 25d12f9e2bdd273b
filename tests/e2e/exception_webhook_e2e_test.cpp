// SecurityPolicyException through the real binary over real TLS, standalone (--policy-dir):
// exceptions in the policy files excuse what they name (with a warning, an audit `exempted` entry
// and a metric), expire at their second, and the webhook judges SecurityPolicy and
// SecurityPolicyException writes at apply time, exceptions only from approvers.
#include <set>

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
using Files = std::map<std::string, std::string>;  // policy dir: file name -> YAML

json node_exporter_daemonset() { return as_workload(node_exporter_pod(), "DaemonSet"); }

json answer(const WebhookProcess& hook, const std::string& review) {
  auto r = hook.review(review);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r.ok()) return {};
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body)["response"];
}

// The audit line (stdout) of the review with `uid`; null until it is written.
json audit_line(WebhookProcess& hook, const std::string& uid) {
  json found;
  eventually(
      [&] {
        std::string out = hook.process().stdout_text();
        std::size_t start = 0, end;
        while ((end = out.find('\n', start)) != std::string::npos) {
          auto j = json::parse(out.substr(start, end - start), nullptr, false);
          if (j.is_object() && j.value("uid", "") == uid) found = j;
          start = end + 1;
        }
        return !found.is_null();
      },
      std::chrono::seconds(5));
  return found;
}

// A review of one of kindlyguard's own resources, as the API server sends it.
std::string own_review(const json& object, const std::string& resource, const std::string& uid,
                       const std::string& user, const json& groups = json::array({"system:authenticated"}),
                       const std::string& operation = "CREATE", const json& old_object = nullptr) {
  json req = {{"uid", uid},
              {"kind", {{"group", "kindlyguard.io"}, {"version", "v1alpha1"}, {"kind", object["kind"]}}},
              {"resource", {{"group", "kindlyguard.io"}, {"version", "v1alpha1"}, {"resource", resource}}},
              {"name", object["metadata"]["name"]},
              {"operation", operation},
              {"userInfo", {{"username", user}, {"groups", groups}}},
              {"object", object}};
  if (object["metadata"].contains("namespace")) req["namespace"] = object["metadata"]["namespace"];
  if (!old_object.is_null()) req["oldObject"] = old_object;
  return json({{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}}).dump();
}

json exception_object(const std::string& expires_at = "2099-01-01T00:00:00Z") {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicyException"},
          {"metadata", {{"name", "node-exporter"}, {"namespace", "monitoring"}}},
          {"spec",
           {{"exceptions", json::array({{{"policy", "baseline-deny"}, {"rules", json::array({"pss/hostPorts"})}}})},
            {"match", {{"kinds", json::array({"DaemonSet"})}}},
            {"reason", "Needs a host port."},
            {"expiresAt", expires_at}}}};
}

TEST(ExceptionWebhookE2E, AnExceptionInThePolicyDirExcusesNodeExporterWithAWarningAndAnAuditRecord) {
  WebhookProcess hook{Files{{"baseline.yaml", kBaselineDeny}}};
  json denied = answer(hook, review_json(node_exporter_daemonset().dump(), "CREATE", "before"));
  EXPECT_EQ(denied["allowed"], false);
  EXPECT_THAT(denied["status"]["message"].get<std::string>(), HasSubstr("hostPort"));

  // An exception added beside the policy is picked up by the directory watcher.
  hook.dir().write("policies/node-exporter-exception.yaml", node_exporter_exception("2099-01-01T00:00:00Z"));
  json allowed;
  ASSERT_TRUE(eventually(
      [&] {
        allowed = answer(hook, review_json(node_exporter_daemonset().dump(), "CREATE", "after"));
        return allowed["allowed"] == true;
      },
      std::chrono::seconds(10)))
      << hook.process().stderr_text();
  ASSERT_TRUE(allowed.contains("warnings")) << allowed.dump();
  std::string warnings = allowed["warnings"].dump();
  EXPECT_THAT(warnings, HasSubstr("SecurityPolicyException monitoring/node-exporter"));
  EXPECT_THAT(warnings, HasSubstr("baseline-deny/pss/hostPorts"));

  json line = audit_line(hook, "after");
  ASSERT_TRUE(line.is_object()) << hook.process().stdout_text();
  EXPECT_EQ(line["decision"], "allowed");
  ASSERT_TRUE(line.contains("exempted")) << line.dump();
  std::set<std::string> rules;
  for (const auto& x : line["exempted"]) {
    EXPECT_EQ(x["exception"], "monitoring/node-exporter");
    EXPECT_EQ(x["policy"], "baseline-deny");
    rules.insert(x["rule"].get<std::string>());
  }
  EXPECT_EQ(rules, (std::set<std::string>{"pss/hostNamespaces", "pss/hostPathVolumes", "pss/hostPorts"}));
  EXPECT_EQ(metric(hook, "kindly_security_exceptions_used_total{exception=\"monitoring/node-exporter\"}"), 1);

  // The exception covers node-exporter only: another DaemonSet in the namespace stays denied.
  json other = node_exporter_daemonset();
  other["metadata"]["name"] = "debug-shell";
  EXPECT_EQ(answer(hook, review_json(other.dump(), "CREATE", "other"))["allowed"], false);
}

TEST(ExceptionWebhookE2E, AnExpiredExceptionIsIgnored) {
  WebhookProcess hook{Files{{"baseline.yaml", kBaselineDeny},
                            {"node-exporter-exception.yaml", node_exporter_exception("2020-01-01T00:00:00Z")}}};
  json r = answer(hook, review_json(node_exporter_daemonset().dump(), "CREATE", "expired"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_THAT(r.dump(), Not(HasSubstr("SecurityPolicyException")));
  json line = audit_line(hook, "expired");
  EXPECT_FALSE(line.contains("exempted")) << line.dump();
}

TEST(ExceptionWebhookE2E, InvalidPoliciesAndExceptionsAreRefusedAtApplyTime) {
  WebhookProcess hook{Files{{"baseline.yaml", kBaselineDeny}}, {"--exception-approver-users", "carol"}};
  json policy = {{"apiVersion", "kindlyguard.io/v1alpha1"},
                 {"kind", "SecurityPolicy"},
                 {"metadata", {{"name", "typo"}}},
                 {"spec", {{"enforcement", "Deny"}, {"rules", {{"runAsNonRoot", true}, {"privilegd", false}}}}}};
  json r = answer(hook, own_review(policy, "securitypolicies", "p1", "alice"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 422);
  EXPECT_THAT(r["status"]["message"].get<std::string>(), HasSubstr("spec.rules.privilegd"));
  policy["spec"]["rules"].erase("privilegd");
  EXPECT_EQ(answer(hook, own_review(policy, "securitypolicies", "p2", "alice"))["allowed"], true);

  json e = exception_object();
  e["spec"]["exceptions"][0]["rules"] = json::array({"pss/hostPort"});
  r = answer(hook, own_review(e, "securitypolicyexceptions", "e1", "carol"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 422);
  EXPECT_THAT(r["status"]["message"].get<std::string>(), HasSubstr("spec.exceptions[0].rules[0]"));
}

TEST(ExceptionWebhookE2E, OnlyApproversMayWriteAnExceptionAndTheApprovalIsRecorded) {
  WebhookProcess hook{Files{{"baseline.yaml", kBaselineDeny}}, {"--exception-approver-users", "carol"}};
  json r = answer(hook, own_review(exception_object(), "securitypolicyexceptions", "w1", "mallory"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 403);
  std::string msg = r["status"]["message"];
  EXPECT_THAT(msg, HasSubstr("\"mallory\""));
  EXPECT_THAT(msg, HasSubstr("--exception-approver-users"));
  EXPECT_THAT(msg, HasSubstr("--exception-approver-groups"));

  r = answer(hook, own_review(exception_object(), "securitypolicyexceptions", "w2", "carol"));
  EXPECT_EQ(r["allowed"], true) << r.dump();
  json line = audit_line(hook, "w2");
  EXPECT_EQ(line["exceptionApprovedBy"], "carol") << line.dump();
  EXPECT_EQ(line["user"], "carol");

  // The default approver group, system:masters, may too.
  r = answer(hook, own_review(exception_object(), "securitypolicyexceptions", "w3", "admin",
                              json::array({"system:masters", "system:authenticated"})));
  EXPECT_EQ(r["allowed"], true) << r.dump();

  // Extending the expiry is a new grant; relabelling is not.
  json old = exception_object("2026-01-01T00:00:00Z");
  r = answer(hook, own_review(exception_object(), "securitypolicyexceptions", "w4", "mallory",
                              json::array({"system:authenticated"}), "UPDATE", old));
  EXPECT_EQ(r["status"]["code"], 403);
  json relabelled = old;
  relabelled["metadata"]["labels"] = {{"team", "observability"}};
  r = answer(hook, own_review(relabelled, "securitypolicyexceptions", "w5", "mallory",
                              json::array({"system:authenticated"}), "UPDATE", old));
  EXPECT_EQ(r["allowed"], true);
  EXPECT_FALSE(audit_line(hook, "w5").contains("exceptionApprovedBy"));
}

}  // namespace
}  // namespace kindlyguard::testing
