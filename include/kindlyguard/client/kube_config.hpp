#pragma once
// Where the API server is and how to prove who we are: in-cluster (the service account's token
// and CA, KUBERNETES_SERVICE_HOST/PORT) or from a kubeconfig file (its current context, or a
// named one). Only what a cpprestsdk client can honour is accepted: exec and auth-provider
// credentials are refused with a message saying so, and insecure-skip-tls-verify is refused
// unless the caller allows it explicitly.

#include <string>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::client {

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct ClusterConfig {
  std::string server{};            // https://host:port, no trailing slash
  std::string ca_pem{};            // CA bundle to trust for the server (PEM); empty = the system's roots
  std::string client_cert_pem{};   // client certificate (chain) for mTLS, PEM
  std::string client_key_pem{};    // its private key, PEM
  std::string token{};             // static bearer token
  std::string token_file{};        // bearer token file, re-read when it changes (wins over token)
  bool insecure_skip_tls_verify = false;  // only ever true when the caller allowed it
  std::string tls_server_name{};   // kubeconfig tls-server-name (recorded; SNI uses the URL host)
  std::string default_namespace{}; // the context's namespace, or the service account's
  std::string source{};            // "in-cluster" or "kubeconfig <path> context <name>", for logs
};

// The in-cluster configuration. `service_account_dir` holds token, ca.crt and namespace;
// tests point it elsewhere. KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set.
Result<ClusterConfig> in_cluster_config(const std::string& service_account_dir = kServiceAccountDir);
// True when KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set.
bool running_in_cluster();

// A kubeconfig file. `context` overrides current-context. Relative file paths inside it
// (certificate-authority, client-certificate, client-key, tokenFile) are resolved against the
// file's directory, as kubectl does.
Result<ClusterConfig> load_kubeconfig(const std::string& path, const std::string& context = "",
                                      bool allow_insecure = false);
// The same from text already read; `base_dir` resolves relative paths.
Result<ClusterConfig> parse_kubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                       const std::string& context = "", bool allow_insecure = false,
                                       const std::string& source_name = "kubeconfig");

// The configuration a controller should use, in client-go's (controller-runtime's) order: the
// --kubeconfig flag when given, else $KUBECONFIG (the first file of the list that exists), else
// in-cluster, else ~/.kube/config.
Result<ClusterConfig> resolve_config(const std::string& kubeconfig_flag = "", const std::string& context = "",
                                     bool allow_insecure = false);

}  // namespace kindlyguard::client
