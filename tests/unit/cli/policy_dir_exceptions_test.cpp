// Standalone mode reads SecurityPolicyExceptions from the policy files: installed with each valid
// set, kept (with the policies) when an edit breaks the files, unique by namespace/name.
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/cli/policy_dir_watcher.hpp"
#include "kindlyguard/cli/policy_files.hpp"
#include "support/process.hpp"

namespace kindlyguard::cli {
namespace {

using ::testing::HasSubstr;

const char* kPolicy = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-privileged}
spec: {rules: {privileged: false}}
)";

std::string exception_yaml(const std::string& reason = "Vendor image needs it until SEC-1.") {
  return R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicyException
metadata: {name: vendor, namespace: shop}
spec:
  exceptions: [{policy: no-privileged, rules: [privileged]}]
  reason: ")" + reason + "\"\n";
}

TEST(PolicyDirExceptions, LoadedWithTheSetAndKeptWhenAnEditBreaksIt) {
  testing::TempDir dir;
  dir.write("policy.yaml", kPolicy);
  dir.write("exception.yaml", exception_yaml());
  policy::PolicyStore store;
  policy::ExceptionStore exceptions({"platform"});
  PolicyDirWatcher w(dir.path(), store, std::chrono::milliseconds(1000));
  w.set_exception_store(&exceptions);
  ASSERT_TRUE(w.load()) << w.last_errors();
  auto set = exceptions.get();
  ASSERT_EQ(set->exceptions.size(), 1u);
  EXPECT_EQ(set->exceptions[0].key(), "shop/vendor");
  EXPECT_EQ(set->admin_namespaces, std::vector<std::string>{"platform"});

  dir.write("exception.yaml", exception_yaml(""));  // a blank reason is invalid
  EXPECT_FALSE(w.load());
  EXPECT_THAT(w.last_errors(), HasSubstr("spec.reason"));
  EXPECT_EQ(exceptions.get(), set);  // the last valid set stays, exceptions included

  std::remove(dir.file("exception.yaml").c_str());
  ASSERT_TRUE(w.load());
  EXPECT_TRUE(exceptions.get()->exceptions.empty());
}

TEST(PolicyDirExceptions, OneNamespaceAndNameInTwoFilesIsAnError) {
  testing::TempDir dir;
  dir.write("a.yaml", exception_yaml());
  dir.write("b.yaml", exception_yaml());
  auto loaded = load_policy_files({dir.path()});
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_THAT(loaded.errors[0], HasSubstr("SecurityPolicyException \"shop/vendor\" is also defined in"));
  EXPECT_EQ(loaded.exceptions.size(), 1u);
}

}  // namespace
}  // namespace kindlyguard::cli
