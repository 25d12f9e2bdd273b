// Rule capabilities (spec.rules.capabilities: {requiredDrop, allowedAdd})
//
// Restricted fields: spec.*containers[*].securityContext.capabilities.drop / .add
// Allowed: drop contains every requiredDrop name (or ALL, which drops everything); add holds only
// names in allowedAdd (absent allowedAdd = any add).
//
// What a runtime really does with a name is the only truth, and the runtimes differ:
//   containerd: ALL matches case-insensitively; every other name is upper-cased and prefixed with
//               CAP_, so "net_raw" drops CAP_NET_RAW but "CAP_NET_RAW" drops CAP_CAP_NET_RAW
//               (nothing) and "CAP_ALL" drops nothing at all.
//   CRI-O:      ALL matches case-insensitively; other names are upper-cased and prefixed with CAP_
//               unless they already carry it, so both spellings work there.
// So a drop counts only when every mainstream runtime honours it: ALL in any case, or a name
// without the CAP_ prefix in any case. An add is dangerous when any runtime would grant it, so
// adds are judged after upper-casing and stripping CAP_ ("cap_sys_admin" is SYS_ADMIN, granted
// by CRI-O), and an add of ALL in any case grants everything. Runtimes apply ALL first, then the
// single adds, then the single drops, so drop: [ALL] with add: [NET_RAW] keeps NET_RAW: a
// requiredDrop name other than ALL counts as dropped only when dropped by itself, or by ALL and
// not added back.
// The policy: names written as Kubernetes does (NET_RAW, not net_raw or CAP_NET_RAW); requiredDrop,
// when given, lists at least one; allowedAdd: [ALL] needs a requiredDrop beside it.
#include <algorithm>
#include <array>
#include <cctype>

#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {
namespace {

std::string upper(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return name;
}

// The capability an add grants on the most permissive runtime (CRI-O accepts the CAP_ prefix).
std::string granted(const std::string& name) {
  std::string u = upper(name);
  if (u.rfind("CAP_", 0) == 0) u.erase(0, 4);
  return u;
}

// The capability a drop removes on every runtime, or "" when some runtime drops nothing for it
// (containerd prefixes CAP_ to a name that already has it).
std::string dropped_everywhere(const std::string& name) {
  std::string u = upper(name);
  if (u.rfind("CAP_", 0) == 0) return "";
  return u;
}

std::vector<std::string> raw_names_at(const json& sc, const char* key) {
  std::vector<std::string> out;
  auto caps = sc.is_object() ? sc.find("capabilities") : sc.end();
  if (caps == sc.end() || !caps->is_object()) return out;
  auto list = caps->find(key);
  if (list == caps->end() || !list->is_array()) return out;
  for (const auto& n : *list)
    if (n.is_string()) out.push_back(n.get<std::string>());
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

void check_capabilities(const RuleInput& in, std::vector<Finding>& out) {
  const CapabilitiesRule& rule = *in.rules().capabilities;
  for (const ContainerView* c : in.judged_containers()) {
    const json& sc = c->security_context();
    std::vector<std::string> drop, ineffective;
    for (const auto& d : raw_names_at(sc, "drop")) {
      std::string name = dropped_everywhere(d);
      if (name.empty()) ineffective.push_back(d);
      else drop.push_back(std::move(name));
    }
    std::vector<std::string> added;
    for (const auto& a : raw_names_at(sc, "add")) added.push_back(granted(a));
    const bool drops_all = contains(drop, "ALL");
    // Both runtimes apply add ALL, then drop ALL, then the single adds, then the single drops:
    // after drop ALL a name that is added is granted again; a name dropped by itself stays dropped.
    auto dropped = [&](const std::string& cap) {
      if (cap == "ALL") return drops_all;
      return contains(drop, cap) || (drops_all && !contains(added, cap));
    };
    {
      std::vector<std::string> missing;
      for (const auto& r : rule.required_drop)
        if (!dropped(granted(r))) missing.push_back(granted(r));
      if (!missing.empty()) {
        std::string message = describe(*c) + " does not drop " + join(missing) + ": add " + join(missing) +
                              " to securityContext.capabilities.drop";
        if (!ineffective.empty())
          message += " (" + join(ineffective) +
                     " drops nothing on containerd, which prefixes CAP_ to every name: write names without CAP_)";
        else if (drops_all)
          message += " (ALL is dropped, but capabilities.add grants " + join(missing) + " back)";
        out.push_back({c->name(), c->field("securityContext.capabilities.drop"), std::move(message)});
      }
    }
    if (!rule.allowed_add) continue;
    std::vector<std::string> forbidden;
    for (const auto& a : added) {
      bool ok = std::any_of(rule.allowed_add->begin(), rule.allowed_add->end(),
                            [&](const std::string& allowed) { return granted(allowed) == a; });
      if (!ok) forbidden.push_back(a);
    }
    if (!forbidden.empty()) {
      std::string allowed = rule.allowed_add->empty() ? "none may be added" : "allowed: " + join(*rule.allowed_add);
      out.push_back({c->name(), c->field("securityContext.capabilities.add"),
                     describe(*c) + " adds " + join(forbidden) + ": remove " +
                         (forbidden.size() == 1 ? "it" : "them") + " from securityContext.capabilities.add (" +
                         allowed + ")"});
    }
  }
}

namespace {

// Linux capabilities (capability.h), as a pod spec writes them, plus ALL.
constexpr std::array<std::string_view, 42> kCapabilities = {
    "ALL",           "AUDIT_CONTROL",  "AUDIT_READ",         "AUDIT_WRITE",    "BLOCK_SUSPEND", "BPF",
    "CHECKPOINT_RESTORE", "CHOWN",     "DAC_OVERRIDE",       "DAC_READ_SEARCH", "FOWNER",       "FSETID",
    "IPC_LOCK",      "IPC_OWNER",      "KILL",               "LEASE",          "LINUX_IMMUTABLE", "MAC_ADMIN",
    "MAC_OVERRIDE",  "MKNOD",          "NET_ADMIN",          "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW",
    "PERFMON",       "SETFCAP",        "SETGID",             "SETPCAP",        "SETUID",        "SYSLOG",
    "SYS_ADMIN",     "SYS_BOOT",       "SYS_CHROOT",         "SYS_MODULE",     "SYS_NICE",      "SYS_PACCT",
    "SYS_PTRACE",    "SYS_RAWIO",      "SYS_RESOURCE",       "SYS_TIME",       "SYS_TTY_CONFIG", "WAKE_ALARM"};

// requiredDrop / allowedAdd entries: Kubernetes spelling, upper-case without CAP_. We reject other
// spellings rather than normalise them, so the policy reads exactly like the pod specs it judges.
std::string capability_problem(const std::string& c) {
  static const std::vector<std::string_view> known(kCapabilities.begin(), kCapabilities.end());
  if (std::find(known.begin(), known.end(), c) != known.end()) return "";
  const std::string canonical = granted(c);  // upper-case, CAP_ stripped
  std::string message = detail::quote(c) + " is not a capability name";
  if (std::find(known.begin(), known.end(), canonical) != known.end()) {
    message += "; write it as Kubernetes does, upper-case without the CAP_ prefix: " + canonical;
  } else if (auto hint = closest(canonical, known); !hint.empty()) {
    message += " (did you mean " + hint + "?)";
  } else {
    message += " (expected a Linux capability such as NET_BIND_SERVICE, or ALL)";
  }
  return message;
}

}  // namespace

void parse_capabilities(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  CapabilitiesRule rule;
  read_entries(r, "requiredDrop", "ALL is the usual choice", capability_problem, rule.required_drop);
  if (auto v = r.strings("allowedAdd")) {  // an empty list is meaningful: nothing may be added
    each(r.errors(), *v, r.path("allowedAdd"), capability_problem);
    rule.allowed_add = std::move(*v);
  }
  // An empty requiredDrop is refused above, so an empty one here was not given.
  if (!r.finish_rule(!rule.required_drop.empty() || rule.allowed_add, "set requiredDrop, allowedAdd or both")) return;
  if (rule.required_drop.empty() && contains(*rule.allowed_add, "ALL")) {
    r.errors().add(r.path("allowedAdd"), "ALL allows every capability, so without requiredDrop the rule checks nothing: "
                                         "list the capabilities that may be added (such as NET_BIND_SERVICE), or set "
                                         "requiredDrop");
    return;
  }
  out.capabilities = std::move(rule);
}

}  // namespace kindlyguard::policy::rules
