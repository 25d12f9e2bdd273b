// certs.mode self-managed with the real binary against the test API server: the leader creates
// the Secret and puts the CA bundle into the ValidatingWebhookConfiguration; the webhook serves a
// certificate for <service>.<namespace>.svc that chains to that bundle; rotation of both the CA
// and the serving certificate fails no request of a client that trusts what the configuration
// says; an edited caBundle is repaired.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/util/base64.hpp"
#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class SelfManagedCerts : public ClusterTest {
 protected:
  SelfManagedCerts() {
    json hook = {{"name", "pods.kindlyguard.io"},
                 {"admissionReviewVersions", {"v1"}},
                 {"sideEffects", "NoneOnDryRun"},
                 {"clientConfig", {{"service", {{"name", "kindlyguard"}, {"namespace", "kindlyguard"}, {"path", "/validate"}}}}}};
    json system = hook;
    system["name"] = "system.kindlyguard.io";
    api->store().create("validatingwebhookconfigurations",
                        {{"apiVersion", "admissionregistration.k8s.io/v1"},
                         {"kind", "ValidatingWebhookConfiguration"},
                         {"metadata", {{"name", "kindlyguard"}}},
                         {"webhooks", {hook, system}}});
  }

  std::unique_ptr<WebhookProcess> start(std::vector<std::string> extra = {}) {
    return serve(concat({{"--certs-mode", "self-managed", "--certs-secret", "kindlyguard-tls", "--webhook-config-name",
                          "kindlyguard", "--service-name", "kindlyguard"},
                         kFastLeaderElection, extra}));
  }

  // The caBundles of the configuration's webhooks, decoded.
  std::vector<std::string> bundles() {
    std::vector<std::string> out;
    auto cfg = api->store().get("validatingwebhookconfigurations", "", "kindlyguard");
    if (!cfg) return out;
    for (const auto& w : (*cfg)["webhooks"])
      out.push_back(base64_decode(w["clientConfig"].value("caBundle", "")).value_or(""));
    return out;
  }

  // What the API server would do: trust the configuration's caBundle and dial the service name.
  Result<server::ClientResponse> as_api_server(WebhookProcess& hook, const std::string& path, int n = 0) {
    auto b = bundles();
    const std::string ca = dir.file("bundle-" + std::to_string(n) + ".pem");
    dir.write("bundle-" + std::to_string(n) + ".pem", b.empty() ? "" : b[0]);
    server::ClientOptions o;
    o.ca_file = ca;
    o.server_name = "kindlyguard.kindlyguard.svc";
    o.timeout = 5s;
    return server::request(path == "/validate" ? "POST" : "GET", hook.url(path),
                           path == "/validate" ? review_json(compliant_pod().dump()) : "", {}, o);
  }
};

TEST_F(SelfManagedCerts, LeaderCreatesTheSecretPatchesTheBundleAndServesTheCertificate) {
  auto hook = start();
  ASSERT_TRUE(api->store().wait_for_object("secrets", "kindlyguard", "kindlyguard-tls", nullptr, 20s));
  auto secret = *api->store().get("secrets", "kindlyguard", "kindlyguard-tls");
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
  const std::string ca = base64_decode(secret["data"].value("ca.crt", "")).value_or("");
  ASSERT_FALSE(ca.empty());
  ASSERT_TRUE(eventually([&] { auto b = bundles(); return b.size() == 2 && b[0] == ca && b[1] == ca; }, 20s));

  // The served certificate chains to the published bundle and names the service.
  ASSERT_TRUE(eventually([&] { auto r = as_api_server(*hook, "/readyz"); return r.ok() && r->status == 200; }, 20s))
      << hook->process().stderr_text();
  auto leaf = certs::parse_certificate(base64_decode(secret["data"].value("tls.crt", "")).value_or(""));
  ASSERT_TRUE(leaf.ok());
  EXPECT_THAT(leaf->dns_names, ::testing::UnorderedElementsAre("kindlyguard.kindlyguard.svc",
                                                               "kindlyguard.kindlyguard.svc.cluster.local"));

  // Someone edits the caBundle: repaired.
  auto cfg = *api->store().get("validatingwebhookconfigurations", "", "kindlyguard");
  cfg["webhooks"][0]["clientConfig"]["caBundle"] = base64_encode("tampered");
  api->store().update("validatingwebhookconfigurations", cfg);
  // The leader looks again at least once a minute; a restart of the process looks at once.
  hook.reset();
  hook = start();
  EXPECT_TRUE(eventually([&] { auto b = bundles(); return b.size() == 2 && b[0] == ca; }, 20s));
}

TEST_F(SelfManagedCerts, RotationOfCaAndCertificateFailsNoRequest) {
  // 3m lifetimes: with the 5-minute backdating, both are due about 20 s after issue.
  auto hook = start({"--certs-validity", "3m", "--certs-ca-validity", "3m"});
  ASSERT_TRUE(eventually([&] { auto r = as_api_server(*hook, "/readyz"); return r.ok() && r->status == 200; }, 30s))
      << hook->process().stderr_text();
  auto first = *api->store().get("secrets", "kindlyguard", "kindlyguard-tls");
  const std::string first_ca = base64_decode(first["data"].value("ca.crt", "")).value_or("");
  const std::string first_cert = base64_decode(first["data"].value("tls.crt", "")).value_or("");

  int requests = 0, failures = 0;
  std::string last_error;
  bool rotated = eventually(
      [&] {
        auto r = as_api_server(*hook, "/validate", requests);
        ++requests;
        if (!r.ok() || r->status != 200) {
          ++failures;
          last_error = r.ok() ? r->body : r.error().to_string();
        }
        auto s = api->store().get("secrets", "kindlyguard", "kindlyguard-tls");
        if (!s) return false;
        const std::string ca = base64_decode((*s)["data"].value("ca.crt", "")).value_or("");
        const std::string cert = base64_decode((*s)["data"].value("tls.crt", "")).value_or("");
        // Rotated: a new CA signs, the old one still in the bundle, a new serving certificate.
        return certs::split_certificates(ca).size() == 2 && cert != first_cert &&
               !certs::signed_by(cert, first_ca) && hook->process().stderr_text().find("serving certificate taken") != std::string::npos;
      },
      90s);
  ASSERT_TRUE(rotated) << hook->process().stderr_text();
  // A few more requests against the rotated certificate.
  for (int i = 0; i < 20; ++i) {
    auto r = as_api_server(*hook, "/validate", requests++);
    if (!r.ok() || r->status != 200) {
      ++failures;
      last_error = r.ok() ? r->body : r.error().to_string();
    }
  }
  std::cout << "[ measured ] " << requests << " requests across a CA and certificate rotation\n";
  EXPECT_EQ(failures, 0) << last_error;
}

TEST_F(SelfManagedCerts, SelfManagedNeedsTheApiServer) {
  auto certs = run_binary({"certs", "self-signed", "--out-dir", dir.file("tls")});
  ASSERT_EQ(certs.exit_code, 0);
  dir.write("p.yaml", "");
  auto r = run_binary({"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--tls-cert-file", dir.file("tls/tls.crt"),
                       "--tls-key-file", dir.file("tls/tls.key"), "--policy-dir", dir.path(), "--certs-mode", "self-managed"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("needs the API server"));
}

}  // namespace
}  // namespace kindlyguard::testing
