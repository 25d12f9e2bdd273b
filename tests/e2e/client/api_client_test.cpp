// ApiClient against the test API server: the verbs, typed errors, paging, retries with
// Retry-After, token rotation after a 401, TLS verification, the rate limit and the metrics hook.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "client_fixture.hpp"
#include "kindly_test_apiserver/tls.hpp"
#include "support/process.hpp"

namespace kindlyguard::client::e2e {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

class ApiClientTest : public ClientTest {};

TEST_F(ApiClientTest, CreateGetUpdateDelete) {
  auto created = client->create(resources::pods, pod("web"));
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_FALSE(rv_of(*created).empty());

  auto again = client->create(resources::pods, pod("web"));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().is_already_exists()) << again.error().to_string();
  EXPECT_EQ(again.error().code, 409);

  auto got = client->get(resources::pods, "default", "web");
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ((*got)["metadata"]["uid"], (*created)["metadata"]["uid"]);

  json changed = *got;
  changed["metadata"]["labels"]["tier"] = "front";
  auto updated = client->update(resources::pods, changed);
  ASSERT_TRUE(updated.ok()) << updated.error().to_string();
  EXPECT_EQ((*updated)["metadata"]["labels"]["tier"], "front");

  // The same write again carries the old resourceVersion: someone else (we) changed it since.
  changed["metadata"]["labels"]["tier"] = "back";
  auto stale = client->update(resources::pods, changed);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(stale.error().is_conflict()) << stale.error().to_string();

  DeleteOptions wrong_rv;
  wrong_rv.precondition_resource_version = rv_of(*created);
  auto refused = client->remove(resources::pods, "default", "web", wrong_rv);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().is_conflict()) << refused.error().to_string();

  DeleteOptions right_rv;
  right_rv.precondition_resource_version = rv_of(*updated);
  auto deleted = client->remove(resources::pods, "default", "web", right_rv);
  ASSERT_TRUE(deleted.ok()) << deleted.error().to_string();

  auto gone = client->get(resources::pods, "default", "web");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().is_not_found());
  EXPECT_THAT(gone.error().message, HasSubstr("pods \"web\" not found"));
  auto missing_delete = client->remove(resources::pods, "default", "web");
  EXPECT_TRUE(!missing_delete.ok() && missing_delete.error().is_not_found());
}

TEST_F(ApiClientTest, ClusterScopedCustomResourceAndStatus) {
  json policy = {{"apiVersion", "kindlyguard.io/v1alpha1"},
                 {"kind", "SecurityPolicy"},
                 {"metadata", {{"name", "restricted"}}},
                 {"spec", {{"enforcement", "Deny"}}},
                 {"status", {{"violations", 99}}}};
  auto created = client->create(resources::security_policies, policy);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_FALSE(created->contains("status") && (*created)["status"].contains("violations"));  // status ignored on create

  json with_status = *created;
  with_status["status"] = {{"violations", 3}, {"observedGeneration", 1}};
  auto st = client->update_status(resources::security_policies, with_status);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ((*st)["status"]["violations"], 3);

  auto patched = client->patch(resources::security_policies, "", "restricted", PatchType::Merge,
                               {{"status", {{"violations", 4}}}}, {}, "status");
  ASSERT_TRUE(patched.ok()) << patched.error().to_string();
  EXPECT_EQ((*patched)["status"]["violations"], 4);
  EXPECT_EQ((*patched)["spec"]["enforcement"], "Deny");

  auto stored = api->store().get("securitypolicies", "", "restricted");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["status"]["violations"], 4);
  EXPECT_TRUE(api->requests().wait_for({.verb = "patch", .resource = "securitypolicies/status"}, 1, 5s));
}

TEST_F(ApiClientTest, MergeAndJsonPatch) {
  ASSERT_TRUE(client->create(resources::pods, pod("p")).ok());
  auto merged = client->patch(resources::pods, "default", "p", PatchType::Merge,
                              {{"metadata", {{"labels", {{"kindlyguard.io/quarantine", "true"}}}}}});
  ASSERT_TRUE(merged.ok()) << merged.error().to_string();
  EXPECT_EQ((*merged)["metadata"]["labels"]["kindlyguard.io/quarantine"], "true");
  EXPECT_EQ((*merged)["metadata"]["labels"]["app"], "web");

  auto jp = client->patch(resources::pods, "default", "p", PatchType::Json,
                          json::array({{{"op", "test"}, {"path", "/metadata/labels/app"}, {"value", "web"}},
                                       {{"op", "remove"}, {"path", "/metadata/labels/kindlyguard.io~1quarantine"}}}));
  ASSERT_TRUE(jp.ok()) << jp.error().to_string();
  EXPECT_FALSE((*jp)["metadata"]["labels"].contains("kindlyguard.io/quarantine"));

  auto failed_test = client->patch(resources::pods, "default", "p", PatchType::Json,
                                   json::array({{{"op", "test"}, {"path", "/metadata/labels/app"}, {"value", "db"}}}));
  ASSERT_FALSE(failed_test.ok());
  EXPECT_TRUE(failed_test.error().is_invalid()) << failed_test.error().to_string();

  auto not_array = client->patch(resources::pods, "default", "p", PatchType::Json, {{"op", "add"}});
  ASSERT_FALSE(not_array.ok());
  EXPECT_EQ(not_array.error().reason, "ClientError");
}

TEST_F(ApiClientTest, ListWithSelectorsAndPaging) {
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(client->create(resources::pods, pod("p" + std::to_string(i), "default",
                                                    {{"app", i % 2 ? "odd" : "even"}}))
                    .ok());
  ListOptions selected;
  selected.label_selector = "app in (odd)";
  auto odd = client->list(resources::pods, "default", selected);
  ASSERT_TRUE(odd.ok()) << odd.error().to_string();
  EXPECT_EQ((*odd)["items"].size(), 3u);

  ListOptions by_name;
  by_name.field_selector = "metadata.name=p4";
  auto one = client->list(resources::pods, "", by_name);  // every namespace
  ASSERT_TRUE(one.ok()) << one.error().to_string();
  ASSERT_EQ((*one)["items"].size(), 1u);
  EXPECT_EQ((*one)["items"][0]["metadata"]["name"], "p4");

  ListOptions page;
  page.limit = 3;
  auto first = client->list(resources::pods, "default", page);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)["items"].size(), 3u);
  EXPECT_FALSE((*first)["metadata"].value("continue", "").empty());

  auto all = client->list_all(resources::pods, "default", page);
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  EXPECT_EQ((*all)["items"].size(), 7u);
  EXPECT_FALSE((*all)["metadata"].value("resourceVersion", "").empty());
  EXPECT_FALSE((*all)["metadata"].contains("continue"));
  // The selector list, the single page, then list_all's three pages of 3, 3 and 1.
  EXPECT_EQ(api->requests().count({.verb = "list", .resource = "pods", .ns = "default"}), 5u);

  ListOptions bad;
  bad.field_selector = "spec.unknownField=x";
  auto refused = client->list(resources::pods, "default", bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 400);
}

TEST_F(ApiClientTest, ExpiredContinueTokenFallsBackToAFullList) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client->create(resources::pods, pod("p" + std::to_string(i))).ok());
  // Right after the first page, the history its continue token points into is compacted.
  int lists = 0;
  on_request_hook = [&](const RequestMetric& m) {
    if (m.verb == "list" && ++lists == 1) {
      api->store().create("pods", pod("late"));
      api->compact();
    }
  };
  ListOptions paged;
  paged.limit = 2;
  auto all = client->list_all(resources::pods, "default", paged);
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  EXPECT_EQ((*all)["items"].size(), 5u);  // one unpaged list after the 410
  EXPECT_EQ(api->requests().count({.verb = "list", .resource = "pods", .code = 410}), 1u);
}

TEST_F(ApiClientTest, ServerErrorsOnReadsAreRetried) {
  ASSERT_TRUE(client->create(resources::pods, pod("web")).ok());
  api->requests().clear();
  api->faults().fail_next("get", "pods", 500, 2);
  auto got = client->get(resources::pods, "default", "web");
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(api->requests().count({.verb = "get", .resource = "pods"}), 3u);
  EXPECT_EQ(api->requests().count({.verb = "get", .resource = "pods", .code = 500}), 2u);
}

TEST_F(ApiClientTest, ServerErrorOnAWriteIsNotRetriedWithoutRetryAfter) {
  api->faults().fail_next("create", "pods", 500, 1);
  auto created = client->create(resources::pods, pod("web"));
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(created.error().is_server_error());
  EXPECT_EQ(created.error().reason, "InternalError");
  EXPECT_EQ(api->requests().count({.verb = "create", .resource = "pods"}), 1u);
}

TEST_F(ApiClientTest, TooManyRequestsHonoursRetryAfter) {
  api->faults().add(fault("create", "pods", 429, 2, 1));
  const auto t0 = Clock::now();
  auto created = client->create(resources::pods, pod("web"));
  const auto took = Clock::now() - t0;
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(api->requests().count({.verb = "create", .resource = "pods", .code = 429}), 2u);
  EXPECT_GE(took, 2s);  // waited the Retry-After twice (a lower bound only)
}

TEST_F(ApiClientTest, ServiceUnavailableWithRetryAfterRetriesWrites) {
  api->faults().add(fault("update", "pods", 503, 1, 1));
  auto created = client->create(resources::pods, pod("web"));
  ASSERT_TRUE(created.ok());
  json changed = *created;
  changed["metadata"]["labels"]["x"] = "y";
  auto updated = client->update(resources::pods, changed);
  ASSERT_TRUE(updated.ok()) << updated.error().to_string();
  EXPECT_EQ(api->requests().count({.verb = "update", .resource = "pods"}), 2u);
}

TEST_F(ApiClientTest, RetriesStopAtTheLimit) {
  api->faults().fail_next("get", "pods", 500, 100);
  CallOptions call;
  call.max_retries = 2;
  auto got = client->get(resources::pods, "default", "web", call);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, 500);
  EXPECT_EQ(api->requests().count({.verb = "get", .resource = "pods"}), 3u);
}

TEST_F(ApiClientTest, CallDeadlineCutsASlowRequest) {
  api->faults().add_latency("get", "pods", 20s, 1);
  CallOptions call;
  call.timeout = 300ms;
  const auto t0 = Clock::now();
  auto got = client->get(resources::pods, "default", "web", call);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().is_timeout()) << got.error().to_string();
  EXPECT_LT(Clock::now() - t0, 10s);
}

TEST_F(ApiClientTest, StopTokenCancelsARequest) {
  api->faults().add_latency("get", "pods", 20s, 1);
  std::stop_source stop;
  CallOptions call;
  call.stop = stop.get_token();
  // Whenever the stop lands (before or during the request), the call ends Canceled; the pause
  // only makes "during" the likely case.
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  auto got = client->get(resources::pods, "default", "web", call);
  stopper.join();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().is_canceled()) << got.error().to_string();
}

TEST_F(ApiClientTest, MetricsHookSeesEveryRequest) {
  ASSERT_TRUE(client->create(resources::pods, pod("web")).ok());
  ASSERT_FALSE(client->get(resources::pods, "default", "nope").ok());
  ASSERT_TRUE(client->list(resources::leases, "kube-system").ok());
  auto m = recorded();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].verb, "create");
  EXPECT_EQ(m[0].resource, "pods");
  EXPECT_EQ(m[0].code, 201);
  EXPECT_EQ(m[1].verb, "get");
  EXPECT_EQ(m[1].code, 404);
  EXPECT_EQ(m[2].verb, "list");
  EXPECT_EQ(m[2].resource, "leases.coordination.k8s.io");
  EXPECT_EQ(m[2].code, 200);
}

TEST_F(ApiClientTest, ClientSideRateLimit) {
  client_options.qps = 10;
  client_options.burst = 1;
  auto limited = make_client();
  const auto t0 = Clock::now();
  for (int i = 0; i < 6; ++i) ASSERT_FALSE(limited->get(resources::pods, "default", "x").ok());
  EXPECT_GE(Clock::now() - t0, 450ms);  // 5 waits of 100 ms (a lower bound only)
}

TEST_F(ApiClientTest, ConnectionRefusedIsATransportError) {
  ClusterConfig cfg;
  cfg.server = "http://127.0.0.1:" + std::to_string(kindlyguard::testing::free_port());
  client_options.max_retries = 1;
  auto c = make_client(cfg);
  auto got = c->get(resources::pods, "default", "x");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().is_transport()) << got.error().to_string();
  EXPECT_EQ(got.error().code, 0);
}

TEST_F(ApiClientTest, RawRequests) {
  auto version = client->raw("GET", "/version");
  ASSERT_TRUE(version.ok()) << version.error().to_string();
  EXPECT_EQ((*version)["major"], "1");
}

TEST_F(ApiClientTest, RefusesConfigurationMistakes) {
  auto no_ns = client->get(resources::pods, "", "x");
  ASSERT_FALSE(no_ns.ok());
  EXPECT_EQ(no_ns.error().reason, "ClientError");
  auto bad_url = ApiClient::create(ClusterConfig{.server = "ftp://x"});
  EXPECT_FALSE(bad_url.ok());
  auto bad_ca = ApiClient::create(ClusterConfig{.server = "https://x", .ca_pem = "not a certificate"});
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_THAT(bad_ca.error().message, HasSubstr("certificate authority"));
}

class AuthTest : public ClientTest {
 protected:
  AuthTest() {
    server_options.tokens["new-token"] = {"system:serviceaccount:kindlyguard:kindlyguard", {"system:serviceaccounts"}};
    server_options.require_auth = true;
  }
};

TEST_F(AuthTest, RotatedTokenIsReadAgainAfterA401) {
  kindlyguard::testing::TempDir dir;
  dir.write("token", "old-token");
  ClusterConfig cfg;
  cfg.token_file = dir.file("token");
  client_options.token_refresh = {.check_interval = std::chrono::hours(1), .max_age = std::chrono::hours(1)};
  auto c = make_client(cfg);
  auto refused = c->list(resources::pods, "default");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().is_unauthorized()) << refused.error().to_string();

  dir.write("token", "new-token");  // the kubelet rotated it; our cache still says old-token
  api->requests().clear();
  auto listed = c->list(resources::pods, "default");
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  auto log = api->requests().find({.verb = "list", .resource = "pods"});
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].code, 401);
  EXPECT_EQ(log[1].code, 200);
  EXPECT_EQ(log[1].user, "system:serviceaccount:kindlyguard:kindlyguard");
}

class TlsTest : public ClientTest {
 protected:
  TlsTest() {
    cert = kindly::testapi::generate_self_signed_certificate();
    server_options.tls_cert_pem = cert.cert_pem;
    server_options.tls_key_pem = cert.key_pem;
  }
  kindly::testapi::CertificatePair cert;
};

TEST_F(TlsTest, VerifiesAgainstTheClusterCA) {
  ASSERT_TRUE(api->tls());
  ClusterConfig cfg;
  cfg.ca_pem = cert.cert_pem;
  auto trusted = make_client(cfg);
  auto ok = trusted->get(resources::namespaces, "", "default");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();

  ClusterConfig other;
  other.ca_pem = kindly::testapi::generate_self_signed_certificate("someone-else").cert_pem;
  client_options.max_retries = 0;
  auto untrusted = make_client(other);
  auto refused = untrusted->get(resources::namespaces, "", "default");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().is_transport()) << refused.error().to_string();

  ClusterConfig system_roots;  // no CA: the system's roots, which do not know this server
  auto unknown = make_client(system_roots);
  EXPECT_FALSE(unknown->get(resources::namespaces, "", "default").ok());

  ClusterConfig insecure;
  insecure.insecure_skip_tls_verify = true;
  auto skip = make_client(insecure);
  EXPECT_TRUE(skip->get(resources::namespaces, "", "default").ok());
}

}  // namespace
}  // namespace kindlyguard::client::e2e
