// The audit line is written directly for speed; it must be the very bytes nlohmann would write for
// the same object, whatever the strings hold.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/util/json_write.hpp"

namespace kindlyguard::observe {
namespace {

using nlohmann::json;

std::string nlohmann_string(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JsonWrite, StringsAreTheBytesNlohmannWrites) {
  const std::vector<std::string> cases = {
      "", "plain", "quote \" and backslash \\", "\b\f\n\r\t", std::string("nul\0byte", 8), "\x01\x1f\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid UTF-8 kept as is
      "bad \xc3 tail", "\xff\xfe", "over\xe0\x80\xaflong", "surrogate \xed\xa0\x80", "cut \xf0\x9f\x98"};
  for (const auto& c : cases) {
    std::string out;
    json_write::string(out, c);
    EXPECT_EQ(out, nlohmann_string(c)) << json(c).dump(-1, ' ', true, json::error_handler_t::replace);
  }
}

// The writer skips plain ASCII eight bytes at a time: every byte value, at every offset of a run
// longer than two words, must still be seen.
TEST(JsonWrite, EveryByteAtEveryOffsetOfALongRunIsWrittenAsNlohmannDoes) {
  for (int b = 0; b < 256; ++b) {
    for (std::size_t pos = 0; pos < 19; ++pos) {
      std::string c(19, 'a');
      c[pos] = static_cast<char>(b);
      std::string out;
      json_write::string(out, c);
      ASSERT_EQ(out, nlohmann_string(c)) << "byte " << b << " at offset " << pos;
    }
  }
  std::string long_plain(4099, 'x');
  std::string out;
  json_write::string(out, long_plain);
  EXPECT_EQ(out, nlohmann_string(long_plain));
}

TEST(AuditLine, IsValidJsonWithEveryFieldAndKeysInOrder) {
  policy::Request r;
  r.uid = "u\"1";
  r.operation = policy::Operation::Update;
  r.username = "alice";
  r.groups = {"system:authenticated", "dev\n"};
  r.namespace_ = "shop";
  r.kind = "Pod";
  r.name = "web";
  r.sub_resource = "ephemeralcontainers";
  r.dry_run = true;
  policy::Decision d;
  d.judged = true;
  d.allowed = false;
  d.matched_policies = {"p1"};
  d.violations = {{"p1", "privileged", policy::Enforcement::Deny, "app", "spec.containers[0]", "must not be \"privileged\""}};
  const std::string line = AuditLog::format(r, d, std::chrono::microseconds(42));
  json parsed = json::parse(line);
  // Re-dumping the parsed object (std::map: keys sorted) gives the same bytes back.
  EXPECT_EQ(parsed.dump(-1, ' ', false, json::error_handler_t::replace), line);
  EXPECT_EQ(parsed["decision"], "denied");
  EXPECT_EQ(parsed["dryRun"], true);
  EXPECT_EQ(parsed["subResource"], "ephemeralcontainers");
  EXPECT_EQ(parsed["violations"][0]["message"], "must not be \"privileged\"");
  EXPECT_EQ(parsed["latencyMicros"], 42);
  EXPECT_EQ(parsed["type"], "admission");
}

}  // namespace
}  // namespace kindlyguard::observe
