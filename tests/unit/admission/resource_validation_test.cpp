// kindlyguard's own resources at `kubectl apply`: SecurityPolicy and SecurityPolicyException
// CREATE/UPDATE are judged by the parsers, and only approvers may write an exception.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/observe/audit_log.hpp"

namespace kindlyguard::admission {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json policy_object(const json& spec = {{"enforcement", "Deny"}, {"rules", {{"privileged", false}}}}) {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"}, {"kind", "SecurityPolicy"},
          {"metadata", {{"name", "no-privileged"}}}, {"spec", spec}};
}

json exception_object(const std::string& ns = "monitoring") {
  return json::parse(R"({
    "apiVersion": "kindlyguard.io/v1alpha1", "kind": "SecurityPolicyException",
    "metadata": {"name": "node-exporter", "namespace": ")" + ns + R"("},
    "spec": {
      "exceptions": [{"policy": "baseline-deny", "rules": ["pss/hostNamespaces", "pss/hostPorts"]}],
      "match": {"kinds": ["DaemonSet"], "names": ["node-exporter*"]},
      "reason": "Needs host PID to export node metrics.",
      "expiresAt": "2027-06-30T00:00:00Z"
    }})");
}

json review(const json& object, const std::string& resource, const std::string& operation = "CREATE",
            const std::string& user = "alice", const json& groups = json::array({"system:authenticated"}),
            const json& old_object = nullptr, const std::string& sub_resource = "") {
  json req = {{"uid", "own-uid"},
              {"kind", {{"group", "kindlyguard.io"}, {"version", "v1alpha1"}, {"kind", object.value("kind", "")}}},
              {"resource", {{"group", "kindlyguard.io"}, {"version", "v1alpha1"}, {"resource", resource}}},
              {"name", object["metadata"].value("name", "")},
              {"operation", operation},
              {"userInfo", {{"username", user}, {"groups", groups}}},
              {"object", object}};
  if (object["metadata"].contains("namespace")) req["namespace"] = object["metadata"]["namespace"];
  if (!old_object.is_null()) req["oldObject"] = old_object;
  if (!sub_resource.empty()) req["subResource"] = sub_resource;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}};
}

struct LastDecision : DecisionObserver {
  void on_decision(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds) override {
    line = observe::AuditLog::format(r, d, std::chrono::microseconds(1));
    judged = d.judged;
  }
  std::string line;
  bool judged = false;
};

class ResourceValidation : public ::testing::Test {
 protected:
  ResourceValidation() : handler(store, policy::name_only_namespace_labels()) {
    handler.set_exception_approval({{"carol"}, {"security-admins"}, {"kube-system"}});
    handler.add_observer(&observer);
    handler.on_exception_approved([this](const policy::Request& r) { approved.push_back(r.username); });
  }

  json answer(const json& review) {
    auto out = handler.handle(review.dump());
    EXPECT_EQ(out.http_status, 200) << out.body;
    return json::parse(out.body)["response"];
  }

  policy::PolicyStore store;
  Handler handler;
  LastDecision observer;
  std::vector<std::string> approved;
};

TEST_F(ResourceValidation, ValidPolicyIsAdmittedByAnyone) {
  json r = answer(review(policy_object(), "securitypolicies"));
  EXPECT_EQ(r["allowed"], true);
  EXPECT_TRUE(observer.judged);
  EXPECT_THAT(observer.line, Not(HasSubstr("exceptionApprovedBy")));
}

TEST_F(ResourceValidation, InvalidPolicyIsRefusedWithEveryFieldPath) {
  json spec = {{"enforcement", "Deny"}, {"rules", {{"privilegd", false}, {"runAsNonRoot", "yes"}}}};
  json r = answer(review(policy_object(spec), "securitypolicies"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 422);
  EXPECT_EQ(r["status"]["reason"], "Invalid");
  std::string msg = r["status"]["message"];
  EXPECT_THAT(msg, HasSubstr("SecurityPolicy \"no-privileged\" is invalid"));
  EXPECT_THAT(msg, HasSubstr("spec.rules.privilegd"));
  EXPECT_THAT(msg, HasSubstr("spec.rules.runAsNonRoot"));
}

TEST_F(ResourceValidation, InvalidExceptionIsRefusedWithItsFieldPathEvenForAnApprover) {
  json e = exception_object();
  e["spec"]["expiresAt"] = "next tuesday";
  e["spec"]["exceptions"][0]["rules"] = json::array({"pss/hostNamespace"});
  json r = answer(review(e, "securitypolicyexceptions", "CREATE", "carol"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 422);
  std::string msg = r["status"]["message"];
  EXPECT_THAT(msg, HasSubstr("SecurityPolicyException \"node-exporter\" is invalid"));
  EXPECT_THAT(msg, HasSubstr("spec.expiresAt"));
  EXPECT_THAT(msg, HasSubstr("spec.exceptions[0].rules[0]"));
  EXPECT_TRUE(approved.empty());
}

TEST_F(ResourceValidation, ApproverUserMayCreateAndIsRecorded) {
  json r = answer(review(exception_object(), "securitypolicyexceptions", "CREATE", "carol"));
  EXPECT_EQ(r["allowed"], true) << r.dump();
  EXPECT_EQ(r["auditAnnotations"]["exception-approved-by"], "carol");
  json line = json::parse(observer.line);
  EXPECT_EQ(line["exceptionApprovedBy"], "carol");
  EXPECT_EQ(line["user"], "carol");
  EXPECT_EQ(line["decision"], "allowed");
  EXPECT_EQ(approved, std::vector<std::string>{"carol"});
}

TEST_F(ResourceValidation, ApproverGroupMemberMayCreate) {
  json r = answer(review(exception_object(), "securitypolicyexceptions", "CREATE", "dave",
                         {"system:authenticated", "security-admins"}));
  EXPECT_EQ(r["allowed"], true) << r.dump();
  EXPECT_EQ(json::parse(observer.line)["exceptionApprovedBy"], "dave");
}

TEST_F(ResourceValidation, NonApproverIsRefused403NamingUserAndFlags) {
  for (const char* op : {"CREATE", "UPDATE"}) {
    json old = exception_object();
    old["spec"]["expiresAt"] = "2026-06-30T00:00:00Z";  // extending an exception is a new grant
    json r = answer(review(exception_object(), "securitypolicyexceptions", op, "mallory",
                           {"system:authenticated"}, std::string(op) == "UPDATE" ? old : json()));
    EXPECT_EQ(r["allowed"], false) << op;
    EXPECT_EQ(r["status"]["code"], 403);
    std::string msg = r["status"]["message"];
    EXPECT_THAT(msg, HasSubstr("\"mallory\""));
    EXPECT_THAT(msg, HasSubstr("--exception-approver-users"));
    EXPECT_THAT(msg, HasSubstr("--exception-approver-groups"));
    EXPECT_THAT(observer.line, Not(HasSubstr("exceptionApprovedBy")));
  }
  EXPECT_TRUE(approved.empty());
}

TEST_F(ResourceValidation, NoApproversConfiguredMeansNobodyMayWrite) {
  handler.set_exception_approval({});
  json r = answer(review(exception_object(), "securitypolicyexceptions", "CREATE", "carol", {"system:masters"}));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 403);
  EXPECT_THAT(r["status"]["message"].get<std::string>(), HasSubstr("no approvers are configured"));
}

TEST_F(ResourceValidation, UpdateLeavingSpecUnchangedPasses) {
  json old = exception_object();
  json now = old;
  now["metadata"]["labels"] = {{"team", "observability"}};
  now["metadata"]["finalizers"] = json::array({"example.com/keep"});
  json r = answer(review(now, "securitypolicyexceptions", "UPDATE", "mallory", {"system:authenticated"}, old));
  EXPECT_EQ(r["allowed"], true);
  EXPECT_FALSE(observer.judged);
  EXPECT_THAT(observer.line, Not(HasSubstr("exceptionApprovedBy")));
  EXPECT_TRUE(approved.empty());
}

TEST_F(ResourceValidation, CrossNamespaceExceptionOutsideAdminNamespacesIsRefused) {
  json e = exception_object("team-a");
  e["spec"]["match"]["namespaces"] = json::array({"team-b"});
  json r = answer(review(e, "securitypolicyexceptions", "CREATE", "carol"));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 422);
  EXPECT_THAT(r["status"]["message"].get<std::string>(), HasSubstr("--exception-namespaces"));
  // From an admin namespace the same reach is fine.
  e = exception_object("kube-system");
  e["spec"]["match"]["namespaces"] = json::array({"team-*"});
  EXPECT_EQ(answer(review(e, "securitypolicyexceptions", "CREATE", "carol"))["allowed"], true);
}

TEST_F(ResourceValidation, StatusSubresourceAndDeleteAreNotJudged) {
  json broken = exception_object();
  broken["spec"]["reason"] = "";
  json r = answer(review(broken, "securitypolicyexceptions", "UPDATE", "kindlyguard-controller",
                         {"system:serviceaccounts"}, exception_object(), "status"));
  EXPECT_EQ(r["allowed"], true);
  EXPECT_FALSE(observer.judged);
  json del = review(exception_object(), "securitypolicyexceptions", "DELETE", "mallory");
  del["request"]["oldObject"] = del["request"]["object"];
  del["request"].erase("object");
  EXPECT_EQ(answer(del)["allowed"], true);
  EXPECT_FALSE(observer.judged);
}

TEST_F(ResourceValidation, DryRunIsJudgedButFiresNoApprovalHook) {
  json rv = review(exception_object(), "securitypolicyexceptions", "CREATE", "carol");
  rv["request"]["dryRun"] = true;
  EXPECT_EQ(answer(rv)["allowed"], true);
  EXPECT_TRUE(approved.empty());
}

// The policy set gate concerns pods; a policy can be validated (and fixed) without one.
TEST_F(ResourceValidation, JudgedEvenBeforeAPolicySetIsLoaded) {
  handler.require_policy_set([] { return std::string("not synced"); });
  json spec = {{"enforcement", "Deny"}, {"rules", {{"privilegd", false}}}};
  EXPECT_EQ(answer(review(policy_object(spec), "securitypolicies"))["status"]["code"], 422);
}

// Another API group's resource of the same name is none of ours.
TEST_F(ResourceValidation, OtherGroupsAreNotOwnResources) {
  policy::Request r;
  r.group = "example.com";
  r.resource = "securitypolicyexceptions";
  EXPECT_FALSE(is_own_resource(r));
  r.group = "kindlyguard.io";
  EXPECT_TRUE(is_own_resource(r));
}

TEST(ResourceValidationMessage, LongListsAreCapped) {
  json rules = json::object();
  for (int i = 0; i < 200; ++i) rules["unknownRule" + std::to_string(i)] = true;
  json object = policy_object({{"rules", rules}});
  policy::Request r;
  r.group = "kindlyguard.io";
  r.resource = "securitypolicies";
  r.name = "no-privileged";
  r.object = &object;
  policy::Decision d = validate_own_resource(r, {});
  EXPECT_EQ(d.code, 422);
  EXPECT_LE(d.message.size(), 4096u);
  EXPECT_THAT(d.message, HasSubstr("more problems"));
}

}  // namespace
}  // namespace kindlyguard::admission

namespace kindlyguard::admission {
namespace {

// A forged review whose object is not a map at all is answered, never thrown out of the handler:
// the decoder refuses it (400 naming request.object) before any validation runs.
TEST_F(ResourceValidation, AnObjectThatIsNotAMapIsRefusedNotThrown) {
  for (const json& object : {json::array({1, 2}), json("text"), json(42)}) {
    json rv = review(exception_object(), "securitypolicyexceptions", "CREATE", "carol");
    rv["request"]["object"] = object;
    auto out = handler.handle(rv.dump());
    EXPECT_EQ(out.http_status, 400) << object.dump();
    EXPECT_THAT(out.body, HasSubstr("request.object")) << object.dump();
  }
}

}  // namespace
}  // namespace kindlyguard::admission
