#include "fixture.hpp"
#include "kindly_test_apiserver/authz.hpp"

namespace kta_test {
namespace {

namespace ta = kindly::testapi;

class Faults : public ApiTest {};

TEST_F(Faults, FailNextRequestsMatchingVerbAndResource) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("p")).code, 201);
  api->faults().fail_next("get", "securitypolicies", 500, 2);
  EXPECT_EQ(c.get(kSecpols).code, 200);  // list is not get
  Response r = c.get(std::string(kSecpols) + "/p");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.js()["reason"], "InternalError");
  EXPECT_EQ(c.get(std::string(kSecpols) + "/p").code, 500);
  EXPECT_EQ(c.get(std::string(kSecpols) + "/p").code, 200);  // used up
  EXPECT_EQ(api->faults().size(), 0u);

  // 429 comes with Retry-After, in the header and in the Status details.
  ta::FaultRule rule;
  rule.verb = "update";
  rule.resource = "securitypolicies/status";
  rule.code = 429;
  rule.retry_after_seconds = 3;
  api->faults().add(rule);
  json p = c.get(std::string(kSecpols) + "/p").js();
  EXPECT_EQ(c.put(std::string(kSecpols) + "/p", p).code, 200);  // the main resource is not the subresource
  r = c.put(std::string(kSecpols) + "/p/status", p);
  EXPECT_EQ(r.code, 429);
  EXPECT_EQ(r.header("retry-after"), "3");
  EXPECT_EQ(r.js()["reason"], "TooManyRequests");
  EXPECT_EQ(r.js()["details"]["retryAfterSeconds"], 3);

  // Any code, any subresource, unlimited until removed.
  rule = {};
  rule.verb = "list,watch";
  rule.resource = "pods";
  rule.code = 403;
  rule.count = -1;
  const auto id = api->faults().add(rule);
  EXPECT_EQ(c.get(kPods).code, 403);
  EXPECT_EQ(c.get(kPods).code, 403);
  auto w = watch(std::string(kPods) + "?watch=1");
  EXPECT_EQ(w->status(), 403);
  api->faults().remove(id);
  EXPECT_EQ(c.get(kPods).code, 200);

  // The log marks injected answers.
  EXPECT_EQ(api->requests().find({.verb = "list", .resource = "pods", .code = 403}).size(), 2u);
  EXPECT_TRUE(api->requests().find({.verb = "list", .resource = "pods", .code = 403})[0].injected);
}

TEST_F(Faults, LatencyDelaysMatchingRequests) {
  auto c = client();
  api->faults().add_latency("list", "securitypolicies", std::chrono::milliseconds(300), 1);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.get(kSecpols).code, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  EXPECT_EQ(api->faults().size(), 0u);
}

TEST_F(Faults, DroppedWatchEndsMidStream) {
  auto c = client();
  auto w = watch(std::string(kSecpols) + "?watch=1");
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  ASSERT_EQ(c.post(kSecpols, secpol("a")).code, 201);
  ASSERT_TRUE(w->next());
  EXPECT_EQ(api->drop_watches(), 1u);
  ASSERT_TRUE(w->wait_end());
  EXPECT_FALSE(w->ended_cleanly());  // no terminating chunk: the client sees a broken stream
  EXPECT_TRUE(api->store().wait_for_watches("securitypolicies", 0, 10s));
  EXPECT_EQ(api->store().watch_count("securitypolicies"), 0u);
}

TEST_F(Faults, ExpiredWatchGetsGoneEventAndEndsCleanly) {
  auto w = watch(std::string(kSecpols) + "?watch=1");
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  EXPECT_EQ(api->expire_watches("securitypolicies"), 1u);
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ERROR");
  EXPECT_EQ((*e)["object"]["code"], 410);
  ASSERT_TRUE(w->wait_end());
  EXPECT_TRUE(w->ended_cleanly());
}

TEST_F(Faults, RestartDropsWatchesAndStartsANewHistory) {
  auto c = client();
  const json p = c.post(kSecpols, secpol("a")).js();
  auto w = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv_of(p));
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  const auto before = api->store().resource_version();
  api->restart(5000);
  ASSERT_TRUE(w->wait_end());
  EXPECT_FALSE(w->ended_cleanly());
  EXPECT_EQ(api->store().resource_version(), before + 5000);
  // Objects survive; the old resourceVersion is gone from history.
  EXPECT_EQ(c.get(std::string(kSecpols) + "/a").code, 200);
  auto again = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv_of(p));
  auto e = again->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ERROR");
  EXPECT_EQ((*e)["object"]["reason"], "Expired");
  // A relist gives the new resourceVersion and watching from it works.
  const std::string rv = c.get(kSecpols).js()["metadata"]["resourceVersion"];
  EXPECT_EQ(std::stoull(rv), before + 5000);
  auto fresh = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv);
  ASSERT_EQ(c.post(kSecpols, secpol("b")).code, 201);
  e = fresh->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "b");
  EXPECT_GT(rv_num((*e)["object"]), before + 5000);
}

TEST_F(Faults, SuspendRefusesConnectionsUntilResume) {
  auto c = client();
  ASSERT_EQ(c.get(kSecpols).code, 200);
  auto w = watch(std::string(kSecpols) + "?watch=1");
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  const auto port = api->port();
  api->suspend();
  EXPECT_TRUE(api->suspended());
  ASSERT_TRUE(w->wait_end());
  EXPECT_FALSE(w->ended_cleanly());
  EXPECT_TRUE(c.get(kSecpols).connect_failed);
  api->resume();
  EXPECT_EQ(api->port(), port);
  EXPECT_EQ(c.get(kSecpols).code, 200);
}

TEST_F(Faults, RequestLogRecordsKubernetesAttributes) {
  ServerOptions o;
  o.tokens["op-token"] = {"system:serviceaccount:kindlyguard:operator", {"system:serviceaccounts"}};
  start(o);
  HttpClient c = client({.token = "op-token"});
  ASSERT_EQ(c.post(kPods, pod("web")).code, 201);
  ASSERT_EQ(c.get(std::string(kPods) + "/web").code, 200);
  ASSERT_EQ(c.patch(std::string(kPods) + "/web/status", {{"status", {{"phase", "Running"}}}}).code, 200);
  ASSERT_EQ(c.get("/api/v1/pods").code, 200);
  ASSERT_EQ(c.del(std::string(kPods) + "/web").code, 200);
  ASSERT_EQ(c.request("DELETE", kPods).code, 200);
  ASSERT_EQ(c.get(std::string(kPods) + "/web").code, 404);
  ASSERT_EQ(c.get("/api/v1/namespaces/default").code, 200);
  ASSERT_EQ(client().get(kSecpols).code, 200);  // anonymous

  const auto all = api->requests().all();
  ASSERT_EQ(all.size(), 9u);
  auto expect = [&](std::size_t i, const char* verb, const char* resource, const char* sub, const char* ns,
                    const char* name, int code) {
    SCOPED_TRACE(i);
    EXPECT_EQ(all[i].info.verb, verb);
    EXPECT_EQ(all[i].info.resource, resource);
    EXPECT_EQ(all[i].info.subresource, sub);
    EXPECT_EQ(all[i].info.ns, ns);
    EXPECT_EQ(all[i].info.name, name);
    EXPECT_EQ(all[i].code, code);
  };
  expect(0, "create", "pods", "", "default", "", 201);
  expect(1, "get", "pods", "", "default", "web", 200);
  expect(2, "patch", "pods", "status", "default", "web", 200);
  expect(3, "list", "pods", "", "", "", 200);
  expect(4, "delete", "pods", "", "default", "web", 200);
  expect(5, "deletecollection", "pods", "", "default", "", 200);
  expect(6, "get", "pods", "", "default", "web", 404);
  expect(7, "get", "namespaces", "", "default", "default", 200);  // as RequestInfo has it
  expect(8, "list", "securitypolicies", "", "", "", 200);
  EXPECT_EQ(all[0].user, "system:serviceaccount:kindlyguard:operator");
  EXPECT_EQ(all[0].method, "POST");
  EXPECT_EQ(all[0].info.api_group, "");
  EXPECT_EQ(all[8].user, "system:anonymous");
  EXPECT_EQ(all[8].info.api_group, "kindlyguard.io");
  EXPECT_EQ(all[0].body.find("\"web\"") != std::string::npos, true);

  const auto perms = api->requests().permissions("system:serviceaccount:kindlyguard:operator");
  EXPECT_TRUE(perms.count({"", "pods/status", "patch"}));
  EXPECT_TRUE(perms.count({"", "pods", "deletecollection"}));
  EXPECT_FALSE(perms.count({"kindlyguard.io", "securitypolicies", "list"}));
  EXPECT_EQ(api->requests().count({.user = "system:anonymous"}), 1u);
}

TEST_F(Faults, RequestLogWaitIsEventDriven) {
  std::thread later([port = api->port()] {
    HttpClient c(port);
    c.get(kSecpols);
  });
  EXPECT_TRUE(api->requests().wait_for({.verb = "list", .resource = "securitypolicies.kindlyguard.io"}, 1, 10s));
  later.join();
}

TEST_F(Faults, BearerTokensAndRequiredAuth) {
  ServerOptions o;
  o.tokens["good"] = {"alice", {"system:authenticated"}};
  o.require_auth = true;
  start(o);
  Response r = client().get(kSecpols);
  EXPECT_EQ(r.code, 401);
  EXPECT_EQ(r.js()["reason"], "Unauthorized");
  EXPECT_EQ(client({.token = "bad"}).get("/api").code, 401);
  EXPECT_EQ(client({.token = "good"}).get(kSecpols).code, 200);
  EXPECT_EQ(api->requests().find({.code = 200})[0].user, "alice");
}

TEST_F(Faults, AuthorizerDeniesWithKubernetesWording) {
  ServerOptions o;
  o.tokens["t"] = {"system:serviceaccount:kindlyguard:kindlyguard", {}};
  start(o);
  api->set_authorizer(ta::rules_authorizer(
      {{.api_groups = {"kindlyguard.io"}, .resources = {"securitypolicies"}, .verbs = {"get", "list", "watch"}},
       {.api_groups = {"kindlyguard.io"}, .resources = {"securitypolicies/status"}, .verbs = {"update", "patch"}}},
      "system:serviceaccount:kindlyguard:kindlyguard"));
  auto c = client({.token = "t"});
  EXPECT_EQ(c.get(kSecpols).code, 200);
  Response r = c.post(kSecpols, secpol("x"));
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(r.js()["reason"], "Forbidden");
  EXPECT_EQ(r.js()["message"],
            "securitypolicies.kindlyguard.io is forbidden: User \"system:serviceaccount:kindlyguard:kindlyguard\" "
            "cannot create resource \"securitypolicies\" in API group \"kindlyguard.io\" at the cluster scope");
  r = c.get(std::string(kPods) + "/p");
  EXPECT_EQ(r.js()["message"],
            "pods \"p\" is forbidden: User \"system:serviceaccount:kindlyguard:kindlyguard\" cannot get resource "
            "\"pods\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(client().post(kSecpols, secpol("x")).code, 201);  // other users are not restricted
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/x/status", {{"status", {{"violations", 1}}}}).code, 200);
}

TEST_F(Faults, ControlEndpointsOverHttp) {
  auto c = client();
  Response r = c.post("/_test/faults", {{"verb", "list"}, {"resource", "securitypolicies"}, {"code", 503},
                                        {"count", 1}, {"retryAfterSeconds", 2}});
  ASSERT_EQ(r.code, 200);
  r = c.get(kSecpols);
  EXPECT_EQ(r.code, 503);
  EXPECT_EQ(r.header("retry-after"), "2");
  EXPECT_EQ(c.get(kSecpols).code, 200);

  const json log = c.get("/_test/requests?verb=list&resource=securitypolicies").js();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["code"], 503);
  EXPECT_EQ(log[0]["injected"], true);
  EXPECT_EQ(log[1]["code"], 200);
  EXPECT_EQ(c.get("/_test/permissions").js()[0]["resource"], "securitypolicies");

  const json p = c.post(kSecpols, secpol("a")).js();
  auto w = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv_of(p));
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  EXPECT_EQ(c.get("/_test/watches?resource=securitypolicies").js()["count"], 1);
  EXPECT_EQ(c.post("/_test/watches/drop", json::object()).js()["dropped"], 1);
  ASSERT_TRUE(w->wait_end());
  EXPECT_FALSE(w->ended_cleanly());

  r = c.post("/_test/compact", json::object());
  EXPECT_EQ(r.js()["compactedResourceVersion"], std::to_string(api->store().resource_version()));
  r = c.post("/_test/restart?rvJump=10", json::object());
  EXPECT_EQ(r.js()["resourceVersion"], std::to_string(api->store().resource_version()));
  EXPECT_EQ(c.get("/_test/objects/secpol").js()[0]["metadata"]["name"], "a");

  // Suspend for a while over HTTP: refused, then back by itself.
  ASSERT_EQ(c.post("/_test/suspend?seconds=1", json::object()).code, 200);
  bool refused = false, back = false;
  for (int i = 0; i < 2000 && !back; ++i) {  // bounded polling of an external state change
    const Response probe = c.get("/healthz");
    refused |= probe.connect_failed;
    back = refused && probe.code == 200;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(back);
  EXPECT_EQ(c.request("DELETE", "/_test/requests").code, 200);
  EXPECT_TRUE(api->requests().all().empty());
}

}  // namespace
}  // namespace kta_test
