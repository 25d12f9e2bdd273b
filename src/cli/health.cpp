// `kindlyguard health`: a liveness/readiness probe for images without a shell or curl.
// It probes the local webhook over HTTPS without verifying the certificate: the certificate is
// issued for the Service's DNS name, not for 127.0.0.1, and the probe only asks "is it alive?".
#include <cstdlib>
#include <iostream>

#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/server/https_client.hpp"

namespace kindlyguard::cli {

int health_command(int argc, char** argv) {
  // The port defaults to the one `serve` listens on, from the same environment variable.
  std::string port = "8443";
  if (const char* listen = std::getenv("KINDLY_LISTEN"); listen && *listen) {
    std::string l = listen;
    if (auto colon = l.rfind(':'); colon != std::string::npos) port = l.substr(colon + 1);
  }
  Flags flags("health", "Probes the local webhook; exits 0 when it answers 200, 1 otherwise.",
              {{"url", "what to probe", "https://127.0.0.1:" + port + "/healthz"},
               {"timeout-ms", "give up after this many milliseconds", "2000"}});
  auto parsed = flags.parse(argc, argv, 2);
  if (!parsed.ok()) {
    std::cerr << "error: " << parsed.error().message << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.usage();
    return 0;
  }
  server::ClientOptions options;
  options.insecure_skip_verify = true;
  try {
    options.timeout = std::chrono::milliseconds(std::stol(flags.get("timeout-ms")));
  } catch (const std::exception&) {
    std::cerr << "error: --timeout-ms must be a number\n";
    return 2;
  }
  auto r = server::request("GET", flags.get("url"), {}, {}, options);
  if (!r.ok()) {
    std::cerr << "unhealthy: " << r.error().to_string() << "\n";
    return 1;
  }
  if (r->status != 200) {
    std::cerr << "unhealthy: " << flags.get("url") << " answered " << r->status << ": " << r->body;
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}

}  // namespace kindlyguard::cli
