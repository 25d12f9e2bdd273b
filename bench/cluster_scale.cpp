// The cluster-scale run of `make bench` (issue 21): numbers only, it never passes or fails.
//
//   cluster_scale --pods 100000 [--namespaces 2000] [--audit-interval 120] [--idle-seconds 30]
//                 [--event-rate 2000] [--event-seconds 10] [--out section.md] [--raw DIR]
//
// The project's Kubernetes API test server (tests/apiserver) in this process holds N realistic
// pods (tests/support/realistic_pod.hpp: ~7 KB each as served, managedFields included; one in ten
// fails PSS restricted, one in a hundred baseline) in N/50 namespaces and 10 SecurityPolicies
// with audit.background (PSS restricted Warn, baseline Deny, eight of custom rules), loaded
// through the store directly (no HTTP: 100,000 pods in seconds). Then the real `kindlyguard
// serve` starts as leader, later a second replica as follower, and the run measures what issue
// 21 sets targets for:
//   - leader VmHWM when its pod watch opens (the initial list is in), RSS and VmHWM after the
//     first audit and at steady state; the follower's RSS;
//   - start to the end of the first full audit (its log line); a policy change to the end of the
//     audit it starts;
//   - an audit interval with nothing changed: PolicyReport and status writes (must be none);
//   - the leader's CPU over --idle-seconds of idle after that;
//   - pod events at --event-rate for --event-seconds (status updates, label changes, pods
//     replaced as in a rollout) written into the store, which the leader's watch must take:
//     the server-side backlog of the leader's pod watch (events queued and not yet sent) at its
//     largest and how long it takes to drain, the leader's CPU and RSS meanwhile;
//   - the reports stored: objects, bytes, results, next to Kyverno's published figure.
// Prints a markdown section (stdout, and --out) that scripts/bench.sh puts into bench/RESULTS.md.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/process.hpp"
#include "support/realistic_pod.hpp"
#include "support/webhook_process.hpp"

namespace kt = kindlyguard::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Args {
  int pods = 10000;
  int namespaces = 0;  // 0: pods / 50
  int audit_interval_s = 120;
  int idle_seconds = 30;
  int event_rate = 2000;
  int event_seconds = 10;
  std::string out;
  std::string raw;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--pods") a.pods = std::stoi(v);
    else if (k == "--namespaces") a.namespaces = std::stoi(v);
    else if (k == "--audit-interval") a.audit_interval_s = std::stoi(v);
    else if (k == "--idle-seconds") a.idle_seconds = std::stoi(v);
    else if (k == "--event-rate") a.event_rate = std::stoi(v);
    else if (k == "--event-seconds") a.event_seconds = std::stoi(v);
    else if (k == "--out") a.out = v;
    else if (k == "--raw") a.raw = v;
    else {
      std::cerr << "unknown flag " << k << "\n";
      std::exit(2);
    }
  }
  if (a.namespaces <= 0) a.namespaces = std::max(1, a.pods / 50);
  return a;
}

long status_kib(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  const std::string k = std::string(key) + ":";
  for (std::string row; std::getline(in, row);)
    if (row.rfind(k, 0) == 0) return std::atol(row.c_str() + k.size());
  return -1;
}

std::string mib(long kib) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MiB", kib / 1024.0);
  return b;
}

std::string fixed(double v, int digits = 1) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The 10 policies: PSS restricted Warn, baseline Deny, eight of custom rules; all audited.
std::vector<json> policies() {
  auto policy = [](const std::string& name, const std::string& enforcement, json spec) {
    spec["enforcement"] = enforcement;
    spec["match"] = {{"excludedNamespaces", json::array({"kube-system", "kindlyguard"})}};
    spec["audit"] = {{"background", true}};
    return json{{"apiVersion", "kindlyguard.io/v1alpha1"},
                {"kind", "SecurityPolicy"},
                {"metadata", {{"name", name}}},
                {"spec", spec}};
  };
  return {
      policy("restricted", "Warn", {{"podSecurityStandard", {{"level", "restricted"}, {"version", "latest"}}}}),
      policy("baseline", "Deny", {{"podSecurityStandard", {{"level", "baseline"}, {"version", "latest"}}}}),
      policy("non-root", "Audit", {{"rules", {{"runAsNonRoot", true}, {"runAsUser", {{"min", 10000}}}}}}),
      policy("resources", "Warn",
             {{"rules", {{"resources", {{"requireLimits", {"cpu", "memory"}}, {"requireRequests", {"cpu", "memory"}},
                                        {"maxLimits", {{"cpu", "2"}, {"memory", "1Gi"}}}}}}}}),
      policy("registries", "Deny", {{"rules", {{"images", {{"allowedRegistries", {"registry.example.com"}}}}}}}),
      policy("tags", "Warn", {{"rules", {{"images", {{"disallowTags", {"latest"}}}}}}}),
      policy("capabilities", "Audit", {{"rules", {{"capabilities", {{"requiredDrop", {"ALL"}}, {"allowedAdd", json::array()}}}}}}),
      policy("read-only-root", "Audit", {{"rules", {{"readOnlyRootFilesystem", true}}}}),
      policy("seccomp", "Audit", {{"rules", {{"seccomp", {{"allowedProfiles", {"RuntimeDefault", "Localhost"}}}}}}}),
      policy("host", "Deny",
             {{"rules", {{"privileged", false}, {"hostNamespaces", false}, {"hostPorts", false},
                         {"allowPrivilegeEscalation", false}, {"hostPath", {{"allowed", false}}}}}}),
  };
}

kt::PodFlavour flavour_of(int i) {
  if (i % 100 == 7) return kt::PodFlavour::BaselineViolation;
  if (i % 10 == 3) return kt::PodFlavour::RestrictedViolation;
  return kt::PodFlavour::Compliant;
}

std::string ns_of(int i, int namespaces) { return "team-" + std::to_string(i % namespaces); }

// The JSON fields of the n-th "background audit" log line (null when there is none yet).
json audit_line(const std::string& log, std::size_t n) {
  std::size_t at = 0;
  for (std::size_t k = 0;; ++k) {
    at = log.find("\"msg\":\"background audit\"", at);
    if (at == std::string::npos) return nullptr;
    if (k == n) break;
    ++at;
  }
  const auto start = log.rfind('\n', at) + 1;
  return json::parse(log.substr(start, log.find('\n', at) - start), nullptr, false);
}

std::size_t audit_count(const std::string& log) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = log.find("\"msg\":\"background audit\"", at)) != std::string::npos; ++at) ++n;
  return n;
}

struct Writes {
  std::size_t count = 0;
  std::size_t bytes = 0;  // request bodies (the log keeps the first 64 KiB of each)
};

Writes writes_since(const kindly::testapi::TestApiServer& api, const std::string& resource, std::uint64_t after_seq) {
  Writes w;
  for (const auto& r : api.requests().all()) {
    if (r.seq <= after_seq) continue;
    const auto& v = r.info.verb;
    if (v != "create" && v != "update" && v != "patch" && v != "delete") continue;
    std::string res = r.info.resource + (r.info.subresource.empty() ? "" : "/" + r.info.subresource);
    if (res != resource) continue;
    ++w.count;
    w.bytes += r.body.size();
  }
  return w;
}

std::uint64_t last_seq(const kindly::testapi::TestApiServer& api) {
  const auto all = api.requests().all();
  return all.empty() ? 0 : all.back().seq;
}

// Waits (polling the log, as the e2e tests do) until the leader has logged `n` audits.
bool wait_audits(kt::WebhookProcess& p, std::size_t n, std::chrono::seconds timeout) {
  return kt::eventually([&] { return audit_count(p.process().stderr_text()) >= n; }, timeout);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  std::ostringstream md;
  const std::string load_start = loadavg();
  std::cerr << "== cluster scale: " << args.pods << " pods in " << args.namespaces << " namespaces, load " << load_start
            << "\n";

  // ---- the cluster ------------------------------------------------------------------------
  kt::TestCluster cluster({.namespaces = {"kindlyguard"}});
  auto& api = *cluster.api;
  auto& store = api.store();
  for (const auto& p : policies()) store.create("securitypolicies", p);
  const auto load_started = Clock::now();
  for (int k = 0; k < args.namespaces; ++k) cluster.make_namespace(ns_of(k, args.namespaces));
  std::size_t served_bytes = 0;
  for (int i = 0; i < args.pods; ++i) {
    json pod = kt::realistic_pod(i, ns_of(i, args.namespaces), flavour_of(i));
    pod["status"]["phase"] = "Running";
    const json stored = store.create("pods", std::move(pod));
    if (i < 100) served_bytes += stored.dump().size();
  }
  const double load_s = seconds_since(load_started);
  const std::size_t pod_bytes = served_bytes / std::min(args.pods, 100);
  std::cerr << "== loaded in " << fixed(load_s) << " s (" << pod_bytes << " bytes per pod as served)\n";

  // ---- the leader: initial list, first audit -------------------------------------------------
  // The binary's own leader-election times (15 s lease, 10 s renew deadline, as the chart runs it):
  // the tests' fast ones (3 s / 2 s) made the leader step down when the driver's writes and the
  // server's lists held both cores.
  const std::vector<std::string> flags = {"--leader-election-namespace", "kindlyguard", "--audit-interval",
                                          std::to_string(args.audit_interval_s) + "s"};
  const auto leader_started = Clock::now();
  auto leader = std::make_unique<kt::WebhookProcess>(kt::WebhookProcess::Cluster{cluster.kubeconfig()}, flags,
                                                     std::map<std::string, std::string>{{"POD_NAME", "replica-a"}});
  const pid_t lp = leader->process().pid();
  long hwm_list = -1;
  double list_s = -1;
  // The pod cache opens its watch (every pod: no label selector, unlike the quarantined pods'
  // informer) once the initial list is in.
  std::thread hwm_watch([&] {
    if (api.requests().wait_until(
            [](const std::vector<kindly::testapi::RequestRecord>& all) {
              for (const auto& r : all)
                if (r.info.verb == "watch" && r.info.resource == "pods" && r.query.find("labelSelector") == std::string::npos)
                  return true;
              return false;
            },
            600s)) {
      list_s = seconds_since(leader_started);
      hwm_list = status_kib(lp, "VmHWM");
    }
  });
  const bool first = wait_audits(*leader, 1, 900s);
  const double first_audit_s = seconds_since(leader_started);
  hwm_watch.join();
  if (!first) {
    std::cerr << "the first audit did not finish within 900 s\n" << leader->process().stderr_text().substr(0, 4000);
    return 1;
  }
  const json first_line = audit_line(leader->process().stderr_text(), 0);
  const long rss_first = status_kib(lp, "VmRSS"), hwm_first = status_kib(lp, "VmHWM");
  std::cerr << "== first audit after " << fixed(first_audit_s) << " s: " << first_line.dump() << "\n";

  // ---- an audit interval with nothing changed --------------------------------------------------
  const std::uint64_t seq_idle = last_seq(api);
  const bool second = wait_audits(*leader, 2, std::chrono::seconds(args.audit_interval_s * 2 + 300));
  const json idle_line = second ? audit_line(leader->process().stderr_text(), 1) : json();
  const Writes idle_reports = writes_since(api, "policyreports", seq_idle);
  const Writes idle_status = writes_since(api, "securitypolicies/status", seq_idle);
  std::cerr << "== idle audit: " << idle_line.dump() << "\n";

  // ---- idle CPU, steady RSS ------------------------------------------------------------------
  const std::string load_idle = loadavg();
  const double c0 = kt::cpu_seconds(lp);
  std::this_thread::sleep_for(std::chrono::seconds(args.idle_seconds));
  const double idle_cores = (kt::cpu_seconds(lp) - c0) / args.idle_seconds;
  const bool audit_in_idle = audit_count(leader->process().stderr_text()) > 2;
  const long rss_steady = status_kib(lp, "VmRSS");
  std::cerr << "== idle: " << fixed(idle_cores, 4) << " cores, RSS " << mib(rss_steady) << "\n";

  // ---- the follower ------------------------------------------------------------------------
  auto follower = std::make_unique<kt::WebhookProcess>(kt::WebhookProcess::Cluster{cluster.kubeconfig()}, flags,
                                                       std::map<std::string, std::string>{{"POD_NAME", "replica-b"}});
  kt::eventually([&] { return kt::readyz(*follower) == 200; }, 120s);
  std::this_thread::sleep_for(3s);
  const pid_t fp = follower->process().pid();
  const long f_rss = status_kib(fp, "VmRSS"), f_hwm = status_kib(fp, "VmHWM");
  std::cerr << "== follower RSS " << mib(f_rss) << "\n";

  // ---- a policy change re-audits everything ---------------------------------------------------
  const std::size_t audits_before = audit_count(leader->process().stderr_text());
  const auto changed = Clock::now();
  store.merge_patch("securitypolicies", "", "resources",
                    {{"spec", {{"rules", {{"resources", {{"maxLimits", {{"cpu", "1"}, {"memory", "1Gi"}}}}}}}}}});
  const bool reaudit = wait_audits(*leader, audits_before + 1, 600s);
  const double reaudit_s = seconds_since(changed);
  const json reaudit_line = reaudit ? audit_line(leader->process().stderr_text(), audits_before) : json();
  std::cerr << "== policy change re-audited in " << fixed(reaudit_s) << " s: " << reaudit_line.dump() << "\n";

  // ---- pod events through the watch ----------------------------------------------------------
  std::size_t backlog_max = 0;
  long rss_events_max = 0;
  const long hwm_before_events = status_kib(lp, "VmHWM");
  const double ce0 = kt::cpu_seconds(lp);
  const auto events_started = Clock::now();
  const int total_events = args.event_rate * args.event_seconds;
  // The rollout's new pods are made before the clock starts: the driver's own JSON building
  // would otherwise bound the rate it can write.
  std::vector<json> new_pods;
  for (int k = 0; k < total_events / 4 + 1; ++k) {
    const int n = args.pods + k;
    json pod = kt::realistic_pod(n, ns_of(n, args.namespaces), flavour_of(n));
    pod["status"]["phase"] = "Running";
    new_pods.push_back(std::move(pod));
  }
  // The pods alive are numbers [oldest, next_new): a rollout adds at the top, deletes at the bottom.
  int sent = 0, next_new = args.pods, oldest = 0;
  auto pod_name = [](int i) { return "checkout-7d9f8c6b5-" + std::to_string(100000 + i); };
  for (int e = 0; e < total_events; ++e) {
    // Paced: event e is due at start + e / rate.
    const auto due = events_started + std::chrono::microseconds(static_cast<long long>(e) * 1000000 / args.event_rate);
    std::this_thread::sleep_until(due);
    const int i = oldest + static_cast<int>((static_cast<long long>(e) * 7919) % (next_new - oldest));  // spread
    const std::string ns = ns_of(i, args.namespaces);
    const std::string name = pod_name(i);
    try {
      switch (e % 4) {
        case 0:  // the kubelet's status update
          store.merge_patch("pods", ns, name, {{"status", {{"conditions", json::array({{{"type", "Ready"}, {"status", e % 8 ? "True" : "False"}, {"lastTransitionTime", "2024-05-01T10:0" + std::to_string(e % 10) + ":00Z"}}})}}}});
          break;
        case 1:  // a label change
          store.merge_patch("pods", ns, name, {{"metadata", {{"labels", {{"bench-tick", std::to_string(e)}}}}}});
          break;
        case 2: {  // a rollout: a new pod ...
          store.create("pods", std::move(new_pods[next_new - args.pods]));
          ++next_new;
          break;
        }
        default: {  // ... and an old one gone
          store.remove("pods", ns_of(oldest, args.namespaces), pod_name(oldest));
          ++oldest;
          break;
        }
      }
      ++sent;
    } catch (const std::exception&) {
    }
    if (e % 200 == 0) {
      backlog_max = std::max(backlog_max, store.watch_backlog("pods"));
      rss_events_max = std::max(rss_events_max, status_kib(lp, "VmRSS"));
    }
  }
  const double send_s = seconds_since(events_started);
  const auto drain_started = Clock::now();
  kt::eventually([&] {
    backlog_max = std::max(backlog_max, store.watch_backlog("pods"));
    return store.watch_backlog("pods") == 0;
  }, 300s);
  const double drain_s = seconds_since(drain_started);
  const double event_cores = (kt::cpu_seconds(lp) - ce0) / seconds_since(events_started);
  const long hwm_events = status_kib(lp, "VmHWM");
  std::cerr << "== events: " << sent << " in " << fixed(send_s) << " s, backlog max " << backlog_max << ", drained in "
            << fixed(drain_s, 2) << " s, leader " << fixed(event_cores, 2) << " cores\n";

  // ---- reports stored ------------------------------------------------------------------------
  std::size_t report_count = 0, report_bytes = 0, report_results = 0, report_max = 0;
  for (const auto& r : store.list("policyreports")) {
    ++report_count;
    const std::size_t b = r.dump().size();
    report_bytes += b;
    report_max = std::max(report_max, b);
    report_results += r.value("results", json::array()).size();
  }
  const long rss_end = status_kib(lp, "VmRSS");
  std::size_t step_downs = 0;
  {
    const std::string log = leader->process().stderr_text();
    for (std::size_t at = 0; (at = log.find("\"msg\":\"stopped leading\"", at)) != std::string::npos; ++at) ++step_downs;
  }
  const std::string load_end = loadavg();

  // ---- the section ---------------------------------------------------------------------------
  auto met = [](bool ok) { return ok ? "met" : "**missed**"; };
  const double pods_per_ns = static_cast<double>(args.pods) / args.namespaces;
  md << "## Cluster scale (issue 21)\n\n"
     << "The operator against the project's Kubernetes API test server (tests/apiserver, in the driver's process)\n"
     << "holding " << args.pods << " pods (" << pod_bytes << " bytes each as served, managedFields included;\n"
     << "tests/support/realistic_pod.hpp; 1 in 10 fails PSS restricted, 1 in 100 baseline) in " << args.namespaces
     << " namespaces\n(" << fixed(pods_per_ns, 0) << " pods each) and 10 SecurityPolicies with `audit.background: true` (PSS restricted Warn,\n"
     << "baseline Deny, 8 of custom rules); `kindlyguard serve` as leader with `--audit-interval "
     << args.audit_interval_s << "s` (leader election at the binary's\ndefaults), a second replica as follower. "
     << "Written by bench/cluster_scale.cpp (numbers only):\n\n"
     << "```sh\nBENCH_SCALE_PODS=" << args.pods << " make bench   # or: BENCH_SCALE_ONLY=1 BENCH_SCALE_PODS=" << args.pods
     << " scripts/bench.sh build\n"
     << "build/bench/cluster_scale --pods " << args.pods << " --namespaces " << args.namespaces << " --audit-interval "
     << args.audit_interval_s << " --idle-seconds " << args.idle_seconds << " --event-rate " << args.event_rate
     << " --event-seconds " << args.event_seconds << "\n```\n\n"
     << "Load average (1/5/15 min): " << load_start << " at start, " << load_idle << " before the idle window, " << load_end
     << " at the end (2 cores, shared; the test server and the driver run on them too).\n"
     << "Pods loaded into the store in " << fixed(load_s) << " s.\n\n"
     << "| target (issue 21) | measured | |\n| --- | --- | --- |\n"
     << "| leader peak during the initial list ≤ 256 MiB | " << mib(hwm_list) << " VmHWM when the pod watch opened ("
     << fixed(list_s) << " s after start) | " << met(hwm_list >= 0 && hwm_list <= 256 * 1024) << " |\n"
     << "| leader RSS at steady state ≤ 200 MiB | " << mib(rss_steady) << " (after the idle audit); " << mib(rss_first)
     << " after the first audit, VmHWM " << mib(hwm_first) << "; " << mib(rss_end) << " at the end | "
     << met(rss_steady <= 200 * 1024) << " |\n"
     << "| follower RSS ≤ 64 MiB | " << mib(f_rss) << " (VmHWM " << mib(f_hwm) << ") | " << met(f_rss <= 64 * 1024) << " |\n"
     << "| initial sync + first full audit ≤ 30 s | " << fixed(first_audit_s) << " s from start (the audit itself "
     << first_line.value("durationMs", "?") << " ms: " << first_line.value("judged", "?") << " pods judged, "
     << first_line.value("reportWrites", "?") << " report writes) | " << met(first_audit_s <= 30) << " |\n"
     << "| a policy change re-audits everything ≤ 10 s | " << (reaudit ? fixed(reaudit_s) + " s" : "not within 600 s")
     << " from the change (the audit starts 2 s after it, once a burst of changes settles; itself "
     << reaudit_line.value("durationMs", "?") << " ms, " << reaudit_line.value("reportWrites", "?")
     << " report writes) | " << met(reaudit && reaudit_s <= 10) << " |\n"
     << "| " << args.event_rate << " pod events/s through the watch, the audit keeping up | " << sent << " events in "
     << fixed(send_s) << " s (" << fixed(sent / send_s, 0) << "/s: status, label, new pod, deleted pod); backlog of the leader's "
     << "pod watch at the server at most " << backlog_max << " events, drained " << fixed(drain_s, 2)
     << " s after the last; leader " << fixed(event_cores, 2) << " cores meanwhile, RSS at most "
     << mib(std::max(rss_events_max, rss_end)) << ", VmHWM " << mib(hwm_before_events) << " -> " << mib(hwm_events)
     << "; the audit queue holds one key by construction | " << met(sent / send_s >= args.event_rate * 0.95 && drain_s < 5)
     << " |\n"
     << "| report bytes written per idle audit interval = 0 | "
     << (second ? std::to_string(idle_reports.bytes) + " bytes (" + std::to_string(idle_reports.count) +
                      " PolicyReport writes; " + std::to_string(idle_status.count) + " status writes; the audit: " +
                      idle_line.value("durationMs", "?") + " ms)"
                : std::string("no second audit"))
     << " | " << met(second && idle_reports.count == 0 && idle_status.count == 0) << " |\n"
     << "| reports for all pods, per-namespace size bounded | " << report_count << " PolicyReports, "
     << fixed(report_bytes / 1048576.0) << " MiB as JSON (largest " << fixed(report_max / 1024.0) << " KiB), "
     << report_results << " results; Kyverno's published figure: 10,254 reports, 483 MB of etcd | "
     << met(report_count <= static_cast<std::size_t>(args.namespaces)) << " |\n"
     << "| leader CPU at idle after sync ≤ 0.02 core | " << fixed(idle_cores, 4) << " cores over " << args.idle_seconds
     << " s (/proc/PID/stat" << (audit_in_idle ? "; an audit ran in the window" : ", no audit in the window")
     << ") | " << met(idle_cores <= 0.02) << " |\n"
     << "| (the leader stayed leader) | " << step_downs << " step-downs (\"stopped leading\" in its log) | "
     << met(step_downs == 0) << " |\n\n";
  std::cout << md.str();
  if (!args.out.empty()) std::ofstream(args.out) << md.str();
  if (!args.raw.empty()) {
    std::ofstream(args.raw + "/leader.log") << leader->process().stderr_text();
    std::ofstream(args.raw + "/follower.log") << follower->process().stderr_text();
  }
  return 0;
}
