#pragma once
// Command-line flags for the subcommands. Every flag can also come from the environment as
// KINDLY_<FLAG_NAME> (--tls-cert-file -> KINDLY_TLS_CERT_FILE); a flag on the command line wins.

#include <chrono>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::cli {

struct FlagSpec {
  std::string name;           // long name without dashes: "tls-cert-file"
  std::string help;
  std::string default_value;  // "" = no default
  bool is_bool = false;
  bool repeated = false;      // may be given several times; env value is comma-separated
  char short_name = 0;        // e.g. 'f' for -f
};

class Flags {
 public:
  Flags(std::string command, std::string summary, std::vector<FlagSpec> specs);

  // Parses argv[first..]; unknown flags and missing values are errors naming the flag.
  // Positional arguments are collected in positional().
  Status parse(int argc, char** argv, int first);

  // How every subcommand starts: parse(), then stop with the exit code when there is nothing more
  // to do: 2 after "error: ..." on stderr for a bad flag, 0 after the usage on stdout for --help.
  // nullopt: go on. `if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;`
  std::optional<int> parse_command_line(int argc, char** argv, int first);
  std::optional<int> parse_command_line(int argc, char** argv, int first, std::ostream& out, std::ostream& err);

  std::string get(const std::string& name) const;
  std::vector<std::string> get_all(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  // A duration flag: 500ms, 1.5s, 10m, 1h (a bare number is seconds).
  Result<std::chrono::milliseconds> get_duration(const std::string& name) const;
  bool is_set(const std::string& name) const;  // given on the command line or in the environment
  bool help_requested() const { return help_; }
  const std::vector<std::string>& positional() const { return positional_; }
  std::string usage() const;

  static std::string env_name(const std::string& flag);

 private:
  const FlagSpec* find(const std::string& name) const;
  const FlagSpec* find_short(char c) const;

  std::string command_, summary_;
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace kindlyguard::cli
