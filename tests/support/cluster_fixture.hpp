#pragma once
// The cluster-mode end-to-end set-up: the Kubernetes API test server asking for the operator's
// bearer token, its namespaces, a kubeconfig in a temp directory, and the real `kindlyguard serve`
// started against it. Each test adds only what makes it different: its objects, RBAC and flags.

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kindly_test_apiserver/server.hpp"
#include "support/process.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {

// The service account the chart runs kindlyguard as.
inline constexpr const char* kOperatorUser = "system:serviceaccount:kindlyguard:kindlyguard";

// Leader election with short times: a replica leads, or takes over from a dead one, in seconds.
inline const std::vector<std::string> kFastLeaderElection = {
    "--leader-election-namespace",      "kindlyguard", "--leader-election-lease-duration", "3s",
    "--leader-election-renew-deadline", "2s",          "--leader-election-retry-period",   "500ms"};

struct ClusterOptions {
  // The kubeconfig's token and whom it authenticates; a request without it gets 401.
  std::string token = "op-token";
  std::string user = kOperatorUser;
  std::vector<std::string> groups = {"system:serviceaccounts"};
  // Created (as make_namespace does) before the test starts.
  std::vector<std::string> namespaces = {"kindlyguard"};
  std::chrono::milliseconds bookmark_interval = kindly::testapi::ServerOptions{}.bookmark_interval;
  // In force from the first request on; nullptr grants everything.
  kindly::testapi::Authorizer authorizer = nullptr;
};

class TestCluster {
 public:
  explicit TestCluster(const ClusterOptions& options = {});

  // Labelled kubernetes.io/metadata.name, as the real API server labels every namespace.
  void make_namespace(const std::string& name) const;
  // Installs the AdminNetworkPolicy CRD (policy.networking.k8s.io/v1alpha1): the server serves it.
  void install_admin_network_policy_crd() const;

  // `kindlyguard serve` in cluster mode against this server, as pod `pod_name`.
  std::unique_ptr<WebhookProcess> serve(const std::vector<std::string>& args,
                                        const std::string& pod_name = "replica-a") const;

  std::string kubeconfig() const { return dir.file("kubeconfig"); }

  TempDir dir;  // declared first: outlives the server
  std::unique_ptr<kindly::testapi::TestApiServer> api;
};

// TestCluster as a GoogleTest fixture, so TEST_F bodies say `api` and `dir`.
class ClusterTest : public ::testing::Test, public TestCluster {
 protected:
  using TestCluster::TestCluster;
};

// Flag lists one after another, for serve(): concat({kFastLeaderElection, {"--x"}, extra}).
std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists);

}  // namespace kindlyguard::testing
