// `kindlyguard certs self-signed`: a CA and a serving certificate for local runs and tests.
#include <iostream>

#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"

namespace kindlyguard::cli {

int certs_command(int argc, char** argv) {
  Flags flags("certs self-signed",
              "Writes a new CA (ca.crt) and a serving certificate it signs (tls.crt, tls.key) to --out-dir.",
              {{"out-dir", "directory for tls.crt, tls.key and ca.crt", ""},
               {"dns", "DNS name for the certificate (repeatable)", "", false, true},
               {"ip", "IP address for the certificate (repeatable)", "", false, true},
               {"validity-days", "days the certificates are valid", "365"}});
  if (argc < 3 || std::string(argv[2]) != "self-signed") {
    std::cerr << "usage: kindlyguard certs self-signed --out-dir DIR [--dns NAME]... [--ip ADDR]...\n";
    return 2;
  }
  if (auto exit_code = flags.parse_command_line(argc, argv, 3)) return *exit_code;
  if (flags.get("out-dir").empty()) {
    std::cerr << "error: --out-dir is required\n";
    return 2;
  }
  auto dns = flags.get_all("dns");
  auto ips = flags.get_all("ip");
  if (dns.empty() && ips.empty()) dns = {"localhost"}, ips = {"127.0.0.1"};
  long days = 0;
  try {
    days = std::stol(flags.get("validity-days"));
  } catch (const std::exception&) {
  }
  if (days <= 0) {
    std::cerr << "error: --validity-days must be a positive number of days\n";
    return 2;
  }
  auto files = certs::self_signed(flags.get("out-dir"), dns, ips, std::chrono::hours(24 * days));
  if (!files.ok()) {
    std::cerr << "error: " << files.error().to_string() << "\n";
    return 2;
  }
  std::cout << "wrote " << files->cert_file << ", " << files->key_file << " and " << files->ca_file << "\n";
  return 0;
}

}  // namespace kindlyguard::cli
