// Issue 14 items 7 and 8 against the real binary: a replica that has no policy set loaded answers
// an error (HTTP 503, so the API server applies failurePolicy), never "allowed"; a broken edit of
// a policy file keeps the last valid set judging and the replica ready, reported by a gauge; the
// mTLS probe port and `kindlyguard health --ready`; forged kinds share one metric series.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/certs/certs.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;
using namespace std::chrono_literals;

// One typo: the whole file, and so the whole set, is invalid.
const char* kTypo = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-privileged}
spec:
  enforcement: Deny
  rules: {privilegd: false}
)";

using Policies = std::map<std::string, std::string>;

// HTTP status and body of a review of `pod`.
std::pair<int, std::string> review(const WebhookProcess& hook, const json& pod) {
  auto r = hook.review(review_json(pod.dump()));
  if (!r.ok()) return {0, r.error().to_string()};
  return {r->status, r->body};
}

bool denied(const std::pair<int, std::string>& answer) {
  if (answer.first != 200) return false;
  return json::parse(answer.second)["response"].value("allowed", true) == false;
}

TEST(FailClosedE2E, StandaloneWithAnInvalidPolicyDirAnswersAnErrorNeverAllowed) {
  WebhookProcess hook(Policies{{"policy.yaml", kTypo}});
  for (const json& pod : {privileged_pod(), compliant_pod()}) {
    auto [status, body] = review(hook, pod);
    EXPECT_EQ(status, 503) << body;
    json j = json::parse(body, nullptr, false);
    EXPECT_EQ(j.value("kind", ""), "Status") << body;
    EXPECT_EQ(j.value("code", 0), 503);
    EXPECT_THAT(j.value("message", ""), HasSubstr("kindlyguard has no policy set loaded yet"));
    EXPECT_THAT(j.value("message", ""), HasSubstr("privilegd"));
    EXPECT_THAT(body, Not(HasSubstr("\"allowed\"")));
  }
  std::string why;
  EXPECT_EQ(readyz(hook, &why), 503);
  EXPECT_THAT(why, HasSubstr("no valid policy set"));
  EXPECT_EQ(metric(scrape(hook),
                   "kindly_security_admission_requests_total{decision=\"error\",kind=\"Pod\",operation=\"CREATE\"}"),
            2);

  // Fixed: judged from then on, and ready.
  hook.dir().write("policies/policy.yaml", kDenyPrivileged);
  EXPECT_TRUE(eventually([&] { return denied(review(hook, privileged_pod())); }, 20s)) << hook.process().stderr_text();
  EXPECT_EQ(readyz(hook), 200);
}

TEST(FailClosedE2E, ABrokenEditKeepsTheLastValidSetJudgingAndTheReplicaReady) {
  WebhookProcess hook(Policies{{"policy.yaml", kDenyPrivileged}});
  ASSERT_TRUE(denied(review(hook, privileged_pod())));
  EXPECT_EQ(metric(scrape(hook), "kindly_security_policy_set_degraded"), 0);

  hook.dir().write("policies/policy.yaml", kTypo);
  ASSERT_TRUE(eventually([&] { return metric(scrape(hook), "kindly_security_policy_set_degraded") == 1; }, 20s))
      << hook.process().stderr_text();
  EXPECT_TRUE(denied(review(hook, privileged_pod()))) << "the last valid set must stay in force";
  std::string why;
  EXPECT_EQ(readyz(hook, &why), 200) << why;
  std::string log = hook.process().stderr_text();
  EXPECT_THAT(log, HasSubstr("policy set degraded"));
  EXPECT_THAT(log, HasSubstr("privilegd"));

  hook.dir().write("policies/policy.yaml", std::string(kDenyPrivileged) + "# fixed\n");
  EXPECT_TRUE(eventually([&] { return metric(scrape(hook), "kindly_security_policy_set_degraded") == 0; }, 20s));
}

// Cluster mode: until the informers have synced, nothing is judged.
TEST(FailClosedE2E, ClusterModeBeforeTheInformersSyncAnswersAnError) {
  TestCluster cluster;
  kindly::testapi::TestApiServer& api = *cluster.api;
  api.store().create("securitypolicies", {{"apiVersion", "kindlyguard.io/v1alpha1"},
                                          {"kind", "SecurityPolicy"},
                                          {"metadata", {{"name", "no-privileged"}}},
                                          {"spec", {{"enforcement", "Deny"}, {"rules", {{"privileged", false}}}}}});
  api.suspend();
  auto started = cluster.serve({"--leader-election-namespace", "kindlyguard"});
  WebhookProcess& hook = *started;

  auto [status, body] = review(hook, privileged_pod());
  EXPECT_EQ(status, 503) << body;
  EXPECT_THAT(body, HasSubstr("kindlyguard has no policy set loaded yet"));
  EXPECT_THAT(body, HasSubstr("securitypolicies"));
  EXPECT_EQ(readyz(hook), 503);

  api.resume();
  EXPECT_TRUE(eventually([&] { return denied(review(hook, privileged_pod())); }, 30s)) << hook.process().stderr_text();
  // Ready once the pod cache (the quarantine guard's, for evictions) has synced too.
  EXPECT_TRUE(eventually([&] { return readyz(hook) == 200; }, 30s)) << hook.process().stderr_text();

  // An invalid policy never takes the replica out of the Service either.
  api.store().create("securitypolicies", {{"apiVersion", "kindlyguard.io/v1alpha1"},
                                          {"kind", "SecurityPolicy"},
                                          {"metadata", {{"name", "typo"}}},
                                          {"spec", {{"rules", {{"privilegd", false}}}}}});
  ASSERT_TRUE(eventually([&] { return hook.process().stderr_text().find("SecurityPolicy is invalid") != std::string::npos; },
                         20s));
  EXPECT_EQ(readyz(hook), 200);
  EXPECT_TRUE(denied(review(hook, privileged_pod())));
}

// With --client-ca-file kubelet cannot reach /readyz on the webhook port (no client certificate);
// `kindlyguard health --ready` asks the loopback --probe-listen port, which serves the probes only.
TEST(FailClosedE2E, HealthReadyChecksReadinessThroughTheProbePortUnderMutualTls) {
  TempDir pki;
  auto ca = certs::generate_ca();
  ASSERT_TRUE(ca.ok());
  certs::LeafOptions lo;
  lo.common_name = "kube-apiserver";
  lo.server_auth = false;
  lo.client_auth = true;
  auto leaf = certs::issue(*ca, lo);
  ASSERT_TRUE(leaf.ok());
  pki.write("client-ca.crt", ca->cert_pem);
  pki.write("client.crt", leaf->cert_pem);
  pki.write("client.key", leaf->key_pem);

  WebhookProcess hook(Policies{{"policy.yaml", kTypo}},
                      {"--client-ca-file", pki.file("client-ca.crt"), "--probe-listen", "127.0.0.1:0"}, {},
                      ClientCertificate{pki.file("client.crt"), pki.file("client.key")});
  int probe_port = 0;
  ASSERT_TRUE(eventually([&] { return (probe_port = port_in_log(hook.process().stderr_text(), "probes serving")) != 0; },
                         20s));
  const std::map<std::string, std::string> env = {{"KINDLY_PROBE_LISTEN", "127.0.0.1:" + std::to_string(probe_port)}};

  auto ready = run_binary({"health", "--ready"}, "", env);
  EXPECT_EQ(ready.exit_code, 1) << ready.out << ready.err;
  EXPECT_THAT(ready.err, HasSubstr("not ready"));
  EXPECT_THAT(ready.err, HasSubstr("no valid policy set"));
  auto alive = run_binary({"health"}, "", env);
  EXPECT_EQ(alive.exit_code, 0) << alive.err;

  // The webhook port itself refuses a client without a certificate, which is why the probe port exists.
  auto direct = run_binary({"health", "--ready"}, "", {{"KINDLY_LISTEN", "127.0.0.1:" + std::to_string(hook.port())}});
  EXPECT_EQ(direct.exit_code, 1);
  // The probe port answers probes only: no reviews without a client certificate.
  server::ClientOptions insecure;
  insecure.insecure_skip_verify = true;
  auto sneak = server::request("POST", "https://127.0.0.1:" + std::to_string(probe_port) + "/validate",
                               review_json(privileged_pod().dump()), {{"Content-Type", "application/json"}}, insecure);
  ASSERT_TRUE(sneak.ok()) << sneak.error().to_string();
  EXPECT_EQ(sneak->status, 404);

  hook.dir().write("policies/policy.yaml", kDenyPrivileged);
  EXPECT_TRUE(eventually([&] { return run_binary({"health", "--ready"}, "", env).exit_code == 0; }, 20s));
}

TEST(FailClosedE2E, ProbeListenRefusesAnAddressBeyondLoopback) {
  TempDir dir;
  auto r = run_binary({"serve", "--policy-dir", dir.path(), "--tls-cert-file", dir.file("tls.crt"), "--tls-key-file",
                       dir.file("tls.key"), "--probe-listen", "0.0.0.0:8444"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("not a loopback address"));
}

// Issue 14 item 8: forged kinds were copied into the kind label, one series each, forever.
TEST(MetricLabelsE2E, UniqueForgedKindsShareOneOtherSeries) {
  WebhookProcess hook(Policies{{"policy.yaml", kDenyPrivileged}});
  auto conn = server::ClientConnection::open(hook.url("/"), hook.tls());
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  for (int i = 0; i < 300; ++i) {
    json obj = compliant_pod();
    obj["kind"] = "Forged" + std::to_string(i) + std::string(100, 'k');
    auto r = conn->request("POST", "/validate", review_json(obj.dump(), "CREATE", "uid-" + std::to_string(i)),
                           {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  std::string m = scrape(hook);
  EXPECT_THAT(m, Not(HasSubstr("Forged")));
  double others = 0;
  for (const char* decision : {"allowed", "denied", "warned", "audited"})
    others += std::max(0.0, metric(m, std::string("kindly_security_admission_requests_total{decision=\"") + decision +
                                          "\",kind=\"other\",operation=\"CREATE\"}"));
  EXPECT_EQ(others, 300) << m;
}

}  // namespace
}  // namespace kindlyguard::testing
