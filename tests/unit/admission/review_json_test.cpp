// parse_review_json must build exactly the document nlohmann's parser builds (same values, same
// number types), minus the objects' managedFields, and refuse what nlohmann refuses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "kindlyguard/admission/review_json.hpp"
#include "support/fixtures.hpp"
#include "support/process.hpp"

namespace kindlyguard::admission {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// Equal values with equal types at every node: json's operator== calls 1 and 1u equal.
void expect_same(const json& got, const json& want, const std::string& where = "$") {
  ASSERT_EQ(got.type_name(), std::string(want.type_name())) << where;
  ASSERT_EQ(got.type(), want.type()) << where;
  ASSERT_EQ(got.size(), want.size()) << where;
  if (want.is_object()) {
    for (auto it = want.begin(); it != want.end(); ++it) {
      ASSERT_TRUE(got.contains(it.key())) << where << "." << it.key();
      expect_same(got.at(it.key()), it.value(), where + "." + it.key());
    }
  } else if (want.is_array()) {
    for (std::size_t i = 0; i < want.size(); ++i) expect_same(got[i], want[i], where + "[" + std::to_string(i) + "]");
  } else {
    ASSERT_EQ(got, want) << where;
  }
}

json without_managed_fields(json doc) {
  for (const char* side : {"object", "oldObject"})
    if (doc["request"].contains(side) && doc["request"][side].is_object() && doc["request"][side].contains("metadata"))
      doc["request"][side]["metadata"].erase("managedFields");
  return doc;
}

TEST(ReviewJson, BuildsNlohmannsDocumentForEveryBenchmarkAndExampleReview) {
  int files = 0;
  for (const char* dir : {"bench/reviews", "examples/reviews"}) {
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(KINDLY_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".json") continue;
      SCOPED_TRACE(e.path().string());
      const std::string text = kindlyguard::testing::read_file(e.path().string());
      auto got = parse_review_json(text);
      ASSERT_TRUE(got.ok()) << got.error().to_string();
      expect_same(*got, without_managed_fields(json::parse(text)));
      ++files;
    }
  }
  EXPECT_GE(files, 7);
}

TEST(ReviewJson, LeavesOutManagedFieldsOnlyInTheObjectsMetadata) {
  json mf = json::array({{{"manager", "kubectl"}, {"operation", "Update"}, {"fieldsV1", {{"f:spec", json::object()}}}}});
  json pod = kindlyguard::testing::compliant_pod();
  pod["metadata"]["managedFields"] = mf;
  pod["metadata"]["annotations"] = {{"managedFields", "kept: an annotation"}};
  pod["spec"]["managedFields"] = mf;  // not metadata: kept (and judged as whatever it is)
  json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"managedFields", mf},
                 {"request", {{"uid", "u"}, {"managedFields", mf}, {"object", pod}, {"oldObject", pod}}}};
  auto got = parse_review_json(review.dump());
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_FALSE((*got)["request"]["object"]["metadata"].contains("managedFields"));
  EXPECT_FALSE((*got)["request"]["oldObject"]["metadata"].contains("managedFields"));
  EXPECT_EQ((*got)["request"]["object"]["metadata"]["annotations"]["managedFields"], "kept: an annotation");
  EXPECT_EQ((*got)["request"]["object"]["spec"]["managedFields"], mf);
  EXPECT_EQ((*got)["request"]["managedFields"], mf);
  EXPECT_EQ((*got)["managedFields"], mf);
  expect_same(*got, without_managed_fields(review));
}

TEST(ReviewJson, NumbersKeepNlohmannsTypes) {
  const std::string text =
      R"({"a":0,"b":-1,"c":9223372036854775807,"d":18446744073709551615,"e":-9223372036854775808,)"
      R"("f":1.5,"g":1e300,"h":-0.0,"i":1E2,"j":true,"k":null,"l":"\u00e9\ud83d\ude00"})";
  auto got = parse_review_json(text);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  expect_same(*got, json::parse(text));
}

TEST(ReviewJson, TheLastOfDuplicateKeysWinsAsInNlohmann) {
  const std::string text = R"({"a":1,"a":{"b":2},"c":[1,2],"c":"x"})";
  auto got = parse_review_json(text);
  ASSERT_TRUE(got.ok());
  expect_same(*got, json::parse(text));
}

TEST(ReviewJson, RefusesWhatIsNotJsonWithTheReason) {
  for (std::string bad : {std::string(), std::string("{"), std::string("{\"a\":1}x"), std::string("{'a':1}"),
                          std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":01}"), std::string("[1,]")}) {
    SCOPED_TRACE(bad);
    auto got = parse_review_json(bad);
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message, HasSubstr("request body is not valid JSON: "));
    EXPECT_TRUE(json::parse(bad, nullptr, false).is_discarded()) << "nlohmann accepts it too";
  }
  auto deep = parse_review_json(std::string(300, '[') + std::string(300, ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_THAT(deep.error().message, HasSubstr("deeper than 256 levels"));
  EXPECT_TRUE(parse_review_json(std::string(256, '[') + std::string(256, ']')).ok());
}

TEST(ReviewJson, AParserGrownByAHugeBodyStillParsesSmallOnesAfterIt) {
  json pod = kindlyguard::testing::compliant_pod();
  pod["metadata"]["annotations"] = {{"big", std::string(4 << 20, 'x')}};
  json review = {{"apiVersion", "admission.k8s.io/v1"}, {"request", {{"uid", "u"}, {"object", pod}}}};
  auto big = parse_review_json(review.dump());
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)["request"]["object"]["metadata"]["annotations"]["big"].get_ref<const std::string&>().size(), 4u << 20);
  auto small = parse_review_json(R"({"request":{"uid":"v"}})");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ((*small)["request"]["uid"], "v");
}

}  // namespace
}  // namespace kindlyguard::admission
