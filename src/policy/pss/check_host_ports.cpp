// PSS check "hostPorts" (baseline)
//
// HostPort ports must be forbidden.
//
// Restricted fields:
//   spec.containers[*].ports[*].hostPort
//   spec.initContainers[*].ports[*].hostPort
//   spec.ephemeralContainers[*].ports[*].hostPort
// Allowed values: undefined/null, 0
//
// Versions: v1.0+ (one revision).
// Message: hostPort (containers "a", "b" use hostPorts 10, 20, 30) -- the ports are listed
// once each, sorted as text (as PSA's string set sorts them: "10" < "8080" < "9").
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

// A non-zero hostPort, or 0 when absent/zero. Ports are int32 in the API, and the API server
// sends nothing else; a review from elsewhere may hold any JSON number. Those are converted
// without undefined behaviour (a double beyond int64 cannot be cast) and never to 0 unless they
// are 0: 0.5 or 1e30 is still a host port.
int64_t host_port(const json& port) {
  const json* p = get(&port, "hostPort");
  if (!p || !p->is_number()) return 0;
  if (!p->is_number_float()) return p->get<int64_t>();
  const double d = p->get<double>();
  if (d == 0) return 0;
  if (!(d > -2147483648.0 && d < 2147483648.0)) return d > 0 ? INT32_MAX : INT32_MIN;
  const auto whole = static_cast<int64_t>(d);
  return whole != 0 ? whole : (d > 0 ? 1 : -1);
}

}  // namespace

bool host_ports_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  std::set<std::string> ports;
  std::string field;
  std::string_view first_container;
  for (const Container& c : pod.containers) {
    auto list = items(get(c.raw, "ports"));
    bool valid = true;
    for (std::size_t i = 0; i < list.size(); ++i) {
      int64_t hp = host_port(list[i]);
      if (hp == 0) continue;
      valid = false;
      ports.insert(std::to_string(static_cast<int32_t>(hp)));
      if (field.empty()) {
        field = c.view->field("ports[" + std::to_string(i) + "].hostPort");
        first_container = c.name;
      }
    }
    if (!valid) bad.push_back(c.name);
  }
  if (bad.empty()) return true;
  std::string detail = containers_phrase(bad);
  detail += ' ';
  detail += pluralize("uses", "use", bad.size());
  detail += ' ';
  detail += pluralize("hostPort", "hostPorts", ports.size());
  detail += ' ';
  detail += join(ports, ", ");
  return fail(out, "hostPort", std::move(detail), std::move(field), first_container);
}

}  // namespace kindlyguard::policy::pss::detail
