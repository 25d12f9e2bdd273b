#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/observe/audit_log.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::admission {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json review_for(const json& object, const std::string& op = "CREATE") {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
            {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
            {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
            {"namespace", "default"},
            {"operation", op},
            {"userInfo", {{"username", "alice"}, {"groups", {"devs"}}}},
            {"object", object},
            {"dryRun", false}}}};
}

struct HandlerTest : ::testing::Test {
  HandlerTest() : handler(store, policy::name_only_namespace_labels()) {
    policy::SecurityPolicy p;
    p.name = "no-privileged";
    p.rules.privileged = false;
    store.replace({p});
  }
  policy::PolicyStore store;
  Handler handler;
};

TEST_F(HandlerTest, EchoesUidAndAllows) {
  auto out = handler.handle(review_for(kindlyguard::testing::compliant_pod()).dump());
  ASSERT_EQ(out.http_status, 200);
  json resp = json::parse(out.body);
  EXPECT_EQ(resp["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(resp["kind"], "AdmissionReview");
  EXPECT_EQ(resp["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(resp["response"]["allowed"], true);
  EXPECT_FALSE(resp["response"].contains("status"));
}

TEST_F(HandlerTest, DeniesWith403AndMessage) {
  json pod = kindlyguard::testing::compliant_pod();
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  json resp = json::parse(handler.handle(review_for(pod).dump()).body);
  EXPECT_EQ(resp["response"]["allowed"], false);
  EXPECT_EQ(resp["response"]["status"]["code"], 403);
  EXPECT_THAT(resp["response"]["status"]["message"].get<std::string>(), HasSubstr("no-privileged"));
}

TEST_F(HandlerTest, MalformedReviewsAre400WithSpecificErrors) {
  struct Case { std::string body; std::string error; };
  std::vector<Case> cases = {
      {"{not json", "not valid JSON"},
      {"[]", "expected an AdmissionReview object"},
      {R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"})", "unsupported apiVersion"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"Pod"})", "expected kind AdmissionReview"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", "request: the review has no request"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}})", "request.uid"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"PATCH"}})", "unknown operation"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"CREATE"}})", "must carry the object"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"CREATE","object":"pod"}})", "must be an object"},
  };
  for (const auto& c : cases) {
    auto out = handler.handle(c.body);
    EXPECT_EQ(out.http_status, 400) << c.body;
    EXPECT_THAT(out.body, HasSubstr(c.error)) << c.body;
    EXPECT_TRUE(json::accept(out.body)) << out.body;
  }
}

TEST_F(HandlerTest, ObjectWithoutKindTakesTheRequestKind) {
  json pod = kindlyguard::testing::compliant_pod();
  pod.erase("kind");
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  json resp = json::parse(handler.handle(review_for(pod).dump()).body);
  EXPECT_EQ(resp["response"]["allowed"], false);
}

TEST_F(HandlerTest, GuardsCanDeny) {
  handler.add_guard([](const policy::Request& r) { return r.username == "alice" ? std::string("alice may not") : std::string(); });
  json resp = json::parse(handler.handle(review_for(kindlyguard::testing::compliant_pod()).dump()).body);
  EXPECT_EQ(resp["response"]["allowed"], false);
  EXPECT_EQ(resp["response"]["status"]["message"], "alice may not");
}

TEST(AuditLogLine, HasEveryFieldAndNoObjectContent) {
  json pod = kindlyguard::testing::compliant_pod();
  pod["spec"]["containers"][0]["env"] = json::parse(R"([{"name": "TOKEN", "value": "s3cr3t"}])");
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  policy::PolicyStore store;
  policy::SecurityPolicy p;
  p.name = "no-privileged";
  p.rules.privileged = false;
  store.replace({p});
  auto review = decode_review(review_for(pod).dump());
  ASSERT_TRUE(review.ok());
  auto d = policy::evaluate(*store.get(), (*review)->request, policy::name_only_namespace_labels());
  json line = json::parse(observe::AuditLog::format((*review)->request, d, std::chrono::microseconds(42)));
  for (const char* key : {"time", "uid", "operation", "user", "groups", "namespace", "kind", "name", "decision",
                          "policies", "violations", "latencyMicros"})
    EXPECT_TRUE(line.contains(key)) << key;
  EXPECT_EQ(line["decision"], "denied");
  EXPECT_EQ(line["latencyMicros"], 42);
  EXPECT_EQ(line["violations"][0]["rule"], "privileged");
  EXPECT_EQ(line.dump().find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace kindlyguard::admission
