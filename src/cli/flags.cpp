#include "kindlyguard/cli/flags.hpp"

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace kindlyguard::cli {

Flags::Flags(std::string command, std::string summary, std::vector<FlagSpec> specs)
    : command_(std::move(command)), summary_(std::move(summary)), specs_(std::move(specs)) {}

std::string Flags::env_name(const std::string& flag) {
  std::string out = "KINDLY_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const FlagSpec* Flags::find(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}

const FlagSpec* Flags::find_short(char c) const {
  for (const auto& s : specs_)
    if (s.short_name == c) return &s;
  return nullptr;
}

Status Flags::parse(int argc, char** argv, int first) {
  std::map<std::string, std::vector<std::string>> given;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") { help_ = true; continue; }
    if (arg == "-" || arg.size() < 2 || arg[0] != '-') { positional_.push_back(arg); continue; }
    if (arg == "--") {
      for (++i; i < argc; ++i) positional_.push_back(argv[i]);
      break;
    }
    const FlagSpec* spec = nullptr;
    std::string value;
    bool has_value = false;
    if (arg[1] == '-') {
      std::string name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
      spec = find(name);
      if (!spec) return Error{"unknown flag --" + name + " (see 'kindlyguard " + command_ + " --help')", ""};
    } else {
      spec = arg.size() == 2 ? find_short(arg[1]) : nullptr;
      if (!spec) return Error{"unknown flag " + arg + " (see 'kindlyguard " + command_ + " --help')", ""};
    }
    if (spec->is_bool) {
      if (!has_value) value = "true";
      if (value != "true" && value != "false")
        return Error{"--" + spec->name + " takes true or false, got \"" + value + "\"", ""};
    } else if (!has_value) {
      if (i + 1 >= argc) return Error{"--" + spec->name + " needs a value", ""};
      value = argv[++i];
    }
    auto& slot = given[spec->name];
    if (!spec->repeated) slot.clear();
    slot.push_back(value);
  }
  for (const auto& spec : specs_) {
    if (given.count(spec.name)) continue;
    if (const char* env = std::getenv(env_name(spec.name).c_str()); env && *env) {
      std::string v = env;
      if (spec.repeated) {
        std::size_t start = 0;
        while (start <= v.size()) {
          auto comma = v.find(',', start);
          if (comma == std::string::npos) comma = v.size();
          if (comma > start) given[spec.name].push_back(v.substr(start, comma - start));
          start = comma + 1;
        }
      } else {
        if (spec.is_bool && v != "true" && v != "false")
          return Error{env_name(spec.name) + " takes true or false, got \"" + v + "\"", ""};
        given[spec.name] = {v};
      }
    }
  }
  values_ = std::move(given);
  return {};
}

std::optional<int> Flags::parse_command_line(int argc, char** argv, int first) {
  return parse_command_line(argc, argv, first, std::cout, std::cerr);
}

std::optional<int> Flags::parse_command_line(int argc, char** argv, int first, std::ostream& out, std::ostream& err) {
  if (auto parsed = parse(argc, argv, first); !parsed) {
    err << "error: " << parsed.error().message << "\n";
    return 2;
  }
  if (help_requested()) {
    out << usage();
    return 0;
  }
  return std::nullopt;
}

std::string Flags::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  const FlagSpec* spec = find(name);
  return spec ? spec->default_value : std::string();
}

std::vector<std::string> Flags::get_all(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  const FlagSpec* spec = find(name);
  if (spec && !spec->default_value.empty()) return {spec->default_value};
  return {};
}

bool Flags::get_bool(const std::string& name) const { return get(name) == "true"; }
bool Flags::is_set(const std::string& name) const { return values_.count(name) > 0; }

std::string Flags::usage() const {
  std::string out = "Usage: kindlyguard " + command_ + " [flags]\n\n" + summary_ + "\n\nFlags (each also from the environment as KINDLY_<NAME>):\n";
  for (const auto& s : specs_) {
    std::string left = "  ";
    left += s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    left += "--" + s.name + (s.is_bool ? "" : " VALUE");
    if (left.size() < 34) left.resize(34, ' ');
    out += left + " " + s.help;
    if (!s.default_value.empty()) out += " (default " + s.default_value + ")";
    out += "\n";
  }
  return out;
}

Result<std::chrono::milliseconds> Flags::get_duration(const std::string& name) const {
  const std::string text = get(name);
  try {
    std::size_t used = 0;
    const double n = std::stod(text, &used);
    const std::string unit = text.substr(used);
    double ms = 0;
    if (unit == "ms") ms = n;
    else if (unit == "s" || unit.empty()) ms = n * 1000;
    else if (unit == "m") ms = n * 60'000;
    else if (unit == "h") ms = n * 3'600'000;
    else throw std::invalid_argument("unit");
    if (ms < 0) throw std::invalid_argument("negative");
    return std::chrono::milliseconds(static_cast<long long>(ms));
  } catch (const std::exception&) {
    return Error{"expected a duration like 500ms, 30s, 10m or 1h, got \"" + text + "\"", "--" + name};
  }
}

}  // namespace kindlyguard::cli
