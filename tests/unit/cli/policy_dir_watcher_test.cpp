// Issue 14 item 7, standalone mode: "no valid set yet" (reviews are not judged, not ready) and
// "a later edit broke the files" (the last valid set judges, ready, degraded) are different
// states, and the watcher reports each load's outcome for the degraded gauge.
#include "kindlyguard/cli/policy_dir_watcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "support/process.hpp"

namespace kindlyguard::cli {
namespace {

using ::testing::HasSubstr;

const char* kDenyPrivileged = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-privileged}
spec: {rules: {privileged: false}}
)";
const char* kTypo = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-privileged}
spec: {rules: {privilegd: false}}
)";

TEST(PolicyDirWatcher, InvalidFromTheStartHasNoValidSet) {
  testing::TempDir dir;
  dir.write("a.yaml", kTypo);
  policy::PolicyStore store;
  std::vector<bool> results;
  PolicyDirWatcher w(dir.path(), store, std::chrono::milliseconds(1000), {}, [&](bool ok) { results.push_back(ok); });
  EXPECT_FALSE(w.load());
  EXPECT_FALSE(w.has_valid_set());
  EXPECT_FALSE(w.last_load_ok());
  EXPECT_THAT(w.last_errors(), HasSubstr("privilegd"));
  EXPECT_EQ(store.get()->version, 0u);
  EXPECT_EQ(results, std::vector<bool>{false});
}

TEST(PolicyDirWatcher, ABrokenEditKeepsTheLastValidSetAndIsDegradedNotInvalid) {
  testing::TempDir dir;
  dir.write("a.yaml", kDenyPrivileged);
  policy::PolicyStore store;
  std::vector<bool> results;
  PolicyDirWatcher w(dir.path(), store, std::chrono::milliseconds(1000), {}, [&](bool ok) { results.push_back(ok); });
  ASSERT_TRUE(w.load());
  EXPECT_TRUE(w.has_valid_set());
  const auto version = store.get()->version;

  dir.write("a.yaml", kTypo);
  dir.write("b.yaml", "not: [valid");
  EXPECT_FALSE(w.load());
  EXPECT_TRUE(w.has_valid_set()) << "the last valid set still judges";
  EXPECT_FALSE(w.last_load_ok());
  EXPECT_THAT(w.last_errors(), HasSubstr("more errors in the log"));
  EXPECT_EQ(store.get()->version, version);
  ASSERT_EQ(store.get()->policies.size(), 1u);
  EXPECT_EQ(store.get()->policies[0].name, "no-privileged");

  std::filesystem::remove(dir.file("b.yaml"));
  dir.write("a.yaml", kDenyPrivileged);
  EXPECT_TRUE(w.load());
  EXPECT_TRUE(w.last_load_ok());
  EXPECT_EQ(w.last_errors(), "");
  EXPECT_EQ(results, (std::vector<bool>{true, false, true}));
}

}  // namespace
}  // namespace kindlyguard::cli
