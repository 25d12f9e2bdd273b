#include "kindlyguard/cli/cert_expiry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kindlyguard::cli {
namespace {

TEST(CertExpiryWarner, WarnsOncePerCertificateWithinSevenDays) {
  std::vector<std::string> warnings;
  CertExpiryWarner w([&](const std::string& m) { warnings.push_back(m); });
  const std::time_t now = std::time(nullptr);
  w.loaded(now + 30 * 86400);
  EXPECT_TRUE(warnings.empty());
  w.loaded(now + 3 * 86400 + 60);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], ::testing::HasSubstr("in 3 days"));
  w.loaded(now + 3 * 86400 + 60);  // the same certificate again: no repeat
  EXPECT_EQ(warnings.size(), 1u);
  w.loaded(now - 10);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[1], ::testing::HasSubstr("expired"));
}

}  // namespace
}  // namespace kindlyguard::cli
