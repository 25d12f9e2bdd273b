#include "kindlyguard/cli/cluster_mode.hpp"

#include <cstdlib>

#include "kindlyguard/cli/quarantine_flags.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {

std::vector<FlagSpec> cluster_flags() {
  std::vector<FlagSpec> flags = {
      {"kubeconfig", "kubeconfig file (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)", ""},
      {"kube-context", "kubeconfig context (default: its current-context)", ""},
      {"allow-insecure-kubeconfig", "accept a kubeconfig with insecure-skip-tls-verify (never in production)", "false", true},
      {"kube-api-qps", "client-side limit on API requests per second", "50"},
      {"kube-api-burst", "client-side burst above --kube-api-qps", "100"},
      {"leader-elect", "run writing controllers only on the replica holding the Lease", "true", true},
      {"leader-election-namespace", "namespace of the Lease (default: $POD_NAMESPACE, the kubeconfig's namespace)", ""},
      {"leader-election-id", "name of the Lease", "kindlyguard-controller"},
      {"leader-election-lease-duration", "how long others wait before taking a Lease that is not renewed", "15s"},
      {"leader-election-renew-deadline", "how long the leader keeps trying to renew before it steps down", "10s"},
      {"leader-election-retry-period", "how often candidates try to acquire and the leader renews", "2s"},
      {"resync-period", "how often controllers recheck every object even without events (e.g. 10m)", "10m"},
  };
  for (auto& f : quarantine_flags()) flags.push_back(std::move(f));
  return flags;
}

std::string ClusterMode::not_ready_reason() const {
  if (std::string why = op->not_ready_reason(); !why.empty()) return why;
  for (const auto& check : readiness_checks)
    if (std::string why = check(); !why.empty()) return why;
  return "";
}

ClusterMode::~ClusterMode() {
  if (op) op->stop();
  op.reset();
  events.reset();  // after the controllers that record, before the client it writes with
  api.reset();
}


Result<std::unique_ptr<ClusterMode>> make_cluster_mode(const Flags& flags, policy::PolicyStore& store,
                                                       observe::Metrics& metrics) {
  auto config = client::resolve_config(flags.get("kubeconfig"), flags.get("kube-context"),
                                       flags.get_bool("allow-insecure-kubeconfig"));
  if (!config.ok())
    return Error{"no Kubernetes API to watch SecurityPolicies from: " + config.error().to_string() +
                     " (give --kubeconfig, run in a pod, or use --policy-dir for standalone mode)",
                 ""};

  client::ClientOptions copts;
  try {
    copts.qps = std::stod(flags.get("kube-api-qps"));
    copts.burst = std::stoi(flags.get("kube-api-burst"));
  } catch (const std::exception&) {
    return Error{"--kube-api-qps and --kube-api-burst take numbers", ""};
  }
  copts.on_request = [&metrics](const client::RequestMetric& m) { metrics.count_api_request(m.verb, m.code); };

  auto mode = std::make_unique<ClusterMode>();
  auto api = client::ApiClient::create(*config, copts);
  if (!api.ok()) return Error{"Kubernetes API client: " + api.error().to_string(), ""};
  mode->api = std::move(*api);

  auto resync = flags.get_duration("resync-period");
  if (!resync.ok()) return resync.error();

  controller::OperatorOptions oopts;
  oopts.resync = *resync;
  oopts.leader_elect = flags.get_bool("leader-elect");
  oopts.on_reconcile = [&metrics](const std::string& c, const char* r) { metrics.count_reconcile(c, r); };
  oopts.on_watch_restart = [&metrics](const std::string& resource, const char* reason) {
    metrics.count_watch_restart(resource, reason);
  };
  auto& le = oopts.leader_election;
  le.name = flags.get("leader-election-id");
  le.ns = flags.get("leader-election-namespace");
  if (le.ns.empty())
    if (const char* pod_ns = std::getenv("POD_NAMESPACE"); pod_ns && *pod_ns) le.ns = pod_ns;
  if (le.ns.empty()) le.ns = config->default_namespace;
  if (le.ns.empty()) le.ns = "default";
  mode->own_namespace = le.ns;
  le.identity = controller::default_identity();
  for (auto [flag, target] : {std::pair{"leader-election-lease-duration", &le.lease_duration},
                              std::pair{"leader-election-renew-deadline", &le.renew_deadline},
                              std::pair{"leader-election-retry-period", &le.retry_period}}) {
    auto d = flags.get_duration(flag);
    if (!d.ok()) return d.error();
    *target = *d;
  }
  if (!(le.retry_period < le.renew_deadline && le.renew_deadline < le.lease_duration))
    return Error{"leader election needs retry period < renew deadline < lease duration (client-go's 2s < 10s < 15s)",
                 "--leader-election-lease-duration"};

  mode->op = std::make_unique<controller::Operator>(*mode->api, store, oopts);
  controller::EventRecorderOptions eopts;
  eopts.reporting_instance = le.identity;
  eopts.on_outcome = [&metrics](const char* outcome) { metrics.count_event(outcome); };
  mode->events = std::make_unique<controller::EventRecorder>(*mode->api, eopts);
  if (auto q = add_quarantine_controller(flags, *mode, metrics, *resync); !q.ok()) return q.error();
  log::info("cluster mode", {{"apiServer", config->server},
                             {"config", config->source},
                             {"leaderElection", oopts.leader_elect ? le.ns + "/" + le.name : "off"},
                             {"identity", le.identity}});
  return mode;
}

}  // namespace kindlyguard::cli
