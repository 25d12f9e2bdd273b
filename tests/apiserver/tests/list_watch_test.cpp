#include "fixture.hpp"
#include "kindly_test_apiserver/selectors.hpp"
#include "kindly_test_apiserver/status.hpp"

namespace kta_test {
namespace {

namespace ta = kindly::testapi;

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& i : list["items"]) out.push_back(i["metadata"]["name"]);
  return out;
}

using Names = std::vector<std::string>;

TEST(LabelSelector, AllOperators) {
  const json labels = {{"app", "web"}, {"tier", "frontend"}, {"replicas", "3"}};
  auto m = [&](const char* s) { return ta::LabelSelector::parse(s).matches(labels); };
  EXPECT_TRUE(m(""));
  EXPECT_TRUE(m("app=web"));
  EXPECT_TRUE(m("app==web"));
  EXPECT_FALSE(m("app!=web"));
  EXPECT_TRUE(m("env!=prod"));  // absent key satisfies !=
  EXPECT_TRUE(m("tier in (frontend, backend)"));
  EXPECT_FALSE(m("tier notin (frontend)"));
  EXPECT_TRUE(m("env notin (prod)"));
  EXPECT_TRUE(m("app"));
  EXPECT_FALSE(m("!app"));
  EXPECT_TRUE(m("!env"));
  EXPECT_TRUE(m("replicas>2"));
  EXPECT_FALSE(m("replicas<2"));
  EXPECT_TRUE(m("app=web,tier in (frontend),!env"));
  EXPECT_FALSE(m("app=web,tier=backend"));
  EXPECT_THROW(ta::LabelSelector::parse("app in frontend"), ta::ApiError);
  EXPECT_THROW(ta::LabelSelector::parse("app=has space"), ta::ApiError);
  EXPECT_THROW(ta::LabelSelector::parse("=x"), ta::ApiError);
}

TEST(FieldSelector, SupportedFieldsOnly) {
  const auto reg = ta::ResourceRegistry::with_defaults();
  const json p = {{"metadata", {{"name", "a"}, {"namespace", "n"}}},
                  {"spec", {{"nodeName", "node-1"}, {"hostNetwork", true}}},
                  {"status", {{"phase", "Running"}}}};
  auto m = [&](const char* s) { return ta::FieldSelector::parse(s, reg.at("pods")).matches(p); };
  EXPECT_TRUE(m("metadata.name=a"));
  EXPECT_TRUE(m("metadata.namespace==n,status.phase=Running"));
  EXPECT_TRUE(m("spec.nodeName!=node-2"));
  EXPECT_TRUE(m("spec.hostNetwork=true"));
  EXPECT_FALSE(m("status.phase!=Running"));
  EXPECT_THROW(ta::FieldSelector::parse("spec.foo=x", reg.at("pods")), ta::ApiError);
  EXPECT_THROW(ta::FieldSelector::parse("status.phase=Running", reg.at("securitypolicies")), ta::ApiError);
}

class ListWatch : public ApiTest {
 protected:
  void seed() {
    auto c = client();
    ASSERT_EQ(c.post("/api/v1/namespaces", ns_obj("other")).code, 201);
    json a = pod("a", "default", {{"app", "web"}, {"tier", "frontend"}});
    a["spec"]["nodeName"] = "node-1";
    json b = pod("b", "default", {{"app", "web"}, {"tier", "backend"}});
    b["spec"]["nodeName"] = "node-2";
    json d = pod("d", "other", {{"app", "db"}});
    ASSERT_EQ(c.post(kPods, a).code, 201);
    ASSERT_EQ(c.post(kPods, b).code, 201);
    ASSERT_EQ(c.post("/api/v1/namespaces/other/pods", d).code, 201);
    // Phase is status: set it the way kubelet would, through /status.
    ASSERT_EQ(c.patch(std::string(kPods) + "/a/status", {{"status", {{"phase", "Running"}}}}).code, 200);
  }
};

TEST_F(ListWatch, ListsWithLabelAndFieldSelectors) {
  seed();
  auto c = client();
  const json all = c.get(kPods).js();
  EXPECT_EQ(all["kind"], "PodList");
  EXPECT_EQ(all["apiVersion"], "v1");
  EXPECT_EQ(all["metadata"]["resourceVersion"], std::to_string(api->store().resource_version()));
  EXPECT_EQ(names(all), (Names{"a", "b"}));
  EXPECT_FALSE(all["items"][0].contains("kind"));  // built-in list items carry no kind, like the real server

  EXPECT_EQ(names(c.get("/api/v1/pods").js()), (Names{"a", "b", "d"}));  // cluster-wide, namespace order
  EXPECT_EQ(names(c.get("/api/v1/pods?labelSelector=app%3Dweb%2Ctier%20in%20(backend)").js()), (Names{"b"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?labelSelector=app!%3Dweb").js()), (Names{"d"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?labelSelector=!tier").js()), (Names{"d"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?labelSelector=tier%20notin%20(frontend)").js()), (Names{"b", "d"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-2").js()), (Names{"b"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?fieldSelector=status.phase%3DRunning").js()), (Names{"a"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?fieldSelector=metadata.namespace%3Dother").js()), (Names{"d"}));
  EXPECT_EQ(names(c.get("/api/v1/pods?fieldSelector=metadata.name!%3Da,metadata.namespace%3Ddefault").js()),
            (Names{"b"}));
  const Response bad = c.get("/api/v1/pods?fieldSelector=spec.bogus%3Dx");
  EXPECT_EQ(bad.code, 400);
  EXPECT_EQ(bad.js()["message"], "field label not supported: spec.bogus");
  EXPECT_EQ(c.get("/api/v1/pods?labelSelector=a%20in%20b").code, 400);

  // Custom resources keep kind/apiVersion in items.
  ASSERT_EQ(c.post(kSecpols, secpol("p")).code, 201);
  const json sps = c.get(kSecpols).js();
  EXPECT_EQ(sps["kind"], "SecurityPolicyList");
  EXPECT_EQ(sps["items"][0]["kind"], "SecurityPolicy");
}

TEST_F(ListWatch, LimitAndContinuePage) {
  auto c = client();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.post(kSecpols, secpol("p" + std::to_string(i))).code, 201);
  json page = c.get(std::string(kSecpols) + "?limit=2").js();
  EXPECT_EQ(names(page), (Names{"p0", "p1"}));
  EXPECT_EQ(page["metadata"]["remainingItemCount"], 3);
  const std::string rv = page["metadata"]["resourceVersion"];
  // A change between pages does not show: pages are consistent at the first page's version.
  ASSERT_EQ(c.del(std::string(kSecpols) + "/p3").code, 200);
  Names seen = names(page);
  while (page["metadata"].contains("continue")) {
    page = c.get(std::string(kSecpols) + "?limit=2&continue=" + page["metadata"]["continue"].get<std::string>()).js();
    EXPECT_EQ(page["metadata"]["resourceVersion"], rv);
    for (const auto& n : names(page)) seen.push_back(n);
  }
  EXPECT_EQ(seen, (Names{"p0", "p1", "p2", "p3", "p4"}));
  // After compaction the continue token is too old.
  const json first = c.get(std::string(kSecpols) + "?limit=1").js();
  ASSERT_EQ(c.post(kSecpols, secpol("late")).code, 201);
  api->compact();
  const Response gone =
      c.get(std::string(kSecpols) + "?limit=1&continue=" + first["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(gone.code, 410);
  EXPECT_EQ(gone.js()["reason"], "Expired");
}

// Later pages are served from the live table with the changes since the first page laid over
// it: an object changed, deleted, re-created or added after the first page must show as it was.
TEST_F(ListWatch, ContinuePagesShowTheFirstPagesStateAcrossNamespaces) {
  auto c = client();
  ASSERT_EQ(c.post("/api/v1/namespaces", ns_obj("other")).code, 201);
  for (const char* n : {"a", "b", "c", "d"}) ASSERT_EQ(c.post("/api/v1/namespaces/default/pods", pod(n)).code, 201);
  for (const char* n : {"e", "f"}) ASSERT_EQ(c.post("/api/v1/namespaces/other/pods", pod(n, "other")).code, 201);
  json page = c.get("/api/v1/pods?limit=2").js();
  EXPECT_EQ(names(page), (Names{"a", "b"}));
  EXPECT_EQ(page["metadata"]["remainingItemCount"], 4);
  const std::string rv = page["metadata"]["resourceVersion"];
  ASSERT_EQ(c.patch("/api/v1/namespaces/default/pods/c", {{"metadata", {{"labels", {{"changed", "yes"}}}}}}).code, 200);
  ASSERT_EQ(c.del("/api/v1/namespaces/default/pods/d").code, 200);
  ASSERT_EQ(c.post("/api/v1/namespaces/default/pods", pod("d")).code, 201);
  ASSERT_EQ(c.del("/api/v1/namespaces/other/pods/e").code, 200);
  ASSERT_EQ(c.post("/api/v1/namespaces/default/pods", pod("cc")).code, 201);
  Names seen = names(page);
  while (page["metadata"].contains("continue")) {
    page = c.get("/api/v1/pods?limit=2&continue=" + page["metadata"]["continue"].get<std::string>()).js();
    EXPECT_EQ(page["metadata"]["resourceVersion"], rv);
    for (const auto& i : page["items"]) {
      EXPECT_FALSE(i["metadata"].contains("labels") && i["metadata"]["labels"].contains("changed"));
      EXPECT_LE(std::stoull(i["metadata"]["resourceVersion"].get<std::string>()), std::stoull(rv));
    }
    for (const auto& n : names(page)) seen.push_back(n);
  }
  EXPECT_EQ(seen, (Names{"a", "b", "c", "d", "e", "f"}));
  // One namespace, paged, also at the first page's state; the current state after.
  page = c.get("/api/v1/namespaces/default/pods?limit=3").js();
  EXPECT_EQ(names(page), (Names{"a", "b", "c"}));
  ASSERT_EQ(c.del("/api/v1/namespaces/default/pods/cc").code, 200);
  ASSERT_EQ(c.post("/api/v1/namespaces/default/pods", pod("z")).code, 201);
  page = c.get("/api/v1/namespaces/default/pods?limit=3&continue=" + page["metadata"]["continue"].get<std::string>()).js();
  EXPECT_EQ(names(page), (Names{"cc", "d"}));
  EXPECT_FALSE(page["metadata"].contains("continue"));
  EXPECT_EQ(names(c.get("/api/v1/namespaces/default/pods").js()), (Names{"a", "b", "c", "d", "z"}));
}

TEST_F(ListWatch, ListResourceVersionSemantics) {
  auto c = client();
  const json p0 = c.post(kSecpols, secpol("p0")).js();
  const std::string rv0 = rv_of(p0);
  ASSERT_EQ(c.post(kSecpols, secpol("p1")).code, 201);
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/p0", {{"spec", {{"enforcement", "Warn"}}}}).code, 200);

  // NotOlderThan (and no match): the current state.
  json l = c.get(std::string(kSecpols) + "?resourceVersion=" + rv0 + "&resourceVersionMatch=NotOlderThan").js();
  EXPECT_EQ(names(l), (Names{"p0", "p1"}));
  EXPECT_EQ(l["metadata"]["resourceVersion"], std::to_string(api->store().resource_version()));
  // Exact: the state at that version, rebuilt from history.
  l = c.get(std::string(kSecpols) + "?resourceVersion=" + rv0 + "&resourceVersionMatch=Exact").js();
  EXPECT_EQ(names(l), (Names{"p0"}));
  EXPECT_EQ(l["items"][0]["spec"]["enforcement"], "Deny");
  EXPECT_EQ(l["metadata"]["resourceVersion"], rv0);
  // Exact older than the history: 410.
  api->compact();
  const Response gone = c.get(std::string(kSecpols) + "?resourceVersion=" + rv0 + "&resourceVersionMatch=Exact");
  EXPECT_EQ(gone.code, 410);
  EXPECT_EQ(gone.js()["reason"], "Expired");
  // resourceVersionMatch without resourceVersion is invalid.
  EXPECT_EQ(c.get(std::string(kSecpols) + "?resourceVersionMatch=Exact").code, 422);
}

TEST_F(ListWatch, FutureResourceVersionTimesOut) {
  ServerOptions o;
  o.store.too_large_rv_wait = std::chrono::milliseconds(50);
  start(o);
  auto c = client();
  const std::string future = std::to_string(api->store().resource_version() + 100);
  const Response r = c.get(std::string(kSecpols) + "?resourceVersion=" + future);
  EXPECT_EQ(r.code, 504);
  EXPECT_EQ(r.js()["reason"], "Timeout");
  EXPECT_EQ(r.js()["details"]["causes"][0]["reason"], "ResourceVersionTooLarge");
  EXPECT_NE(r.js()["message"].get<std::string>().find("Too large resource version: " + future), std::string::npos);
}

TEST_F(ListWatch, WatchReplaysFromResourceVersionThenStreams) {
  auto c = client();
  const json p0 = c.post(kSecpols, secpol("p0")).js();
  ASSERT_EQ(c.post(kSecpols, secpol("p1")).code, 201);
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/p0", {{"spec", {{"enforcement", "Warn"}}}}).code, 200);

  auto w = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv_of(p0));
  ASSERT_EQ(w->status(), 200);
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ADDED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "p1");
  EXPECT_EQ((*e)["object"]["kind"], "SecurityPolicy");
  e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "MODIFIED");
  EXPECT_EQ((*e)["object"]["spec"]["enforcement"], "Warn");

  // Live events, in order, with increasing resourceVersions.
  ASSERT_EQ(c.del(std::string(kSecpols) + "/p1").code, 200);
  e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "DELETED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "p1");
  EXPECT_EQ(rv_of((*e)["object"]), std::to_string(api->store().resource_version()));
  EXPECT_FALSE(w->next(50ms));  // nothing else (a bounded look, not a sleep-based sync)
}

TEST_F(ListWatch, WatchWithoutResourceVersionStartsWithSyntheticAdds) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("a")).code, 201);
  ASSERT_EQ(c.post(kSecpols, secpol("b")).code, 201);
  for (const char* rv : {"", "&resourceVersion=0"}) {
    auto w = watch(std::string(kSecpols) + "?watch=true" + rv);
    auto e1 = w->next(), e2 = w->next();
    ASSERT_TRUE(e1 && e2);
    EXPECT_EQ((*e1)["type"], "ADDED");
    EXPECT_EQ((*e1)["object"]["metadata"]["name"], "a");
    EXPECT_EQ((*e2)["object"]["metadata"]["name"], "b");
  }
}

TEST_F(ListWatch, WatchSelectorsTurnTransitionsIntoAddedAndDeleted) {
  seed();
  auto c = client();
  const std::string rv = std::to_string(api->store().resource_version());
  auto w = watch("/api/v1/namespaces/default/pods?watch=1&labelSelector=tier%3Dfrontend&resourceVersion=" + rv);
  auto fw = watch("/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dnode-2&resourceVersion=" + rv);
  ASSERT_TRUE(api->store().wait_for_watches("pods", 2, 10s));

  // b starts matching the label selector: ADDED; a stops matching: DELETED.
  ASSERT_EQ(c.patch(std::string(kPods) + "/b", {{"metadata", {{"labels", {{"tier", "frontend"}}}}}}).code, 200);
  ASSERT_EQ(c.patch(std::string(kPods) + "/a", {{"metadata", {{"labels", {{"tier", "backend"}}}}}}).code, 200);
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ADDED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "b");
  e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "DELETED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "a");
  EXPECT_EQ((*e)["object"]["metadata"]["labels"]["tier"], "backend");

  // The field-selector watch only saw b (node-2), as MODIFIED.
  e = fw->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "MODIFIED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "b");
  EXPECT_FALSE(fw->next(50ms));
}

TEST_F(ListWatch, LegacyWatchPathAndSingleObjectWatch) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("a")).code, 201);
  ASSERT_EQ(c.post(kSecpols, secpol("b")).code, 201);
  auto w = watch("/apis/kindlyguard.io/v1alpha1/watch/securitypolicies/b");
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "b");
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/a", {{"spec", {{"enforcement", "Warn"}}}}).code, 200);
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/b", {{"spec", {{"enforcement", "Warn"}}}}).code, 200);
  e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "MODIFIED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "b");
  EXPECT_EQ(api->requests().count({.verb = "watch", .resource = "securitypolicies", .name = "b"}), 1u);
}

TEST_F(ListWatch, BookmarksArePeriodicAndEndATimedOutWatch) {
  ServerOptions o;
  o.bookmark_interval = std::chrono::milliseconds(100);
  start(o);
  auto c = client();
  const json p = c.post(kSecpols, secpol("a")).js();
  auto w = watch(std::string(kSecpols) + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv_of(p));
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "BOOKMARK");
  EXPECT_EQ((*e)["object"]["kind"], "SecurityPolicy");
  EXPECT_EQ((*e)["object"]["apiVersion"], "kindlyguard.io/v1alpha1");
  EXPECT_EQ((*e)["object"]["metadata"]["resourceVersion"], rv_of(p));
  EXPECT_FALSE((*e)["object"].contains("spec"));

  // A write moves the next bookmark's resourceVersion on.
  const json q = c.post(kSecpols, secpol("b")).js();
  bool saw_newer_bookmark = false;
  for (int i = 0; i < 20 && !saw_newer_bookmark; ++i) {
    e = w->next();
    ASSERT_TRUE(e);
    if ((*e)["type"] == "BOOKMARK") saw_newer_bookmark = rv_num((*e)["object"]) >= rv_num(q);
  }
  EXPECT_TRUE(saw_newer_bookmark);

  // timeoutSeconds: the stream ends cleanly, with a final bookmark.
  auto t = watch(std::string(kSecpols) + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" +
                 rv_of(q));
  ASSERT_TRUE(t->wait_end(10s));
  EXPECT_TRUE(t->ended_cleanly());
  std::optional<json> last;
  while (auto ev = t->next(0ms)) last = ev;
  ASSERT_TRUE(last);
  EXPECT_EQ((*last)["type"], "BOOKMARK");

  // Without allowWatchBookmarks there are none.
  auto n = watch(std::string(kSecpols) + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv_of(q));
  ASSERT_TRUE(n->wait_end(10s));
  EXPECT_TRUE(n->ended_cleanly());
  EXPECT_FALSE(n->next(0ms));
}

TEST_F(ListWatch, CompactedResourceVersionGivesGoneAsAWatchEvent) {
  auto c = client();
  const json p = c.post(kSecpols, secpol("a")).js();
  ASSERT_EQ(c.post(kSecpols, secpol("b")).code, 201);
  api->compact();
  const auto floor = api->store().compacted_resource_version();
  auto w = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv_of(p));
  EXPECT_EQ(w->status(), 200);  // the real server answers 200 and one ERROR event
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ERROR");
  const json& s = (*e)["object"];
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["apiVersion"], "v1");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["code"], 410);
  EXPECT_EQ(s["reason"], "Expired");
  EXPECT_EQ(s["message"], "too old resource version: " + rv_of(p) + " (" + std::to_string(floor) + ")");
  ASSERT_TRUE(w->wait_end());
  EXPECT_TRUE(w->ended_cleanly());

  // From the compaction point on, watching works again.
  auto ok = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + std::to_string(floor));
  ASSERT_EQ(c.post(kSecpols, secpol("c")).code, 201);
  e = ok->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ADDED");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "c");
}

TEST_F(ListWatch, HistoryLimitCompactsOldEvents) {
  ServerOptions o;
  o.store.history_limit = 3;
  start(o);
  auto c = client();
  const json first = c.post(kSecpols, secpol("p0")).js();
  for (int i = 1; i < 6; ++i) ASSERT_EQ(c.post(kSecpols, secpol("p" + std::to_string(i))).code, 201);
  auto w = watch(std::string(kSecpols) + "?watch=1&resourceVersion=" + rv_of(first));
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["code"], 410);
}

TEST_F(ListWatch, StreamingListSendsInitialEventsThenABookmark) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("a")).code, 201);
  auto w = watch(std::string(kSecpols) +
                 "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
  auto e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ADDED");
  e = w->next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "BOOKMARK");
  EXPECT_EQ((*e)["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  // Without the required parameters it is invalid (answered before the stream starts).
  EXPECT_EQ(c.get(std::string(kSecpols) + "?watch=1&sendInitialEvents=true").code, 422);
  EXPECT_EQ(c.get(std::string(kSecpols) + "?watch=1&resourceVersionMatch=NotOlderThan&resourceVersion=1").code, 422);
}

TEST_F(ListWatch, ClientThatHangsUpReleasesItsWatch) {
  auto w = watch(std::string(kSecpols) + "?watch=1");
  ASSERT_TRUE(api->store().wait_for_watches("securitypolicies", 1, 10s));
  w->close();
  EXPECT_TRUE(api->store().wait_for(
      [](const kindly::testapi::StoreView& v) { return v.watch_count("securitypolicies") == 0; }, 10s));
}

}  // namespace
}  // namespace kta_test
