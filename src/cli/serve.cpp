// `kindlyguard serve`: the admission webhook over HTTPS, the probes and metrics, and the policy
// source: a directory (standalone mode) or the cluster, through the operator. The flags become a
// ServeConfig (serve_config.cpp); this file only starts and stops the parts.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <pthread.h>
#include <thread>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/admission/http_routes.hpp"
#include "kindlyguard/cli/cert_expiry.hpp"
#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/namespace_labels.hpp"
#include "kindlyguard/cli/policy_dir_watcher.hpp"
#include "kindlyguard/cli/serve_config.hpp"
#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/observe/metrics.hpp"
#include "kindlyguard/server/https_server.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {
namespace {

// After the in-flight reviews' grace, how long the operator may take to stop (release the Lease,
// end its watches, let a reconcile finish) before the process exits anyway. The chart's defaults
// (shutdownGrace 5s + this) stay well inside terminationGracePeriodSeconds (30).
constexpr std::chrono::seconds kShutdownBudget{10};

// The evictions the quarantine guard judges name their pod only: it is looked up among the
// quarantined pods every replica keeps (absent: not quarantined).
client::Informer& pod_informer(controller::Operator& op) { return op.quarantined_pods(); }

admission::PodLookup pod_lookup(client::Informer* pods) {
  return [pods](const std::string& ns, const std::string& name) -> Result<std::shared_ptr<const nlohmann::json>> {
    if (!pods->has_synced()) return Error{"its pod cache has not synced yet", ""};
    return pods->get(ns + "/" + name);
  };
}

// A Warning Event on our own pod (cluster mode) besides the log line, when the serving
// certificate nears its end.
void warn_certificate_expiring(controller::Operator* op, const std::string& message) {
  log::warn(message);
  const char* pod = std::getenv("POD_NAME");
  const char* ns = std::getenv("POD_NAMESPACE");
  if (!op || !pod || !ns) return;
  controller::EventRecord e;
  e.regarding.api_version = "v1";
  e.regarding.kind = "Pod";
  e.regarding.namespace_ = ns;
  e.regarding.name = pod;
  e.type = controller::EventType::Warning;
  e.reason = "CertificateExpiring";
  e.action = "Serve";
  e.note = message;
  op->events().record(std::move(e));
}

}  // namespace

int serve_command(int argc, char** argv) {
  Flags flags("serve",
              "Runs the admission webhook over HTTPS, with SecurityPolicies from the cluster (default) or from\n"
              "--policy-dir (standalone).",
              serve_flags());
  if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;
  auto logging = log_settings(flags);
  if (!logging.ok()) {
    std::cerr << "error: " << logging.error().to_string() << "\n";
    return 2;
  }
  log::configure(logging->level, logging->format);
  auto fail = [](const std::string& msg) {
    log::error(msg);
    return 2;
  };
  auto made = serve_config(flags);
  if (!made.ok()) return fail(made.error().to_string());
  ServeConfig config = std::move(*made);

  // Signals go to a waiting thread, not to whichever thread happens to run: block them before any
  // thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  policy::PolicyStore store;
  // The SecurityPolicyExceptions in force: from the policy files in standalone mode.
  policy::ExceptionStore exception_store(config.exception_approval.admin_namespaces);
  observe::Metrics metrics;
  std::unique_ptr<PolicyDirWatcher> watcher;
  std::unique_ptr<controller::Operator> op;
  policy::NamespaceLabelsFn namespace_labels = policy::name_only_namespace_labels();
  admission::ReadinessFn not_ready;
  // Fail closed: until a policy set is loaded (standalone) or the informers have synced (cluster),
  // reviews are answered HTTP 503, never "allowed". Cluster readiness checks beyond the informers
  // (the serving certificate) do not stop judging.
  admission::ReadinessFn no_policy_set;
  if (!config.policy_dir.empty()) {
    // Without an API server, namespace labels come from a file; a policy whose namespaceSelector
    // needs labels nobody gave is said loudly at every load, never silently left unapplied.
    auto namespaces = std::make_shared<NamespaceLabelTable>();
    if (!config.namespaces_file.empty()) {
      auto added = namespaces->add_file(config.namespaces_file);
      if (!added.ok()) return fail("--namespaces-file: " + added.error().to_string());
      log::info("namespace labels loaded", {{"file", config.namespaces_file}, {"namespaces", std::to_string(*added)}});
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
    watcher = std::make_unique<PolicyDirWatcher>(config.policy_dir, store, std::chrono::milliseconds(1000), count_policies,
                                                 [&metrics](bool ok) { metrics.set_policy_set_degraded(!ok); });
    // Exceptions live in the same files. Without an API server no ownerReferences can be followed:
    // a pod is judged as its own top owner (kind Pod), a Deployment as the Deployment.
    watcher->set_exception_store(&exception_store);
    watcher->load();  // an invalid set is logged; reviews are answered errors until a valid one loads
    watcher->start();
    // Ready as soon as some valid set judges; a later broken edit keeps the last valid set in
    // force and the replica ready (the degraded gauge and the log say so).
    not_ready = [&watcher, dir = config.policy_dir] {
      return watcher->has_valid_set() ? std::string()
                                       : "no valid policy set loaded from " + dir + ": " + watcher->last_errors();
    };
    no_policy_set = [&watcher, dir = config.policy_dir] {
      return watcher->has_valid_set() ? std::string()
                                       : "the policy files in " + dir + " are invalid: " + watcher->last_errors();
    };
  } else {
    auto created = controller::Operator::create(*config.cluster, store, metrics);
    if (!created.ok()) return fail(created.error().to_string());
    op = std::move(*created);
    namespace_labels = op->namespace_labels();
    // Ready once the guard can judge evictions too: until the pod cache has synced it refuses
    // every eviction (429), so a replica that takes traffic before then would stall drains.
    client::Informer* pods = &pod_informer(*op);
    config.quarantine_guard.pod_lookup = pod_lookup(pods);
    // Who quarantined a pod is written by kindlyguard's own user, the only one the guard lets.
    if (!config.quarantine_guard.own_user.empty())
      config.quarantine_guard.on_quarantined = [&op](const std::string& ns, const std::string& name, const std::string& user) {
        op->quarantine_attribution().quarantined(ns, name, user);
      };
    else if (config.quarantine_guard.two_person)
      log::warn("--kindlyguard-user is not set: who quarantined a pod is not recorded, so the two-person release rule "
                "cannot hold (the chart sets it)");
    not_ready = [&op, pods] {
      if (std::string why = op->not_ready_reason(); !why.empty()) return why;
      return pods->has_synced() ? std::string() : "waiting for the pods informer to sync (evictions of quarantined pods are judged from it)";
    };
    // Informers never unsync once synced: after the first "" the check is one atomic load.
    no_policy_set = [&op, synced = std::make_shared<std::atomic<bool>>(false)] {
      if (synced->load(std::memory_order_acquire)) return std::string();
      std::string why = op->not_synced_reason();
      if (why.empty()) synced->store(true, std::memory_order_release);
      return why;
    };
  }

  admission::Handler handler(store, namespace_labels);
  handler.require_policy_set(no_policy_set);
  handler.set_exception_approval(config.exception_approval);
  if (watcher) handler.set_exceptions([&exception_store] { return exception_store.get(); });
  if (op) {
    // Cluster mode: the exceptions the informer keeps, pods followed to their top owner through
    // the API, each use recorded for status.lastUsed, each approval an Event on the exception.
    handler.set_exceptions([&op] { return op->exceptions().get(); }, op->owner_lookup());
    handler.add_observer(op->exception_usage());
    handler.on_exception_approved([&op](const policy::Request& r) { op->record_exception_approved(r); });
  }
  handler.add_guard(admission::quarantine_guard(config.quarantine_guard));
  observe::AuditLog audit_log;
  if (config.audit_log) handler.add_observer(&audit_log);
  handler.add_observer(&metrics);
  if (op && op->violation_events()) handler.add_observer(op->violation_events());
  if (!config.metrics_listen.empty()) {
    auto served = metrics.serve(config.metrics_listen);
    if (!served.ok()) return fail(served.error().to_string());
    log::info("metrics serving", {{"address", metrics.listening_address()}});
  }

  server::ServerOptions options;
  options.address = config.listen.host;
  options.port = config.listen.port;
  options.cert_file = config.tls_cert_file;
  options.key_file = config.tls_key_file;
  options.client_ca_file = config.client_ca_file;
  options.threads = config.threads;
  options.on_tls_failure = [&metrics](const char* reason) { metrics.count_tls_failure(reason); };
  options.on_auth_failure = [&metrics](const char* reason) { metrics.count_auth_failure(reason); };
  // Kept current across reloads, so the expiry alert follows the certificate actually served.
  CertExpiryWarner expiry([&op](const std::string& message) { warn_certificate_expiring(op.get(), message); });
  options.on_certificate_loaded = [&metrics, &expiry](std::time_t not_after) {
    metrics.set_certificate_expiry(not_after);
    expiry.loaded(not_after);
  };
  auto server = server::HttpsServer::start(options, admission::webhook_routes(handler, not_ready));
  if (!server.ok()) return fail(server.error().to_string());
  log::info("webhook serving", {{"address", config.listen.host + ":" + std::to_string((*server)->port())},
                                {"policies", config.policy_dir.empty() ? "cluster" : config.policy_dir}});
  std::unique_ptr<server::HttpsServer> probe_server;
  if (config.probe_listen) {
    server::ServerOptions popts = options;
    popts.address = config.probe_listen->host;
    popts.port = config.probe_listen->port;
    popts.client_ca_file.clear();
    popts.threads = 1;
    popts.max_connections = 16;
    popts.on_certificate_loaded = nullptr;  // the webhook's server reports the certificate
    auto started = server::HttpsServer::start(popts, admission::probe_routes(not_ready));
    if (!started.ok()) return fail("--probe-listen: " + started.error().to_string());
    probe_server = std::move(*started);
    log::info("probes serving", {{"address", config.probe_listen->host + ":" + std::to_string(probe_server->port())}});
  }
  // The informers start once the webhook answers, so /readyz can say what it is waiting for.
  if (op) op->start();

  int sig = 0;
  sigwait(&signals, &sig);
  log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // Whatever is in flight (a lease release or a report write to an API server that no longer
  // answers, a reconcile that does not look up), the process is gone well before the kubelet's
  // SIGKILL: in-flight reviews get --shutdown-grace, the operator kShutdownBudget more.
  std::thread([limit = config.shutdown_grace + kShutdownBudget] {
    std::this_thread::sleep_for(limit);
    log::warn("shutdown took too long; exiting with work in flight",
              {{"limit", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) + "s"}});
    std::fflush(nullptr);
    std::_Exit(0);
  }).detach();
  (*server)->shutdown(config.shutdown_grace);
  if (probe_server) probe_server->shutdown(std::chrono::milliseconds(0));
  if (watcher) watcher->stop();
  if (op) op->stop();  // the leader releases its Lease so a successor takes over at once
  log::info("stopped");
  // Nothing is left to hand over: every admission request has been answered and the state is in
  // memory only. Exit here rather than through destructors, because the metrics exposer
  // (civetweb) waits out its poll interval on stop, which would push shutdown past its grace.
  std::fflush(nullptr);
  std::_Exit(0);
}

}  // namespace kindlyguard::cli
