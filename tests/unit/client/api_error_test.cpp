// Refusals decoded from metav1.Status into typed errors, as client-go's apierrors predicates see
// them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/client/api_error.hpp"
#include "kindlyguard/client/watch_event.hpp"

namespace kindlyguard::client {
namespace {

using ::testing::HasSubstr;

std::string status(int code, const std::string& reason, const std::string& message, const std::string& details = "") {
  nlohmann::json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}};
  if (!details.empty()) s["details"] = nlohmann::json::parse(details);
  return s.dump();
}

TEST(ApiError, TypedFromStatus) {
  struct Case {
    int code;
    std::string reason;
    bool (ApiError::*predicate)() const;
  };
  const std::vector<Case> cases = {
      {404, "NotFound", &ApiError::is_not_found},
      {409, "AlreadyExists", &ApiError::is_already_exists},
      {409, "Conflict", &ApiError::is_conflict},
      {410, "Gone", &ApiError::is_gone},
      {410, "Expired", &ApiError::is_gone},
      {403, "Forbidden", &ApiError::is_forbidden},
      {401, "Unauthorized", &ApiError::is_unauthorized},
      {422, "Invalid", &ApiError::is_invalid},
      {429, "TooManyRequests", &ApiError::is_too_many_requests},
      {500, "InternalError", &ApiError::is_server_error},
      {504, "Timeout", &ApiError::is_timeout},
  };
  for (const auto& c : cases) {
    ApiError e = ApiError::from_response(c.code, status(c.code, c.reason, "msg"));
    EXPECT_EQ(e.code, c.code);
    EXPECT_EQ(e.reason, c.reason);
    EXPECT_EQ(e.message, "msg");
    EXPECT_TRUE((e.*c.predicate)()) << c.reason;
  }
}

TEST(ApiError, AlreadyExistsIsNotAConflict) {
  ApiError exists = ApiError::from_response(409, status(409, "AlreadyExists", "pods \"a\" already exists"));
  EXPECT_TRUE(exists.is_already_exists());
  EXPECT_FALSE(exists.is_conflict());
  ApiError conflict = ApiError::from_response(409, status(409, "Conflict", "the object has been modified"));
  EXPECT_TRUE(conflict.is_conflict());
  EXPECT_FALSE(conflict.is_already_exists());
}

TEST(ApiError, RetryAfterFromHeaderOrDetails) {
  ApiError header = ApiError::from_response(429, status(429, "TooManyRequests", "slow down"), "3");
  ASSERT_TRUE(header.retry_after);
  EXPECT_EQ(header.retry_after->count(), 3);
  EXPECT_TRUE(header.is_retryable());
  ApiError details = ApiError::from_response(429, status(429, "TooManyRequests", "slow down", R"({"retryAfterSeconds":7})"));
  ASSERT_TRUE(details.retry_after);
  EXPECT_EQ(details.retry_after->count(), 7);
  ApiError none = ApiError::from_response(500, status(500, "InternalError", "boom"));
  EXPECT_FALSE(none.retry_after);
  ApiError junk = ApiError::from_response(503, "", "soon");
  EXPECT_FALSE(junk.retry_after);
  ApiError date = ApiError::from_response(503, "", "Wed, 21 Oct 2015 07:28:00 GMT");  // in the past: now
  ASSERT_TRUE(date.retry_after);
  EXPECT_EQ(date.retry_after->count(), 0);
}

TEST(ApiError, NonStatusBodiesStillTyped) {
  ApiError html = ApiError::from_response(503, "<html>bad gateway</html>");
  EXPECT_EQ(html.reason, "ServiceUnavailable");
  EXPECT_TRUE(html.is_server_error());
  EXPECT_THAT(html.message, HasSubstr("bad gateway"));
  ApiError empty = ApiError::from_response(404, "");
  EXPECT_TRUE(empty.is_not_found());
  EXPECT_EQ(empty.reason, "NotFound");
  // A Status without a reason: the code decides, as client-go's predicates do.
  ApiError bare = ApiError::from_response(404, R"({"kind":"Status","code":404,"message":"nope"})");
  EXPECT_TRUE(bare.is_not_found());
}

TEST(ApiError, LocalFailures) {
  EXPECT_TRUE(ApiError::transport("connection refused").is_transport());
  EXPECT_TRUE(ApiError::transport("connection refused").is_retryable());
  EXPECT_TRUE(ApiError::canceled("stop").is_canceled());
  EXPECT_FALSE(ApiError::canceled("stop").is_retryable());
  EXPECT_TRUE(ApiError::client_timeout("late").is_timeout());
  EXPECT_FALSE(ApiError::client_error("no namespace").is_retryable());
}

TEST(ApiError, ToStringNamesReasonCodeAndMessage) {
  ApiError e = ApiError::from_response(404, status(404, "NotFound", "pods \"web\" not found"));
  EXPECT_EQ(e.to_string(), "NotFound (404): pods \"web\" not found");
  EXPECT_EQ(e.to_error().message, e.to_string());
}

TEST(WatchEvent, ParsesLinesAndErrorEvents) {
  auto added = WatchEvent::parse(R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"12"}}})");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->type, WatchEvent::Type::Added);
  EXPECT_EQ(added->resource_version(), "12");
  EXPECT_EQ(added->type_name(), "ADDED");
  auto bookmark = WatchEvent::parse(R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"99"}}})");
  ASSERT_TRUE(bookmark);
  EXPECT_EQ(bookmark->type, WatchEvent::Type::Bookmark);
  EXPECT_EQ(bookmark->resource_version(), "99");
  auto error = WatchEvent::parse(R"({"type":"ERROR","object":)" + status(410, "Expired", "too old resource version: 5 (10)") + "}");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->type, WatchEvent::Type::Error);
  EXPECT_TRUE(error->error().is_gone());
  EXPECT_EQ(error->error().code, 410);
  EXPECT_FALSE(WatchEvent::parse("not json"));
  EXPECT_FALSE(WatchEvent::parse(R"({"type":"SOMETHING","object":{}})"));
  EXPECT_FALSE(WatchEvent::parse(R"({"object":{}})"));
}

}  // namespace
}  // namespace kindlyguard::client
