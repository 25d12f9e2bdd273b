// Direct C++ access to the store, and event-driven waiting, without HTTP.
#include <thread>

#include "fixture.hpp"
#include "kindly_test_apiserver/status.hpp"

namespace kta_test {
namespace {

namespace ta = kindly::testapi;

class Store : public ApiTest {};

TEST_F(Store, DirectCrudKeepsStatusAndChecksResourceVersion) {
  auto& s = api->store();
  json p = pod("seeded");
  p["status"] = {{"phase", "Running"}};
  const json created = s.create("pods", p);
  EXPECT_EQ(created["status"]["phase"], "Running");  // direct writes are taken whole
  EXPECT_EQ(created["metadata"]["generation"], 1);
  // Visible over HTTP like any other object.
  EXPECT_EQ(client().get(std::string(kPods) + "/seeded").js()["status"]["phase"], "Running");

  auto got = s.get("pods", "default", "seeded");
  ASSERT_TRUE(got);
  json stale = *got;
  json changed = *got;
  changed["spec"]["containers"][0]["image"] = "nginx:2";
  const json updated = s.update("pods", changed);
  EXPECT_EQ(updated["metadata"]["generation"], 2);
  stale["metadata"]["labels"] = {{"x", "y"}};
  try {
    s.update("pods", stale);
    FAIL() << "a stale update must conflict";
  } catch (const ta::ApiError& e) {
    EXPECT_EQ(e.code(), 409);
  }

  EXPECT_EQ(s.merge_patch("pods", "default", "seeded", {{"metadata", {{"labels", {{"a", "b"}}}}}})["metadata"]["labels"]["a"],
            "b");
  EXPECT_EQ(s.list("pods", "default", "a=b").size(), 1u);
  EXPECT_EQ(s.list("po").size(), 1u);  // short names work
  json upserted = s.upsert("secpol", secpol("u"));
  EXPECT_EQ(upserted["metadata"]["generation"], 1);
  upserted = s.upsert("secpol", secpol("u", "Warn"));
  EXPECT_EQ(upserted["metadata"]["generation"], 2);
  EXPECT_TRUE(s.remove("pods", "default", "seeded"));
  EXPECT_FALSE(s.remove("pods", "default", "seeded"));
  EXPECT_FALSE(s.get("pods", "default", "seeded"));
  EXPECT_THROW(s.create("nonsense", json::object()), std::invalid_argument);
}

TEST_F(Store, WaitForIsWokenByWritesFromAnotherThread) {
  auto& s = api->store();
  std::thread writer([port = api->port()] {
    HttpClient c(port);
    c.post(kSecpols, secpol("late", "Warn"));
  });
  const auto got = s.wait_for_object("securitypolicies", "", "late",
                                     [](const json& o) { return o["spec"]["enforcement"] == "Warn"; }, 10s);
  writer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["metadata"]["name"], "late");

  // A predicate that never holds times out with false.
  EXPECT_FALSE(s.wait_for([](const ta::StoreView& v) { return v.get("pods", "default", "never") != nullptr; }, 20ms));

  std::thread deleter([&s] { s.remove("securitypolicies", "", "late"); });
  EXPECT_TRUE(s.wait_for_absent("securitypolicies", "", "late", 10s));
  deleter.join();
}

TEST_F(Store, HistoryRecordsEveryEventWithPreviousState) {
  auto& s = api->store();
  s.create("secpol", secpol("h"));
  s.merge_patch("secpol", "", "h", {{"spec", {{"enforcement", "Audit"}}}});
  s.remove("secpol", "", "h");
  const auto h = s.history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].type, "ADDED");
  EXPECT_EQ(h[1].type, "MODIFIED");
  EXPECT_EQ(h[1].previous["spec"]["enforcement"], "Deny");
  EXPECT_EQ(h[2].type, "DELETED");
  EXPECT_LT(h[0].resource_version, h[1].resource_version);
  EXPECT_LT(h[1].resource_version, h[2].resource_version);
}

TEST_F(Store, DefaultNamespacesExist) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_TRUE(api->store().get("namespaces", "", ns)) << ns;
  }
}

}  // namespace
}  // namespace kta_test
