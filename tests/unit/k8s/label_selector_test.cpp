#include "kindlyguard/k8s/label_selector.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kindlyguard::k8s {
namespace {

using nlohmann::json;
using Op = LabelRequirement::Op;

constexpr const char* kPath = "spec.match.podSelector";

LabelSelector from_json_ok(const char* text) {
  auto s = LabelSelector::from_json(json::parse(text), kPath);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().to_string());
  return s.ok() ? *s : LabelSelector{};
}

TEST(LabelSelectorFromJson, BuildsCanonicalRequirements) {
  EXPECT_TRUE(from_json_ok("{}").empty());
  EXPECT_TRUE(from_json_ok(R"({"matchLabels": null, "matchExpressions": null})").empty());
  EXPECT_TRUE(from_json_ok(R"({"matchLabels": {}, "matchExpressions": []})").empty());

  const auto s = from_json_ok(R"({
    "matchLabels": {"tier": "web", "app": "shop"},
    "matchExpressions": [
      {"key": "env", "operator": "In", "values": ["prod", "staging", "prod"]},
      {"key": "legacy", "operator": "DoesNotExist"},
      {"key": "gpu", "operator": "Exists", "values": null},
      {"key": "zone", "operator": "NotIn", "values": ["b", "a"]},
      {"key": "app", "operator": "Exists", "values": []}
    ]})");
  const std::vector<LabelRequirement> expected = {
      {"app", Op::In, {"shop"}},            {"app", Op::Exists, {}},
      {"env", Op::In, {"prod", "staging"}}, {"gpu", Op::Exists, {}},
      {"legacy", Op::DoesNotExist, {}},     {"tier", Op::In, {"web"}},
      {"zone", Op::NotIn, {"a", "b"}},
  };
  EXPECT_EQ(s.requirements(), expected);
  EXPECT_EQ(s.to_string(), "app=shop,app,env in (prod,staging),gpu,!legacy,tier=web,zone notin (a,b)");
}

TEST(LabelSelectorFromJson, EqualsTheStringForm) {
  EXPECT_EQ(from_json_ok(R"({"matchLabels": {"app": "web"}})"), *LabelSelector::parse("app=web"));
  EXPECT_EQ(from_json_ok(R"({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]})"),
            *LabelSelector::parse("app in (web)"));
  EXPECT_EQ(from_json_ok(R"({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x", "y"]}]})"),
            *LabelSelector::parse("a notin (y, x)"));
}

struct JsonErrorCase {
  const char* json_text;
  const char* path;
  const char* message_part;
};

const JsonErrorCase kJsonErrors[] = {
    {"null", "spec.match.podSelector", "must be a label selector"},
    {"[]", "spec.match.podSelector", "not a list"},
    {R"("app=web")", "spec.match.podSelector", "not a string"},
    {R"({"matchLabel": {}})", "spec.match.podSelector.matchLabel", "unknown field \"matchLabel\""},
    {R"({"matchlabels": {"a": "b"}})", "spec.match.podSelector.matchlabels", "unknown field"},
    {R"({"matchLabels": []})", "spec.match.podSelector.matchLabels", "must be a map"},
    {R"({"matchLabels": "app=web"})", "spec.match.podSelector.matchLabels", "must be a map"},
    {R"({"matchLabels": {"app": 1}})", "spec.match.podSelector.matchLabels", "must be a string, not a number"},
    {R"({"matchLabels": {"app": true}})", "spec.match.podSelector.matchLabels", "not a boolean"},
    {R"({"matchLabels": {"app": null}})", "spec.match.podSelector.matchLabels", "not a null"},
    {R"({"matchLabels": {"Bad Key": "x"}})", "spec.match.podSelector.matchLabels", "label key \"Bad Key\""},
    {R"({"matchLabels": {"app": "bad value"}})", "spec.match.podSelector.matchLabels", "label value \"bad value\""},
    {R"({"matchLabels": {"app": "-web"}})", "spec.match.podSelector.matchLabels", "label value"},
    {R"({"matchExpressions": {}})", "spec.match.podSelector.matchExpressions", "must be a list"},
    {R"({"matchExpressions": ["app"]})", "spec.match.podSelector.matchExpressions[0]", "must be an expression"},
    {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})",
     "spec.match.podSelector.matchExpressions[0].values", "at least one value"},
    {R"({"matchExpressions": [{"key": "a", "operator": "NotIn"}]})",
     "spec.match.podSelector.matchExpressions[0].values", "at least one value"},
    {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": null}]})",
     "spec.match.podSelector.matchExpressions[0].values", "at least one value"},
    {R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})",
     "spec.match.podSelector.matchExpressions[0].values", "must be empty"},
    {R"({"matchExpressions": [{"key": "a", "operator": "DoesNotExist", "values": [""]}]})",
     "spec.match.podSelector.matchExpressions[0].values", "must be empty"},
    {R"({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]})",
     "spec.match.podSelector.matchExpressions[0].operator", "unsupported operator \"in\""},
    {R"({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]})",
     "spec.match.podSelector.matchExpressions[0].operator", "must be one of In, NotIn, Exists, DoesNotExist"},
    {R"({"matchExpressions": [{"key": "a", "operator": 1}]})",
     "spec.match.podSelector.matchExpressions[0].operator", "unsupported operator 1"},
    {R"({"matchExpressions": [{"key": "a"}]})", "spec.match.podSelector.matchExpressions[0].operator",
     "is required"},
    {R"({"matchExpressions": [{"operator": "Exists"}]})", "spec.match.podSelector.matchExpressions[0].key",
     "is required"},
    {R"({"matchExpressions": [{"key": 5, "operator": "Exists"}]})",
     "spec.match.podSelector.matchExpressions[0].key", "must be a string"},
    {R"({"matchExpressions": [{"key": "a b", "operator": "Exists"}]})",
     "spec.match.podSelector.matchExpressions[0].key", "label key \"a b\""},
    {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]})",
     "spec.match.podSelector.matchExpressions[0].values", "must be a list of strings"},
    {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]})",
     "spec.match.podSelector.matchExpressions[0].values[0]", "must be a string"},
    {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": ["ok", "not ok"]}]})",
     "spec.match.podSelector.matchExpressions[0].values[1]", "label value \"not ok\""},
    {R"({"matchExpressions": [{"key": "a", "operator": "Exists", "value": ["x"]}]})",
     "spec.match.podSelector.matchExpressions[0].value", "unknown field \"value\""},
    {R"({"matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "In", "values": []}]})",
     "spec.match.podSelector.matchExpressions[1].values", "at least one value"},
};

TEST(LabelSelectorFromJson, ErrorsNameTheField) {
  for (const auto& c : kJsonErrors) {
    SCOPED_TRACE(c.json_text);
    const auto s = LabelSelector::from_json(json::parse(c.json_text), kPath);
    ASSERT_FALSE(s.ok()) << s->to_string();
    EXPECT_EQ(s.error().path, c.path);
    EXPECT_NE(s.error().message.find(c.message_part), std::string::npos) << s.error().message;
  }
}

TEST(LabelSelectorFromJson, EmptyPathGivesRelativePaths) {
  const auto s = LabelSelector::from_json(
      json::parse(R"({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})"), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().path, "matchExpressions[0].values");
  EXPECT_EQ(LabelSelector::from_json(json::parse(R"({"x": 1})"), "").error().path, "x");
}

struct KeyCase {
  std::string key;
  bool valid;
};

const KeyCase kKeys[] = {
    {"app", true},
    {"a", true},
    {"A", true},
    {"1", true},
    {"a-b_c.d", true},
    {"app.kubernetes.io/name", true},
    {"kubernetes.io/metadata.name", true},
    {"example.com/a", true},
    {"a.b-c.d/x", true},
    {std::string(63, 'n'), true},
    {std::string(64, 'n'), false},
    {std::string(253, 'p') + "/n", true},
    {std::string(254, 'p') + "/n", false},
    {"", false},
    {"-a", false},
    {"a-", false},
    {"_a", false},
    {".a", false},
    {"/a", false},
    {"a/", false},
    {"a/b/c", false},
    {"Example.com/a", false},
    {"exa_mple.com/a", false},
    {"-example.com/a", false},
    {"example..com/a", false},
    {"a b", false},
    {"a=b", false},
    {"ä", false},
    {std::string("a\0b", 3), false},
};

TEST(LabelNames, Keys) {
  for (const auto& c : kKeys) {
    SCOPED_TRACE(c.key);
    EXPECT_EQ(is_valid_label_key(c.key), c.valid);
  }
}

TEST(LabelNames, Values) {
  const std::pair<std::string, bool> kValues[] = {
      {"", true},          {"web", true},        {"v1.2.3", true},        {"a_b-c", true},
      {"true", true},      {"A", true},          {std::string(63, 'v'), true},
      {std::string(64, 'v'), false},             {"-a", false},           {"a-", false},
      {"a b", false},      {"a/b", false},       {"a,b", false},          {"a\n", false},
  };
  for (const auto& [value, valid] : kValues) {
    SCOPED_TRACE(value);
    EXPECT_EQ(is_valid_label_value(value), valid);
  }
}

struct ParseCase {
  const char* text;
  const char* canonical;
};

const ParseCase kParses[] = {
    {"", ""},
    {"   ", ""},
    {"app=web", "app=web"},
    {"app==web", "app=web"},
    {"app = web", "app=web"},
    {"\tapp\n=\rweb ", "app=web"},
    {"app!=web", "app!=web"},
    {"app != web", "app!=web"},
    {"app", "app"},
    {"!app", "!app"},
    {"! app", "!app"},
    {"env in (prod,staging)", "env in (prod,staging)"},
    {"env in (staging, prod)", "env in (prod,staging)"},
    {"env in(staging,prod,staging)", "env in (prod,staging)"},
    {"env notin (a,b)", "env notin (a,b)"},
    {"env in (a)", "env=a"},
    {"env notin (a)", "env!=a"},
    {"app=web,tier!=db,env in (a,b),!legacy,gpu", "app=web,env in (a,b),gpu,!legacy,tier!=db"},
    {"app=", "app="},
    {"app==", "app="},
    {"app!=", "app!="},
    {"app=,b", "app=,b"},
    {"x in ()", "x="},
    {"x in (,)", "x="},
    {"x in (a,)", "x in (,a)"},
    {"x in (,a)", "x in (,a)"},
    {"x notin ()", "x!="},
    {"in in (in)", "in=in"},
    {"notin=notin", "notin=notin"},
    {"in", "in"},
    {"!in", "!in"},
    {"app.kubernetes.io/name=web", "app.kubernetes.io/name=web"},
    {"a=b,a=c", "a=b,a=c"},
    {"a=c,a=b", "a=b,a=c"},
    {"!a,a,a!=x,a=x", "a=x,a!=x,a,!a"},
    {"b,a", "a,b"},
    {"A=B", "A=B"},
};

TEST(LabelSelectorParse, ReadsTheQueryStringSyntax) {
  for (const auto& c : kParses) {
    SCOPED_TRACE(c.text);
    const auto s = LabelSelector::parse(c.text);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->to_string(), c.canonical);
    // Round trip: the canonical form parses to the same selector.
    const auto again = LabelSelector::parse(s->to_string());
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, *s);
  }
}

TEST(LabelSelectorParse, OperatorsMeanWhatKubernetesMeans) {
  const auto s = LabelSelector::parse("a=1,b!=2,c in (3,4),d notin (5),e,!f");
  ASSERT_TRUE(s.ok());
  const std::vector<LabelRequirement> expected = {
      {"a", Op::In, {"1"}},        {"b", Op::NotIn, {"2"}}, {"c", Op::In, {"3", "4"}},
      {"d", Op::NotIn, {"5"}},     {"e", Op::Exists, {}},   {"f", Op::DoesNotExist, {}},
  };
  EXPECT_EQ(s->requirements(), expected);
}

struct ParseErrorCase {
  std::string text;
  const char* message_part;
};

const ParseErrorCase kParseErrors[] = {
    {"app=web,", "found the end of the selector where a requirement after ',' was expected"},
    {",app", "where a label key was expected"},
    {"app=web,,tier=db", "a requirement after ','"},
    {"app web", "an operator"},
    {"app in", "'('"},
    {"app in (a", "',' or ')'"},
    {"app in a", "'('"},
    {"app in (a b)", "',' or ')'"},
    {"app in ((a))", "',' or ')'"},
    {"app=(a)", "a label value"},
    {"=web", "a label key"},
    {"!", "a label key"},
    {"!=web", "a label key"},
    {"!app=web", "',' or the end"},
    {"!!app", "a label key"},
    {"app>1", "> and < are not supported"},
    {"app<1", "> and < are not supported"},
    {"Bad Key=x", "an operator"},
    {"app=bad/value", "label value \"bad/value\""},
    {"app in (ok,bad value)", "',' or ')'"},
    {"app in (ok,-bad)", "label value \"-bad\""},
    {"a/b/c=d", "label key \"a/b/c\""},
    {"-app", "label key \"-app\""},
    {"app=web)", "',' or the end"},
    {"(app)", "a label key"},
    {"app=a=b", "',' or the end"},
    {"app=web!", "',' or the end"},
    {"app===web", "a label value"},
    {std::string("app\0=web", 8), "label key \"app\\x00\""},
    {std::string(64, 'k') + "=v", "the name must be at most 63"},
    {"app=" + std::string(64, 'v'), "label value"},
};

TEST(LabelSelectorParse, RejectsMalformedSelectors) {
  for (const auto& c : kParseErrors) {
    SCOPED_TRACE(c.text);
    const auto s = LabelSelector::parse(c.text);
    ASSERT_FALSE(s.ok()) << s->to_string();
    EXPECT_NE(s.error().message.find("is not a valid label selector"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find(c.message_part), std::string::npos) << s.error().message;
    EXPECT_TRUE(s.error().path.empty());
  }
}

TEST(LabelSelectorParse, HostileInput) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "k" + std::to_string(i) + "=v,";
  many += "last";
  const auto s = LabelSelector::parse(many);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->requirements().size(), 20001u);
  EXPECT_EQ(*LabelSelector::parse(s->to_string()), *s);

  const auto bad = LabelSelector::parse(std::string(1 << 20, '(') + "\x1b]0;pwned\x07");
  ASSERT_FALSE(bad.ok());
  EXPECT_LT(bad.error().message.size(), 400u);
  EXPECT_EQ(bad.error().message.find('\x1b'), std::string::npos);
}

struct MatchCase {
  const char* selector;
  Labels labels;
  bool match;
};

const MatchCase kMatches[] = {
    {"", {}, true},
    {"", {{"any", "thing"}}, true},
    {"app=web", {{"app", "web"}}, true},
    {"app=web", {{"app", "db"}}, false},
    {"app=web", {}, false},
    {"app=web", {{"App", "web"}}, false},
    {"app!=web", {}, true},  // NotIn matches when the key is absent
    {"app!=web", {{"app", "web"}}, false},
    {"app!=web", {{"app", "db"}}, true},
    {"env in (a,b)", {{"env", "a"}}, true},
    {"env in (a,b)", {{"env", "b"}}, true},
    {"env in (a,b)", {{"env", "c"}}, false},
    {"env in (a,b)", {}, false},
    {"env notin (a,b)", {}, true},
    {"env notin (a,b)", {{"env", "a"}}, false},
    {"env notin (a,b)", {{"env", "c"}}, true},
    {"gpu", {{"gpu", ""}}, true},
    {"gpu", {{"gpu", "yes"}}, true},
    {"gpu", {}, false},
    {"!legacy", {}, true},
    {"!legacy", {{"legacy", ""}}, false},
    {"app=", {{"app", ""}}, true},
    {"app=", {{"app", "x"}}, false},
    {"app=", {}, false},
    {"app!=", {}, true},
    {"app!=", {{"app", ""}}, false},
    {"app=web,tier!=db", {{"app", "web"}, {"tier", "fe"}}, true},
    {"app=web,tier!=db", {{"app", "web"}, {"tier", "db"}}, false},
    {"app=web,tier!=db", {{"app", "web"}}, true},
    {"app=web,tier!=db", {{"tier", "fe"}}, false},
    {"a=b,a=c", {{"a", "b"}}, false},  // ANDed, so contradictory requirements match nothing
    {"a,!a", {{"a", "b"}}, false},
    {"a,!a", {}, false},
};

TEST(LabelSelectorMatches, Table) {
  for (const auto& c : kMatches) {
    SCOPED_TRACE(c.selector);
    const auto s = LabelSelector::parse(c.selector);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->matches(c.labels), c.match);
  }
}

TEST(LabelSelectorMatches, JsonSelectorsAndTogether) {
  const auto s = from_json_ok(R"({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]})");
  EXPECT_TRUE(s.matches({{"app", "web"}}));
  EXPECT_TRUE(s.matches({{"app", "web"}, {"env", "prod"}}));
  EXPECT_FALSE(s.matches({{"app", "web"}, {"env", "dev"}}));
  EXPECT_FALSE(s.matches({{"env", "prod"}}));
}

TEST(LabelsOf, ReadsMetadataLabels) {
  EXPECT_EQ(labels_of(json::parse(R"({"name": "p", "labels": {"a": "1", "b": ""}})")),
            (Labels{{"a", "1"}, {"b", ""}}));
  EXPECT_TRUE(labels_of(json(nullptr)).empty());
  EXPECT_TRUE(labels_of(json::object()).empty());
  EXPECT_TRUE(labels_of(json::parse(R"({"labels": null})")).empty());
  EXPECT_TRUE(labels_of(json::parse(R"({"labels": ["a"]})")).empty());
  EXPECT_TRUE(labels_of(json::parse(R"("metadata")")).empty());
  EXPECT_EQ(labels_of(json::parse(R"({"labels": {"a": "1", "n": 2, "z": null}})")), (Labels{{"a", "1"}}));
}

}  // namespace
}  // namespace kindlyguard::k8s
