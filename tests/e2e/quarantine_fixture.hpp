#pragma once
// What the quarantine e2e suites share: the label, how long to wait, and an operator that leads
// at once (the same identity after a restart: it takes its own Lease back).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/cluster_fixture.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {

inline constexpr const char* kQuarantineLabel = "kindlyguard.io/quarantine";
inline constexpr auto kQuarantineWait = std::chrono::seconds(30);

class QuarantineClusterTest : public ClusterTest {
 protected:
  QuarantineClusterTest() : ClusterTest({.bookmark_interval = std::chrono::seconds(1)}) {}

  // `kindlyguard serve` as the leader, ready and with its controllers started.
  std::unique_ptr<WebhookProcess> start_operator(std::vector<std::string> extra = {}) {
    auto hook = serve(concat({kFastLeaderElection, std::move(extra)}));
    EXPECT_TRUE(eventually([&] { return readyz(*hook) == 200; }, kQuarantineWait)) << hook->process().stderr_text();
    EXPECT_TRUE(eventually([&] { return hook->process().stderr_text().find("controller started") != std::string::npos; },
                           kQuarantineWait));
    return hook;
  }
};

}  // namespace kindlyguard::testing
