// In-cluster configuration: the API server's service address from the environment the kubelet
// sets, the service account's CA, token file (re-read as it rotates) and namespace.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "kindlyguard/client/kube_config.hpp"

namespace kindlyguard::client {

bool running_in_cluster() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  return host && *host && port && *port;
}

Result<ClusterConfig> in_cluster_config(const std::string& service_account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    return Error{"not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
                 "(or give a kubeconfig).",
                 ""};
  ClusterConfig cfg;
  std::string h = host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";  // IPv6 literal
  cfg.server = "https://" + h + ":" + port;
  cfg.token_file = service_account_dir + "/token";
  cfg.source = "in-cluster";
  {
    std::ifstream probe(cfg.token_file);
    if (!probe) return Error{"cannot read the service account token \"" + cfg.token_file + "\"; is automountServiceAccountToken off?", ""};
  }
  const std::string ca_path = service_account_dir + "/ca.crt";
  std::ifstream ca(ca_path, std::ios::binary);
  if (!ca) return Error{"cannot read the service account CA \"" + ca_path + "\".", ""};
  std::ostringstream ca_text;
  ca_text << ca.rdbuf();
  cfg.ca_pem = ca_text.str();
  if (cfg.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Error{"the service account CA \"" + ca_path + "\" holds no PEM certificate.", ""};
  std::ifstream ns(service_account_dir + "/namespace");
  std::string n;
  if (ns && std::getline(ns, n) && !n.empty()) cfg.default_namespace = n;
  else cfg.default_namespace = "default";
  return cfg;
}

}  // namespace kindlyguard::client
