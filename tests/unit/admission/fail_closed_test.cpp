// Issue 14 item 7: a replica that has no policy set loaded must never admit what it could not
// judge. Until the gate says a set is loaded, every valid review is answered HTTP 503 with a
// metav1.Status (so the API server applies the webhook's failurePolicy), never `allowed: true`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "kindlyguard/admission/handler.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::admission {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json review_for(const json& object) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "fail-closed-uid"},
            {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
            {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
            {"namespace", "default"},
            {"operation", "CREATE"},
            {"userInfo", {{"username", "alice"}}},
            {"object", object}}}};
}

struct Recorder : DecisionObserver {
  void on_decision(const policy::Request&, const policy::Decision&, std::chrono::microseconds) override { ++decisions; }
  void on_unjudged(const policy::Request& r, const std::string& reason) override {
    ++unjudged;
    last_kind = r.kind;
    last_reason = reason;
  }
  int decisions = 0, unjudged = 0;
  std::string last_kind, last_reason;
};

TEST(FailClosed, NoPolicySetLoadedAnswers503NeverAllowed) {
  policy::PolicyStore store;  // empty, as at start before any valid set was installed
  Handler handler(store, policy::name_only_namespace_labels());
  std::string missing = "the policy files in /policies are invalid: a.yaml: spec.rules.privilegd: unknown field";
  handler.require_policy_set([&] { return missing; });
  Recorder rec;
  handler.add_observer(&rec);

  auto out = handler.handle(review_for(kindlyguard::testing::privileged_pod()).dump());
  EXPECT_EQ(out.http_status, 503);
  json body = json::parse(out.body);
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["kind"], "Status");
  EXPECT_EQ(body["status"], "Failure");
  EXPECT_EQ(body["code"], 503);
  EXPECT_EQ(body["reason"], "ServiceUnavailable");
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("kindlyguard has no policy set loaded yet"));
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("privilegd"));
  EXPECT_FALSE(body.contains("response")) << "an AdmissionReview answer would be a verdict";
  EXPECT_EQ(rec.unjudged, 1);
  EXPECT_EQ(rec.decisions, 0);
  EXPECT_EQ(rec.last_kind, "Pod");

  // A compliant pod is not "allowed" either: nothing was judged.
  out = handler.handle(review_for(kindlyguard::testing::compliant_pod()).dump());
  EXPECT_EQ(out.http_status, 503);

  // Invalid reviews are still 400: the gate only applies to what could be judged.
  out = handler.handle("{}");
  EXPECT_EQ(out.http_status, 400);

  // Once a set is loaded, reviews are judged again.
  policy::SecurityPolicy p;
  p.name = "no-privileged";
  p.rules.privileged = false;
  store.replace({p});
  missing.clear();
  out = handler.handle(review_for(kindlyguard::testing::privileged_pod()).dump());
  ASSERT_EQ(out.http_status, 200);
  EXPECT_EQ(json::parse(out.body)["response"]["allowed"], false);
  EXPECT_EQ(rec.decisions, 1);
}

}  // namespace
}  // namespace kindlyguard::admission
