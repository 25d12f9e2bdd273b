#include "fixture.hpp"
#include "kindly_test_apiserver/tables.hpp"

namespace kta_test {
namespace {

namespace ta = kindly::testapi;
constexpr const char* kTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

std::vector<std::string> column_names(const json& t) {
  std::vector<std::string> out;
  for (const auto& c : t["columnDefinitions"]) out.push_back(c["name"]);
  return out;
}

class Tables : public ApiTest {};

TEST_F(Tables, ListAndGetAnswerTablesWhenAskedFor) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("p")).code, 201);
  json t = c.get(kSecpols, kTable).js();
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Age"}));
  ASSERT_EQ(t["rows"].size(), 1u);
  EXPECT_EQ(t["rows"][0]["cells"][0], "p");
  EXPECT_TRUE(t["rows"][0]["cells"][1].get<std::string>().back() == 's');  // "0s", "1s"
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["rows"][0]["object"]["metadata"]["name"], "p");
  EXPECT_FALSE(t["metadata"]["resourceVersion"].get<std::string>().empty());

  t = c.get(std::string(kSecpols) + "/p?includeObject=Object", kTable).js();
  EXPECT_EQ(t["rows"][0]["object"]["spec"]["enforcement"], "Deny");
  t = c.get(std::string(kSecpols) + "/p?includeObject=None", kTable).js();
  EXPECT_FALSE(t["rows"][0].contains("object"));
  // Plain JSON still when not asked.
  EXPECT_EQ(c.get(kSecpols).js()["kind"], "SecurityPolicyList");
  // Protobuf only is not acceptable.
  EXPECT_EQ(c.get(kSecpols, "application/vnd.kubernetes.protobuf").code, 406);
}

TEST_F(Tables, PodsHaveTheFamiliarColumns) {
  auto c = client();
  json p = pod("web");
  p["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox"}});
  ASSERT_EQ(c.post(kPods, p).code, 201);
  ASSERT_EQ(c.patch(std::string(kPods) + "/web/status",
                    {{"status", {{"phase", "Running"},
                                 {"containerStatuses", {{{"name", "app"}, {"ready", true}, {"restartCount", 2}},
                                                        {{"name", "side"}, {"ready", false}, {"restartCount", 1}}}}}}})
                .code,
            200);
  const json t = c.get(kPods, kTable).js();
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"}));
  const json& cells = t["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "web");
  EXPECT_EQ(cells[1], "1/2");
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "3");
  EXPECT_EQ(t["columnDefinitions"][5]["priority"], 1);
}

TEST_F(Tables, CustomResourcesUseTheCrdPrinterColumns) {
  auto c = client();
  const json crd = json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "securitypolicies.kindlyguard.io"},
    "spec": {"group": "kindlyguard.io", "scope": "Cluster",
      "names": {"plural": "securitypolicies", "singular": "securitypolicy", "kind": "SecurityPolicy",
                "shortNames": ["secpol"]},
      "versions": [{"name": "v1alpha1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "additionalPrinterColumns": [
          {"name": "Enforcement", "type": "string", "jsonPath": ".spec.enforcement"},
          {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
          {"name": "Violations", "type": "integer", "jsonPath": ".status.violations"},
          {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}})");
  ASSERT_EQ(c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).code, 201);
  ASSERT_EQ(c.post(kSecpols, secpol("p", "Warn")).code, 201);
  ASSERT_EQ(c.patch(std::string(kSecpols) + "/p/status",
                    {{"status", {{"violations", 4},
                                 {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}})
                .code,
            200);
  const json t = c.get(kSecpols, kTable).js();
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Enforcement", "Ready", "Violations", "Age"}));
  const json& cells = t["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "p");
  EXPECT_EQ(cells[1], "Warn");
  EXPECT_EQ(cells[2], "True");
  EXPECT_EQ(cells[3], 4);
  EXPECT_EQ(cells[4].get<std::string>().back(), 's');
}

TEST_F(Tables, WatchCanStreamTables) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("p")).code, 201);
  WatchStream w(api->port(), std::string(kSecpols) + "?watch=1", {}, kTable);
  auto e = w.next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ADDED");
  EXPECT_EQ((*e)["object"]["kind"], "Table");
  EXPECT_EQ((*e)["object"]["rows"][0]["cells"][0], "p");
  EXPECT_TRUE((*e)["object"].contains("columnDefinitions"));
}

TEST(JsonPath, Subset) {
  const json o = json::parse(R"({"spec":{"a.b":1,"list":[{"t":"x","v":1},{"t":"y","v":2}]}})");
  EXPECT_EQ(ta::eval_jsonpath(o, ".spec.list[1].v"), std::vector<json>{2});
  EXPECT_EQ(ta::eval_jsonpath(o, ".spec.list[*].t"), (std::vector<json>{"x", "y"}));
  EXPECT_EQ(ta::eval_jsonpath(o, ".spec.list[?(@.t==\"y\")].v"), std::vector<json>{2});
  EXPECT_EQ(ta::eval_jsonpath(o, "{.spec['a.b']}"), std::vector<json>{1});
  EXPECT_TRUE(ta::eval_jsonpath(o, ".spec.missing").empty());
}

}  // namespace
}  // namespace kta_test
