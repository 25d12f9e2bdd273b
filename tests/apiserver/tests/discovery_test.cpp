#include <algorithm>

#include "fixture.hpp"

namespace kta_test {
namespace {

class Discovery : public ApiTest {};

const json* find_named(const json& arr, const std::string& field, const std::string& value) {
  for (const auto& e : arr) {
    if (e.value(field, "") == value) return &e;
  }
  return nullptr;
}

TEST_F(Discovery, ApiAndApisListTheGroups) {
  auto c = client();
  const json api_doc = c.get("/api").js();
  EXPECT_EQ(api_doc["kind"], "APIVersions");
  EXPECT_EQ(api_doc["versions"], json::array({"v1"}));

  const json apis = c.get("/apis").js();
  EXPECT_EQ(apis["kind"], "APIGroupList");
  for (const char* g : {"kindlyguard.io", "wgpolicyk8s.io", "coordination.k8s.io", "events.k8s.io", "networking.k8s.io",
                        "apps", "admissionregistration.k8s.io", "apiextensions.k8s.io"}) {
    const json* group = find_named(apis["groups"], "name", g);
    ASSERT_NE(group, nullptr) << g;
    EXPECT_FALSE((*group)["preferredVersion"]["groupVersion"].get<std::string>().empty());
  }
  const json* kg = find_named(apis["groups"], "name", "kindlyguard.io");
  EXPECT_EQ((*kg)["preferredVersion"]["version"], "v1alpha1");

  const json group = c.get("/apis/wgpolicyk8s.io").js();
  EXPECT_EQ(group["kind"], "APIGroup");
  EXPECT_EQ(group["versions"][0]["groupVersion"], "wgpolicyk8s.io/v1alpha2");
}

TEST_F(Discovery, ResourceListsCarryScopeKindVerbsAndShortNames) {
  auto c = client();
  const json kg = c.get("/apis/kindlyguard.io/v1alpha1").js();
  EXPECT_EQ(kg["kind"], "APIResourceList");
  EXPECT_EQ(kg["groupVersion"], "kindlyguard.io/v1alpha1");
  const json* sp = find_named(kg["resources"], "name", "securitypolicies");
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ((*sp)["kind"], "SecurityPolicy");
  EXPECT_EQ((*sp)["namespaced"], false);
  EXPECT_EQ((*sp)["singularName"], "securitypolicy");
  EXPECT_EQ((*sp)["shortNames"], json::array({"secpol"}));
  for (const char* v : {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}) {
    EXPECT_NE(std::find((*sp)["verbs"].begin(), (*sp)["verbs"].end(), v), (*sp)["verbs"].end()) << v;
  }
  const json* sps = find_named(kg["resources"], "name", "securitypolicies/status");
  ASSERT_NE(sps, nullptr);
  EXPECT_EQ((*sps)["verbs"], json::array({"get", "patch", "update"}));

  const json core = c.get("/api/v1").js();
  EXPECT_EQ(core["groupVersion"], "v1");
  for (const char* r : {"namespaces", "pods", "events", "secrets", "configmaps", "serviceaccounts", "services",
                        "pods/status", "namespaces/status"}) {
    EXPECT_NE(find_named(core["resources"], "name", r), nullptr) << r;
  }
  EXPECT_EQ(find_named(core["resources"], "name", "secrets/status"), nullptr);
  EXPECT_EQ((*find_named(core["resources"], "name", "pods"))["namespaced"], true);
  EXPECT_EQ((*find_named(core["resources"], "name", "namespaces"))["namespaced"], false);

  const json leases = c.get("/apis/coordination.k8s.io/v1").js();
  EXPECT_NE(find_named(leases["resources"], "name", "leases"), nullptr);
  const json reports = c.get("/apis/wgpolicyk8s.io/v1alpha2").js();
  EXPECT_EQ((*find_named(reports["resources"], "name", "policyreports"))["namespaced"], true);
  EXPECT_EQ((*find_named(reports["resources"], "name", "clusterpolicyreports"))["namespaced"], false);
}

TEST_F(Discovery, VersionAndOpenApiV3) {
  auto c = client();
  const json v = c.get("/version").js();
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["gitVersion"].get<std::string>().rfind("v1.32", 0), 0u);

  const json root = c.get("/openapi/v3").js();
  ASSERT_TRUE(root["paths"].contains("apis/kindlyguard.io/v1alpha1"));
  ASSERT_TRUE(root["paths"].contains("api/v1"));
  const std::string url = root["paths"]["apis/kindlyguard.io/v1alpha1"]["serverRelativeURL"];
  const json doc = c.get(url).js();
  const json& item = doc["paths"]["/apis/kindlyguard.io/v1alpha1/securitypolicies/{name}"];
  ASSERT_TRUE(item.contains("patch"));
  EXPECT_EQ(item["patch"]["x-kubernetes-group-version-kind"]["kind"], "SecurityPolicy");
  bool has_field_validation = false;
  for (const auto& p : item["patch"]["parameters"]) has_field_validation |= p["name"] == "fieldValidation";
  EXPECT_TRUE(has_field_validation);
  EXPECT_EQ(c.get("/healthz").body, "ok");
}

TEST_F(Discovery, UnknownPathsAnswerNotFoundStatus) {
  auto c = client();
  for (const char* path : {"/apis/nope.example.com/v1", "/api/v1/nothings", "/apis/kindlyguard.io/v9/securitypolicies",
                           "/openapi/v2", "/whatever"}) {
    const Response r = c.get(path);
    EXPECT_EQ(r.code, 404) << path;
    EXPECT_EQ(r.js()["kind"], "Status") << path;
    EXPECT_EQ(r.js()["reason"], "NotFound") << path;
  }
  // A subresource that the resource does not have.
  EXPECT_EQ(c.get("/api/v1/namespaces/default/secrets/x/status").code, 404);
}

TEST_F(Discovery, CreatingACrdServesItsResource) {
  auto c = client();
  const json crd = {
      {"apiVersion", "apiextensions.k8s.io/v1"},
      {"kind", "CustomResourceDefinition"},
      {"metadata", {{"name", "widgets.example.com"}}},
      {"spec",
       {{"group", "example.com"},
        {"scope", "Namespaced"},
        {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}, {"shortNames", {"wd"}}}},
        {"versions", json::array({{{"name", "v1"}, {"served", true}, {"storage", true},
                                   {"subresources", {{"status", json::object()}}}}})}}}};
  ASSERT_EQ(c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).code, 201);
  const json list = c.get("/apis/example.com/v1").js();
  const json* w = find_named(list["resources"], "name", "widgets");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ((*w)["shortNames"], json::array({"wd"}));
  EXPECT_NE(find_named(list["resources"], "name", "widgets/status"), nullptr);
  const json widget = {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w1"}}},
                       {"spec", {{"size", 1}}}};
  EXPECT_EQ(c.post("/apis/example.com/v1/namespaces/default/widgets", widget).code, 201);
  EXPECT_EQ(c.get("/apis/example.com/v1/namespaces/default/widgets/w1").js()["spec"]["size"], 1);

  // A CRD whose name is not <plural>.<group> is invalid.
  json bad = crd;
  bad["metadata"]["name"] = "gadgets.example.com";
  const Response r = c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad);
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.js()["reason"], "Invalid");
}

}  // namespace
}  // namespace kta_test
