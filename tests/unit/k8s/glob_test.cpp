#include "kindlyguard/k8s/glob.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace kindlyguard::k8s {
namespace {

struct GlobCase {
  const char* pattern;
  const char* text;
  bool match;
};

const GlobCase kCases[] = {
    {"", "", true},
    {"", "a", false},
    {"a", "", false},
    {"*", "", true},
    {"*", "anything at all", true},
    {"**", "x", true},
    {"***", "", true},
    {"?", "", false},
    {"?", "a", true},
    {"?", "ab", false},
    {"??", "ab", true},
    {"*?", "", false},
    {"*?", "a", true},
    {"?*", "a", true},
    {"?*?", "a", false},
    {"literal", "literal", true},
    {"literal", "Literal", false},  // case matters: names are lower-case
    {"literal", "literally", false},
    {"literal", "litera", false},
    {"kube-*", "kube-system", true},
    {"kube-*", "kube-", true},
    {"kube-*", "kube", false},
    {"kube-*", "xkube-system", false},
    {"*-system", "kube-system", true},
    {"*-system", "kube-system-2", false},
    {"team-?-prod", "team-a-prod", true},
    {"team-?-prod", "team-ab-prod", false},
    {"team-?-prod", "team--prod", false},
    {"a*b*c", "abc", true},
    {"a*b*c", "aXbYc", true},
    {"a*b*c", "acb", false},
    {"a*b*c", "abcabc", true},
    {"a*b*c", "abcab", false},
    {"a**b", "ab", true},
    {"*a", "ba", true},
    {"*a", "ab", false},
    {"*sip*", "mississippi", true},
    {"m*iss*pi", "mississippi", true},
    {"m*iss*pix", "mississippi", false},
    {"*ss*ss*", "mississippi", true},
    {"*ss*ss*ss*", "mississippi", false},
    {"ghcr.io/acme/*", "ghcr.io/acme/app:1.0", true},
    {"ghcr.io/acme/*", "ghcr.io/acme/team/app", true},  // '*' crosses '/'
    {"ghcr.io/acme/*", "ghcr.io/acme", false},
    {"ghcr.io/acme/*", "ghcr.io/acmeevil/app", false},
    {"*/acme/*", "docker.io/acme/app", true},
    {"*.example.com", "evil.com", false},
    {"*.example.com", "a.example.com", true},
    {"[abc]", "[abc]", true},  // no character classes: brackets are literal
    {"[abc]", "a", false},
    {"a\\*", "a\\xyz", true},  // no escapes: a backslash is literal
    {"a\\*", "a*", false},
    {"a.b", "axb", false},     // '.' is literal, not a regex wildcard
    {"^a$", "^a$", true},
};

TEST(GlobMatch, Table) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.pattern) + " ~ " + c.text);
    EXPECT_EQ(glob_match(c.pattern, c.text), c.match);
  }
}

TEST(GlobMatch, NulBytesAreOrdinaryCharacters) {
  EXPECT_TRUE(glob_match(std::string_view("a\0*", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(glob_match("a*", std::string_view("b\0a", 3)));
  EXPECT_TRUE(glob_match("?", std::string_view("\0", 1)));
}

// Patterns that send a backtracking matcher into exponential time. Each must finish at once.
TEST(GlobMatch, HostilePatternsStayFast) {
  const auto start = std::chrono::steady_clock::now();

  std::string stars;
  for (int i = 0; i < 50; ++i) stars += "a*";
  const std::string as(20000, 'a');
  EXPECT_FALSE(glob_match(stars + "b", as));
  EXPECT_TRUE(glob_match(stars + "a", as));
  EXPECT_TRUE(glob_match(stars, as));

  std::string many_stars(100000, '*');
  EXPECT_TRUE(glob_match(many_stars, as));
  EXPECT_FALSE(glob_match(many_stars + "b", as));

  std::string qs(3000, '?');
  EXPECT_FALSE(glob_match("*" + qs + "b", as));
  EXPECT_TRUE(glob_match("*" + qs, as));

  EXPECT_TRUE(glob_match(as, as));
  EXPECT_FALSE(glob_match(as + "a", as));

  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // exponential matching would not end at all
}

}  // namespace
}  // namespace kindlyguard::k8s
