// `kindlyguard check`: judges manifests offline with the same core the webhook uses.
// Exit codes: 0 nothing reached the bar, 1 something did (--fail-on: deny, or warn), 2 bad input,
// bad policies, or (--strict) anything the run warned about: a policy that selected nothing, an
// input with nothing to judge, a custom kind judged by its pod template.
// SecurityPolicyExceptions among the policy files apply as in the webhook, with the clock at --now;
// what they excuse is listed as excused and fails nothing.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

#include "kindlyguard/cli/check_run.hpp"
#include "kindlyguard/cli/check_writers.hpp"
#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/util/time.hpp"
#include "kindlyguard/version.hpp"

namespace kindlyguard::cli {
namespace {

// Comma-separated values of a repeatable flag.
std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      if (comma > start) out.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

using Writer = std::function<void(const CheckReport&, std::ostream&, const WriterOptions&)>;

const std::map<std::string, Writer>& writers() {
  static const std::map<std::string, Writer> kWriters = {
      {"text", write_check_text},   {"wide", write_check_wide},   {"json", write_check_json},
      {"sarif", write_check_sarif}, {"junit", write_check_junit}, {"github", write_check_github}};
  return kWriters;
}

// --color=auto: colour for a terminal that wants it (NO_COLOR, https://no-color.org, and TERM=dumb say no).
bool colour_wanted(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && std::string(term) == "dumb");
}

}  // namespace

int check_command(int argc, char** argv) {
  Flags flags("check", "Judges pods and workloads in YAML or JSON files against SecurityPolicies, offline.",
              {{"policy", "SecurityPolicy file or directory (repeatable)", "", false, true, 'p'},
               {"filename", "manifest file or directory to judge, or - for stdin (repeatable)", "", false, true, 'f'},
               {"output", "text (grouped, for people), wide (one line per finding), json, sarif, junit or github",
                "text", false, false, 'o'},
               {"fail-on", "the lowest finding that fails the run (exit 1): deny, or warn", "deny", false, false, 0},
               {"strict", "exit 2 on any warning: a policy that selected nothing, an input with nothing to judge, a "
                          "custom kind judged by its pod template, ...",
                "false", true, false, 0},
               {"color", "colour the text output: auto (on a terminal), always or never", "auto", false, false, 0},
               {"namespace", "namespace for objects that name none (say where they will be deployed)", "default", false,
                false, 'n'},
               {"namespace-labels",
                "labels of a namespace, for policies with a namespaceSelector: NAME=KEY=VALUE (repeatable, or "
                "comma-separated); Namespace objects among the inputs count too",
                "", false, true, 0},
               {"exception-namespaces",
                "admin namespaces whose SecurityPolicyExceptions may cover other namespaces, as serve's flag "
                "(repeatable, or comma-separated)",
                "", false, true, 0},
               {"now", "the time that decides whether an exception has expired (RFC 3339, e.g. 2027-06-30T00:00:00Z)",
                "", false, false, 0}});
  if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;
  const std::string output = flags.get("output");
  auto writer = writers().find(output);
  if (writer == writers().end()) {
    std::cerr << "error: --output must be text, wide, json, sarif, junit or github, got \"" << output << "\"\n";
    return 2;
  }
  const std::string fail_on = flags.get("fail-on");
  if (fail_on != "deny" && fail_on != "warn") {
    std::cerr << "error: --fail-on must be deny or warn, got \"" << fail_on << "\"\n";
    return 2;
  }
  const std::string color = flags.get("color");
  if (color != "auto" && color != "always" && color != "never") {
    std::cerr << "error: --color must be auto, always or never, got \"" << color << "\"\n";
    return 2;
  }
  CheckOptions options;
  options.policy_paths = flags.get_all("policy");
  options.inputs = flags.get_all("filename");
  for (const auto& p : flags.positional()) options.inputs.push_back(p);
  if (options.policy_paths.empty() || options.inputs.empty()) {
    std::cerr << "error: need --policy and -f (see 'kindlyguard check --help')\n";
    return 2;
  }
  options.default_namespace = flags.get("namespace");
  options.namespace_given = flags.is_set("namespace");
  options.namespace_labels = split_commas(flags.get_all("namespace-labels"));
  options.exception_namespaces = split_commas(flags.get_all("exception-namespaces"));
  options.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (flags.is_set("now")) {
    auto t = parse_k8s_time(flags.get("now"));
    if (!t) {
      std::cerr << "error: --now must be an RFC 3339 time such as 2027-06-30T00:00:00Z, got \"" << flags.get("now") << "\"\n";
      return 2;
    }
    options.now = policy::Seconds(std::chrono::seconds(*t));
  }

  CheckReport report = run_check(options);
  for (const auto& e : report.errors) std::cerr << "error: " << e << "\n";
  for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
  // Bad policies: nothing was judged, so there is no report to write.
  const bool judged_anything = !report.policies.empty() || report.errors.empty();
  if (judged_anything) writer->second(report, std::cout, WriterOptions{colour_wanted(color), kVersion, fail_on == "warn"});
  std::cout.flush();

  if (!report.errors.empty()) return 2;
  if (flags.get_bool("strict") && !report.warnings.empty()) {
    std::cerr << "error: --strict: " << report.warnings.size() << (report.warnings.size() == 1 ? " warning" : " warnings")
              << " above\n";
    return 2;
  }
  if (report.summary.denied) return 1;
  if (fail_on == "warn" && report.summary.warned) return 1;
  return 0;
}

}  // namespace kindlyguard::cli
