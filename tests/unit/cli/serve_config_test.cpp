// `serve`'s flags into ServeConfig, without an API server: the quarantine flags as the chart passes
// them (--flag=value), the operator's configuration, and every bad value naming its flag.
#include "kindlyguard/cli/serve_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kindlyguard::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Result<QuarantineSettings> parse(std::vector<std::string> args) {
  Flags flags("serve", "", quarantine_flags());
  std::vector<char*> argv = {const_cast<char*>("kindlyguard"), const_cast<char*>("serve")};
  for (auto& a : args) argv.push_back(a.data());
  auto parsed = flags.parse(static_cast<int>(argv.size()), argv.data(), 2);
  if (!parsed.ok()) return parsed.error();
  return quarantine_settings(flags);
}

TEST(QuarantineFlags, Defaults) {
  auto s = parse({});
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->controller.label_key, "kindlyguard.io/quarantine");
  EXPECT_EQ(s->controller.label_value, "true");
  EXPECT_EQ(s->controller.forensics_namespace, "");
  EXPECT_FALSE(s->controller.allow_dns);
  EXPECT_FALSE(s->controller.admin_network_policy);
  EXPECT_EQ(s->guard.label_key, "kindlyguard.io/quarantine");
  EXPECT_TRUE(s->guard.release_users.empty());
  EXPECT_TRUE(s->guard.release_groups.empty());
}

TEST(QuarantineFlags, AsTheChartPassesThem) {
  auto s = parse({"--quarantine-label=security.example.com/isolate=yes",
                  "--quarantine-release-groups=system:masters, security-team",
                  "--quarantine-release-users=alice@example.com", "--quarantine-forensics-namespace=forensics",
                  "--quarantine-allow-dns=true", "--quarantine-adminnetworkpolicy=true"});
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->controller.label_key, "security.example.com/isolate");
  EXPECT_EQ(s->controller.label_value, "yes");
  EXPECT_EQ(s->guard.label_value, "yes");
  EXPECT_THAT(s->guard.release_groups, ElementsAre("system:masters", "security-team"));
  EXPECT_THAT(s->guard.release_users, ElementsAre("alice@example.com"));
  EXPECT_EQ(s->controller.forensics_namespace, "forensics");
  EXPECT_TRUE(s->controller.allow_dns);
  EXPECT_TRUE(s->controller.admin_network_policy);
}

// Issue 14 item 12: who besides the release users may delete a quarantined pod.
TEST(QuarantineFlags, DeleteUsersDefaultToTheClustersControllersAndCanBeNarrowed) {
  auto s = parse({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->guard.delete_users, admission::default_quarantine_delete_users());
  EXPECT_THAT(s->guard.delete_users, ::testing::Contains("system:serviceaccount:kube-system:generic-garbage-collector"));
  auto none = parse({"--quarantine-delete-users="});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->guard.delete_users.empty());
  auto some = parse({"--quarantine-delete-users=system:serviceaccount:kube-system:replicaset-controller, ci"});
  ASSERT_TRUE(some.ok());
  EXPECT_THAT(some->guard.delete_users, ElementsAre("system:serviceaccount:kube-system:replicaset-controller", "ci"));
}

TEST(QuarantineFlags, BadValuesNameTheFlag) {
  auto no_value = parse({"--quarantine-label=kindlyguard.io/quarantine"});
  ASSERT_FALSE(no_value.ok());
  EXPECT_EQ(no_value.error().path, "--quarantine-label");
  EXPECT_THAT(no_value.error().message, HasSubstr("KEY=VALUE"));
  auto bad_key = parse({"--quarantine-label=not a key=true"});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_THAT(bad_key.error().message, HasSubstr("not a valid label key"));
  auto empty_value = parse({"--quarantine-label=kindlyguard.io/quarantine="});
  ASSERT_FALSE(empty_value.ok());
  EXPECT_THAT(empty_value.error().message, HasSubstr("label value"));
  auto bad_ns = parse({"--quarantine-forensics-namespace=Forensics_Team"});
  ASSERT_FALSE(bad_ns.ok());
  EXPECT_EQ(bad_ns.error().path, "--quarantine-forensics-namespace");
  EXPECT_FALSE(parse({"--quarantine-allow-dns=yes"}).ok());
}

// The whole of `serve`'s flags, as the command line gives them.
Result<ServeConfig> serve(std::vector<std::string> args) {
  Flags flags("serve", "", serve_flags());
  std::vector<char*> argv = {const_cast<char*>("kindlyguard"), const_cast<char*>("serve")};
  for (auto& a : args) argv.push_back(a.data());
  auto parsed = flags.parse(static_cast<int>(argv.size()), argv.data(), 2);
  if (!parsed.ok()) return parsed.error();
  return serve_config(flags);
}

const std::vector<std::string> kTls = {"--tls-cert-file=/tls/tls.crt", "--tls-key-file=/tls/tls.key"};

std::vector<std::string> with_tls(std::vector<std::string> args) {
  args.insert(args.end(), kTls.begin(), kTls.end());
  return args;
}

TEST(ServeConfig, ClusterModeByDefaultWithTheOperatorsSettings) {
  auto c = serve(with_tls({"--listen=127.0.0.1:9443", "--resync-period=5m", "--leader-election-namespace=guard",
                           "--audit-interval=0", "--quarantine-label=sec.example.com/isolate=yes", "--threads=3"}));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->listen.host, "127.0.0.1");
  EXPECT_EQ(c->listen.port, 9443);
  EXPECT_EQ(c->threads, 3u);
  ASSERT_TRUE(c->cluster.has_value());
  EXPECT_EQ(c->cluster->resync, std::chrono::minutes(5));
  EXPECT_EQ(c->cluster->leader_election.ns, "guard");
  EXPECT_EQ(c->cluster->leader_election.lease_duration, std::chrono::seconds(15));
  EXPECT_EQ(c->cluster->audit.interval.count(), 0);
  EXPECT_EQ(c->cluster->audit.max_results, 1000u);
  // One validated label for the controller, the background audit and the guard.
  EXPECT_EQ(c->cluster->quarantine.label_key, "sec.example.com/isolate");
  EXPECT_EQ(c->cluster->quarantine.label_value, "yes");
  EXPECT_EQ(c->quarantine_guard.label_key, "sec.example.com/isolate");
  EXPECT_EQ(c->cluster->certs.mode, controller::CertificatesConfig::Mode::Provided);
  EXPECT_EQ(c->cluster->certs.cert_file, "/tls/tls.crt");
  EXPECT_TRUE(c->cluster->violation_events);
}

TEST(ServeConfig, StandaloneModeHasNoOperator) {
  auto c = serve(with_tls({"--policy-dir=/policies", "--namespaces-file=/ns.yaml", "--probe-listen=127.0.0.1:8444"}));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_FALSE(c->cluster.has_value());
  EXPECT_EQ(c->policy_dir, "/policies");
  EXPECT_EQ(c->namespaces_file, "/ns.yaml");
  ASSERT_TRUE(c->probe_listen.has_value());
  EXPECT_EQ(c->probe_listen->port, 8444);
}

TEST(ServeConfig, SelfManagedCertificates) {
  auto c = serve(with_tls({"--certs-mode=self-managed", "--certs-validity=720h", "--certs-ca-validity=8760h"}));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->cluster->certs.mode, controller::CertificatesConfig::Mode::SelfManaged);
  EXPECT_EQ(c->cluster->certs.cert_validity, std::chrono::hours(720));
  EXPECT_EQ(c->cluster->certs.secret_name, "kindlyguard-tls");
}

TEST(ServeConfig, EveryBadValueNamesItsFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--listen=nowhere"}, "--listen", "ADDR:PORT"},
      {{"--listen=:70000"}, "--listen", "0-65535"},
      {{"--probe-listen=0.0.0.0:8444"}, "--probe-listen", "not a loopback address"},
      {{"--log-level=loud"}, "--log-level", "debug, info, warn or error"},
      {{"--log-format=xml"}, "--log-format", "json or text"},
      {{"--threads=many"}, "--threads", "number of threads"},
      {{"--certs-mode=vault"}, "--certs-mode", "provided, self-managed or cert-manager"},
      {{"--certs-mode=self-managed", "--certs-validity=1m"}, "--certs-validity", "at least 3m"},
      {{"--leader-election-retry-period=20s"}, "--leader-election-lease-duration", "retry period < renew deadline"},
      {{"--report-max-results=lots"}, "--report-max-results", "expected a number"},
      {{"--quarantine-label=nokey"}, "--quarantine-label", "KEY=VALUE"},
  };
  for (const auto& c : cases) {
    auto r = serve(with_tls(c.args));
    ASSERT_FALSE(r.ok()) << c.args[0];
    EXPECT_EQ(r.error().path, c.flag) << c.args[0];
    EXPECT_THAT(r.error().message, HasSubstr(c.says)) << c.args[0];
  }
  auto no_tls = serve({"--policy-dir=/p"});
  ASSERT_FALSE(no_tls.ok());
  EXPECT_THAT(no_tls.error().message, HasSubstr("--tls-cert-file and --tls-key-file are required"));
  auto self_managed_standalone = serve(with_tls({"--policy-dir=/p", "--certs-mode=self-managed"}));
  ASSERT_FALSE(self_managed_standalone.ok());
  EXPECT_THAT(self_managed_standalone.error().message, HasSubstr("needs the API server"));
}

}  // namespace
}  // namespace kindlyguard::cli
