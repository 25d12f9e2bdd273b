// Rule probes (spec.rules.probes: {liveness, readiness, startup})
//
// Restricted fields: spec.containers[*].{livenessProbe,readinessProbe,startupProbe}, and the same
// on spec.initContainers[*] that set restartPolicy: Always (sidecars, which run beside the app for
// the pod's life and are probed like it). Other init containers run to completion before the app
// starts and ephemeral containers cannot have probes: both are left out.
// Allowed: every probe the policy sets to true is present and usable:
//   - exactly one handler: exec, httpGet, tcpSocket or grpc;
//   - exec: a command with at least one non-empty word;
//   - httpGet, tcpSocket: a port number 1..65535, or a name the container declares in ports[].name
//     (a name it does not declare makes the kubelet fail the probe on every try);
//   - grpc: a port number 1..65535 (gRPC probes take no named ports).
// Not required: readinessProbe on pods of a Job or CronJob (the pod template of either kind, or a
// pod whose ownerReferences name a batch Job). Readiness only decides whether a pod is a Service
// endpoint; a Job's pods serve no traffic, nothing waits for them to be ready, and a Job's health is
// its completion. Liveness and startup still apply to them: a hung batch pod should be restarted.
// The policy: booleans; at least one true (a rule with all false checks nothing and is refused).
#include <algorithm>
#include <string_view>

#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {
namespace {

struct ProbeKind {
  std::string_view field;    // livenessProbe
  std::string_view path;     // the example's path
  bool ProbesRule::*wanted;  // which rule field asks for it
};

constexpr ProbeKind kProbes[] = {
    {"livenessProbe", "/healthz", &ProbesRule::liveness},
    {"readinessProbe", "/readyz", &ProbesRule::readiness},
    {"startupProbe", "/healthz", &ProbesRule::startup},
};

// Sidecars (restartable init containers) are probed like the containers they serve.
bool regular(const ContainerView& c) {
  if (c.kind() == ContainerKind::Container) return true;
  return c.kind() == ContainerKind::InitContainer && string_at(c.raw(), "restartPolicy") == "Always";
}

// The pod template of a Job or CronJob, or a pod a Job controls.
bool job_pod(const PodView& pod) {
  if (pod.kind() == "Job" || pod.kind() == "CronJob") return true;
  const json& owners = member_at(pod.pod_metadata(), "ownerReferences");
  if (!owners.is_array()) return false;
  return std::any_of(owners.begin(), owners.end(), [](const json& o) {
    auto api = string_at(o, "apiVersion");
    return string_at(o, "kind") == "Job" && api && api->rfind("batch/", 0) == 0;
  });
}

// A ready-to-paste probe on the container's first declared port, or on 8080 when it declares none.
std::string example(const ContainerView& c, const ProbeKind& p) {
  std::string port = "8080";
  const json& ports = member_at(c.raw(), "ports");
  if (ports.is_array() && !ports.empty() && member_at(ports[0], "containerPort").is_number_integer())
    port = std::to_string(member_at(ports[0], "containerPort").get<int64_t>());
  std::string out = std::string(p.field) + ": {httpGet: {path: " + std::string(p.path) + ", port: " + port + "}";
  if (p.field == "startupProbe") out += ", failureThreshold: 30, periodSeconds: 10";
  return out + "}";
}

bool declares_port(const ContainerView& c, std::string_view name) {
  const json& ports = member_at(c.raw(), "ports");
  if (!ports.is_array()) return false;
  return std::any_of(ports.begin(), ports.end(), [&](const json& p) { return string_at(p, "name") == name; });
}

// Why the port of a handler is unusable ("" when it is usable).
std::string port_problem(const ContainerView& c, const json& handler, bool named_allowed) {
  const json& port = member_at(handler, "port");
  if (port.is_null()) return "has no port";
  if (port.is_number_integer()) {
    const int64_t n = port.get<int64_t>();
    return n >= 1 && n <= 65535 ? "" : "has port " + std::to_string(n) + ", outside 1..65535";
  }
  if (!named_allowed || !port.is_string()) return "needs a port number";
  const std::string& name = port.get_ref<const std::string&>();
  if (declares_port(c, name)) return "";
  return "names port " + detail::quote(name) + ", which the container does not declare in ports[].name";
}

// Why the probe cannot work ("" when it can): the kubelet needs exactly one usable handler.
std::string probe_problem(const ContainerView& c, const json& probe) {
  constexpr std::string_view handlers[] = {"exec", "httpGet", "tcpSocket", "grpc"};
  std::string found;
  int count = 0;
  for (auto h : handlers)
    if (!member_at(probe, h).is_null()) {
      found += (count++ ? " and " : "") + std::string(h);
    }
  if (count == 0) return "has no handler, one of exec, httpGet, tcpSocket or grpc";
  if (count > 1) return "sets " + found + "; a probe takes exactly one handler";
  if (const json& exec = member_at(probe, "exec"); !exec.is_null()) {
    const json& command = member_at(exec, "command");
    bool usable = command.is_array() && std::any_of(command.begin(), command.end(), [](const json& w) {
      return w.is_string() && !w.get_ref<const std::string&>().empty();
    });
    return usable ? "" : "has an exec handler without a command";
  }
  for (auto h : {"httpGet", "tcpSocket"})
    if (const json& handler = member_at(probe, h); !handler.is_null())
      if (auto p = port_problem(c, handler, true); !p.empty()) return std::string(h) + " " + p;
  if (const json& grpc = member_at(probe, "grpc"); !grpc.is_null())
    if (auto p = port_problem(c, grpc, false); !p.empty()) return "grpc " + p;
  return "";
}

}  // namespace

void check_probes(const RuleInput& in, std::vector<Finding>& out) {
  const ProbesRule& rule = *in.rules().probes;
  const bool job = job_pod(in.pod());
  for (const ContainerView* c : in.judged_containers()) {
    if (!regular(*c)) continue;
    for (const auto& p : kProbes) {
      if (!(rule.*p.wanted)) continue;
      if (job && p.field == "readinessProbe") continue;
      const std::string field = c->field(p.field);
      const json& probe = member_at(c->raw(), p.field);
      if (probe.is_null()) {
        out.push_back({c->name(), field, describe(*c) + " has no " + std::string(p.field) + ": add one, e.g. " + example(*c, p)});
      } else if (auto problem = probe_problem(*c, probe); !problem.empty()) {
        out.push_back({c->name(), field,
                       describe(*c) + " has an unusable " + std::string(p.field) + " (it " + problem +
                           "): set one the kubelet can run, e.g. " + example(*c, p)});
      }
    }
  }
}

void parse_probes(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  ProbesRule rule;
  rule.liveness = r.boolean("liveness").value_or(false);
  rule.readiness = r.boolean("readiness").value_or(false);
  rule.startup = r.boolean("startup").value_or(false);
  if (r.finish_rule(rule.liveness || rule.readiness || rule.startup,
                    "checks nothing as written: set liveness, readiness or startup to true"))
    out.probes = rule;
}

}  // namespace kindlyguard::policy::rules
