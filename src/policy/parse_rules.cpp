// spec.rules: every rule optional; absent = not checked.
//
// Where an explicit empty list would silently check nothing (requiredDrop: [], allowedRegistries:
// [], ...) it is an error: a security policy that looks like it checks something must.

#include <algorithm>
#include <array>
#include <cctype>

#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/k8s/quantity.hpp"
#include "parse_fields.hpp"

namespace kindlyguard::policy::detail {
namespace {

constexpr int64_t kMaxUserId = 2147483647;  // Kubernetes validates runAsUser as 0..MaxInt32

// Linux capabilities (capability.h), as a pod spec writes them, plus ALL.
constexpr std::array<std::string_view, 42> kCapabilities = {
    "ALL",           "AUDIT_CONTROL",  "AUDIT_READ",         "AUDIT_WRITE",    "BLOCK_SUSPEND", "BPF",
    "CHECKPOINT_RESTORE", "CHOWN",     "DAC_OVERRIDE",       "DAC_READ_SEARCH", "FOWNER",       "FSETID",
    "IPC_LOCK",      "IPC_OWNER",      "KILL",               "LEASE",          "LINUX_IMMUTABLE", "MAC_ADMIN",
    "MAC_OVERRIDE",  "MKNOD",          "NET_ADMIN",          "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW",
    "PERFMON",       "SETFCAP",        "SETGID",             "SETPCAP",        "SETUID",        "SYSLOG",
    "SYS_ADMIN",     "SYS_BOOT",       "SYS_CHROOT",         "SYS_MODULE",     "SYS_NICE",      "SYS_PACCT",
    "SYS_PTRACE",    "SYS_RAWIO",      "SYS_RESOURCE",       "SYS_TIME",       "SYS_TTY_CONFIG", "WAKE_ALARM"};

constexpr std::array<std::string_view, 3> kSeccompProfiles = {"RuntimeDefault", "Localhost", "Unconfined"};
constexpr std::array<std::string_view, 3> kStandardResources = {"cpu", "memory", "ephemeral-storage"};

template <std::size_t N>
std::vector<std::string_view> as_vector(const std::array<std::string_view, N>& a) {
  return {a.begin(), a.end()};
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// requiredDrop / allowedAdd entries: Kubernetes spelling, upper-case without CAP_. We reject other
// spellings rather than normalise them, so the policy reads exactly like the pod specs it judges.
void check_capabilities(Errors& errors, const std::vector<std::string>& caps, const std::string& path) {
  const auto known = as_vector(kCapabilities);
  for (std::size_t i = 0; i < caps.size(); ++i) {
    const std::string& c = caps[i];
    if (std::find(known.begin(), known.end(), c) != known.end()) continue;
    std::string canonical = upper(c);
    if (canonical.rfind("CAP_", 0) == 0) canonical = canonical.substr(4);
    std::string message = quote(c) + " is not a capability name";
    if (std::find(known.begin(), known.end(), canonical) != known.end()) {
      message += "; write it as Kubernetes does, upper-case without the CAP_ prefix: " + canonical;
    } else if (auto hint = closest(canonical, known); !hint.empty()) {
      message += " (did you mean " + hint + "?)";
    } else {
      message += " (expected a Linux capability such as NET_BIND_SERVICE, or ALL)";
    }
    errors.add(index(path, i), std::move(message));
  }
}

// cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource <domain>/<name>.
std::string resource_name_problem(const std::string& name) {
  const auto standard = as_vector(kStandardResources);
  if (std::find(standard.begin(), standard.end(), name) != standard.end()) return "";
  if (name.rfind("hugepages-", 0) == 0) {
    if (k8s::Quantity::parse(name.substr(10)).ok()) return "";
    return quote(name) + " is not a resource name: hugepages take a page size, such as hugepages-2Mi";
  }
  const auto slash = name.find('/');
  if (slash != std::string::npos) {
    const std::string domain = name.substr(0, slash);
    const std::string rest = name.substr(slash + 1);
    const bool rest_ok = !rest.empty() && rest.size() <= 63 && std::isalnum(static_cast<unsigned char>(rest.front())) &&
                         std::isalnum(static_cast<unsigned char>(rest.back())) &&
                         std::all_of(rest.begin(), rest.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                         });
    if (is_dns1123_subdomain(domain) && rest_ok) return "";
  }
  std::string message = quote(name) +
                        " is not a resource name (expected cpu, memory, ephemeral-storage, hugepages-<size> or an "
                        "extended resource such as example.com/gpu)";
  if (auto hint = closest(name, standard); !hint.empty()) message += "; did you mean " + hint + "?";
  return message;
}

void check_resource_names(Errors& errors, const std::vector<std::string>& names, const std::string& path) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (auto p = resource_name_problem(names[i]); !p.empty()) errors.add(index(path, i), std::move(p));
}

bool is_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t[0])) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

// allowedRegistries entries: host[:port][/path], no scheme, tag or digest.
std::string registry_problem(const std::string& r) {
  if (r.empty()) return "must be a registry host, optionally with a path, such as ghcr.io/acme";
  if (auto scheme = r.find("://"); scheme != std::string::npos)
    return quote(r) + " must not include a scheme; write " + quote(r.substr(scheme + 3)) +
           " (images name registries without one)";
  if (r.find_first_of(" \t\n\r") != std::string::npos) return quote(r) + " must not contain spaces";
  if (auto at = r.find('@'); at != std::string::npos)
    return quote(r) + " must not include a digest; write " + quote(r.substr(0, at));
  if (r.front() == '/' || r.back() == '/' || r.find("//") != std::string::npos)
    return quote(r) + " is not a registry prefix: write host[:port][/path] without empty segments, such as ghcr.io/acme";
  const auto slash = r.find('/');
  const auto last_slash = r.rfind('/');
  if (slash == std::string::npos) {
    // "host:port" is fine; "nginx:1.25" is an image with a tag. An IPv6 host keeps its colons
    // inside brackets: "[::1]:5000".
    const auto host_end = r.front() == '[' ? r.find(']') : std::string::npos;
    const auto colon = r.find(':', host_end == std::string::npos ? 0 : host_end);
    if (colon != std::string::npos && (host_end == std::string::npos || colon > host_end)) {
      const std::string port = r.substr(colon + 1);
      if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return quote(r) + " must not include a tag; write " + quote(r.substr(0, colon));
    }
  } else {
    if (auto colon = r.find(':', last_slash); colon != std::string::npos)
      return quote(r) + " must not include a tag; write " + quote(r.substr(0, colon));
    const std::string path = r.substr(slash + 1);
    if (std::any_of(path.begin(), path.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      return quote(r) + " is not a registry prefix: repository paths are lower-case";
  }
  // Last, the grammar images are matched with: an entry it refuses would silently allow nothing
  // (wildcards, invalid host names, empty path segments, ...).
  if (auto prefix = k8s::ImagePrefix::parse(r); !prefix.ok()) return prefix.error().message;
  return "";
}

template <class F>
void each(Errors& errors, const std::vector<std::string>& items, const std::string& path, F problem) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (auto p = problem(items[i]); !p.empty()) errors.add(index(path, i), std::move(p));
}

void require_entries(Errors& errors, const std::vector<std::string>& v, const std::string& path, std::string_view hint) {
  if (v.empty()) errors.add(path, "must list at least one entry, or be removed (" + std::string(hint) + ")");
}

std::optional<RunAsUserRule> parse_run_as_user(Errors& errors, const json* value, const std::string& path) {
  ObjectReader r(errors, value, path);
  if (!r.present()) {
    r.finish();
    return std::nullopt;
  }
  RunAsUserRule rule;
  const std::size_t before = errors.size();
  for (auto key : {"min", "max"}) {
    auto v = r.integer(key);
    if (!v) continue;
    if (*v < 0 || *v > kMaxUserId) {
      errors.add(r.path(key), std::to_string(*v) + " is not a user ID; expected 0 to 2147483647");
      continue;
    }
    (std::string_view(key) == "min" ? rule.min : rule.max) = *v;
  }
  if (rule.min && rule.max && *rule.min > *rule.max)
    errors.add(r.path("min"), "min (" + std::to_string(*rule.min) + ") is greater than max (" +
                                  std::to_string(*rule.max) + ")");
  r.finish();
  if (errors.size() == before && !rule.min && !rule.max)
    errors.add(path, "set min, max or both (a user ID range the containers must run in)");
  if (errors.size() != before) return std::nullopt;
  return rule;
}

std::optional<CapabilitiesRule> parse_capabilities(Errors& errors, const json* value, const std::string& path) {
  ObjectReader r(errors, value, path);
  if (!r.present()) {
    r.finish();
    return std::nullopt;
  }
  CapabilitiesRule rule;
  const std::size_t before = errors.size();
  const bool has_drop = r.get("requiredDrop") != nullptr;
  if (auto v = r.strings("requiredDrop")) {
    require_entries(errors, *v, r.path("requiredDrop"), "ALL is the usual choice");
    check_capabilities(errors, *v, r.path("requiredDrop"));
    rule.required_drop = std::move(*v);
  }
  const bool has_add = r.get("allowedAdd") != nullptr;
  if (auto v = r.strings("allowedAdd")) {  // an empty list is meaningful: nothing may be added
    check_capabilities(errors, *v, r.path("allowedAdd"));
    rule.allowed_add = std::move(*v);
  }
  r.finish();
  if (!has_drop && !has_add && errors.size() == before) errors.add(path, "set requiredDrop, allowedAdd or both");
  if (errors.size() == before && rule.required_drop.empty() && rule.allowed_add &&
      std::find(rule.allowed_add->begin(), rule.allowed_add->end(), "ALL") != rule.allowed_add->end())
    errors.add(r.path("allowedAdd"), "ALL allows every capability, so without requiredDrop the rule checks nothing: list "
                                     "the capabilities that may be added (such as NET_BIND_SERVICE), or set requiredDrop");
  if (errors.size() != before) return std::nullopt;
  return rule;
}

std::optional<HostPathRule> parse_host_path(Errors& errors, const json* value, const std::string& path) {
  ObjectReader r(errors, value, path);
  if (!r.present()) {
    r.finish();
    return std::nullopt;
  }
  HostPathRule rule;
  const std::size_t before = errors.size();
  if (auto v = r.boolean("allowed")) rule.allowed = *v;
  if (const json* list = r.get("allowedPaths")) {
    const std::string list_path = r.path("allowedPaths");
    if (!list->is_array()) {
      type_error(errors, list_path, "a list of {pathPrefix, readOnly}", *list);
    } else {
      for (std::size_t i = 0; i < list->size(); ++i) {
        ObjectReader entry(errors, &(*list)[i], index(list_path, i));
        if (!entry.present() && (*list)[i].is_null()) {
          errors.add(index(list_path, i), "must be a map with pathPrefix and readOnly, not null");
          continue;
        }
        HostPathAllowance a;
        if (entry.get("pathPrefix") == nullptr && entry.present()) {
          errors.add(entry.path("pathPrefix"), "is required: an absolute path such as /var/log");
        } else if (auto p = entry.string("pathPrefix")) {
          bool dotdot = false;
          for (std::size_t s = 0; s <= p->size();) {
            auto e = p->find('/', s);
            if (e == std::string::npos) e = p->size();
            if (p->compare(s, e - s, "..") == 0) dotdot = true;
            s = e + 1;
          }
          if (p->empty() || (*p)[0] != '/')
            errors.add(entry.path("pathPrefix"), quote(*p) + " is not an absolute path; write it from the root, such as /var/log");
          else if (dotdot)
            errors.add(entry.path("pathPrefix"), quote(*p) + " must not contain \"..\"");
          else
            a.path_prefix = *p;
        }
        if (auto ro = entry.boolean("readOnly")) a.read_only = *ro;
        entry.finish();
        rule.allowed_paths.push_back(std::move(a));
      }
    }
  }
  r.finish();
  if (errors.size() != before) return std::nullopt;
  return rule;
}

std::optional<SeccompRule> parse_seccomp(Errors& errors, const json* value, const std::string& path) {
  ObjectReader r(errors, value, path);
  if (!r.present()) {
    r.finish();
    return std::nullopt;
  }
  SeccompRule rule;
  const std::size_t before = errors.size();
  if (r.get("allowedProfiles") == nullptr) {
    errors.add(r.path("allowedProfiles"), "is required: the profile types containers may use (RuntimeDefault, Localhost, Unconfined)");
  } else if (auto v = r.strings("allowedProfiles")) {
    require_entries(errors, *v, r.path("allowedProfiles"), "RuntimeDefault is the usual choice");
    const auto known = as_vector(kSeccompProfiles);
    each(errors, *v, r.path("allowedProfiles"), [&](const std::string& p) -> std::string {
      if (std::find(known.begin(), known.end(), p) != known.end()) return "";
      std::string message = quote(p) + " is not a seccomp profile type; expected RuntimeDefault, Localhost or Unconfined";
      if (p == "runtime/default" || p == "docker/default") return message + " (the annotation value " + p + " is RuntimeDefault)";
      if (auto hint = closest(p, known); !hint.empty()) message += " (did you mean " + hint + "?)";
      return message;
    });
    rule.allowed_profiles = std::move(*v);
  }
  r.finish();
  if (errors.size() != before) return std::nullopt;
  return rule;
}

std::optional<ResourcesRule> parse_resources(Errors& errors, const json* value, const std::string& path) {
  ObjectReader r(errors, value, path);
  if (!r.present()) {
    r.finish();
    return std::nullopt;
  }
  ResourcesRule rule;
  const std::size_t before = errors.size();
  bool any = false;
  if (auto v = r.strings("requireLimits")) {
    any = true;
    require_entries(errors, *v, r.path("requireLimits"), "such as cpu and memory");
    check_resource_names(errors, *v, r.path("requireLimits"));
    rule.require_limits = std::move(*v);
  }
  if (auto v = r.strings("requireRequests")) {
    any = true;
    require_entries(errors, *v, r.path("requireRequests"), "such as cpu and memory");
    check_resource_names(errors, *v, r.path("requireRequests"));
    rule.require_requests = std::move(*v);
  }
  if (const json* limits = r.get("maxLimits")) {
    any = true;
    const std::string limits_path = r.path("maxLimits");
    if (!limits->is_object()) {
      type_error(errors, limits_path, "a map of resource names to quantities", *limits);
    } else {
      if (limits->empty()) errors.add(limits_path, "must set at least one limit, or be removed (such as memory: 512Mi)");
      for (const auto& [name, q] : limits->items()) {
        const std::string entry_path = join(limits_path, name);
        if (auto p = resource_name_problem(name); !p.empty()) {
          errors.add(entry_path, std::move(p));
          continue;
        }
        if (q.is_null()) {
          errors.add(entry_path, "must be a quantity such as \"500m\", \"2\" or \"1.5Gi\", not null");
          continue;
        }
        auto quantity = k8s::Quantity::from_json(q, entry_path);
        if (!quantity) {
          Error e = quantity.error();
          if (e.path.empty()) e.path = entry_path;
          errors.add(std::move(e));
          continue;
        }
        if (quantity->nano() < 0) {
          errors.add(entry_path, quote(quantity->text()) + " is negative; a limit must be zero or more");
          continue;
        }
        rule.max_limits.emplace(name, *quantity);
      }
    }
  }
  r.finish();
  if (!any && errors.size() == before) errors.add(path, "set requireLimits, requireRequests or maxLimits");
  if (errors.size() != before) return std::nullopt;
  return rule;
}

std::optional<ImagesRule> parse_images(Errors& errors, const json* value, const std::string& path) {
  ObjectReader r(errors, value, path);
  if (!r.present()) {
    r.finish();
    return std::nullopt;
  }
  ImagesRule rule;
  const std::size_t before = errors.size();
  if (auto v = r.strings("allowedRegistries")) {
    require_entries(errors, *v, r.path("allowedRegistries"), "an empty list would trust no registry");
    each(errors, *v, r.path("allowedRegistries"), registry_problem);
    rule.allowed_registries = std::move(*v);
  }
  if (auto v = r.strings("disallowTags")) {
    require_entries(errors, *v, r.path("disallowTags"), "such as latest");
    each(errors, *v, r.path("disallowTags"), [](const std::string& t) -> std::string {
      if (is_tag(t)) return "";
      std::string message = quote(t) + " is not an image tag (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-')";
      if (!t.empty() && t[0] == ':' && is_tag(t.substr(1))) message += "; write it without the colon: " + t.substr(1);
      return message;
    });
    rule.disallow_tags = std::move(*v);
  }
  if (auto v = r.boolean("requireDigest")) rule.require_digest = *v;
  r.finish();
  if (errors.size() == before && rule.allowed_registries.empty() && rule.disallow_tags.empty() && !rule.require_digest)
    errors.add(path, "checks nothing as written: set allowedRegistries, disallowTags or requireDigest: true");
  if (errors.size() != before) return std::nullopt;
  return rule;
}

// A boolean rule checks something for one value only. The other value would load and check
// nothing while reading like protection (privileged: true), so it is refused with the value that
// checks.
std::optional<bool> checking_boolean(Errors& errors, ObjectReader& r, const char* key, bool checks, const char* meaning) {
  auto v = r.boolean(key);
  if (v && *v != checks) {
    errors.add(r.path(key), std::string(*v ? "true" : "false") + " checks nothing; did you mean " +
                                (checks ? "true" : "false") + "? (" + meaning + "; remove " + key +
                                " to leave it unchecked)");
    return std::nullopt;
  }
  return v;
}

}  // namespace

void parse_rules(Errors& errors, const json* value, const std::string& path, Rules& out) {
  ObjectReader r(errors, value, path);
  out.run_as_non_root = checking_boolean(errors, r, "runAsNonRoot", true, "true: every container must run as a non-root user");
  out.run_as_user = parse_run_as_user(errors, r.get("runAsUser"), r.path("runAsUser"));
  out.read_only_root_filesystem = checking_boolean(errors, r, "readOnlyRootFilesystem", true,
                                                   "true: every container must have a read-only root filesystem");
  out.capabilities = parse_capabilities(errors, r.get("capabilities"), r.path("capabilities"));
  out.allow_privilege_escalation = checking_boolean(errors, r, "allowPrivilegeEscalation", false,
                                                    "false: every container must set allowPrivilegeEscalation=false");
  out.privileged = checking_boolean(errors, r, "privileged", false, "false: no container may run privileged");
  out.host_namespaces = checking_boolean(errors, r, "hostNamespaces", false, "false: no hostNetwork, hostPID or hostIPC");
  out.host_ports = checking_boolean(errors, r, "hostPorts", false, "false: no container may bind a host port");
  out.host_path = parse_host_path(errors, r.get("hostPath"), r.path("hostPath"));
  out.seccomp = parse_seccomp(errors, r.get("seccomp"), r.path("seccomp"));
  out.resources = parse_resources(errors, r.get("resources"), r.path("resources"));
  out.images = parse_images(errors, r.get("images"), r.path("images"));
  r.finish();
}

}  // namespace kindlyguard::policy::detail
