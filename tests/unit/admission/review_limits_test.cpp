// Hostile AdmissionReview bodies: nesting depth, invalid UTF-8, odd JSON. Each is answered 400 (or
// judged normally), never with a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/admission/handler.hpp"
#include "support/fixtures.hpp"

namespace kindlyguard::admission {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

std::string review_with_object(const std::string& object_text) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1",)"
         R"("kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"default","operation":"CREATE",)"
         R"("object":)" + object_text + "}}";
}

// A pod whose metadata carries `levels` nested arrays (1 level is "[]").
std::string pod_with_nesting(std::size_t levels) {
  json pod = kindlyguard::testing::compliant_pod();
  std::string text = pod.dump();
  std::string nested = std::string(levels, '[') + std::string(levels, ']');
  auto at = text.find("\"metadata\":{");
  text.insert(at + 12, "\"x\":" + nested + ",");
  return text;
}

struct ReviewLimits : ::testing::Test {
  ReviewLimits() : handler(store, policy::name_only_namespace_labels()) {
    policy::SecurityPolicy p;
    p.name = "no-privileged";
    p.rules.privileged = false;
    store.replace({p});
  }
  policy::PolicyStore store;
  Handler handler;
};

TEST_F(ReviewLimits, TenThousandLevelsOfNestingAre400) {
  for (std::size_t levels : {300u, 10'000u, 100'000u}) {
    SCOPED_TRACE(levels);
    auto out = handler.handle(review_with_object(pod_with_nesting(levels)));
    EXPECT_EQ(out.http_status, 400);
    EXPECT_THAT(out.body, HasSubstr("deeper than 256 levels"));
  }
  // Objects nested the same way, and an unclosed nest (truncated body).
  std::string objects;
  for (int i = 0; i < 10'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(10'000, '}');
  EXPECT_EQ(handler.handle(review_with_object(objects)).http_status, 400);
  EXPECT_EQ(handler.handle(std::string(50'000, '[')).http_status, 400);
}

TEST_F(ReviewLimits, NestingWithinTheLimitIsJudgedNormally) {
  // The review, its request, the pod and its metadata take 4 levels: 250 more there is 254.
  auto out = handler.handle(review_with_object(pod_with_nesting(250)));
  EXPECT_EQ(out.http_status, 200) << out.body;
  EXPECT_EQ(json::parse(out.body)["response"]["allowed"], true);
  // Brackets inside strings do not count.
  json pod = kindlyguard::testing::compliant_pod();
  pod["metadata"]["annotations"] = {{"note", std::string(10'000, '[')}};
  out = handler.handle(review_with_object(pod.dump()));
  EXPECT_EQ(out.http_status, 200) << out.body;
}

TEST_F(ReviewLimits, InvalidUtf8AndBadEscapesAre400) {
  json pod = kindlyguard::testing::compliant_pod();
  std::string text = pod.dump();
  for (std::string bad : {std::string("\xff\xfe"), std::string("\xc3"), std::string("\xed\xa0\x80"),  // surrogate as UTF-8
                          std::string("\xf4\x90\x80\x80"), std::string("\\ud800"), std::string("\\udc00x"),
                          std::string("\\u00"), std::string("\x01")}) {
    SCOPED_TRACE(json(bad).dump(-1, ' ', false, json::error_handler_t::replace));
    std::string t = text;
    t.replace(t.find("\"web\""), 5, "\"we" + bad + "b\"");
    auto out = handler.handle(review_with_object(t));
    EXPECT_EQ(out.http_status, 400) << out.body;
    EXPECT_FALSE(json::parse(out.body, nullptr, false).is_discarded());
  }
}

TEST_F(ReviewLimits, TrailingGarbageAndEmptyBodiesAre400) {
  json pod = kindlyguard::testing::compliant_pod();
  for (std::string body : {std::string(), std::string(" "), review_with_object(pod.dump()) + "x",
                           review_with_object(pod.dump()) + "{}", std::string("\0", 1), std::string("null")}) {
    EXPECT_EQ(handler.handle(body).http_status, 400);
  }
}

}  // namespace
}  // namespace kindlyguard::admission
