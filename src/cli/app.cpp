#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "kindlyguard/cli/allocator.hpp"
#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/version.hpp"

namespace kindlyguard::cli {
namespace {

constexpr const char* kUsage = R"(kindlyguard: Kubernetes pod-security admission webhook and operator

Usage: kindlyguard <command> [flags]

Commands:
  serve     run the admission webhook (and, in a cluster, the operator)
  check     judge manifests offline against SecurityPolicies (exit 0 pass, 1 denied, 2 bad input)
  test      run policy test suites, kindlyguard-test.yaml (exit 0 all met, 1 a miss, 2 bad suite)
  health    probe the local webhook's /healthz (exit 0 healthy, 1 not)
  certs     generate a CA and a serving certificate (certs self-signed --out-dir DIR)
  uninstall-cleanup
            remove what kindlyguard created at run time (quarantine NetworkPolicies, PolicyReports,
            its serving Secret) after it is uninstalled
  version   print the version

Run 'kindlyguard <command> --help' for a command's flags.
)";

// Installed on PATH as kubectl-kindlyguard the binary is a kubectl plugin, run as `kubectl
// kindlyguard check ...` (kubectl execs it with its own path as argv[0]): the usage then names the
// command the user typed.
std::string usage(const char* argv0) {
  std::string text = kUsage;
  std::string_view self = argv0 ? argv0 : "";
  if (self.substr(self.rfind('/') + 1) != "kubectl-kindlyguard") return text;
  for (std::string before : {"Usage: ", "Run '"})
    if (auto at = text.find(before + "kindlyguard "); at != std::string::npos) text.insert(at + before.size(), "kubectl ");
  return text;
}

}  // namespace

int version_command(int, char**) {
  std::cout << "kindlyguard " << kVersion << "\n" << "allocator: " << allocator_name() << "\n";
  return 0;
}

int run(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    std::cout << usage(argv[0]);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "serve") return serve_command(argc, argv);
  if (cmd == "check") return check_command(argc, argv);
  if (cmd == "test") return test_command(argc, argv);
  if (cmd == "health") return health_command(argc, argv);
  if (cmd == "certs") return certs_command(argc, argv);
  if (cmd == "uninstall-cleanup") return uninstall_cleanup_command(argc, argv);
  if (cmd == "version" || cmd == "--version") return version_command(argc, argv);
  std::cerr << "kindlyguard: unknown command \"" << cmd << "\"\n\n" << usage(argv[0]);
  return 2;
}

}  // namespace kindlyguard::cli
