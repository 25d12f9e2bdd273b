// k8s::Meta reads what the API server writes and shrugs at what it never would: a forged review
// or a broken fixture reads as empty, never as an exception.
#include "kindlyguard/k8s/meta.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kindlyguard::k8s {
namespace {

using nlohmann::json;

TEST(Meta, ReadsObjectMeta) {
  const json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
      "name": "web", "namespace": "prod", "uid": "u-1", "resourceVersion": "42", "generation": 3,
      "deletionTimestamp": "2024-05-01T10:00:00Z",
      "labels": {"app": "web", "kindlyguard.io/quarantine": "true"},
      "annotations": {"kindlyguard.io/quarantined-at": "2024-05-01T09:00:00Z"}
    }
  })");
  const Meta meta(pod);
  EXPECT_EQ(meta.name(), "web");
  EXPECT_EQ(meta.namespace_(), "prod");
  EXPECT_EQ(meta.uid(), "u-1");
  EXPECT_EQ(meta.resource_version(), "42");
  EXPECT_EQ(meta.generation(), 3);
  EXPECT_EQ(meta.deletion_timestamp(), "2024-05-01T10:00:00Z");
  EXPECT_EQ(meta.labels(), (Labels{{"app", "web"}, {"kindlyguard.io/quarantine", "true"}}));
  EXPECT_EQ(meta.label("app"), "web");
  EXPECT_EQ(meta.label("tier"), std::nullopt);
  EXPECT_TRUE(meta.has_annotation("kindlyguard.io/quarantined-at"));
  EXPECT_FALSE(meta.has_annotation("other"));
}

TEST(Meta, ReadsListMeta) {
  const json list = json::parse(R"({"kind": "PodList", "metadata": {"resourceVersion": "7"}, "items": []})");
  EXPECT_EQ(Meta(list).resource_version(), "7");
  EXPECT_EQ(Meta(list).name(), "");
}

// Every field of `object`'s metadata reads empty.
void expect_empty(const json* object) {
  const Meta meta(object);
  const std::string what = object ? object->dump() : "no object";
  EXPECT_EQ(meta.name(), "") << what;
  EXPECT_EQ(meta.namespace_(), "") << what;
  EXPECT_EQ(meta.uid(), "") << what;
  EXPECT_EQ(meta.resource_version(), "") << what;
  EXPECT_EQ(meta.generation(), 0) << what;
  EXPECT_EQ(meta.deletion_timestamp(), "") << what;
  EXPECT_TRUE(meta.labels().empty()) << what;
  EXPECT_EQ(meta.label("app"), std::nullopt) << what;
  EXPECT_FALSE(meta.has_annotation("a")) << what;
}

TEST(Meta, NoMetadataReadsEmpty) {
  for (const json& object : {json(), json(5), json("pod"), json::array({1}), json::object(),
                             json{{"metadata", nullptr}}, json{{"metadata", "x"}}, json{{"metadata", json::array()}}})
    expect_empty(&object);
  expect_empty(nullptr);
}

TEST(Meta, WronglyTypedFieldsReadEmpty) {
  const json object = json::parse(R"({
    "metadata": {
      "name": 5, "namespace": ["a"], "uid": {"x": 1}, "resourceVersion": 42, "generation": "3",
      "deletionTimestamp": true, "labels": ["app"], "annotations": "a"
    }
  })");
  expect_empty(&object);
}

TEST(Meta, LabelValuesThatAreNotStringsAreAbsent) {
  const json object = json::parse(R"({"metadata": {"labels": {"a": "1", "b": 2, "c": null, "d": ""}}})");
  const Meta meta(object);
  EXPECT_EQ(meta.labels(), (Labels{{"a", "1"}, {"d", ""}}));
  EXPECT_EQ(meta.label("b"), std::nullopt);
  EXPECT_EQ(meta.label("c"), std::nullopt);
  EXPECT_EQ(meta.label("d"), "");  // present and empty is not absent
}

TEST(Meta, AnAnnotationIsThereWhateverItsValue) {
  const json object = json::parse(R"({"metadata": {"annotations": {"a": null, "b": 1, "c": ""}}})");
  const Meta meta(object);
  EXPECT_TRUE(meta.has_annotation("a"));
  EXPECT_TRUE(meta.has_annotation("b"));
  EXPECT_TRUE(meta.has_annotation("c"));
  EXPECT_FALSE(meta.has_annotation("d"));
}

TEST(Meta, GenerationIsAnInteger) {
  EXPECT_EQ(Meta(json{{"metadata", {{"generation", 9007199254740993LL}}}}).generation(), 9007199254740993LL);
  EXPECT_EQ(Meta(json::parse(R"({"metadata": {"generation": 12}})")).generation(), 12);  // parsed as unsigned
  EXPECT_EQ(Meta(json::parse(R"({"metadata": {"generation": 1.5}})")).generation(), 0);
}

}  // namespace
}  // namespace kindlyguard::k8s
