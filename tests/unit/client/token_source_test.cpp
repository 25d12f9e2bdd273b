// The bearer token follows the token file as the kubelet rotates it (a new file swapped in, as
// the projected volume's ..data symlink does), checked at most once per interval.
#include <gtest/gtest.h>

#include <filesystem>

#include "kindlyguard/client/token_source.hpp"
#include "support/process.hpp"

namespace kindlyguard::client {
namespace {

using namespace std::chrono_literals;
using kindlyguard::testing::TempDir;

// Writes a new file and renames it over the old one: a new inode, as a rotation gives.
void rotate(const TempDir& dir, const std::string& name, const std::string& token) {
  dir.write(name + ".new", token);
  std::filesystem::rename(dir.file(name + ".new"), dir.file(name));
}

TEST(TokenSource, StaticToken) {
  TokenSource t("  abc \n");
  EXPECT_EQ(t.token(), "abc");
  EXPECT_FALSE(t.has_file());
}

TEST(TokenSource, RereadsTheFileWhenItChanges) {
  TempDir dir;
  dir.write("token", "first\n");
  TokenSource t("", dir.file("token"), {.check_interval = 0ms, .max_age = 1h});
  EXPECT_EQ(t.token(), "first");
  EXPECT_EQ(t.token(), "first");
  EXPECT_EQ(t.reads(), 1u);  // unchanged: stat only, no read
  rotate(dir, "token", "second");
  EXPECT_EQ(t.token(), "second");
  EXPECT_EQ(t.reads(), 2u);
}

TEST(TokenSource, ChecksAtMostOncePerInterval) {
  TempDir dir;
  dir.write("token", "first");
  TokenSource t("", dir.file("token"), {.check_interval = 1h, .max_age = 1h});
  EXPECT_EQ(t.token(), "first");
  rotate(dir, "token", "second");
  EXPECT_EQ(t.token(), "first");  // not looked at again within the interval
  t.invalidate();                 // what the client does after a 401
  EXPECT_EQ(t.token(), "second");
}

TEST(TokenSource, KeepsTheLastGoodTokenWhileTheFileIsMissing) {
  TempDir dir;
  dir.write("token", "first");
  TokenSource t("fallback", dir.file("token"), {.check_interval = 0ms, .max_age = 0ms});
  EXPECT_EQ(t.token(), "first");
  std::filesystem::remove(dir.file("token"));
  EXPECT_EQ(t.token(), "first");
  dir.write("token", "");  // empty mid-rotation: still the last good one
  EXPECT_EQ(t.token(), "first");
}

TEST(TokenSource, FallsBackToTheStaticTokenWhenTheFileWasNeverReadable) {
  TempDir dir;
  TokenSource t("fallback", dir.file("absent"));
  EXPECT_EQ(t.token(), "fallback");
}

}  // namespace
}  // namespace kindlyguard::client
