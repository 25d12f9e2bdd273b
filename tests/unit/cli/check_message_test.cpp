// split_message: the fix on its own line, without losing a word of the message.
#include <gtest/gtest.h>

#include "kindlyguard/cli/check_run.hpp"

namespace kindlyguard::cli {
namespace {

TEST(CheckMessage, RuleMessagesSplitAtTheFirstColonOutsideQuotes) {
  auto p = split_message("container \"app\" uses image \"nginx:latest\" with tag :latest: pin a version tag or a digest");
  EXPECT_EQ(p.what, "container \"app\" uses image \"nginx:latest\" with tag :latest");
  EXPECT_EQ(p.fix, "pin a version tag or a digest");
  p = split_message("no separator here");
  EXPECT_EQ(p.what, "no separator here");
  EXPECT_EQ(p.fix, "");
}

TEST(CheckMessage, PodSecurityDetailsAreFixesOnlyWhenTheySayWhatMustBe) {
  auto p = split_message("violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set "
                         "securityContext.privileged=true)");
  EXPECT_EQ(p.what, "privileged (PodSecurity baseline:latest)");
  EXPECT_EQ(p.fix, "container \"app\" must not set securityContext.privileged=true");
  p = split_message("violates PodSecurity \"restricted:v1.30\": host namespaces (hostPID=true)");
  EXPECT_EQ(p.what, "host namespaces: hostPID=true (PodSecurity restricted:v1.30)");
  EXPECT_EQ(p.fix, "");
}

}  // namespace
}  // namespace kindlyguard::cli
