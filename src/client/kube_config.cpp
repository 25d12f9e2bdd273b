// kubeconfig files: the current (or a named) context, its cluster and user, with *-data fields
// decoded and file paths resolved against the kubeconfig's directory, as kubectl does.
#include "kindlyguard/client/kube_config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "kindlyguard/util/base64.hpp"

namespace kindlyguard::client {
namespace {

namespace fs = std::filesystem;

// node[key] on a scalar or a sequence throws (YAML::BadSubscript), so every lookup checks that
// it has a mapping first: "contexts: [main]" or "user: admin" must be errors, not crashes.
std::string scalar(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return "";
  const YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

bool truthy(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return false;
  const YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return false;
  const std::string s = v.as<std::string>();
  return s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on";
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || base_dir.empty()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// Finds the entry named `name` in a list of {name, <field>: {...}}; its index, or -1.
int find_named(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return -1;
  for (std::size_t i = 0; i < list.size(); ++i)
    if (scalar(list[i], "name") == name) return static_cast<int>(i);
  return -1;
}

// A PEM value from "<field>-data" (base64) or "<field>" (a file). Data wins, as in client-go.
Result<std::string> pem_from(const YAML::Node& node, const std::string& field, const std::string& path,
                             const std::string& base_dir) {
  const std::string data = scalar(node, (field + "-data").c_str());
  if (!data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded) return Error{"is not valid base64; it must hold the base64 of a PEM block.", path + "." + field + "-data"};
    return *decoded;
  }
  const std::string file = scalar(node, field.c_str());
  if (file.empty()) return std::string();
  const std::string full = resolve(base_dir, file);
  auto text = read_text(full);
  if (!text) return Error{"cannot read \"" + full + "\"; the file must exist and be readable.", path + "." + field};
  return *text;
}

}  // namespace

Result<ClusterConfig> parse_kubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                       const std::string& context, bool allow_insecure,
                                       const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Error{source_name + " is not valid YAML: " + e.what(), ""};
  }
  if (!root || !root.IsMap()) return Error{source_name + " is not a kubeconfig: expected a mapping with clusters, users and contexts.", ""};

  const std::string ctx_name = context.empty() ? scalar(root, "current-context") : context;
  if (ctx_name.empty())
    return Error{source_name + " has no current-context; set one (kubectl config use-context) or pass a context.", "current-context"};
  const YAML::Node contexts = root["contexts"];
  const int ci = find_named(contexts, ctx_name);
  if (ci < 0) return Error{"context \"" + ctx_name + "\" is not defined in " + source_name + ".", "contexts"};
  const YAML::Node ctx = contexts[ci]["context"];
  const std::string ctx_path = "contexts[" + std::to_string(ci) + "].context";
  if (!ctx || !ctx.IsMap()) return Error{"context \"" + ctx_name + "\" has no context block.", ctx_path};

  ClusterConfig cfg;
  cfg.source = "kubeconfig " + source_name + " context " + ctx_name;
  cfg.default_namespace = scalar(ctx, "namespace");
  if (cfg.default_namespace.empty()) cfg.default_namespace = "default";

  // Cluster.
  const std::string cluster_name = scalar(ctx, "cluster");
  const YAML::Node clusters = root["clusters"];
  const int cli = find_named(clusters, cluster_name);
  if (cluster_name.empty() || cli < 0)
    return Error{"cluster \"" + cluster_name + "\" of context \"" + ctx_name + "\" is not defined.", ctx_path + ".cluster"};
  const YAML::Node cluster = clusters[cli]["cluster"];
  const std::string cpath = "clusters[" + std::to_string(cli) + "].cluster";
  if (!cluster || !cluster.IsMap()) return Error{"cluster \"" + cluster_name + "\" has no cluster block.", cpath};
  cfg.server = scalar(cluster, "server");
  while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
  if (cfg.server.empty()) return Error{"cluster \"" + cluster_name + "\" has no server URL.", cpath + ".server"};
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0)
    return Error{"server \"" + cfg.server + "\" must be an http:// or https:// URL.", cpath + ".server"};
  if (!scalar(cluster, "proxy-url").empty())
    return Error{"proxy-url is not supported by kindlyguard's API client; reach the server directly.", cpath + ".proxy-url"};
  cfg.tls_server_name = scalar(cluster, "tls-server-name");
  auto ca = pem_from(cluster, "certificate-authority", cpath, base_dir);
  if (!ca) return ca.error();
  cfg.ca_pem = std::move(*ca);
  if (truthy(cluster, "insecure-skip-tls-verify")) {
    if (!allow_insecure)
      return Error{"insecure-skip-tls-verify is set for cluster \"" + cluster_name +
                       "\"; refusing to talk to an API server whose certificate is not verified. Give the "
                       "cluster's CA (certificate-authority-data), or allow insecure connections explicitly.",
                   cpath + ".insecure-skip-tls-verify"};
    if (!cfg.ca_pem.empty())
      return Error{"insecure-skip-tls-verify cannot be combined with a certificate authority; choose one.",
                   cpath + ".insecure-skip-tls-verify"};
    cfg.insecure_skip_tls_verify = true;
  }

  // User (optional: a context may have none).
  const std::string user_name = scalar(ctx, "user");
  if (!user_name.empty()) {
    const YAML::Node users = root["users"];
    const int ui = find_named(users, user_name);
    if (ui < 0) return Error{"user \"" + user_name + "\" of context \"" + ctx_name + "\" is not defined.", ctx_path + ".user"};
    const YAML::Node user = users[ui]["user"];
    const std::string upath = "users[" + std::to_string(ui) + "].user";
    if (user && user.IsMap()) {
      if (user["exec"])
        return Error{"user \"" + user_name + "\" gets credentials from an exec plugin, which kindlyguard does not run; "
                         "use a token, tokenFile or client certificate instead.",
                     upath + ".exec"};
      if (user["auth-provider"])
        return Error{"user \"" + user_name + "\" uses an auth-provider, which kindlyguard does not support; "
                         "use a token, tokenFile or client certificate instead.",
                     upath + ".auth-provider"};
      if (!scalar(user, "username").empty() || !scalar(user, "password").empty())
        return Error{"user \"" + user_name + "\" uses basic authentication, which Kubernetes no longer supports; "
                         "use a token or client certificate instead.",
                     upath + ".username"};
      if (user["as"] || user["as-groups"])
        return Error{"impersonation (as, as-groups) is not supported by kindlyguard's API client.", upath + ".as"};
      auto cert = pem_from(user, "client-certificate", upath, base_dir);
      if (!cert) return cert.error();
      auto key = pem_from(user, "client-key", upath, base_dir);
      if (!key) return key.error();
      if (cert->empty() != key->empty())
        return Error{"a client certificate needs its key and a key its certificate; give both.",
                     upath + (cert->empty() ? ".client-certificate" : ".client-key")};
      cfg.client_cert_pem = std::move(*cert);
      cfg.client_key_pem = std::move(*key);
      cfg.token = scalar(user, "token");
      const std::string token_file = scalar(user, "tokenFile");
      if (!token_file.empty()) {
        cfg.token_file = resolve(base_dir, token_file);
        std::ifstream probe(cfg.token_file);
        if (!probe) return Error{"cannot read the token file \"" + cfg.token_file + "\".", upath + ".tokenFile"};
      }
    }
  }
  return cfg;
}

Result<ClusterConfig> load_kubeconfig(const std::string& path, const std::string& context, bool allow_insecure) {
  auto text = read_text(path);
  if (!text) return Error{"cannot read the kubeconfig \"" + path + "\"; the file must exist and be readable.", ""};
  const std::string dir = fs::path(path).parent_path().string();
  return parse_kubeconfig(*text, dir.empty() ? "." : dir, context, allow_insecure, path);
}

Result<ClusterConfig> resolve_config(const std::string& kubeconfig_flag, const std::string& context,
                                     bool allow_insecure) {
  if (!kubeconfig_flag.empty()) return load_kubeconfig(kubeconfig_flag, context, allow_insecure);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::stringstream list(env);
    std::string item;
    std::error_code ec;
    while (std::getline(list, item, ':'))
      if (!item.empty() && fs::exists(item, ec)) return load_kubeconfig(item, context, allow_insecure);
    return Error{"none of the files in KUBECONFIG (" + std::string(env) + ") exists.", ""};
  }
  if (running_in_cluster()) return in_cluster_config();
  if (const char* home = std::getenv("HOME"); home && *home) {
    const std::string p = std::string(home) + "/.kube/config";
    std::error_code ec;
    if (fs::exists(p, ec)) return load_kubeconfig(p, context, allow_insecure);
  }
  return Error{"no Kubernetes configuration found: not running in a cluster (KUBERNETES_SERVICE_HOST is unset), "
               "no --kubeconfig, no KUBECONFIG and no ~/.kube/config.",
               ""};
}

}  // namespace kindlyguard::client
