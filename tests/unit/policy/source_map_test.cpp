// map_sources: positions by JSON pointer, counted as decode_documents counts documents.
#include <gtest/gtest.h>

#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/source_map.hpp"

namespace kindlyguard::policy {
namespace {

bool at(SourcePos p, int line, int column) { return p.line == line && p.column == column; }

TEST(SourceMap, FieldPathsBecomePointers) {
  EXPECT_EQ(field_path_to_pointer("spec.containers[0].securityContext.privileged"),
            "/spec/containers/0/securityContext/privileged");
  EXPECT_EQ(field_path_to_pointer("metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"),
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app");
  EXPECT_EQ(field_path_to_pointer("a[x~y]"), "/a/x~0y");
  EXPECT_EQ(field_path_to_pointer(""), "");
}

TEST(SourceMap, MapMembersAreAtTheirKeysAndItemsAtTheirStart) {
  const char* text =
      "# a comment\n"
      "---\n"
      "---\n"                      // empty: not counted
      "kind: Pod\n"                // document 0 starts on line 4
      "spec:\n"
      "  containers:\n"
      "  - name: app\n"
      "    securityContext: {privileged: true}\n"
      "---\n"
      "null\n"                     // a null document: not counted
      "---\n"
      "[1, {a: b}]\n";             // document 1
  auto maps = map_sources(text);
  auto docs = decode_documents(text, "t");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(maps.size(), docs->size());
  const SourceMap& pod = maps[0];
  EXPECT_TRUE(at(pod.root(), 4, 1));
  EXPECT_TRUE(at(pod.at_pointer("/kind"), 4, 1));
  EXPECT_TRUE(at(pod.at_pointer("/spec/containers/0"), 7, 5));
  EXPECT_TRUE(at(pod.at_field("", "spec.containers[0].securityContext.privileged"), 8, 23));
  // Not in the text: the nearest ancestor that is.
  EXPECT_TRUE(at(pod.at_field("", "spec.containers[0].securityContext.runAsNonRoot"), 8, 5));
  EXPECT_TRUE(at(pod.at_field("", "spec.volumes[3].hostPath"), 5, 1));
  EXPECT_TRUE(at(maps[1].at_pointer("/1/a"), 12, 6));
}

TEST(SourceMap, JsonTextIsMappedToo) {
  const char* text = "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"spec\": {\"hostPID\": true}}\n  ]\n}\n";
  auto maps = map_sources(text);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_TRUE(at(maps[0].at_pointer("/items/0"), 4, 5));
  EXPECT_TRUE(at(maps[0].at_field("/items/0", "spec.hostPID"), 4, 30));
}

TEST(SourceMap, BrokenTextKeepsWhatCameBeforeAndNeverThrows) {
  auto maps = map_sources("a: 1\n---\nb: [\n");
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_TRUE(at(maps[0].at_pointer("/a"), 1, 1));
  EXPECT_TRUE(map_sources("").empty());
  EXPECT_TRUE(map_sources(",\n").empty());
  // Collections as keys (the decoder refuses them) and aliases do not confuse the walk.
  auto odd = map_sources("? [a, b]\n: c\nd: &x {e: 1}\nf: *x\n");
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_TRUE(at(odd[0].at_pointer("/d"), 3, 1));
  EXPECT_TRUE(at(odd[0].at_pointer("/f/e"), 4, 1));  // inside an alias: the alias itself
}

}  // namespace
}  // namespace kindlyguard::policy
