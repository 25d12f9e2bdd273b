// InformerOptions::transform (client-go's SetTransform) and the paged list consumed page by page:
// the cache and every handler see only transformed objects, from the list and from the watch,
// the old object of an update included; a list of five in pages of two is three requests whose
// items all reach the cache. SharedInformers' LeaderOnly scope: not started by start_all(),
// started and stopped (forgetting its cache) with the leadership.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client_fixture.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/client/shared_informers.hpp"

namespace kindlyguard::client::e2e {
namespace {

using ::testing::UnorderedElementsAre;

// Marks what it kept, and drops the status.
json mark(json obj) {
  obj.erase("status");
  obj["metadata"]["annotations"]["transformed"] = "yes";
  return obj;
}

bool marked(const json& obj) {
  return !obj.contains("status") && obj["metadata"].value("annotations", json::object()).value("transformed", "") == "yes";
}

json with_status(json pod) {
  pod["status"] = {{"phase", "Running"}, {"podIP", "10.0.0.1"}};
  return pod;
}

class InformerTransformTest : public ClientTest {};

TEST_F(InformerTransformTest, CacheAndHandlersSeeOnlyTransformedObjectsListedPageByPage) {
  for (const char* name : {"a", "b", "c", "d", "e"}) api->store().create("pods", with_status(pod(name)));
  InformerOptions o;
  o.resource = resources::pods;
  o.page_size = 2;
  o.transform = mark;
  Informer inf(*client, o);
  Recorder seen;
  inf.add_handlers({
      .on_add = [&](const json& obj) { seen.add(std::string(marked(obj) ? "add " : "RAW add ") + object_key(obj)); },
      .on_update = [&](const json& old_obj, const json& new_obj) {
        seen.add(std::string(marked(old_obj) && marked(new_obj) ? "update " : "RAW update ") + object_key(new_obj));
      },
      .on_delete = [&](const json& obj) { seen.add(std::string(marked(obj) ? "delete " : "RAW delete ") + object_key(obj)); },
  });
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(20s));
  EXPECT_THAT(seen.items(), UnorderedElementsAre("add default/a", "add default/b", "add default/c", "add default/d",
                                                 "add default/e"));
  EXPECT_EQ(api->requests().count({.verb = "list", .resource = "pods"}), 3u);
  ASSERT_EQ(inf.size(), 5u);
  for (const auto& obj : inf.list()) EXPECT_TRUE(marked(*obj)) << obj->dump();
  EXPECT_EQ((*inf.get("default/a"))["kind"], "Pod");  // filled in before the transform

  json changed = with_status(pod("a", "default", {{"app", "api"}}));
  api->store().update("pods", changed);
  api->store().create("pods", with_status(pod("f")));
  api->store().remove("pods", "default", "b");
  EXPECT_TRUE(seen.wait_for("update default/a"));
  EXPECT_TRUE(seen.wait_for("add default/f"));
  EXPECT_TRUE(seen.wait_for("delete default/b"));
  for (const auto& obj : inf.list()) EXPECT_TRUE(marked(*obj)) << obj->dump();
  for (const auto& e : seen.items()) EXPECT_EQ(e.rfind("RAW", 0), std::string::npos) << e;
  inf.stop();
}

TEST_F(InformerTransformTest, LeaderOnlyInformersRunWhileLeadingAndForgetAfter) {
  api->store().create("pods", pod("a"));
  SharedInformers shared(*client);
  Informer& pods = shared.get({.resource = resources::pods}, SharedInformers::Scope::LeaderOnly);
  Informer& namespaces = shared.get({.resource = resources::namespaces});
  Recorder seen;
  pods.add_handlers({.on_add = [&](const json& o) { seen.add("add " + object_key(o)); },
                     .on_synced = [&] { seen.add("synced"); }});
  shared.start_all();
  ASSERT_TRUE(namespaces.wait_for_sync(20s));
  ASSERT_TRUE(shared.wait_for_sync(20s));  // the leader-only informer is not waited for
  EXPECT_FALSE(pods.has_synced());
  EXPECT_EQ(api->requests().count({.verb = "list", .resource = "pods"}), 0u);

  shared.start_leader_only();
  ASSERT_TRUE(pods.wait_for_sync(20s));
  EXPECT_EQ(pods.size(), 1u);
  shared.stop_leader_only();
  EXPECT_FALSE(pods.has_synced());
  EXPECT_EQ(pods.size(), 0u);

  // A new leadership lists afresh and tells the handlers every object again.
  api->store().create("pods", pod("b"));
  shared.start_leader_only();
  ASSERT_TRUE(pods.wait_for_sync(20s));
  EXPECT_EQ(pods.size(), 2u);
  EXPECT_EQ(seen.items(), (std::vector<std::string>{"add default/a", "synced", "add default/a", "add default/b", "synced"}));
  shared.stop_all();
}

}  // namespace
}  // namespace kindlyguard::client::e2e
