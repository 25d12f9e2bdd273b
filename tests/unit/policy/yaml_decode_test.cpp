// decode_documents: YAML/JSON text to JSON documents, typed as Kubernetes (sigs.k8s.io/yaml over
// go-yaml v2) types them, with positions in errors and limits against hostile input.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::policy {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json decode_one(const std::string& text) {
  auto r = decode_documents(text, "in.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || r->size() != 1) {
    ADD_FAILURE() << "expected one document from: " << text;
    return nullptr;
  }
  return r->front();
}

std::string decode_error(const std::string& text, const DecodeLimits& limits = DecodeLimits{}) {
  auto r = decode_documents(text, "in.yaml", limits);
  EXPECT_FALSE(r.ok()) << "decoded: " << text.substr(0, 200);
  return r.ok() ? "" : r.error().to_string();
}

struct ScalarCase {
  const char* yaml;  // the value after "v: "
  json expected;
};

void PrintTo(const ScalarCase& c, std::ostream* os) { *os << "v: " << c.yaml; }

class YamlDecodeScalar : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(YamlDecodeScalar, TypedLikeKubernetes) {
  const auto& c = GetParam();
  json doc = decode_one(std::string("v: ") + c.yaml + "\n");
  ASSERT_TRUE(doc.is_object());
  const json& v = doc["v"];
  EXPECT_EQ(v, c.expected) << c.yaml << " decoded as " << v.dump();
  EXPECT_EQ(v.type(), c.expected.type()) << c.yaml << " decoded as " << v.dump() << " (" << v.type_name() << ")";
}

INSTANTIATE_TEST_SUITE_P(
    YamlDecodeGoYamlV2, YamlDecodeScalar,
    ::testing::Values(
        // null
        ScalarCase{"", nullptr}, ScalarCase{"~", nullptr}, ScalarCase{"null", nullptr}, ScalarCase{"Null", nullptr},
        ScalarCase{"NULL", nullptr}, ScalarCase{"nULL", "nULL"},
        // YAML 1.1 booleans, as go-yaml v2 resolves them for an untyped target
        ScalarCase{"true", true}, ScalarCase{"True", true}, ScalarCase{"TRUE", true}, ScalarCase{"false", false},
        ScalarCase{"False", false}, ScalarCase{"FALSE", false}, ScalarCase{"yes", true}, ScalarCase{"Yes", true},
        ScalarCase{"YES", true}, ScalarCase{"no", false}, ScalarCase{"No", false}, ScalarCase{"NO", false},
        ScalarCase{"on", true}, ScalarCase{"On", true}, ScalarCase{"ON", true}, ScalarCase{"off", false},
        ScalarCase{"OFF", false}, ScalarCase{"y", true}, ScalarCase{"Y", true}, ScalarCase{"n", false},
        ScalarCase{"N", false}, ScalarCase{"tRUE", "tRUE"}, ScalarCase{"yES", "yES"},
        // integers, Go syntax
        ScalarCase{"0", 0}, ScalarCase{"42", 42}, ScalarCase{"-42", -42}, ScalarCase{"+42", 42},
        ScalarCase{"1_000", 1000}, ScalarCase{"0x1F", 31}, ScalarCase{"0X1f", 31}, ScalarCase{"0o17", 15},
        ScalarCase{"017", 15}, ScalarCase{"0b101", 5}, ScalarCase{"-0x10", -16},
        ScalarCase{"9223372036854775807", INT64_MAX}, ScalarCase{"-9223372036854775808", INT64_MIN},
        ScalarCase{"18446744073709551615", UINT64_MAX},
        // floats
        ScalarCase{"1.5", 1.5}, ScalarCase{".5", 0.5}, ScalarCase{"-.5", -0.5}, ScalarCase{"1e3", 1000.0},
        ScalarCase{"1.5E-3", 0.0015}, ScalarCase{"08", 8.0}, ScalarCase{"5.", 5.0},
        ScalarCase{"18446744073709551616", 18446744073709551616.0},
        // strings
        ScalarCase{"\"yes\"", "yes"}, ScalarCase{"'123'", "123"}, ScalarCase{"!!str 12", "12"},
        ScalarCase{"!!str true", "true"}, ScalarCase{"hello", "hello"}, ScalarCase{"512Mi", "512Mi"},
        ScalarCase{"1e400", "1e400"}, ScalarCase{"0x", "0x"}, ScalarCase{"2024-01-02", "2024-01-02"},
        ScalarCase{"1.2.3", "1.2.3"}, ScalarCase{"-x", "-x"}, ScalarCase{"0xZ1", "0xZ1"}, ScalarCase{"09a", "09a"},
        ScalarCase{"!custom value", "value"}, ScalarCase{"|\n  block\n", "block\n"},
        ScalarCase{">-\n  folded\n  text\n", "folded text"},
        // explicit tags that match their value
        ScalarCase{"!!int \"12\"", 12}, ScalarCase{"!!float 1", 1.0}, ScalarCase{"!!bool yes", true}));

TEST(YamlDecode, MapKeysBecomeStringsLikeSigsYaml) {
  json doc = decode_one("123: a\nyes: b\n1.5: c\n'on': d\n");
  EXPECT_EQ(doc, json({{"123", "a"}, {"true", "b"}, {"1.5", "c"}, {"on", "d"}}));
}

TEST(YamlDecode, MultiDocumentSkipsEmptyAndNullDocuments) {
  auto r = decode_documents("---\n# only a comment\n---\na: 1\n---\n---\nnull\n---\n- x\n...\n", "in.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], json({{"a", 1}}));
  EXPECT_EQ((*r)[1], json::array({"x"}));
}

TEST(YamlDecode, EmptyAndCommentOnlyInputIsNoDocuments) {
  for (const char* text : {"", "\n\n", "# nothing here\n", "---\n", "--- # c\n..."}) {
    auto r = decode_documents(text, "in.yaml");
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().to_string();
    EXPECT_TRUE(r->empty()) << text;
  }
}

TEST(YamlDecode, AnchorsAliasesAndMergeKeys) {
  json doc = decode_one(
      "base: &b {x: 1, z: 2}\n"
      "copy: *b\n"
      "merged:\n  <<: *b\n  z: 3\n"
      "multi:\n  <<: [{a: 1}, {a: 2, b: 2}]\n"
      "quoted: {'<<': literal}\n");
  EXPECT_EQ(doc["copy"], json({{"x", 1}, {"z", 2}}));
  EXPECT_EQ(doc["merged"], json({{"x", 1}, {"z", 3}}));  // explicit keys win
  EXPECT_EQ(doc["multi"], json({{"a", 1}, {"b", 2}}));   // earlier sources win
  EXPECT_EQ(doc["quoted"], json({{"<<", "literal"}}));
}

TEST(YamlDecode, JsonInputIsParsedAsJson) {
  json doc = decode_one("\n  {\"a\": [1, 2.5, \"x\", true, null], \"b\": {}}");
  EXPECT_EQ(doc, json::parse(R"({"a": [1, 2.5, "x", true, null], "b": {}})"));
  json list = decode_one("[1, 2]");
  EXPECT_EQ(list, json::array({1, 2}));
}

struct ErrorCase {
  const char* name;
  std::string text;
  std::string expected;  // exact error text
};

class YamlDecodeError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(YamlDecodeError, NamesSourceAndPosition) {
  EXPECT_EQ(decode_error(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    YamlDecodeErrors, YamlDecodeError,
    ::testing::Values(
        ErrorCase{"syntax", "a: 1\n b: [\n", "in.yaml:2:3: invalid YAML: illegal map value"},
        ErrorCase{"infinity", "a:\n  b: .inf\n",
                  "in.yaml:2:6: infinity and NaN (.inf, .nan) cannot be represented in JSON; quote the value"},
        ErrorCase{"nan", "- .NaN\n",
                  "in.yaml:1:3: infinity and NaN (.inf, .nan) cannot be represented in JSON; quote the value"},
        ErrorCase{"duplicate", "a: 1\nb: 2\na: 3\n", "in.yaml:3:1: duplicate key \"a\" in the same map"},
        ErrorCase{"duplicate-after-yaml11", "yes: 1\ntrue: 2\n", "in.yaml:2:1: duplicate key \"true\" in the same map"},
        ErrorCase{"null-key", "~: b\n", "in.yaml:1:1: a map key is null; keys must be strings"},
        ErrorCase{"complex-key", "? [a]\n: b\n", "in.yaml:1:3: a map key is a map or a list; keys must be strings"},
        ErrorCase{"tag-mismatch", "a: !!int abc\n", "in.yaml:1:4: cannot decode !!str \"abc\" as !!int"},
        ErrorCase{"binary", "a: !!binary aGk=\n",
                  "in.yaml:1:4: !!binary values are not supported; write the base64 text as a string"},
        ErrorCase{"bad-merge", "a:\n  <<: 1\n", "in.yaml:2:7: a merge key (<<) takes a map or a list of maps"},
        ErrorCase{"undefined-alias", "a: *nope\n", "in.yaml:1:4: invalid YAML: the referenced anchor is not defined"},
        ErrorCase{"invalid-utf8", "a: \"\xff\xfe\"\n", "in.yaml:1:4: invalid UTF-8 in a scalar"},
        ErrorCase{"json-syntax", "{\"a\": 1,\n \"b\": }",
                  "in.yaml:2:7 (byte 16): invalid JSON: syntax error while parsing value - unexpected '}'; "
                  "expected '[', '{', or a literal"},
        ErrorCase{"json-duplicate", "{\"a\": {\"b\": 1, \"b\": 2}, \"b\": 3}",
                  "in.yaml: duplicate key \"b\" in the same object"},
        ErrorCase{"json-trailing", "{\"a\": 1} x",
                  "in.yaml:1:10 (byte 10): invalid JSON: syntax error while parsing value - invalid literal; last "
                  "read: '1} x'; expected end of input"}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (auto& c : n)
        if (c == '-') c = '_';
      return n;
    });

// ---- hostile input ------------------------------------------------------------------------------

// Normally well under 0.5 s; generous so that a loaded CI machine does not fail the test. What it
// guards against is exponential time, which would take minutes.
constexpr double kQuickly = 10.0;

template <class F>
double seconds(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(YamlDecode, NestingUpToTheLimitIsFine) {
  // The document root is depth 1: a map holding 99 nested lists is 100 levels.
  json doc = decode_one("a: " + std::string(99, '[') + std::string(99, ']') + "\n");
  ASSERT_TRUE(doc.is_object());
  auto r = decode_documents(std::string(100, '[') + std::string(100, ']'), "in.json");
  EXPECT_TRUE(r.ok());
}

TEST(YamlDecode, DeepFlowNestingIsRejectedQuickly) {
  std::string err;
  const std::string text = "a: " + std::string(4'000'000, '[');
  EXPECT_LT(seconds([&] { err = decode_error(text); }), kQuickly);
  EXPECT_EQ(err, "in.yaml:1:104: nesting deeper than 100 levels");
  EXPECT_EQ(decode_error("a: " + std::string(100, '[') + std::string(100, ']') + "\n"),
            "in.yaml:1:103: nesting deeper than 100 levels");
}

TEST(YamlDecode, DeepBlockNestingIsRejected) {
  std::string text;
  for (int i = 0; i < 150; ++i) text += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_EQ(decode_error(text), "in.yaml:101:201: nesting deeper than 100 levels");
  std::string dashes;
  for (int i = 0; i < 150; ++i) dashes += "- ";
  EXPECT_THAT(decode_error(dashes + "x\n"), HasSubstr("nesting deeper than 100 levels"));
}

TEST(YamlDecode, DeepJsonNestingIsRejectedQuickly) {
  std::string err;
  const std::string text = std::string(4'000'000, '[') + std::string(4'000'000, ']');
  EXPECT_LT(seconds([&] { err = decode_error(text); }), kQuickly);
  EXPECT_EQ(err, "in.yaml: nesting deeper than 100 levels");
}

TEST(YamlDecode, BracketsInsideTextDoNotCountAsNesting) {
  const std::string deep(300, '[');
  json doc = decode_one("block: |\n  " + deep + "\nquoted: \"" + deep + "\"\nsingle: '" + deep + "'\nplain: x" + deep +
                        "\n# " + deep + "\nflow: [\"" + deep + "\", '" + deep + "']\nlist:\n- >-\n   " + deep +
                        "\n- it's [ fine\n");
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["block"], deep + "\n");
  EXPECT_EQ(doc["plain"], "x" + deep);
  EXPECT_EQ(doc["flow"][1], deep);
  EXPECT_EQ(doc["list"][1], "it's [ fine");
}

TEST(YamlDecode, BillionLaughsIsRejectedQuickly) {
  std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *l" : "*l") + std::to_string(i - 1);
    text += "]\n";
  }
  std::string err;
  EXPECT_LT(seconds([&] { err = decode_error(text); }), kQuickly);
  EXPECT_THAT(err, HasSubstr("anchors and aliases expand to more than 1000000 values (an alias bomb?)"));
  EXPECT_THAT(err, HasSubstr("in.yaml:6:"));
}

TEST(YamlDecode, NestedAnchorsWithoutAliasesAreCharged) {
  // Each anchor keeps a copy of its node: 100 nested anchors over a large list would copy it 100 times.
  std::string list = "[";
  for (int i = 0; i < 20000; ++i) list += "x, ";
  list += "x]";
  std::string text = "a: ";
  for (int i = 0; i < 90; ++i) text += "&a" + std::to_string(i) + " [";
  text += list + std::string(90, ']') + "\n";
  EXPECT_THAT(decode_error(text), HasSubstr("an alias bomb?"));
}

TEST(YamlDecode, ModestAliasUseIsFine) {
  std::string text = "base: &b {cpu: 1, memory: 2}\nitems:\n";
  for (int i = 0; i < 1000; ++i) text += "- *b\n";
  auto r = decode_documents(text, "in.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0]["items"].size(), 1000u);
}

TEST(YamlDecode, SizeLimit) {
  DecodeLimits limits;
  limits.max_bytes = 10;
  EXPECT_EQ(decode_error("a: 12345678901\n", limits), "in.yaml: input is 15 bytes, more than the limit of 10");
}

}  // namespace
}  // namespace kindlyguard::policy
