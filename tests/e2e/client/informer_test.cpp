// Informer against the test API server: list then watch, resume after a drop without missing an
// update, relist with the difference after 410 (compaction, ERROR events, a restarted server),
// backoff through server errors and an API server that is down, selectors, and a prompt stop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "client_fixture.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/client/shared_informers.hpp"

namespace kindlyguard::client::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using Clock = std::chrono::steady_clock;

class InformerTest : public ClientTest {
 protected:
  InformerTest() { server_options.bookmark_interval = 200ms; }

  std::unique_ptr<Informer> make_informer(InformerOptions o = {}) {
    if (o.resource.plural.empty()) o.resource = resources::pods;
    o.backoff.initial = 100ms;
    o.backoff.max = 1s;
    auto inf = std::make_unique<Informer>(*client, o);
    inf->add_handlers({
        .on_add = [this](const json& obj) { events.add("add " + object_key(obj)); },
        .on_update = [this](const json& old_obj, const json& new_obj) {
          events.add("update " + object_key(new_obj) + " " + rv_of(old_obj) + "->" + rv_of(new_obj));
        },
        .on_delete = [this](const json& obj) { events.add("delete " + object_key(obj)); },
        .on_synced = [this] { events.add("synced"); },
    });
    return inf;
  }

  // Events that start with a prefix.
  std::vector<std::string> with_prefix(const std::string& prefix) {
    std::vector<std::string> out;
    for (auto& e : events.items())
      if (e.rfind(prefix, 0) == 0) out.push_back(e);
    return out;
  }

  Recorder events;
};

TEST_F(InformerTest, ListThenWatchSeesAddsUpdatesAndDeletes) {
  api->store().create("pods", pod("a"));
  api->store().create("pods", pod("b"));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  EXPECT_THAT(events.items(), UnorderedElementsAre("add default/a", "add default/b", "synced"));
  EXPECT_EQ(events.items().back(), "synced");  // after the initial adds
  ASSERT_NE(inf->get("default/a"), nullptr);
  EXPECT_EQ((*inf->get("default/a"))["kind"], "Pod");  // filled in for list items
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));

  api->store().create("pods", pod("c"));
  api->store().merge_patch("pods", "default", "a", {{"metadata", {{"labels", {{"v", "2"}}}}}});
  api->store().remove("pods", "default", "b");
  ASSERT_TRUE(events.wait_for("delete default/b"));
  EXPECT_TRUE(events.wait_for("add default/c"));
  EXPECT_EQ(with_prefix("update default/a").size(), 1u);
  EXPECT_EQ(inf->size(), 2u);
  EXPECT_EQ(inf->get("default/b"), nullptr);
  EXPECT_EQ((*inf->get("default/a"))["metadata"]["labels"]["v"], "2");
  EXPECT_EQ(inf->stats().lists, 1u);
}

TEST_F(InformerTest, DroppedWatchResumesFromTheLastResourceVersion) {
  api->store().create("pods", pod("a"));
  // Keep the informer from reconnecting until we say so, so the update lands while it is away.
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  const std::string resume_rv = inf->resource_version();
  const auto block = api->faults().add(fault("watch", "pods", 503, -1));
  api->requests().clear();
  ASSERT_EQ(api->drop_watches("pods"), 1u);
  ASSERT_TRUE(api->requests().wait_for({.verb = "watch", .resource = "pods", .code = 503}, 1, 10s));
  api->store().merge_patch("pods", "default", "a", {{"metadata", {{"labels", {{"v", "2"}}}}}});
  api->faults().remove(block);

  ASSERT_TRUE(events.wait([](const auto& v) {
    return std::any_of(v.begin(), v.end(), [](const std::string& e) { return e.rfind("update default/a", 0) == 0; });
  }));
  EXPECT_EQ(inf->stats().lists, 1u);  // resumed, not relisted
  auto watches = api->requests().find({.verb = "watch", .resource = "pods", .code = 200});
  ASSERT_FALSE(watches.empty());
  EXPECT_THAT(watches.front().query, ::testing::HasSubstr("resourceVersion=" + resume_rv));
  EXPECT_THAT(watches.front().query, ::testing::HasSubstr("allowWatchBookmarks=true"));
}

TEST_F(InformerTest, CompactionRelistsAndEmitsTheDifference) {
  api->store().create("pods", pod("stays"));
  api->store().create("pods", pod("changes"));
  api->store().create("pods", pod("goes"));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  events.clear();

  // While the informer is away, things change and the history it would resume from is lost.
  const auto block = api->faults().add(fault("watch", "pods", 503, -1));
  api->drop_watches("pods");
  ASSERT_TRUE(api->requests().wait_for({.verb = "watch", .resource = "pods", .code = 503}, 1, 10s));
  api->store().create("pods", pod("new"));
  api->store().merge_patch("pods", "default", "changes", {{"metadata", {{"labels", {{"v", "2"}}}}}});
  api->store().remove("pods", "default", "goes");
  api->compact();
  api->faults().remove(block);

  ASSERT_TRUE(events.wait([](const auto& v) { return v.size() >= 3; }));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  auto seen = events.items();
  ASSERT_EQ(seen.size(), 3u) << ::testing::PrintToString(seen);
  EXPECT_THAT(seen, UnorderedElementsAre("add default/new", ::testing::StartsWith("update default/changes "),
                                         "delete default/goes"));
  EXPECT_GE(inf->stats().relists, 1u);
  EXPECT_EQ(inf->stats().lists, 2u);
  EXPECT_EQ(inf->size(), 3u);
  EXPECT_EQ(inf->get("default/goes"), nullptr);

  // And it is watching again.
  api->store().create("pods", pod("after"));
  EXPECT_TRUE(events.wait_for("add default/after"));
}

TEST_F(InformerTest, ExpiredErrorEventRelists) {
  api->store().create("pods", pod("a"));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  EXPECT_EQ(api->expire_watches("pods"), 1u);
  ASSERT_TRUE(api->requests().wait_for({.verb = "list", .resource = "pods"}, 2, 20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  EXPECT_EQ(inf->stats().relists, 1u);
  EXPECT_EQ(with_prefix("add").size(), 1u);  // nothing changed: the relist emits nothing
  api->store().create("pods", pod("b"));
  EXPECT_TRUE(events.wait_for("add default/b"));
}

TEST_F(InformerTest, RestartedServerWithANewHistory) {
  api->store().create("pods", pod("a"));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  api->restart(1000);
  api->store().create("pods", pod("b"));
  EXPECT_TRUE(events.wait_for("add default/b"));
  api->store().remove("pods", "default", "a");
  EXPECT_TRUE(events.wait_for("delete default/a"));
  EXPECT_GE(std::stoull(inf->resource_version()), 1000u);
}

TEST_F(InformerTest, ServerErrorsAndThrottlingAreRetried) {
  api->store().create("pods", pod("a"));
  api->faults().add(fault("list", "pods", 500, 8));
  api->faults().add(fault("watch", "pods", 429, 2, 1));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(30s));
  EXPECT_GE(api->requests().count({.verb = "list", .resource = "pods", .code = 500}), 8u);
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 20s));
  EXPECT_EQ(api->requests().count({.verb = "watch", .resource = "pods", .code = 429}), 2u);
  api->store().create("pods", pod("b"));
  EXPECT_TRUE(events.wait_for("add default/b"));
}

TEST_F(InformerTest, DownApiServerCostsFewRequestsAndIsRecoveredFrom) {
  api->store().create("pods", pod("a"));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  const std::size_t before = recorded().size();
  api->suspend();
  // Measure the attempts over a fixed window: this bounds a rate, it is not a race.
  std::this_thread::sleep_for(3s);
  const std::size_t attempts = recorded().size() - before;
  EXPECT_LE(attempts, 30u) << "a busy loop against a down API server";
  api->resume();
  api->store().create("pods", pod("b"));
  EXPECT_TRUE(events.wait_for("add default/b", 60s));
}

TEST_F(InformerTest, LabelSelectorScopesTheCache) {
  api->store().create("pods", pod("web", "default", {{"app", "web"}}));
  api->store().create("pods", pod("db", "default", {{"app", "db"}}));
  InformerOptions o;
  o.resource = resources::pods;
  o.label_selector = "app=web";
  auto inf = make_informer(o);
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  EXPECT_EQ(inf->size(), 1u);
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  // Stops matching: gone from this informer's point of view.
  api->store().merge_patch("pods", "default", "web", {{"metadata", {{"labels", {{"app", "other"}}}}}});
  EXPECT_TRUE(events.wait_for("delete default/web"));
  EXPECT_EQ(inf->size(), 0u);
}

TEST_F(InformerTest, ClusterScopedResourceAndLateHandlers) {
  auto inf = make_informer({.resource = resources::namespaces});
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  EXPECT_NE(inf->get("kube-system"), nullptr);
  Recorder late;
  inf->add_handlers({.on_add = [&](const json& obj) { late.add(object_key(obj)); }, .on_synced = [&] { late.add("synced"); }});
  EXPECT_TRUE(late.wait_for("default", 1s));  // replayed at once from the cache
  EXPECT_TRUE(late.wait_for("synced", 1s));
}

TEST_F(InformerTest, PeriodicResync) {
  api->store().create("pods", pod("a"));
  auto inf = make_informer({.resource = resources::pods, .resync = 200ms});
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  const std::string rv = rv_of(*inf->get("default/a"));
  EXPECT_TRUE(events.wait_for("update default/a " + rv + "->" + rv));
}

TEST_F(InformerTest, StopIsPromptWhileAWatchIsOpen) {
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(20s));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  const auto t0 = Clock::now();
  inf->stop();
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_TRUE(api->store().wait_for([](const kindly::testapi::StoreView& v) { return v.watch_count("pods") == 0; }, 10s));
}

TEST_F(InformerTest, StopIsPromptWhileBackingOff) {
  api->faults().add(fault("list", "pods", 403, -1));
  auto inf = make_informer();
  inf->start();
  ASSERT_TRUE(api->requests().wait_for({.verb = "list", .resource = "pods", .code = 403}, 3, 20s));
  const auto t0 = Clock::now();
  inf->stop();
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_FALSE(inf->has_synced());
}

}  // namespace
}  // namespace kindlyguard::client::e2e

namespace kindlyguard::client::e2e {
namespace {

class SharedInformersTest : public ClientTest {};

TEST_F(SharedInformersTest, OneWatchPerResourceHoweverManyUsers) {
  api->store().create("pods", pod("a"));
  SharedInformers shared(*client);
  Informer& pods1 = shared.get({.resource = resources::pods});
  Informer& pods2 = shared.get({.resource = resources::pods});
  Informer& namespaces = shared.get({.resource = resources::namespaces});
  EXPECT_EQ(&pods1, &pods2);
  EXPECT_NE(&pods1, &namespaces);
  Recorder first, second;
  pods1.add_handlers({.on_add = [&](const json& o) { first.add(object_key(o)); }});
  pods2.add_handlers({.on_add = [&](const json& o) { second.add(object_key(o)); }});
  shared.start_all();
  ASSERT_TRUE(shared.wait_for_sync(20s));
  EXPECT_TRUE(first.wait_for("default/a"));
  EXPECT_TRUE(second.wait_for("default/a"));
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  EXPECT_EQ(api->store().watch_count("pods"), 1u);
  Informer& late = shared.get({.resource = resources::secrets, .ns = "default"});  // started at once
  EXPECT_TRUE(late.wait_for_sync(20s));
  shared.stop_all();
}

}  // namespace
}  // namespace kindlyguard::client::e2e
