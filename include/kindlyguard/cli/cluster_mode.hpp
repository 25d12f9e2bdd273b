#pragma once
// `serve` in a cluster: the API client from --kubeconfig / $KUBECONFIG / in-cluster config, and
// the operator (informers, live policies, leader election, controllers) around it.

#include <memory>
#include <string>

#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/controller/operator.hpp"
#include "kindlyguard/observe/metrics.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace kindlyguard::cli {

// The flags cluster mode adds to `serve`.
std::vector<FlagSpec> cluster_flags();

struct ClusterMode {
  std::unique_ptr<client::ApiClient> api;
  std::unique_ptr<controller::Operator> op;
  ~ClusterMode();
};

// Builds the client and the operator (not started). Errors name the flag or file to fix.
Result<std::unique_ptr<ClusterMode>> make_cluster_mode(const Flags& flags, policy::PolicyStore& store,
                                                       observe::Metrics& metrics);

}  // namespace kindlyguard::cli
