// `serve`'s flag table and its one translation into ServeConfig. See serve_config.hpp.
#include "kindlyguard/cli/serve_config.hpp"

#include <cctype>
#include <cstdlib>

#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/k8s/quantity.hpp"

namespace kindlyguard::cli {

namespace {

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(item.begin());
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// A namespace name: an RFC 1123 label.
bool is_namespace_name(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
  return s.front() != '-' && s.back() != '-';
}

Result<Endpoint> endpoint(const std::string& listen, const char* flag) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"expected ADDR:PORT, got \"" + listen + "\"", flag};
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  try {
    std::size_t used = 0;
    int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
    return Endpoint{host, static_cast<uint16_t>(port)};
  } catch (const std::exception&) {
    return Error{"expected a port number 0-65535 in \"" + listen + "\"", flag};
  }
}

// Loopback only: the probe port has no client authentication, so nothing outside the pod may reach it.
bool is_loopback(const std::string& host) {
  return host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

std::vector<FlagSpec> webhook_flags() {
  return {{"listen", "webhook address ADDR:PORT", "0.0.0.0:8443"},
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
}

std::vector<FlagSpec> cluster_flags() {
  return {
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
}

std::vector<FlagSpec> certs_flags() {
  return {
      {"certs-mode", "provided (the TLS files are given), self-managed (kept in --certs-secret by the leader) or cert-manager",
       "provided"},
      {"certs-secret", "self-managed: the Secret holding the CA and the serving certificate", "kindlyguard-tls"},
      {"webhook-config-name", "self-managed: the ValidatingWebhookConfiguration whose caBundle is kept current", "kindlyguard"},
      {"service-name", "self-managed: the webhook's Service; the certificate names <service>.<namespace>.svc", "kindlyguard"},
      {"certs-ca-validity", "self-managed: lifetime of the CA (replaced at two thirds)", "43800h"},
      {"certs-validity", "self-managed: lifetime of the serving certificate (reissued at two thirds)", "8760h"},
  };
}

std::vector<FlagSpec> audit_flags() {
  return {
      {"audit-interval", "how often the leader judges every running pod (background audit); 0 turns it off", "10m"},
      {"report-max-results", "at most this many results per namespace's PolicyReport (the summary stays complete)", "1000"},
      {"policy-reports", "write PolicyReports (wgpolicyk8s.io/v1alpha2) from the background audit", "true", true},
      {"report-format", "the background audit's reports: policyreport (wgpolicyk8s.io/v1alpha2 PolicyReport) or "
                        "openreports (openreports.io/v1alpha1 Report)", "policyreport"},
      {"violation-events", "record a PolicyViolation Event on the SecurityPolicy for each denied, warned or audited request",
       "true", true},
  };
}

std::vector<FlagSpec> exception_flags() {
  return {
      {"exception-namespaces",
       "admin namespaces (comma-separated) whose SecurityPolicyExceptions may cover other namespaces", ""},
      {"exception-approver-users", "users (comma-separated) who may create or change a SecurityPolicyException", ""},
      {"exception-approver-groups", "groups (comma-separated) who may create or change a SecurityPolicyException",
       "system:masters"},
      {"exception-expiring-warning", "record an ExceptionExpiring Event this long before an exception expires", "168h"},
  };
}

Result<controller::CertificatesConfig::Mode> certs_mode(const std::string& mode) {
  using Mode = controller::CertificatesConfig::Mode;
  if (mode == "provided") return Mode::Provided;
  if (mode == "self-managed") return Mode::SelfManaged;
  if (mode == "cert-manager") return Mode::CertManager;
  return Error{"must be provided, self-managed or cert-manager, got \"" + mode + "\"", "--certs-mode"};
}

Result<controller::CertificatesConfig> certificates_config(const Flags& flags) {
  controller::CertificatesConfig c;
  auto mode = certs_mode(flags.get("certs-mode"));
  if (!mode.ok()) return mode.error();
  c.mode = *mode;
  c.cert_file = flags.get("tls-cert-file");
  c.key_file = flags.get("tls-key-file");
  c.secret_name = flags.get("certs-secret");
  c.webhook_config_name = flags.get("webhook-config-name");
  c.service_name = flags.get("service-name");
  if (c.mode != controller::CertificatesConfig::Mode::SelfManaged) return c;
  auto ca_validity = flags.get_duration("certs-ca-validity");
  if (!ca_validity.ok()) return ca_validity.error();
  auto validity = flags.get_duration("certs-validity");
  if (!validity.ok()) return validity.error();
  c.ca_validity = std::chrono::duration_cast<std::chrono::seconds>(*ca_validity);
  c.cert_validity = std::chrono::duration_cast<std::chrono::seconds>(*validity);
  // Certificates are backdated 5 minutes (clock skew); shorter lives would be due at once.
  if (c.cert_validity < std::chrono::minutes(3) || c.ca_validity < c.cert_validity)
    return Error{"the serving certificate must live at least 3m, and the CA at least as long", "--certs-validity"};
  return c;
}

Result<controller::OperatorConfig> operator_config(const Flags& flags, const QuarantineSettings& quarantine) {
  controller::OperatorConfig c;
  c.api.kubeconfig = flags.get("kubeconfig");
  c.api.context = flags.get("kube-context");
  c.api.allow_insecure = flags.get_bool("allow-insecure-kubeconfig");
  try {
    c.api.qps = std::stod(flags.get("kube-api-qps"));
    c.api.burst = std::stoi(flags.get("kube-api-burst"));
  } catch (const std::exception&) {
    return Error{"--kube-api-qps and --kube-api-burst take numbers", ""};
  }
  auto resync = flags.get_duration("resync-period");
  if (!resync.ok()) return resync.error();
  c.resync = *resync;

  c.leader_elect = flags.get_bool("leader-elect");
  auto& le = c.leader_election;
  le.name = flags.get("leader-election-id");
  le.ns = flags.get("leader-election-namespace");
  if (le.ns.empty())
    if (const char* pod_ns = std::getenv("POD_NAMESPACE"); pod_ns && *pod_ns) le.ns = pod_ns;
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

  c.quarantine = quarantine.controller;
  auto certs = certificates_config(flags);
  if (!certs.ok()) return certs.error();
  c.certs = std::move(*certs);

  auto interval = flags.get_duration("audit-interval");
  if (!interval.ok()) return interval.error();
  c.audit.interval = *interval;
  try {
    c.audit.max_results = std::stoul(flags.get("report-max-results"));
  } catch (const std::exception&) {
    return Error{"expected a number, got \"" + flags.get("report-max-results") + "\"", "--report-max-results"};
  }
  c.audit.reports = flags.get_bool("policy-reports");
  const auto format = controller::parse_report_format(flags.get("report-format"));
  if (!format)
    return Error{"\"" + flags.get("report-format") + "\" is not a report format: use policyreport or openreports",
                 "--report-format"};
  c.audit.report_format = *format;
  c.violation_events = flags.get_bool("violation-events");
  return c;
}

}  // namespace

std::vector<FlagSpec> quarantine_flags() {
  return {
      {"quarantine-label", "the label KEY=VALUE that quarantines a pod (isolates it with a NetworkPolicy)",
       "kindlyguard.io/quarantine=true"},
      {"quarantine-release-users", "comma-separated users who may remove or change the quarantine label", ""},
      {"quarantine-release-groups", "comma-separated groups whose members may remove or change the quarantine label", ""},
      {"quarantine-delete-users",
       "comma-separated users who may delete a quarantined pod besides the release users and groups: the cluster's "
       "controllers, so that scale-downs, garbage collection, namespace deletion and lost nodes never stall (give it "
       "empty to reserve deletion to the release users and groups)",
       join(admission::default_quarantine_delete_users())},
      {"quarantine-forensics-namespace",
       "namespace from which quarantined pods still accept ingress (empty: none). WIDENS access: a pod that labels "
       "itself gains this ingress even where its namespace's NetworkPolicies deny it",
       ""},
      {"quarantine-allow-dns",
       "let quarantined pods reach cluster DNS (kube-system kube-dns, UDP and TCP 53). WIDENS access: a pod that labels "
       "itself gains DNS even where its namespace's NetworkPolicies deny it",
       "false", true},
      {"quarantine-adminnetworkpolicy",
       "also keep an AdminNetworkPolicy that denies labeled pods' traffic ahead of every NetworkPolicy, where the "
       "cluster serves policy.networking.k8s.io/v1alpha1 (only where the network plugin enforces it). It only ever "
       "denies: the allowances above are left to lower-priority admin policies and NetworkPolicies, never allowed",
       "false", true},
      {"quarantine-detach",
       "remove a quarantined pod's labels (kept in its QuarantineRecord) so its ReplicaSet, Job or DaemonSet starts a "
       "replacement and Services stop routing to it; never a StatefulSet's pod or a pod without a controller",
       "true", true},
      {"quarantine-two-person",
       "the user who quarantined a pod may not also release it: another release user or release group member must",
       "true", true},
      {"kindlyguard-user",
       "the user kindlyguard's own API requests authenticate as (the chart sets its service account, "
       "system:serviceaccount:NAMESPACE:NAME): the only one who may write the annotation kindlyguard.io/quarantined-by, "
       "which records who quarantined a pod. Empty: nobody, so who quarantined a pod is not recorded and the two-person "
       "rule cannot hold",
       ""},
      {"forensics",
       "capture evidence before a pod is isolated (the pod, its Events, its containers' logs) into a QuarantineRecord "
       "and a Secret in kindlyguard's namespace",
       "true", true},
      {"forensics-max-bytes", "the most evidence kept per quarantined pod (its Secret's data; at most 1Mi); what is cut "
       "is said in the record", "1Mi"},
      {"forensics-log-bytes", "the newest bytes kept of each container's log (current and previous)", "256Ki"},
      {"forensics-events", "the newest Events involving the pod kept", "50"},
      {"forensics-retention",
       "how long a QuarantineRecord is kept after its quarantine ended (release, expiry or the pod's deletion)", "720h"},
  };
}

namespace {

// A byte count such as 1Mi, 256Ki or 65536, within [min, max].
Result<std::size_t> byte_flag(const Flags& flags, const std::string& name, long long min, long long max) {
  const std::string text = flags.get(name);
  auto q = k8s::Quantity::parse(text);
  const long long v = q.ok() ? q->value_rounded_up() : -1;
  if (!q.ok() || v < min || v > max)
    return Error{"expected a size from " + std::to_string(min) + " to " + std::to_string(max) +
                     " bytes (such as 256Ki or 1Mi), got \"" + text + "\"",
                 "--" + name};
  return static_cast<std::size_t>(v);
}

}  // namespace

Result<QuarantineSettings> quarantine_settings(const Flags& flags) {
  QuarantineSettings s;
  const std::string label = flags.get("quarantine-label");
  const auto eq = label.find('=');
  if (eq == std::string::npos)
    return Error{"expected KEY=VALUE (such as kindlyguard.io/quarantine=true), got \"" + label + "\"", "--quarantine-label"};
  const std::string key = label.substr(0, eq);
  const std::string value = label.substr(eq + 1);
  if (!k8s::is_valid_label_key(key))
    return Error{"\"" + key + "\" is not a valid label key ([prefix/]name, such as kindlyguard.io/quarantine)",
                 "--quarantine-label"};
  if (value.empty() || !k8s::is_valid_label_value(value))
    return Error{"\"" + value + "\" is not a valid, non-empty label value (such as true)", "--quarantine-label"};
  const std::string forensics = flags.get("quarantine-forensics-namespace");
  if (!forensics.empty() && !is_namespace_name(forensics))
    return Error{"\"" + forensics + "\" is not a namespace name (lower-case letters, digits and '-', at most 63)",
                 "--quarantine-forensics-namespace"};

  s.controller.label_key = s.guard.label_key = key;
  s.controller.label_value = s.guard.label_value = value;
  s.controller.forensics_namespace = forensics;
  s.controller.allow_dns = flags.get_bool("quarantine-allow-dns");
  s.controller.admin_network_policy = flags.get_bool("quarantine-adminnetworkpolicy");
  s.guard.release_users = comma_list(flags.get("quarantine-release-users"));
  s.guard.release_groups = comma_list(flags.get("quarantine-release-groups"));
  s.guard.delete_users = comma_list(flags.get("quarantine-delete-users"));
  s.guard.two_person = flags.get_bool("quarantine-two-person");
  s.guard.own_user = flags.get("kindlyguard-user");

  auto& fc = s.controller.forensics;
  fc.enabled = flags.get_bool("forensics");
  // Detaching needs the labels on record first.
  s.controller.detach = flags.get_bool("quarantine-detach") && fc.enabled;
  auto max_bytes = byte_flag(flags, "forensics-max-bytes", 64 * 1024, static_cast<long long>(controller::kMaxSecretBytes));
  if (!max_bytes.ok()) return max_bytes.error();
  fc.max_bytes = *max_bytes;
  auto log_bytes = byte_flag(flags, "forensics-log-bytes", 0, static_cast<long long>(controller::kMaxSecretBytes));
  if (!log_bytes.ok()) return log_bytes.error();
  fc.log_bytes = *log_bytes;
  auto events = byte_flag(flags, "forensics-events", 0, 1000);
  if (!events.ok()) return Error{"expected a number of Events from 0 to 1000, got \"" + flags.get("forensics-events") + "\"",
                                 "--forensics-events"};
  fc.events = *events;
  auto retention = flags.get_duration("forensics-retention");
  if (!retention.ok()) return retention.error();
  fc.retention = std::chrono::duration_cast<std::chrono::seconds>(*retention);
  if (fc.retention < std::chrono::seconds(1)) return Error{"must be at least 1s", "--forensics-retention"};
  return s;
}

std::vector<FlagSpec> serve_flags() {
  std::vector<FlagSpec> flags = webhook_flags();
  for (auto* group : {&cluster_flags, &quarantine_flags, &certs_flags, &audit_flags, &exception_flags})
    for (auto& f : (*group)()) flags.push_back(std::move(f));
  return flags;
}

Result<LogSettings> log_settings(const Flags& flags) {
  LogSettings s;
  if (!log::parse_level(flags.get("log-level"), s.level))
    return Error{"must be debug, info, warn or error", "--log-level"};
  const std::string format = flags.get("log-format");
  if (format != "json" && format != "text") return Error{"must be json or text", "--log-format"};
  s.format = format == "text" ? log::Format::Text : log::Format::Json;
  return s;
}

Result<ServeConfig> serve_config(const Flags& flags) {
  ServeConfig c;
  auto logging = log_settings(flags);
  if (!logging.ok()) return logging.error();
  c.log = *logging;

  auto listen = endpoint(flags.get("listen"), "--listen");
  if (!listen.ok()) return listen.error();
  c.listen = *listen;
  c.tls_cert_file = flags.get("tls-cert-file");
  c.tls_key_file = flags.get("tls-key-file");
  if (c.tls_cert_file.empty() || c.tls_key_file.empty())
    return Error{"--tls-cert-file and --tls-key-file are required (kindlyguard certs self-signed --out-dir DIR makes a pair)", ""};
  c.client_ca_file = flags.get("client-ca-file");
  if (const std::string probe = flags.get("probe-listen"); !probe.empty()) {
    auto p = endpoint(probe, "--probe-listen");
    if (!p.ok()) return p.error();
    if (!is_loopback(p->host))
      return Error{"\"" + probe + "\" is not a loopback address; the probe port has no client authentication, so give 127.0.0.1:PORT",
                   "--probe-listen"};
    c.probe_listen = *p;
  }
  c.metrics_listen = flags.get("metrics-listen");
  c.audit_log = flags.get_bool("audit-log");
  auto grace = flags.get_duration("shutdown-grace");
  if (!grace.ok()) return grace.error();
  c.shutdown_grace = *grace;
  try {
    std::size_t used = 0;
    const std::string threads = flags.get("threads");
    const unsigned long n = std::stoul(threads, &used);
    if (used != threads.size() || n > 1024) throw std::out_of_range("threads");
    c.threads = static_cast<unsigned>(n);
  } catch (const std::exception&) {
    return Error{"expected a number of threads from 0 (one per core) to 1024, got \"" + flags.get("threads") + "\"",
                 "--threads"};
  }

  auto quarantine = quarantine_settings(flags);
  if (!quarantine.ok()) return quarantine.error();
  c.quarantine_guard = quarantine->guard;

  c.exception_approval.users = comma_list(flags.get("exception-approver-users"));
  c.exception_approval.groups = comma_list(flags.get("exception-approver-groups"));
  c.exception_approval.admin_namespaces = comma_list(flags.get("exception-namespaces"));
  for (const auto& ns : c.exception_approval.admin_namespaces)
    if (!is_namespace_name(ns))
      return Error{"\"" + ns + "\" is not a namespace name (lower-case letters, digits and '-', at most 63)",
                   "--exception-namespaces"};
  auto expiring = flags.get_duration("exception-expiring-warning");
  if (!expiring.ok()) return expiring.error();

  c.policy_dir = flags.get("policy-dir");
  c.namespaces_file = flags.get("namespaces-file");
  if (!c.policy_dir.empty()) {
    auto mode = certs_mode(flags.get("certs-mode"));
    if (!mode.ok()) return mode.error();
    if (*mode == controller::CertificatesConfig::Mode::SelfManaged)
      return Error{"--certs-mode self-managed keeps the certificate in a Secret: it needs the API server, not --policy-dir", ""};
    return c;
  }
  auto cluster = operator_config(flags, *quarantine);
  if (!cluster.ok()) return cluster.error();
  c.cluster = std::move(*cluster);
  c.cluster->exceptions.admin_namespaces = c.exception_approval.admin_namespaces;
  c.cluster->exceptions.expiring_warning = std::chrono::duration_cast<std::chrono::seconds>(*expiring);
  return c;
}

}  // namespace kindlyguard::cli
