// `kindlyguard serve`: the admission webhook over HTTPS, /healthz and /readyz, metrics, and the
// policy source (a directory in standalone mode).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <pthread.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/cli/cert_expiry.hpp"
#include "kindlyguard/cli/cluster_mode.hpp"
#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/cli/namespace_labels.hpp"
#include "kindlyguard/cli/policy_dir_watcher.hpp"
#include "kindlyguard/cli/quarantine_flags.hpp"
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

std::string_view path_of(const server::HttpRequest& req) {
  std::string_view path = req.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  return path;
}

// /healthz, /livez and /readyz; nullopt for any other path.
std::optional<server::HttpResponse> probe(std::string_view path, const Readiness& readiness) {
  if (path == "/healthz" || path == "/livez") return text(200, "ok\n");
  if (path == "/readyz") {
    std::string why = readiness.not_ready_reason();
    return why.empty() ? text(200, "ok\n") : text(503, "not ready: " + why + "\n");
  }
  return std::nullopt;
}

// The --probe-listen server: the probes only, never /validate, so it can skip client certificates.
server::Handler probe_route(const Readiness& readiness) {
  return [&readiness](const server::HttpRequest& req) -> server::HttpResponse {
    if (auto r = probe(path_of(req), readiness)) return *r;
    return text(404, "this port serves /healthz, /livez and /readyz only\n");
  };
}

// Loopback only: the probe port has no client authentication, so nothing outside the pod may reach it.
bool is_loopback(const std::string& host) {
  return host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

server::Handler route(const admission::Handler& admission, const Readiness& readiness) {
  return [&admission, &readiness](const server::HttpRequest& req) -> server::HttpResponse {
    std::string_view path = path_of(req);
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
    if (auto r = probe(path, readiness)) return *r;
    return {404, "application/json", admission::error_body(404, "no such path; the webhook answers POST /validate"), {}};
  };
}

}  // namespace

int serve_command(int argc, char** argv) {
  std::vector<FlagSpec> specs = {{"listen", "webhook address ADDR:PORT", "0.0.0.0:8443"},
               {"tls-cert-file", "serving certificate (PEM), reloaded when it changes", ""},
               {"tls-key-file", "serving key (PEM), reloaded when it changes", ""},
               {"client-ca-file", "require client certificates signed by this CA (mTLS)", ""},
               {"policy-dir", "standalone mode: SecurityPolicies from YAML files here, reloaded on change (no API server)", ""},
               {"namespaces-file",
                "standalone mode: Namespace objects (YAML or JSON, a file or directory) whose labels policies' "
                "namespaceSelectors are judged against; read at start",
                ""},
               {"metrics-listen", "Prometheus /metrics address ADDR:PORT (empty: off)", "0.0.0.0:9090"},
               {"probe-listen",
                "loopback ADDR:PORT serving /healthz and /readyz over TLS without client certificates, for "
                "`kindlyguard health` when --client-ca-file is set (empty: off)",
                ""},
               {"log-level", "debug, info, warn or error", "info"},
               {"log-format", "json or text", "json"},
               {"audit-log", "write one JSON line per decision on stdout", "true", true},
               {"shutdown-grace", "on SIGTERM, how long in-flight requests may take (e.g. 1s, 500ms)", "1s"},
               {"threads", "I/O threads (0: one per core)", "0"}};
  for (auto& f : cluster_flags()) specs.push_back(std::move(f));
  for (auto& f : certs_flags()) specs.push_back(std::move(f));
  for (auto& f : audit_flags()) specs.push_back(std::move(f));
  Flags flags("serve",
              "Runs the admission webhook over HTTPS, with SecurityPolicies from the cluster (default) or from\n"
              "--policy-dir (standalone).",
              std::move(specs));
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
  std::optional<std::pair<std::string, uint16_t>> probe_listen;
  if (!flags.get("probe-listen").empty()) {
    auto p = split_listen(flags.get("probe-listen"), "--probe-listen");
    if (!p.ok()) return fail(p.error().to_string());
    if (!is_loopback(p->first))
      return fail("--probe-listen: \"" + flags.get("probe-listen") +
                  "\" is not a loopback address; the probe port has no client authentication, so give 127.0.0.1:PORT");
    probe_listen = *p;
  }
  auto grace_flag = flags.get_duration("shutdown-grace");
  if (!grace_flag.ok()) return fail(grace_flag.error().to_string());
  const std::chrono::milliseconds grace = *grace_flag;

  // Signals go to a waiting thread, not to whichever thread happens to run: block them before any
  // thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  policy::PolicyStore store;
  observe::Metrics metrics;
  std::unique_ptr<PolicyDirWatcher> watcher;
  std::unique_ptr<ClusterMode> cluster;
  std::string policy_dir = flags.get("policy-dir");
  policy::NamespaceLabelsFn namespace_labels = policy::name_only_namespace_labels();
  Readiness readiness;
  if (!policy_dir.empty()) {
    if (flags.get("certs-mode") == "self-managed")
      return fail("--certs-mode self-managed keeps the certificate in a Secret: it needs the API server, not --policy-dir");
    // Without an API server, namespace labels come from a file; a policy whose namespaceSelector
    // needs labels nobody gave is said loudly at every load, never silently left unapplied.
    auto namespaces = std::make_shared<NamespaceLabelTable>();
    if (!flags.get("namespaces-file").empty()) {
      auto added = namespaces->add_file(flags.get("namespaces-file"));
      if (!added.ok()) return fail("--namespaces-file: " + added.error().to_string());
      log::info("namespace labels loaded", {{"file", flags.get("namespaces-file")}, {"namespaces", std::to_string(*added)}});
    }
    namespace_labels = namespaces->fn();
    // Every policy of a set that loaded is valid (an invalid file keeps the whole old set).
    auto count_policies = [&metrics, namespaces](const std::vector<policy::SecurityPolicy>& policies) {
      std::map<std::pair<std::string, bool>, std::size_t> counts;
      for (const auto& p : policies) ++counts[{policy::to_string(p.enforcement), true}];
      metrics.set_policies(counts);
      policy::PolicySet loaded{policies, 0};
      for (const auto& w : selector_warnings(loaded, *namespaces, "--namespaces-file with the cluster's Namespace objects"))
        log::warn(w);
    };
    watcher = std::make_unique<PolicyDirWatcher>(policy_dir, store, std::chrono::milliseconds(1000), count_policies,
                                                 [&metrics](bool ok) { metrics.set_policy_set_degraded(!ok); });
    watcher->load();  // an invalid set is logged; reviews are answered errors until a valid one loads
    watcher->start();
    // Ready as soon as some valid set judges; a later broken edit keeps the last valid set in
    // force and the replica ready (the degraded gauge and the log say so).
    readiness.not_ready_reason = [&] {
      return watcher->has_valid_set() ? std::string()
                                       : "no valid policy set loaded from " + policy_dir + ": " + watcher->last_errors();
    };
  } else {
    auto made = make_cluster_mode(flags, store, metrics);
    if (!made.ok()) return fail(made.error().to_string());
    cluster = std::move(*made);
    auto certs = setup_webhook_certs(flags, *cluster, flags.get("tls-cert-file"), flags.get("tls-key-file"));
    if (!certs.ok()) return fail(certs.error().to_string());
    namespace_labels = cluster->op->namespace_labels();
    readiness.not_ready_reason = [&] { return cluster->not_ready_reason(); };
  }

  admission::Handler handler(store, namespace_labels);
  // Fail closed: until a policy set is loaded (standalone) or the informers have synced (cluster),
  // reviews are answered HTTP 503, never "allowed". Cluster readiness checks beyond the informers
  // (the serving certificate) do not stop judging.
  if (watcher)
    handler.require_policy_set([&] {
      return watcher->has_valid_set() ? std::string()
                                      : "the policy files in " + policy_dir + " are invalid: " + watcher->last_errors();
    });
  else
    // Informers never unsync once synced: after the first "" the check is one atomic load.
    handler.require_policy_set([&cluster, synced = std::make_shared<std::atomic<bool>>(false)] {
      if (synced->load(std::memory_order_acquire)) return std::string();
      std::string why = cluster->op->not_ready_reason();
      if (why.empty()) synced->store(true, std::memory_order_release);
      return why;
    });
  auto quarantine_guard = quarantine_guard_from_flags(flags, cluster.get());
  if (!quarantine_guard.ok()) return fail(quarantine_guard.error().to_string());
  handler.add_guard(std::move(*quarantine_guard));
  observe::AuditLog audit_log;
  if (flags.get_bool("audit-log")) handler.add_observer(&audit_log);
  handler.add_observer(&metrics);
  if (cluster) {
    auto audit = setup_background_audit(flags, *cluster, store, metrics, handler);
    if (!audit.ok()) return fail(audit.error().to_string());
  }
  if (!flags.get("metrics-listen").empty()) {
    auto served = metrics.serve(flags.get("metrics-listen"));
    if (!served.ok()) return fail(served.error().to_string());
    log::info("metrics serving", {{"address", metrics.listening_address()}});
  }

  server::ServerOptions options;
  options.address = listen->first;
  options.port = listen->second;
  options.cert_file = flags.get("tls-cert-file");
  options.key_file = flags.get("tls-key-file");
  options.client_ca_file = flags.get("client-ca-file");
  options.threads = static_cast<unsigned>(std::stoul(flags.get("threads")));
  options.on_tls_failure = [&metrics](const char* reason) { metrics.count_tls_failure(reason); };
  options.on_auth_failure = [&metrics](const char* reason) { metrics.count_auth_failure(reason); };
  // Kept current across reloads, so the expiry alert follows the certificate actually served.
  // A Warning Event on our own pod (cluster mode) and a log line when the certificate is near its end.
  CertExpiryWarner expiry([&cluster](const std::string& message) {
    log::warn(message);
    const char* pod = std::getenv("POD_NAME");
    const char* ns = std::getenv("POD_NAMESPACE");
    if (!cluster || !cluster->events || !pod || !ns) return;
    controller::EventRecord e;
    e.regarding.api_version = "v1";
    e.regarding.kind = "Pod";
    e.regarding.namespace_ = ns;
    e.regarding.name = pod;
    e.type = controller::EventType::Warning;
    e.reason = "CertificateExpiring";
    e.action = "Serve";
    e.note = message;
    cluster->events->record(std::move(e));
  });
  options.on_certificate_loaded = [&metrics, &expiry](std::time_t not_after) {
    metrics.set_certificate_expiry(not_after);
    expiry.loaded(not_after);
  };
  auto routes = route(handler, readiness);
  auto server = server::HttpsServer::start(options, routes);
  if (!server.ok()) return fail(server.error().to_string());
  log::info("webhook serving", {{"address", listen->first + ":" + std::to_string((*server)->port())},
                                {"policies", policy_dir.empty() ? "cluster" : policy_dir}});
  std::unique_ptr<server::HttpsServer> probe_server;
  if (probe_listen) {
    server::ServerOptions popts = options;
    popts.address = probe_listen->first;
    popts.port = probe_listen->second;
    popts.client_ca_file.clear();
    popts.threads = 1;
    popts.max_connections = 16;
    popts.on_certificate_loaded = nullptr;  // the webhook's server reports the certificate
    auto started = server::HttpsServer::start(popts, probe_route(readiness));
    if (!started.ok()) return fail("--probe-listen: " + started.error().to_string());
    probe_server = std::move(*started);
    log::info("probes serving", {{"address", probe_listen->first + ":" + std::to_string(probe_server->port())}});
  }
  // The informers start once the webhook answers, so /readyz can say what it is waiting for.
  if (cluster) cluster->op->start();

  int sig = 0;
  sigwait(&signals, &sig);
  log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->shutdown(grace);
  if (probe_server) probe_server->shutdown(std::chrono::milliseconds(0));
  if (watcher) watcher->stop();
  if (cluster) cluster->op->stop();  // the leader releases its Lease so a successor takes over at once
  log::info("stopped");
  // Nothing is left to hand over: every admission request has been answered and the state is in
  // memory only. Exit here rather than through destructors, because the metrics exposer
  // (civetweb) waits out its poll interval on stop, which would push shutdown past its grace.
  std::fflush(nullptr);
  std::_Exit(0);
}

}  // namespace kindlyguard::cli
