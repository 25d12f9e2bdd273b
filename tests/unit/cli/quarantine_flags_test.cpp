// The quarantine flags of `serve`, as the chart passes them (--flag=value).
#include "kindlyguard/cli/quarantine_flags.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kindlyguard::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Result<QuarantineSettings> parse(std::vector<std::string> args) {
  Flags flags("serve", "", quarantine_flags());
  std::vector<char*> argv = {const_cast<char*>("kindlyguard"), const_cast<char*>("serve")};
  for (auto& a : args) argv.push_back(a.data());
  auto parsed = flags.parse(static_cast<int>(argv.size()), argv.data(), 2);
  if (!parsed.ok()) return parsed.error();
  return quarantine_settings(flags);
}

TEST(QuarantineFlags, Defaults) {
  auto s = parse({});
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->controller.label_key, "kindlyguard.io/quarantine");
  EXPECT_EQ(s->controller.label_value, "true");
  EXPECT_EQ(s->controller.forensics_namespace, "");
  EXPECT_FALSE(s->controller.allow_dns);
  EXPECT_FALSE(s->controller.admin_network_policy);
  EXPECT_EQ(s->guard.label_key, "kindlyguard.io/quarantine");
  EXPECT_TRUE(s->guard.release_users.empty());
  EXPECT_TRUE(s->guard.release_groups.empty());
}

TEST(QuarantineFlags, AsTheChartPassesThem) {
  auto s = parse({"--quarantine-label=security.example.com/isolate=yes",
                  "--quarantine-release-groups=system:masters, security-team",
                  "--quarantine-release-users=alice@example.com", "--quarantine-forensics-namespace=forensics",
                  "--quarantine-allow-dns=true", "--quarantine-adminnetworkpolicy=true"});
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->controller.label_key, "security.example.com/isolate");
  EXPECT_EQ(s->controller.label_value, "yes");
  EXPECT_EQ(s->guard.label_value, "yes");
  EXPECT_THAT(s->guard.release_groups, ElementsAre("system:masters", "security-team"));
  EXPECT_THAT(s->guard.release_users, ElementsAre("alice@example.com"));
  EXPECT_EQ(s->controller.forensics_namespace, "forensics");
  EXPECT_TRUE(s->controller.allow_dns);
  EXPECT_TRUE(s->controller.admin_network_policy);
}

// Issue 14 item 12: who besides the release users may delete a quarantined pod.
TEST(QuarantineFlags, DeleteUsersDefaultToTheClustersControllersAndCanBeNarrowed) {
  auto s = parse({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->guard.delete_users, admission::default_quarantine_delete_users());
  EXPECT_THAT(s->guard.delete_users, ::testing::Contains("system:serviceaccount:kube-system:generic-garbage-collector"));
  auto none = parse({"--quarantine-delete-users="});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->guard.delete_users.empty());
  auto some = parse({"--quarantine-delete-users=system:serviceaccount:kube-system:replicaset-controller, ci"});
  ASSERT_TRUE(some.ok());
  EXPECT_THAT(some->guard.delete_users, ElementsAre("system:serviceaccount:kube-system:replicaset-controller", "ci"));
}

TEST(QuarantineFlags, BadValuesNameTheFlag) {
  auto no_value = parse({"--quarantine-label=kindlyguard.io/quarantine"});
  ASSERT_FALSE(no_value.ok());
  EXPECT_EQ(no_value.error().path, "--quarantine-label");
  EXPECT_THAT(no_value.error().message, HasSubstr("KEY=VALUE"));
  auto bad_key = parse({"--quarantine-label=not a key=true"});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_THAT(bad_key.error().message, HasSubstr("not a valid label key"));
  auto empty_value = parse({"--quarantine-label=kindlyguard.io/quarantine="});
  ASSERT_FALSE(empty_value.ok());
  EXPECT_THAT(empty_value.error().message, HasSubstr("label value"));
  auto bad_ns = parse({"--quarantine-forensics-namespace=Forensics_Team"});
  ASSERT_FALSE(bad_ns.ok());
  EXPECT_EQ(bad_ns.error().path, "--quarantine-forensics-namespace");
  EXPECT_FALSE(parse({"--quarantine-allow-dns=yes"}).ok());
}

}  // namespace
}  // namespace kindlyguard::cli
