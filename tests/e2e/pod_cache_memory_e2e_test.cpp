// A measurement, not a timed test (issue 21): the leader's and a follower's memory with N realistic
// pods (~7 KB each as served, support/realistic_pod.hpp), and what the pod cache pays per pod in its
// full and compact forms. The full cluster-scale run is bench/cluster_scale.cpp (make bench).
// Runs when KINDLY_SCALE_PODS is set (e.g. 10000), else skips:
//   KINDLY_SCALE_PODS=10000 ctest --test-dir build -R PodCacheMemory --output-on-failure -V
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/controller/pod_cache.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/realistic_pod.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string status_line(int pid, const char* key) {
  std::ifstream in("/proc/" + (pid ? std::to_string(pid) : std::string("self")) + "/status");
  for (std::string row; std::getline(in, row);)
    if (row.rfind(key, 0) == 0) return row;
  return "?";
}

long rss_kib() {
  const std::string row = status_line(0, "VmRSS:");
  return row == "?" ? 0 : std::atol(row.c_str() + 6);
}

TEST(PodCacheMemory, RealisticPodsFullAndCompactAndTheReplicasRss) {
  const char* n_text = std::getenv("KINDLY_SCALE_PODS");
  if (!n_text || std::atoi(n_text) <= 0) GTEST_SKIP() << "a measurement: set KINDLY_SCALE_PODS (e.g. 10000)";
  const int n = std::atoi(n_text);
  const int namespaces = std::max(1, n / 50);

  // What the pod cache pays per pod: the objects held as parsed JSON, compact and full. Compact
  // first, and kept while the full form is measured: measured second, it reused the memory the
  // full pods had freed and showed ~2 KB per pod instead of the ~20 KB it costs.
  std::size_t served_bytes = realistic_pod(0, "ns0").dump().size();
  std::vector<json> compact_held;
  for (const bool compact : {true, false}) {
    const long before = rss_kib();
    std::vector<json> held;
    held.reserve(n);
    for (int i = 0; i < n; ++i) {
      json pod = json::parse(realistic_pod(i, "ns" + std::to_string(i % namespaces)).dump());
      held.push_back(compact ? controller::compact_pod(std::move(pod)) : std::move(pod));
    }
    std::cout << "[ measured ] " << n << " pods of " << served_bytes << " bytes as served, held "
              << (compact ? "compact" : "full") << ": +" << (rss_kib() - before) / 1024 << " MiB RSS ("
              << (rss_kib() - before) * 1024 / n << " bytes per pod)\n";
    if (compact) compact_held = std::move(held);
  }
  compact_held.clear();

  TestCluster cluster({.namespaces = {"kindlyguard"}});
  auto& api = cluster.api;
  json restricted = {{"apiVersion", "kindlyguard.io/v1alpha1"}, {"kind", "SecurityPolicy"}, {"metadata", {{"name", "restricted"}}},
                     {"spec", {{"enforcement", "Warn"}, {"podSecurityStandard", {{"level", "restricted"}, {"version", "latest"}}}}}};
  json baseline = {{"apiVersion", "kindlyguard.io/v1alpha1"}, {"kind", "SecurityPolicy"}, {"metadata", {{"name", "baseline"}}},
                   {"spec", {{"enforcement", "Deny"}, {"podSecurityStandard", {{"level", "baseline"}, {"version", "latest"}}}}}};
  api->store().create("securitypolicies", restricted);
  api->store().create("securitypolicies", baseline);
  for (int k = 0; k < namespaces; ++k)
    api->store().create("namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ns" + std::to_string(k)}}}});
  for (int i = 0; i < n; ++i) api->store().create("pods", realistic_pod(i, "ns" + std::to_string(i % namespaces)));

  const auto args = concat({kFastLeaderElection, {"--audit-interval", "1h"}});
  auto leader = cluster.serve(args, "replica-a");
  ASSERT_TRUE(eventually([&] {
    return leader->process().stderr_text().find("\"msg\":\"background audit\"") != std::string::npos;
  }, 300s)) << leader->process().stderr_text();
  auto follower = cluster.serve(args, "replica-b");
  ASSERT_TRUE(eventually([&] { return readyz(*follower) == 200; }, 60s)) << follower->process().stderr_text();
  std::cout << "[ measured ] leader after the first audit of " << n << " pods: "
            << status_line(leader->process().pid(), "VmRSS:") << ", peak " << status_line(leader->process().pid(), "VmHWM:")
            << "\n[ measured ] follower: " << status_line(follower->process().pid(), "VmRSS:") << ", peak "
            << status_line(follower->process().pid(), "VmHWM:") << "\n";
}

}  // namespace
}  // namespace kindlyguard::testing
