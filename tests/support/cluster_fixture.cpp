#include "support/cluster_fixture.hpp"

#include <nlohmann/json.hpp>

namespace kindlyguard::testing {

using nlohmann::json;

TestCluster::TestCluster(const ClusterOptions& options) {
  kindly::testapi::ServerOptions o;
  o.tokens[options.token] = {options.user, options.groups};
  o.require_auth = true;
  o.bookmark_interval = options.bookmark_interval;
  // A quiet watch soon notices its client is gone, so a stopped replica's watches stop counting
  // in wait_for_watches.
  o.watch_poll = std::chrono::milliseconds(100);
  api = std::make_unique<kindly::testapi::TestApiServer>(o);
  if (options.authorizer) api->set_authorizer(options.authorizer);
  api->start();
  for (const auto& ns : options.namespaces) make_namespace(ns);
  api->write_kubeconfig(kubeconfig(), options.token, "kindlyguard");
}

void TestCluster::make_namespace(const std::string& name) const {
  api->store().create("namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                     {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/metadata.name", name}}}}}});
}

void TestCluster::install_admin_network_policy_crd() const {
  api->store().create("customresourcedefinitions", json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "adminnetworkpolicies.policy.networking.k8s.io"},
    "spec": {"group": "policy.networking.k8s.io", "scope": "Cluster",
             "names": {"plural": "adminnetworkpolicies", "singular": "adminnetworkpolicy",
                       "kind": "AdminNetworkPolicy", "listKind": "AdminNetworkPolicyList", "shortNames": ["anp"]},
             "versions": [{"name": "v1alpha1", "served": true, "storage": true, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object"}}}]}})"));
}

std::unique_ptr<WebhookProcess> TestCluster::serve(const std::vector<std::string>& args,
                                                   const std::string& pod_name) const {
  return std::make_unique<WebhookProcess>(WebhookProcess::Cluster{kubeconfig()}, args,
                                          std::map<std::string, std::string>{{"POD_NAME", pod_name}});
}

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists) {
  std::vector<std::string> out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

}  // namespace kindlyguard::testing
