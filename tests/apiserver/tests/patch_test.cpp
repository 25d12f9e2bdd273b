#include "fixture.hpp"
#include "kindly_test_apiserver/patch.hpp"
#include "kindly_test_apiserver/status.hpp"

namespace kta_test {
namespace {

using kindly::testapi::ApiError;
namespace ta = kindly::testapi;

TEST(PatchFunctions, MergePatchFollowsRfc7386) {
  const json target = {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"l", {1, 2}}};
  const json out = ta::apply_merge_patch(target, {{"b", {{"c", nullptr}, {"e", 4}}}, {"l", {3}}});
  EXPECT_EQ(out, json({{"a", 1}, {"b", {{"d", 3}, {"e", 4}}}, {"l", {3}}}));
}

TEST(PatchFunctions, JsonPatchFollowsRfc6902) {
  const json target = {{"spec", {{"x", 1}}}};
  EXPECT_EQ(ta::apply_json_patch(target, json::parse(R"([{"op":"add","path":"/spec/y","value":2},
                                                         {"op":"remove","path":"/spec/x"}])")),
            json({{"spec", {{"y", 2}}}}));
  try {
    ta::apply_json_patch(target, json::parse(R"([{"op":"test","path":"/spec/x","value":5}])"));
    FAIL() << "a failed test op must throw";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
  }
  EXPECT_THROW(ta::apply_json_patch(target, json::object()), ApiError);
}

TEST(PatchFunctions, StrategicMergeMergesListsByKeyAndHonoursDirectives) {
  const json target = json::parse(R"({
    "metadata": {"finalizers": ["a"], "labels": {"x": "1"}},
    "spec": {"containers": [{"name": "app", "image": "v1", "env": [{"name": "A", "value": "1"}]},
                            {"name": "side", "image": "s1"}],
             "volumes": [{"name": "v1", "emptyDir": {}}],
             "tolerations": [{"key": "t1"}]}})");
  const json patch = json::parse(R"({
    "metadata": {"finalizers": ["b"], "$deleteFromPrimitiveList/finalizers": ["a"]},
    "spec": {"$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
             "containers": [{"name": "app", "image": "v2", "env": [{"name": "B", "value": "2"}]},
                            {"name": "side", "$patch": "delete"}],
             "volumes": [{"$patch": "replace"}, {"name": "v2", "emptyDir": {}}],
             "tolerations": [{"key": "t2"}]}})");
  const json out = ta::apply_strategic_merge_patch(target, patch);
  EXPECT_EQ(out["metadata"]["finalizers"], json({"b"}));
  EXPECT_EQ(out["metadata"]["labels"]["x"], "1");
  ASSERT_EQ(out["spec"]["containers"].size(), 1u);
  EXPECT_EQ(out["spec"]["containers"][0]["image"], "v2");
  EXPECT_EQ(out["spec"]["containers"][0]["env"].size(), 2u);  // env merges by name
  EXPECT_EQ(out["spec"]["volumes"], json::parse(R"([{"name":"v2","emptyDir":{}}])"));
  EXPECT_EQ(out["spec"]["tolerations"], json::parse(R"([{"key":"t2"}])"));  // no merge key: replaced
  EXPECT_FALSE(out["spec"].contains("$setElementOrder/containers"));
}

class Patch : public ApiTest {};

TEST_F(Patch, MergeJsonAndStrategicOverHttp) {
  auto c = client();
  json p = pod("web");
  p["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox"}});
  ASSERT_EQ(c.post(kPods, p).code, 201);
  const std::string url = std::string(kPods) + "/web";

  Response r = c.patch(url, {{"metadata", {{"labels", {{"tier", "frontend"}}}}}});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.js()["metadata"]["labels"]["tier"], "frontend");
  EXPECT_EQ(r.js()["metadata"]["generation"], 1);

  r = c.patch(url, json::parse(R"([{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.26"}])"),
              "application/json-patch+json");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.js()["spec"]["containers"][0]["image"], "nginx:1.26");
  EXPECT_EQ(r.js()["metadata"]["generation"], 2);

  r = c.patch(url, json::parse(R"({"spec":{"containers":[{"name":"side","image":"busybox:2"}]}})"),
              "application/strategic-merge-patch+json");
  ASSERT_EQ(r.code, 200) << r.body;
  ASSERT_EQ(r.js()["spec"]["containers"].size(), 2u);  // merged by name, not replaced
  EXPECT_EQ(r.js()["spec"]["containers"][1]["image"], "busybox:2");

  r = c.patch(url, json::parse(R"([{"op":"test","path":"/metadata/name","value":"other"}])"),
              "application/json-patch+json");
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(c.patch(std::string(kPods) + "/missing", {{"metadata", {{"labels", {{"a", "b"}}}}}}).code, 404);
  EXPECT_EQ(c.request("PATCH", url, "{}", "text/plain").code, 415);
}

TEST_F(Patch, ResourceVersionInAPatchIsAPrecondition) {
  auto c = client();
  const json created = c.post(kSecpols, secpol("p")).js();
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/p", {{"spec", {{"enforcement", "Warn"}}}}).code, 200);
  const Response r =
      c.patch(std::string(kSecpols) + "/p", {{"metadata", {{"resourceVersion", rv_of(created)}}},
                                             {"spec", {{"enforcement", "Audit"}}}});
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.js()["reason"], "Conflict");
}

TEST_F(Patch, StrategicMergeIsRefusedForCustomResources) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("p")).code, 201);
  const Response r = c.patch(std::string(kSecpols) + "/p", {{"spec", {{"enforcement", "Warn"}}}},
                             "application/strategic-merge-patch+json");
  EXPECT_EQ(r.code, 415);
  EXPECT_EQ(r.js()["reason"], "UnsupportedMediaType");
}

TEST_F(Patch, ApplyPatchUpsertsWithJsonBodies) {
  auto c = client();
  const std::string url = std::string(kSecpols) + "/applied?fieldManager=kindlyguard&force=true";
  Response r = c.patch(url, secpol("applied"), "application/apply-patch+yaml");
  ASSERT_EQ(r.code, 201) << r.body;
  r = c.patch(url, {{"apiVersion", "kindlyguard.io/v1alpha1"}, {"kind", "SecurityPolicy"},
                    {"metadata", {{"name", "applied"}}}, {"spec", {{"enforcement", "Warn"}}}},
              "application/apply-patch+yaml");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.js()["spec"]["enforcement"], "Warn");
  EXPECT_EQ(r.js()["metadata"]["generation"], 2);
  // fieldManager is required; YAML that is not JSON is not understood.
  EXPECT_EQ(c.patch(std::string(kSecpols) + "/applied", secpol("applied"), "application/apply-patch+yaml").code, 422);
  EXPECT_EQ(c.request("PATCH", url, "spec:\n  enforcement: Deny\n", "application/apply-patch+yaml").code, 415);
}

}  // namespace
}  // namespace kta_test
