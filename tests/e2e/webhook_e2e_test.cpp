// The real binary over real TLS: verdicts, uid echo, messages, warnings, bad input, size limits,
// policy and certificate reload, graceful shutdown.
#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/certs/certs.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const char* kWarnLatest = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-latest}
spec:
  enforcement: Warn
  rules:
    images: {disallowTags: [latest]}
)";

class WebhookE2E : public ::testing::Test {
 protected:
  WebhookProcess hook{{{"deny.yaml", kDenyPrivileged}, {"warn.yaml", kWarnLatest}}};

  json answer(const json& object, const std::string& uid = "e2e-uid-1") {
    auto r = hook.review(review_json(object.dump(), "CREATE", uid));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body)["response"];
  }
};

TEST_F(WebhookE2E, AllowsCompliantPodAndEchoesUid) {
  json resp = answer(compliant_pod(), "8d7e9b2c-uid");
  EXPECT_EQ(resp["uid"], "8d7e9b2c-uid");
  EXPECT_EQ(resp["allowed"], true);
  EXPECT_FALSE(resp.contains("warnings"));
}

TEST_F(WebhookE2E, DeniesPrivilegedPodWithAnActionableMessage) {
  json resp = answer(privileged_pod());
  EXPECT_EQ(resp["allowed"], false);
  EXPECT_EQ(resp["status"]["code"], 403);
  std::string msg = resp["status"]["message"];
  EXPECT_THAT(msg, HasSubstr("policy \"no-privileged\""));
  EXPECT_THAT(msg, HasSubstr("[privileged] container \"app\" is privileged"));
  EXPECT_THAT(msg, HasSubstr("set securityContext.privileged=false"));
  EXPECT_THAT(msg, HasSubstr("spec.containers[0].securityContext.privileged"));
}

TEST_F(WebhookE2E, DeniesAWorkloadThroughItsTemplate) {
  json resp = answer(as_workload(privileged_pod(), "CronJob"));
  EXPECT_EQ(resp["allowed"], false);
  EXPECT_THAT(resp["status"]["message"].get<std::string>(),
              HasSubstr("spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"));
}

TEST_F(WebhookE2E, WarnPolicyAdmitsWithWarnings) {
  json pod = compliant_pod();
  pod["spec"]["containers"][0]["image"] = "registry.example.com/web";
  json resp = answer(pod);
  EXPECT_EQ(resp["allowed"], true);
  ASSERT_EQ(resp["warnings"].size(), 1u);
  EXPECT_THAT(resp["warnings"][0].get<std::string>(), HasSubstr("no-latest/images"));
}

TEST_F(WebhookE2E, BadInputGets4xxWithJsonErrors) {
  auto bad = hook.review("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\"");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(json::parse(bad->body)["error"].get<std::string>(), HasSubstr("not valid JSON"));

  auto get = server::request("GET", hook.url("/validate"), {}, {}, hook.tls());
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
  auto wrong_type = server::request("POST", hook.url("/validate"), "x=1", {{"Content-Type", "text/plain"}}, hook.tls());
  ASSERT_TRUE(wrong_type.ok());
  EXPECT_EQ(wrong_type->status, 415);
  auto missing = server::request("GET", hook.url("/nope"), {}, {}, hook.tls());
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  // The server is still serving after all that.
  EXPECT_EQ(answer(compliant_pod())["allowed"], true);
}

TEST_F(WebhookE2E, OversizedBodyGets413) {
  std::string huge(9u << 20, ' ');
  auto r = hook.review("{" + huge + "}");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(answer(compliant_pod())["allowed"], true);
}

TEST_F(WebhookE2E, KeepAliveServesManyReviewsOnOneConnection) {
  auto conn = server::ClientConnection::open(hook.url("/"), hook.tls());
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  for (int i = 0; i < 50; ++i) {
    auto r = conn->request("POST", "/validate", review_json(privileged_pod().dump(), "CREATE", "uid-" + std::to_string(i)),
                           {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(json::parse(r->body)["response"]["uid"], "uid-" + std::to_string(i));
  }
}

TEST_F(WebhookE2E, AuditLogHasOneJsonLinePerDecision) {
  answer(privileged_pod(), "audit-uid-1");
  ASSERT_TRUE(eventually([&] { return hook.process().stdout_text().find("audit-uid-1") != std::string::npos; },
                         std::chrono::seconds(10)));
  std::string out = hook.process().stdout_text();
  std::string line = out.substr(out.rfind('\n', out.find("audit-uid-1")) + 1);
  line = line.substr(0, line.find('\n'));
  json j = json::parse(line);
  EXPECT_EQ(j["decision"], "denied");
  EXPECT_EQ(j["user"], "alice");
  EXPECT_EQ(j["violations"][0]["policy"], "no-privileged");
}

TEST_F(WebhookE2E, PolicyDirReloadsAndKeepsTheLastValidSet) {
  json pod = compliant_pod();
  pod["spec"]["hostNetwork"] = true;
  EXPECT_EQ(answer(pod)["allowed"], true);
  hook.dir().write("policies/hostns.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-host-network}
spec: {rules: {hostNamespaces: false}}
)");
  EXPECT_TRUE(eventually([&] { return answer(pod)["allowed"] == false; }, std::chrono::seconds(10)));
  // A broken file: reported, and the set in force does not change.
  hook.dir().write("policies/broken.yaml", "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\n"
                                           "metadata: {name: broken}\nspec: {rules: {privilegd: false}}\n");
  EXPECT_TRUE(eventually([&] { return hook.process().stderr_text().find("privilegd") != std::string::npos; },
                         std::chrono::seconds(10)));
  EXPECT_EQ(answer(pod)["allowed"], false);
  EXPECT_EQ(answer(privileged_pod())["allowed"], false);
  // The replica stays ready: an unready webhook under failurePolicy Fail would block every pod
  // for one typo. The degraded state is a metric and the log line above instead.
  auto ready = server::request("GET", hook.url("/readyz"), {}, {}, hook.tls());
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << ready->body;
}

TEST_F(WebhookE2E, CertificateReloadsWithoutRestartOrFailedRequest) {
  auto before = server::ClientConnection::open(hook.url("/"), hook.tls());
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(before->request("GET", "/healthz").ok());  // in use, as the API server's connections are
  auto old_serial = certs::parse_certificate(before->peer_certificate_pem());
  ASSERT_TRUE(old_serial.ok());
  hook.rotate_certificates();  // new CA: clients must now trust the new ca.crt
  bool swapped = eventually(
      [&] {
        auto c = server::ClientConnection::open(hook.url("/"), hook.tls());
        if (!c.ok()) return false;
        auto info = certs::parse_certificate(c->peer_certificate_pem());
        return info.ok() && info->serial_hex != old_serial->serial_hex;
      },
      std::chrono::seconds(15));
  EXPECT_TRUE(swapped);
  // The connection opened before the rotation still works.
  auto r = before->request("POST", "/validate", review_json(compliant_pod().dump()), {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(hook.process().running());
}

TEST_F(WebhookE2E, MetricsCountDecisions) {
  answer(privileged_pod());
  answer(compliant_pod());
  auto m = server::request("GET", "http://127.0.0.1:" + std::to_string(hook.metrics_port()) + "/metrics");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_THAT(m->body, HasSubstr("kindly_security_admission_requests_total{decision=\"denied\",kind=\"Pod\",operation=\"CREATE\"} 1"));
  EXPECT_THAT(m->body, HasSubstr("kindly_security_violations_total{enforcement=\"Deny\",policy=\"no-privileged\",rule=\"privileged\"} 1"));
  EXPECT_THAT(m->body, HasSubstr("kindly_security_decision_duration_seconds_bucket"));
  // Standalone mode (--policy-dir) counts its policies too: one Deny, one Warn, none invalid.
  EXPECT_THAT(m->body, HasSubstr("kindly_security_policies{enforcement=\"Deny\",ready=\"true\"} 1"));
  EXPECT_THAT(m->body, HasSubstr("kindly_security_policies{enforcement=\"Warn\",ready=\"true\"} 1"));
  EXPECT_THAT(m->body, HasSubstr("kindly_security_policies{enforcement=\"Deny\",ready=\"false\"} 0"));
}

TEST(WebhookShutdown, SigtermFinishesAndClosesKeepAliveWithinASecond) {
  WebhookProcess hook(std::map<std::string, std::string>{{"deny.yaml", kDenyPrivileged}});
  auto conn = server::ClientConnection::open(hook.url("/"), hook.tls());
  ASSERT_TRUE(conn.ok());
  auto r = conn->request("POST", "/validate", review_json(compliant_pod().dump()), {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok());
  auto start = std::chrono::steady_clock::now();
  hook.process().signal(SIGTERM);
  auto code = hook.process().wait_exit(std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  // The bound is the contract (1 s grace); the 10 s wait above only keeps a broken build from hanging.
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  EXPECT_FALSE(conn->request("GET", "/healthz").ok()) << "keep-alive connection must be closed";
  EXPECT_FALSE(server::request("GET", hook.url("/healthz"), {}, {}, hook.tls()).ok());
}

TEST(WebhookFlags, EnvironmentVariablesConfigureServe) {
  TempDir tls;
  ASSERT_EQ(run_binary({"certs", "self-signed", "--out-dir", tls.path()}).exit_code, 0);
  WebhookProcess hook(std::map<std::string, std::string>{{"deny.yaml", kDenyPrivileged}}, {},
                      {{"KINDLY_TLS_CERT_FILE", tls.file("tls.crt")}, {"KINDLY_TLS_KEY_FILE", tls.file("tls.key")}});
  auto r = server::request("GET", hook.url("/healthz"), {}, {}, hook.tls());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
}

TEST(WebhookFlags, MissingCertificateIsAClearError) {
  auto r = run_binary({"serve", "--listen", "127.0.0.1:0", "--policy-dir", "/nonexistent"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--tls-cert-file and --tls-key-file are required"));
  r = run_binary({"serve", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --bogus"));
}

TEST(HealthCommand, ExitsZeroWhenHealthyAndOneWhenNot) {
  WebhookProcess hook(std::map<std::string, std::string>{{"deny.yaml", kDenyPrivileged}});
  EXPECT_EQ(run_binary({"health", "--url", hook.url("/healthz")}).exit_code, 0);
  EXPECT_EQ(run_binary({"health", "--url", "https://127.0.0.1:1/healthz", "--timeout-ms", "500"}).exit_code, 1);
}

}  // namespace
}  // namespace kindlyguard::testing
