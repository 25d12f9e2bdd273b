// PSS check "hostProbesAndHostLifecycle" (baseline)
//
// The host field of probes and lifecycle handlers is restricted: a probe or hook aimed at another
// host turns the kubelet into a proxy into the node's network.
//
// Restricted fields, for spec.containers[*], spec.initContainers[*] and
// spec.ephemeralContainers[*]:
//   .livenessProbe.httpGet.host        .livenessProbe.tcpSocket.host
//   .readinessProbe.httpGet.host       .readinessProbe.tcpSocket.host
//   .startupProbe.httpGet.host         .startupProbe.tcpSocket.host
//   .lifecycle.postStart.httpGet.host  .lifecycle.postStart.tcpSocket.host
//   .lifecycle.preStop.httpGet.host    .lifecycle.preStop.tcpSocket.host
// Allowed values: "" (empty), undefined/null
//
// Versions: v1.34+ (one revision; before v1.34 the host fields are not checked).
// Message: probe or lifecycle host (container "a" uses probe or lifecycle host "1.2.3.4")
// Containers and hosts are listed once each, sorted (PSA collects both in sets).
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

struct Handler {
  std::string_view parent;  // "" for probes, "lifecycle" for hooks
  std::string_view name;
};
constexpr Handler kHandlers[] = {
    {"", "livenessProbe"}, {"", "readinessProbe"}, {"", "startupProbe"},
    {"lifecycle", "postStart"}, {"lifecycle", "preStop"},
};
constexpr std::string_view kActions[] = {"httpGet", "tcpSocket"};

}  // namespace

bool host_probes_and_lifecycle_v1_34(const Pod& pod, CheckResult& out) {
  NameSet bad_containers;
  NameSet hosts;
  std::string field;
  std::string_view first_container;
  for (const Container& c : pod.containers) {
    for (const Handler& h : kHandlers) {
      const json* handler = h.parent.empty() ? get(c.raw, h.name) : get(c.raw, h.parent, h.name);
      if (!handler) continue;
      for (std::string_view action : kActions) {
        std::string_view host = str(get(handler, action, "host"));
        if (host.empty()) continue;
        bad_containers.insert(c.name);
        hosts.insert(host);
        if (field.empty()) {
          std::string sub = h.parent.empty() ? std::string(h.name) : std::string(h.parent) + "." + std::string(h.name);
          field = c.view->field(sub + "." + std::string(action) + ".host");
          first_container = c.name;
        }
      }
    }
  }
  if (bad_containers.empty()) return true;
  std::string detail = pluralize("container", "containers", bad_containers.size());
  detail += ' ';
  detail += join_quote(bad_containers);
  detail += ' ';
  detail += pluralize("uses", "use", bad_containers.size());
  detail += ' ';
  detail += pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.size());
  detail += ' ';
  detail += join_quote(hosts);
  return fail(out, "probe or lifecycle host", std::move(detail), std::move(field), first_container);
}

}  // namespace kindlyguard::policy::pss::detail
