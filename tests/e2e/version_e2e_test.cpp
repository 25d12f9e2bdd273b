// `kindlyguard version`: what an admin (or the image build) reads to know what is running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;

TEST(VersionCommand, NamesTheAllocatorTheProcessReallyUses) {
  auto r = run_binary({"version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kindlyguard "));
  // Checked at run time, not from the build flags: a link order that let glibc's malloc win
  // would print "glibc malloc" here and fail this test.
  if (KINDLY_EXPECT_MIMALLOC)
    EXPECT_THAT(r.out, HasSubstr("allocator: mimalloc 2."));
  else
    EXPECT_THAT(r.out, HasSubstr("allocator: glibc malloc"));
}

}  // namespace
}  // namespace kindlyguard::testing
