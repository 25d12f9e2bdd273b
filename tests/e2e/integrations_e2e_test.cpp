// The binary as a kubectl plugin (issue 17): installed on PATH as `kubectl-kindlyguard` (here a
// symlink, as `ln -s` or krew would lay it), `kubectl kindlyguard check ...` runs it with the
// user's arguments, stdin and exit code passed through. The real kubectl, no cluster: plugin
// dispatch needs none. Skips when kubectl is not installed. The GitHub Action and the pre-commit
// hooks are run by tests/chart/integrations_test.mjs.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKubectl = "/usr/bin/kubectl";
const std::string kExamples = std::string(KINDLY_SOURCE_DIR) + "/examples";

class KubectlPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kKubectl)) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
    std::filesystem::create_directories(plugins_dir());
    std::filesystem::create_symlink(KINDLY_BINARY, plugins_dir() + "/kubectl-kindlyguard");
  }

  std::string plugins_dir() const { return dir_.file("bin"); }

  // kubectl with the plugin directory first on PATH, a HOME and kubeconfig of its own (none of
  // the caller's clusters), stdin from `stdin_file` or empty.
  RunResult kubectl(const std::vector<std::string>& args, const std::string& stdin_file = "/dev/null") {
    std::string cmd = std::string("exec ") + kKubectl;
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " < '" + stdin_file + "'";
    const char* path = std::getenv("PATH");
    Process p("/usr/bin/env",
              {"PATH=" + plugins_dir() + ":" + (path ? path : "/usr/bin:/bin"), "HOME=" + dir_.path(),
               "KUBECONFIG=" + dir_.file("kubeconfig"), "/bin/sh", "-c", cmd},
              dir_.path());
    RunResult r;
    r.exit_code = p.wait_exit(std::chrono::seconds(60)).value_or(-1);
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
  }

  TempDir dir_;
};

TEST_F(KubectlPlugin, KubectlListsIt) {
  auto r = kubectl({"plugin", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(plugins_dir() + "/kubectl-kindlyguard"));
  EXPECT_THAT(r.err, Not(HasSubstr("warning"))) << "kubectl warns of a plugin it cannot run or that is shadowed";
}

TEST_F(KubectlPlugin, ChecksManifestsWithTheExitCodesOfCheck) {
  auto r = kubectl({"kindlyguard", "check", "-p", kExamples + "/policies", "-f", kExamples + "/pods/privileged-pod.yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("root-shell"));
  EXPECT_THAT(r.out, HasSubstr("hostPath"));

  r = kubectl({"kindlyguard", "check", "-p", kExamples + "/policies", "-f", kExamples + "/pods/web-deployment.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  r = kubectl({"kindlyguard", "check", "-p", kExamples + "/policies", "-f", dir_.file("missing.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("no such file"));
}

TEST_F(KubectlPlugin, ReadsManifestsFromStdinAsInAPipeline) {
  // `helm template ... | kubectl kindlyguard check -f -`
  dir_.write("pod.json", privileged_pod("web", "shop").dump());
  dir_.write("p.yaml", kDenyPrivileged);
  auto r = kubectl({"kindlyguard", "check", "-p", dir_.file("p.yaml"), "-f", "-"}, dir_.file("pod.json"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("shop/web"));
  EXPECT_THAT(r.out, HasSubstr("no-privileged"));
}

TEST_F(KubectlPlugin, ItsUsageNamesTheCommandTheUserTyped) {
  auto r = kubectl({"kindlyguard", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Usage: kubectl kindlyguard <command>"));
  EXPECT_THAT(r.out, HasSubstr("Run 'kubectl kindlyguard <command> --help'"));
  r = kubectl({"kindlyguard", "version"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("kindlyguard "));
  // Under its own name it stays `kindlyguard`.
  r = run_binary({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Usage: kindlyguard <command>"));
  EXPECT_THAT(r.out, Not(HasSubstr("kubectl kindlyguard")));
}

}  // namespace
}  // namespace kindlyguard::testing
