// `kindlyguard serve`: the admission webhook over HTTPS, /healthz and /readyz, metrics, and the
// policy source (a directory in standalone mode).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/cli/policy_dir_watcher.hpp"
#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/observe/metrics.hpp"
#include "kindlyguard/server/https_server.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {
namespace {

Result<std::pair<std::string, uint16_t>> split_listen(const std::string& listen, const char* flag) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"expected ADDR:PORT, got \"" + listen + "\"", flag};
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  try {
    std::size_t used = 0;
    int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
    return std::make_pair(host, static_cast<uint16_t>(port));
  } catch (const std::exception&) {
    return Error{"expected a port number 0-65535 in \"" + listen + "\"", flag};
  }
}

server::HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

struct Readiness {
  std::function<std::string()> not_ready_reason;  // "" when ready
};

server::Handler route(const admission::Handler& admission, const Readiness& readiness) {
  return [&admission, &readiness](const server::HttpRequest& req) -> server::HttpResponse {
    std::string_view path = req.target;
    if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    if (path == "/validate") {
      if (req.method != "POST")
        return {405, "application/json", admission::error_body(405, "use POST for /validate"), {{"Allow", "POST"}}};
      std::string_view ct = req.content_type;
      if (!ct.empty() && ct.substr(0, 16) != "application/json")
        return {415, "application/json",
                admission::error_body(415, "Content-Type must be application/json, got \"" + std::string(ct) + "\""), {}};
      auto out = admission.handle(req.body);
      return {out.http_status, "application/json", std::move(out.body), {}};
    }
    if (path == "/healthz" || path == "/livez") return text(200, "ok\n");
    if (path == "/readyz") {
      std::string why = readiness.not_ready_reason();
      return why.empty() ? text(200, "ok\n") : text(503, "not ready: " + why + "\n");
    }
    return {404, "application/json", admission::error_body(404, "no such path; the webhook answers POST /validate"), {}};
  };
}

}  // namespace

int serve_command(int argc, char** argv) {
  Flags flags("serve", "Runs the admission webhook over HTTPS.",
              {{"listen", "webhook address ADDR:PORT", "0.0.0.0:8443"},
               {"tls-cert-file", "serving certificate (PEM), reloaded when it changes", ""},
               {"tls-key-file", "serving key (PEM), reloaded when it changes", ""},
               {"client-ca-file", "require client certificates signed by this CA (mTLS)", ""},
               {"policy-dir", "standalone mode: SecurityPolicies from YAML files here, reloaded on change", ""},
               {"metrics-listen", "Prometheus /metrics address ADDR:PORT (empty: off)", "0.0.0.0:9090"},
               {"log-level", "debug, info, warn or error", "info"},
               {"log-format", "json or text", "json"},
               {"audit-log", "write one JSON line per decision on stdout", "true", true},
               {"shutdown-grace", "on SIGTERM, how long in-flight requests may take (e.g. 1s, 500ms)", "1s"},
               {"threads", "I/O threads (0: one per core)", "0"}});
  auto parsed = flags.parse(argc, argv, 2);
  if (!parsed.ok()) {
    std::cerr << "error: " << parsed.error().message << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.usage();
    return 0;
  }
  log::Level level;
  if (!log::parse_level(flags.get("log-level"), level)) {
    std::cerr << "error: --log-level must be debug, info, warn or error\n";
    return 2;
  }
  std::string format = flags.get("log-format");
  if (format != "json" && format != "text") {
    std::cerr << "error: --log-format must be json or text\n";
    return 2;
  }
  log::configure(level, format == "text" ? log::Format::Text : log::Format::Json);

  auto fail = [](const std::string& msg) {
    log::error(msg);
    return 2;
  };
  auto listen = split_listen(flags.get("listen"), "--listen");
  if (!listen.ok()) return fail(listen.error().to_string());
  if (flags.get("tls-cert-file").empty() || flags.get("tls-key-file").empty())
    return fail("--tls-cert-file and --tls-key-file are required (kindlyguard certs self-signed --out-dir DIR makes a pair)");
  std::string grace_text = flags.get("shutdown-grace");
  std::chrono::milliseconds grace;
  try {
    std::size_t used = 0;
    double n = std::stod(grace_text, &used);
    std::string unit = grace_text.substr(used);
    if (unit == "ms") grace = std::chrono::milliseconds(static_cast<long>(n));
    else if (unit == "s" || unit.empty()) grace = std::chrono::milliseconds(static_cast<long>(n * 1000));
    else throw std::invalid_argument("unit");
  } catch (const std::exception&) {
    return fail("--shutdown-grace: expected a duration like 1s or 500ms, got \"" + grace_text + "\"");
  }

  // Signals go to a waiting thread, not to whichever thread happens to run: block them before any
  // thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  policy::PolicyStore store;
  std::unique_ptr<PolicyDirWatcher> watcher;
  std::string policy_dir = flags.get("policy-dir");
  if (policy_dir.empty()) return fail("--policy-dir is required in this version (in-cluster policy watching comes with the operator)");
  watcher = std::make_unique<PolicyDirWatcher>(policy_dir, store, std::chrono::milliseconds(1000));
  watcher->load();  // an invalid set is logged; readiness says so until a valid one loads
  watcher->start();

  admission::Handler handler(store, policy::name_only_namespace_labels());
  observe::AuditLog audit_log;
  if (flags.get_bool("audit-log")) handler.add_observer(&audit_log);
  observe::Metrics metrics;
  handler.add_observer(&metrics);
  if (!flags.get("metrics-listen").empty()) {
    auto served = metrics.serve(flags.get("metrics-listen"));
    if (!served.ok()) return fail(served.error().to_string());
    log::info("metrics serving", {{"address", metrics.listening_address()}});
  }

  Readiness readiness{[&] { return watcher->last_load_ok() ? std::string() : "no valid policy set loaded from " + policy_dir; }};

  server::ServerOptions options;
  options.address = listen->first;
  options.port = listen->second;
  options.cert_file = flags.get("tls-cert-file");
  options.key_file = flags.get("tls-key-file");
  options.client_ca_file = flags.get("client-ca-file");
  options.threads = static_cast<unsigned>(std::stoul(flags.get("threads")));
  options.on_tls_failure = [&metrics](const char* reason) { metrics.count_tls_failure(reason); };
  // Kept current across reloads, so the expiry alert follows the certificate actually served.
  options.on_certificate_loaded = [&metrics](std::time_t not_after) { metrics.set_certificate_expiry(not_after); };
  auto routes = route(handler, readiness);
  auto server = server::HttpsServer::start(options, routes);
  if (!server.ok()) return fail(server.error().to_string());
  log::info("webhook serving", {{"address", listen->first + ":" + std::to_string((*server)->port())},
                                {"policyDir", policy_dir}});

  int sig = 0;
  sigwait(&signals, &sig);
  log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->shutdown(grace);
  watcher->stop();
  log::info("stopped");
  // Nothing is left to hand over: every admission request has been answered and the state is in
  // memory only. Exit here rather than through destructors, because the metrics exposer
  // (civetweb) waits out its poll interval on stop, which would push shutdown past its grace.
  std::fflush(nullptr);
  std::_Exit(0);
}

}  // namespace kindlyguard::cli
