// Result<T> and Status (Result<void>): errors are values, and a success without a value is `{}`.
#include "kindlyguard/util/result.hpp"

#include <string>

#include <gtest/gtest.h>

namespace kindlyguard {
namespace {

Status check_positive(int n) {
  if (n <= 0) return Error{"must be positive, got " + std::to_string(n), "spec.n"};
  return {};
}

Result<int> doubled(int n) {
  if (auto s = check_positive(n); !s) return s.error();
  return 2 * n;
}

TEST(Status, DefaultIsSuccess) {
  const Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(static_cast<bool>(s));
  EXPECT_TRUE(Status{}.ok());
  EXPECT_TRUE(check_positive(1).ok());
}

TEST(Status, HoldsTheError) {
  const Status s = check_positive(0);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(static_cast<bool>(s));
  EXPECT_EQ(s.error().message, "must be positive, got 0");
  EXPECT_EQ(s.error().path, "spec.n");
  EXPECT_EQ(s.error().to_string(), "spec.n: must be positive, got 0");
}

TEST(Status, PassesItsErrorToAResult) {
  EXPECT_EQ(*doubled(3), 6);
  auto r = doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "spec.n: must be positive, got -1");
}

TEST(Status, TakesAnotherErrorType) {
  struct ApiError {
    int code = 0;
  };
  Result<void, ApiError> ok;
  EXPECT_TRUE(ok.ok());
  Result<void, ApiError> failed(ApiError{404});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, 404);
}

TEST(Result, HoldsAValueOrAnError) {
  Result<std::string> v(std::string("x"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "x");
  EXPECT_EQ(v->size(), 1u);
  Result<std::string> e(Error{"bad", ""});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().to_string(), "bad");
}

}  // namespace
}  // namespace kindlyguard
