// The start every subcommand shares: Flags::parse_command_line.
#include "kindlyguard/cli/flags.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace kindlyguard::cli {
namespace {

struct Run {
  std::optional<int> exit_code;
  std::string out, err;
};

Run run(Flags& flags, std::vector<std::string> args) {
  std::vector<char*> argv = {const_cast<char*>("kindlyguard"), const_cast<char*>("demo")};
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  Run r;
  r.exit_code = flags.parse_command_line(static_cast<int>(argv.size()), argv.data(), 2, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

Flags demo_flags() {
  return Flags("demo", "Does a demo.", {{"name", "who", "world"}, {"loud", "shout", "false", true}});
}

TEST(ParseCommandLine, GoesOnWithGoodFlags) {
  Flags flags = demo_flags();
  auto r = run(flags, {"--name=kindly", "--loud", "file.yaml"});
  EXPECT_EQ(r.exit_code, std::nullopt);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(flags.get("name"), "kindly");
  EXPECT_TRUE(flags.get_bool("loud"));
  EXPECT_EQ(flags.positional(), std::vector<std::string>{"file.yaml"});
}

TEST(ParseCommandLine, BadFlagIsExit2WithTheError) {
  Flags flags = demo_flags();
  auto r = run(flags, {"--nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: unknown flag --nope (see 'kindlyguard demo --help')\n");
}

TEST(ParseCommandLine, MissingValueIsExit2) {
  Flags flags = demo_flags();
  auto r = run(flags, {"--name"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: --name needs a value\n");
}

TEST(ParseCommandLine, HelpIsExit0WithTheUsage) {
  Flags flags = demo_flags();
  auto r = run(flags, {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, flags.usage());
  EXPECT_NE(r.out.find("Does a demo."), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST(ParseCommandLine, BadFlagWinsOverHelp) {
  // Flags are checked before --help is honoured: the chart test runs `serve --help` with its flags
  // to catch a flag the binary does not know.
  Flags flags = demo_flags();
  auto r = run(flags, {"-h", "--nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace kindlyguard::cli
