// `kindlyguard health`: a liveness/readiness probe for images without a shell or curl.
// It probes the local webhook over HTTPS without verifying the certificate: the certificate is
// issued for the Service's DNS name, not for 127.0.0.1, and the probe only asks "is it alive?"
// (or, with --ready, "does it judge reviews?": the same answer /readyz gives). With --ca-file it
// verifies the certificate and the URL's host name against that CA instead: the chart's `helm test`
// pod calls the webhook Service that way, as the API server does.
//
// Which port: `serve --probe-listen` (KINDLY_PROBE_LISTEN) when set, since with --client-ca-file
// the webhook port refuses clients without a certificate and this probe has none; else the port
// `serve` listens on (KINDLY_LISTEN); else 8443. Both come from the environment the container
// shares with its exec probes.
#include <cstdlib>
#include <iostream>

#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/server/https_client.hpp"

namespace kindlyguard::cli {

namespace {
std::string port_from_env() {
  for (const char* name : {"KINDLY_PROBE_LISTEN", "KINDLY_LISTEN"})
    if (const char* listen = std::getenv(name); listen && *listen) {
      std::string l = listen;
      if (auto colon = l.rfind(':'); colon != std::string::npos) return l.substr(colon + 1);
    }
  return "8443";
}
}  // namespace

int health_command(int argc, char** argv) {
  const std::string base = "https://127.0.0.1:" + port_from_env();
  Flags flags("health",
              "Probes the local webhook; exits 0 when it answers 200, 1 otherwise. Liveness asks /healthz;\n"
              "--ready asks /readyz (a policy set is loaded and the informers have synced).",
              {{"url", "what to probe (default: https://127.0.0.1:PORT/healthz, or /readyz with --ready)", ""},
               {"ready", "probe readiness (/readyz) instead of liveness (/healthz)", "false", true},
               {"timeout-ms", "give up after this many milliseconds", "2000"},
               // `helm test` asks the webhook Service as the API server does: verified against the CA.
               {"ca-file", "verify the server's certificate (and the URL's host name) against this CA; default: no verification", ""}});
  if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;
  std::string url = flags.get("url");
  if (url.empty()) url = base + (flags.get_bool("ready") ? "/readyz" : "/healthz");
  server::ClientOptions options;
  options.ca_file = flags.get("ca-file");
  options.insecure_skip_verify = options.ca_file.empty();
  try {
    options.timeout = std::chrono::milliseconds(std::stol(flags.get("timeout-ms")));
  } catch (const std::exception&) {
    std::cerr << "error: --timeout-ms must be a number\n";
    return 2;
  }
  auto r = server::request("GET", url, {}, {}, options);
  if (!r.ok()) {
    std::cerr << "unhealthy: " << r.error().to_string() << "\n";
    return 1;
  }
  if (r->status != 200) {
    std::cerr << (flags.get_bool("ready") ? "not ready: " : "unhealthy: ") << url << " answered " << r->status << ": "
              << r->body;
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}

}  // namespace kindlyguard::cli
