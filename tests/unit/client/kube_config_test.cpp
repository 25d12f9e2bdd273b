// kubeconfig and in-cluster configuration: which context, data vs files, relative paths, and the
// credentials we refuse (exec, auth-provider, basic auth, insecure without permission).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "kindlyguard/client/kube_config.hpp"
#include "support/process.hpp"

namespace kindlyguard::client {
namespace {

using ::testing::HasSubstr;
using kindlyguard::testing::TempDir;

// A PEM-looking text and its base64.
constexpr const char* kCaText = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kCaB64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

std::string kubeconfig(const std::string& cluster_extra, const std::string& user_extra,
                       const std::string& current = "main") {
  return R"(apiVersion: v1
kind: Config
current-context: )" + current + R"(
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443/
)" + cluster_extra + R"(
- name: other
  cluster:
    server: https://other.example.com
contexts:
- name: main
  context: {cluster: prod, user: admin, namespace: team-a}
- name: second
  context: {cluster: other, user: admin}
- name: broken
  context: {cluster: nowhere, user: admin}
users:
- name: admin
  user:
)" + user_extra + "\n";
}

TEST(KubeConfig, CurrentContextWithDataFields) {
  auto cfg = parse_kubeconfig(kubeconfig("    certificate-authority-data: " + std::string(kCaB64),
                                         "    token: abc123\n    client-certificate-data: " + std::string(kCaB64) +
                                             "\n    client-key-data: " + kCaB64),
                              "/nowhere");
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(cfg->ca_pem, kCaText);
  EXPECT_EQ(cfg->client_cert_pem, kCaText);
  EXPECT_EQ(cfg->client_key_pem, kCaText);
  EXPECT_EQ(cfg->token, "abc123");
  EXPECT_EQ(cfg->default_namespace, "team-a");
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  EXPECT_THAT(cfg->source, HasSubstr("context main"));
}

TEST(KubeConfig, ContextOverrideAndDefaultNamespace) {
  auto cfg = parse_kubeconfig(kubeconfig("", "    token: t"), "/nowhere", "second");
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server, "https://other.example.com");
  EXPECT_EQ(cfg->default_namespace, "default");
  EXPECT_TRUE(cfg->ca_pem.empty());
}

TEST(KubeConfig, FilesResolvedAgainstTheKubeconfigDirectory) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("certs"));
  dir.write("certs/ca.crt", kCaText);
  dir.write("certs/client.crt", "CERT");
  dir.write("certs/client.key", "KEY");
  dir.write("token", "from-file\n");
  dir.write("config", kubeconfig("    certificate-authority: certs/ca.crt",
                                 "    client-certificate: certs/client.crt\n    client-key: " + dir.file("certs/client.key") +
                                     "\n    tokenFile: token"));
  auto cfg = load_kubeconfig(dir.file("config"));
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->ca_pem, kCaText);
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem, "KEY");  // an absolute path stays as it is
  EXPECT_EQ(cfg->token_file, dir.file("token"));
}

TEST(KubeConfig, DataWinsOverFile) {
  auto cfg = parse_kubeconfig(kubeconfig("    certificate-authority: /does/not/exist\n    certificate-authority-data: " +
                                             std::string(kCaB64),
                                         "    token: t"),
                              "/nowhere");
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->ca_pem, kCaText);
}

struct BadCase {
  const char* name;
  std::string text;
  std::string context;
  std::string path;     // expected Error::path (substring)
  std::string message;  // expected message substring
};

TEST(KubeConfig, Refusals) {
  const std::vector<BadCase> cases = {
      {"missing context", kubeconfig("", "    token: t"), "nope", "contexts", "context \"nope\" is not defined"},
      {"no current context", kubeconfig("", "    token: t", "\"\""), "", "current-context", "no current-context"},
      {"unknown cluster", kubeconfig("", "    token: t"), "broken", "context.cluster", "cluster \"nowhere\""},
      {"exec plugin", kubeconfig("", "    exec:\n      command: aws\n      apiVersion: client.authentication.k8s.io/v1"), "",
       "users[0].user.exec", "exec plugin"},
      {"auth provider", kubeconfig("", "    auth-provider:\n      name: gcp"), "", "users[0].user.auth-provider",
       "auth-provider"},
      {"basic auth", kubeconfig("", "    username: u\n    password: p"), "", "users[0].user.username",
       "basic authentication"},
      {"insecure", kubeconfig("    insecure-skip-tls-verify: true", "    token: t"), "",
       "clusters[0].cluster.insecure-skip-tls-verify", "refusing"},
      {"bad base64", kubeconfig("    certificate-authority-data: '%%%'", "    token: t"), "",
       "clusters[0].cluster.certificate-authority-data", "base64"},
      {"missing CA file", kubeconfig("    certificate-authority: nope.crt", "    token: t"), "",
       "clusters[0].cluster.certificate-authority", "cannot read"},
      {"cert without key", kubeconfig("", "    client-certificate-data: " + std::string(kCaB64)), "",
       "users[0].user.client-key", "give both"},
      {"not yaml", "clusters: [", "", "", "not valid YAML"},
      {"plain scalar", "hello", "", "", "not a kubeconfig"},
  };
  for (const auto& c : cases) {
    auto cfg = parse_kubeconfig(c.text, "/nowhere", c.context);
    ASSERT_FALSE(cfg.ok()) << c.name;
    EXPECT_THAT(cfg.error().path, HasSubstr(c.path)) << c.name << ": " << cfg.error().to_string();
    EXPECT_THAT(cfg.error().message, HasSubstr(c.message)) << c.name << ": " << cfg.error().to_string();
  }
}

TEST(KubeConfig, InsecureOnlyWhenAllowedAndNeverWithACA) {
  auto ok = parse_kubeconfig(kubeconfig("    insecure-skip-tls-verify: true", "    token: t"), "/", "", true);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE(ok->insecure_skip_tls_verify);
  auto both = parse_kubeconfig(
      kubeconfig("    insecure-skip-tls-verify: true\n    certificate-authority-data: " + std::string(kCaB64), "    token: t"),
      "/", "", true);
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.error().message, HasSubstr("cannot be combined"));
}

TEST(KubeConfig, MissingFile) {
  auto cfg = load_kubeconfig("/definitely/not/here/config");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.error().message, HasSubstr("cannot read the kubeconfig"));
}

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(InCluster, ReadsTheServiceAccount) {
  TempDir sa;
  sa.write("token", "tok");
  sa.write("ca.crt", kCaText);
  sa.write("namespace", "kindlyguard-system");
  ScopedEnv env;
  env.set("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  env.set("KUBERNETES_SERVICE_PORT", "443");
  auto cfg = in_cluster_config(sa.path());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->ca_pem, kCaText);
  EXPECT_EQ(cfg->token_file, sa.file("token"));
  EXPECT_TRUE(cfg->token.empty());  // always read from the file, which rotates
  EXPECT_EQ(cfg->default_namespace, "kindlyguard-system");
  EXPECT_EQ(cfg->source, "in-cluster");
}

TEST(InCluster, Ipv6HostIsBracketed) {
  TempDir sa;
  sa.write("token", "tok");
  sa.write("ca.crt", kCaText);
  ScopedEnv env;
  env.set("KUBERNETES_SERVICE_HOST", "fd00::1");
  env.set("KUBERNETES_SERVICE_PORT", "443");
  auto cfg = in_cluster_config(sa.path());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server, "https://[fd00::1]:443");
  EXPECT_EQ(cfg->default_namespace, "default");
}

TEST(InCluster, RefusedOutsideACluster) {
  ScopedEnv env;
  env.set("KUBERNETES_SERVICE_HOST", nullptr);
  auto cfg = in_cluster_config("/nowhere");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.error().message, HasSubstr("KUBERNETES_SERVICE_HOST"));
  EXPECT_FALSE(running_in_cluster());
}

TEST(InCluster, MissingTokenOrCA) {
  TempDir sa;
  ScopedEnv env;
  env.set("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  env.set("KUBERNETES_SERVICE_PORT", "443");
  auto no_token = in_cluster_config(sa.path());
  ASSERT_FALSE(no_token.ok());
  EXPECT_THAT(no_token.error().message, HasSubstr("token"));
  sa.write("token", "tok");
  auto no_ca = in_cluster_config(sa.path());
  ASSERT_FALSE(no_ca.ok());
  EXPECT_THAT(no_ca.error().message, HasSubstr("ca.crt"));
}

TEST(ResolveConfig, FlagThenKubeconfigEnvThenInCluster) {
  TempDir dir;
  dir.write("a", kubeconfig("", "    token: from-a"));
  dir.write("b", kubeconfig("", "    token: from-b"));
  ScopedEnv env;
  env.set("KUBECONFIG", (dir.file("missing") + ":" + dir.file("b")).c_str());
  env.set("KUBERNETES_SERVICE_HOST", nullptr);
  auto from_flag = resolve_config(dir.file("a"));
  ASSERT_TRUE(from_flag.ok()) << from_flag.error().to_string();
  EXPECT_EQ(from_flag->token, "from-a");
  auto from_env = resolve_config();
  ASSERT_TRUE(from_env.ok()) << from_env.error().to_string();
  EXPECT_EQ(from_env->token, "from-b");  // the first file of the list that exists
}

}  // namespace
}  // namespace kindlyguard::client
