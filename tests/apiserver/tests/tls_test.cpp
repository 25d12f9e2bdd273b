#include "fixture.hpp"
#include "kindly_test_apiserver/tls.hpp"

namespace kta_test {
namespace {

class Tls : public ApiTest {
 protected:
  void SetUp() override {
    cert = kindly::testapi::generate_self_signed_certificate();
    ServerOptions o;
    o.tls_cert_pem = cert.cert_pem;
    o.tls_key_pem = cert.key_pem;
    o.tokens["secret-token"] = {"bob", {"system:authenticated"}};
    o.require_auth = true;
    start(o);
  }
  kindly::testapi::CertificatePair cert;
};

TEST_F(Tls, ServesHttpsWithBearerTokens) {
  EXPECT_TRUE(api->tls());
  EXPECT_EQ(api->url().rfind("https://127.0.0.1:", 0), 0u);
  auto c = client({.tls = true, .ca_pem = cert.cert_pem, .token = "secret-token"});
  const Response r = c.post(kSecpols, secpol("p"));
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(c.get(std::string(kSecpols) + "/p").js()["metadata"]["name"], "p");
  EXPECT_EQ(client({.tls = true, .ca_pem = cert.cert_pem}).get(kSecpols).code, 401);
  // Plain HTTP against the TLS port fails.
  EXPECT_EQ(client().get(kSecpols).code, 0);
  EXPECT_EQ(api->requests().find({.verb = "create"})[0].user, "bob");
}

TEST_F(Tls, WatchStreamsAndDropsOverTls) {
  const ClientOptions o{.tls = true, .ca_pem = cert.cert_pem, .token = "secret-token"};
  auto w = watch(std::string(kSecpols) + "?watch=1", o);
  ASSERT_EQ(w->status(), 200);
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  api->store().create("secpol", secpol("a"));
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ADDED");
  api->drop_watches();
  ASSERT_TRUE(w->wait_end());
  EXPECT_FALSE(w->ended_cleanly());
}

TEST_F(Tls, KubeconfigPointsAtHttpsWithToken) {
  const std::string kc = api->kubeconfig("secret-token");
  EXPECT_NE(kc.find("server: " + api->url()), std::string::npos);
  EXPECT_NE(kc.find("insecure-skip-tls-verify: true"), std::string::npos);
  EXPECT_NE(kc.find("token: secret-token"), std::string::npos);
}

}  // namespace
}  // namespace kta_test
