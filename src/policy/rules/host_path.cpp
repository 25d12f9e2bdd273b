// Rule hostPath (spec.rules.hostPath: {allowed, allowedPaths: [{pathPrefix, readOnly}]})
//
// Restricted fields: spec.volumes[*].hostPath.path, and spec.*containers[*].volumeMounts[*].readOnly
// for mounts of those volumes.
// Allowed:
//   allowed: false  - no hostPath volume, except under an allowedPaths prefix (matched on whole
//                     path segments: /var/log allows /var/log/pods, not /var/logs); where the entry
//                     says readOnly, every mount of the volume must be readOnly.
//   allowed: true   - any hostPath, except the always-refused host paths below.
// Always refused, whatever `allowed` says (kAlwaysRefused, each with its reason): the sockets of
// every container runtime a Kubernetes distribution ships and the directories that hold them,
// /proc (whose /proc/<pid>/root entries are other processes' root filesystems, the host's
// among them), and every parent of those, / included. Paths are normalised first ("//", "/./",
// trailing '/'; ".." is refused outright). A refused path passes only where an allowedPaths entry
// names it: the entry must be the refused path itself or lie inside it (/proc allows /proc/1/root,
// /run/containerd/containerd.sock allows that socket), or be exactly the path mounted; a broader
// entry (/run, /var, /) never lets a refused path through. readOnly does not help a socket:
// connect() works on a read-only mount.
// The policy: every pathPrefix absolute and without "..".
#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "rule_helpers.hpp"
#include "rule_parse.hpp"

namespace kindlyguard::policy::rules {
namespace {

// Collapses "//" and "/./", drops a trailing '/', and reports ".." (never allowed: a prefix
// test on an unresolved path can be escaped).
bool normalize(std::string_view in, std::string& out) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    while (i < in.size() && in[i] == '/') ++i;
    std::size_t j = in.find('/', i);
    if (j == std::string_view::npos) j = in.size();
    std::string_view seg = in.substr(i, j - i);
    if (seg == "..") return false;
    if (!seg.empty() && seg != ".") {
      out += '/';
      out += seg;
    }
    i = j;
  }
  if (out.empty()) out = "/";
  return true;
}

bool under(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

struct RefusedPath {
  std::string_view path;
  std::string_view why;
};

// Matched after normalisation, as the exact path, anything under it, or any parent of it. Both
// /run and /var/run are listed because /var/run is a symlink to /run on every current distribution
// but a real directory on some older ones; the kubelet mounts what the path resolves to.
constexpr RefusedPath kAlwaysRefused[] = {
    {"/proc", "the host's /proc: /proc/<pid>/root is that process's root filesystem (/proc/1/root is the whole host), "
              "and /proc/sys and /proc/sysrq-trigger change the kernel"},
    {"/var/run/docker.sock", "the Docker daemon's socket, which gives root on the node"},
    {"/run/docker.sock", "the Docker daemon's socket, which gives root on the node"},
    {"/var/run/docker", "the Docker daemon's state directory (its containerd socket lives there)"},
    {"/run/docker", "the Docker daemon's state directory (its containerd socket lives there)"},
    {"/var/run/dockershim.sock", "the dockershim CRI socket, which gives root on the node"},
    {"/run/dockershim.sock", "the dockershim CRI socket, which gives root on the node"},
    {"/var/run/cri-dockerd.sock", "the cri-dockerd CRI socket, which gives root on the node"},
    {"/run/cri-dockerd.sock", "the cri-dockerd CRI socket, which gives root on the node"},
    {"/var/run/containerd", "containerd's socket directory (containerd.sock, containerd.sock.ttrpc, shim sockets)"},
    {"/run/containerd", "containerd's socket directory (containerd.sock, containerd.sock.ttrpc, shim sockets)"},
    {"/var/run/crio", "CRI-O's socket directory"},
    {"/run/crio", "CRI-O's socket directory"},
    {"/var/run/podman", "the Podman API socket directory"},
    {"/run/podman", "the Podman API socket directory"},
    {"/var/run/k3s", "k3s and RKE2's containerd socket directory"},
    {"/run/k3s", "k3s and RKE2's containerd socket directory"},
    {"/var/run/k0s", "k0s's containerd socket directory"},
    {"/run/k0s", "k0s's containerd socket directory"},
    {"/var/snap/microk8s/common/run", "MicroK8s's containerd socket directory"},
    {"/var/run/firecracker-containerd", "firecracker-containerd's socket directory"},
    {"/run/firecracker-containerd", "firecracker-containerd's socket directory"},
    {"/var/run/user", "per-user runtime directories, where rootless Docker, Podman and containerd keep their sockets"},
    {"/run/user", "per-user runtime directories, where rootless Docker, Podman and containerd keep their sockets"},
};

// The refused entries a (normalised) path reaches: the entry itself, a path inside it, or a
// directory that holds it.
std::vector<const RefusedPath*> refused_entries(const std::string& path) {
  std::vector<const RefusedPath*> hit;
  for (const auto& r : kAlwaysRefused)
    if (under(path, r.path) || under(r.path, path)) hit.push_back(&r);
  return hit;
}

}  // namespace

void check_host_path(const RuleInput& in, std::vector<Finding>& out) {
  const HostPathRule& rule = *in.rules().host_path;
  const PodView& pod = in.pod();
  const json& volumes = pod.volumes();
  if (!volumes.is_array()) return;
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    const json& v = volumes[i];
    if (!v.is_object()) continue;
    auto hp = v.find("hostPath");
    if (hp == v.end() || !hp->is_object()) continue;
    auto p = hp->find("path");
    std::string raw = p != hp->end() && p->is_string() ? p->get<std::string>() : "";
    std::string volume = v.contains("name") && v["name"].is_string() ? v["name"].get<std::string>() : "";
    std::string field = pod.field("volumes[" + std::to_string(i) + "].hostPath.path");
    std::string path;
    bool clean = normalize(raw, path);

    std::string what = "volume \"" + volume + "\" mounts host path " + quote(raw);
    if (!clean) {
      out.push_back({"", field, what + ", which contains \"..\": use a path without \"..\""});
      continue;
    }

    // Every allowance that covers the path, with its normalised prefix. The most specific one
    // decides readOnly, so an entry's order in the list never loosens it.
    std::vector<std::pair<const HostPathAllowance*, std::string>> covering;
    for (const auto& a : rule.allowed_paths) {
      std::string prefix;
      if (normalize(a.path_prefix, prefix) && under(path, prefix)) covering.emplace_back(&a, std::move(prefix));
    }
    const RefusedPath* refused = nullptr;
    for (const RefusedPath* r : refused_entries(path)) {
      bool named = std::any_of(covering.begin(), covering.end(),
                               [&](const auto& c) { return c.second == path || under(c.second, r->path); });
      if (!named) { refused = r; break; }
    }
    if (refused) {
      std::string message = what;
      if (path == refused->path) message += ", ";
      else if (under(path, refused->path)) message += ", inside " + quote(std::string(refused->path)) + ", ";
      else message += ", which holds " + quote(std::string(refused->path)) + ", ";
      message += std::string(refused->why) + ": kindlyguard always refuses it; remove the volume";
      if (!covering.empty())
        message += " (allowedPaths entry " + quote(covering.front().first->path_prefix) +
                   " is broader than the refused path; only an entry naming the path itself lets it through)";
      out.push_back({"", field, std::move(message), Severity::Critical});
      continue;
    }
    if (covering.empty()) {
      if (!rule.allowed)
        out.push_back({"", field,
                       what + ": hostPath volumes are not allowed" +
                           (rule.allowed_paths.empty() ? std::string() : " outside the policy's allowedPaths") +
                           "; use an emptyDir, a ConfigMap or a PersistentVolumeClaim"});
      continue;
    }
    const HostPathAllowance* allowance = covering.front().first;
    std::size_t longest = 0;
    for (const auto& c : covering)
      if (c.second.size() >= longest) { longest = c.second.size(); allowance = c.first; }
    if (!allowance->read_only) continue;
    // The allowance requires read-only use: every mount of this volume must say so.
    for (const ContainerView* c : in.judged_containers()) {
      auto mounts = c->raw().find("volumeMounts");
      if (mounts == c->raw().end() || !mounts->is_array()) continue;
      for (std::size_t m = 0; m < mounts->size(); ++m) {
        const json& mount = (*mounts)[m];
        if (string_at(mount, "name").value_or("") != volume) continue;  // value() would throw on name: 5
        auto ro = mount.find("readOnly");
        if (ro != mount.end() && ro->is_boolean() && ro->get<bool>()) continue;
        out.push_back({c->name(), c->field("volumeMounts[" + std::to_string(m) + "].readOnly"),
                       describe(*c) + " mounts host path " + quote(raw) + " writable: set readOnly=true on the mount (" +
                           quote(allowance->path_prefix) + " is allowed read-only)"});
      }
    }
  }
}

namespace {

// allowedPaths[*].pathPrefix: absolute, and without "..", with which a prefix could be escaped.
std::string path_prefix_problem(const std::string& p) {
  std::string normalized;
  if (p.empty() || p[0] != '/')
    return detail::quote(p) + " is not an absolute path; write it from the root, such as /var/log";
  if (!normalize(p, normalized)) return detail::quote(p) + " must not contain \"..\"";
  return "";
}

}  // namespace

void parse_host_path(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  Errors& errors = r.errors();
  HostPathRule rule;
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
        if (entry.required("pathPrefix", "an absolute path such as /var/log")) {
          if (auto p = entry.string("pathPrefix")) {
            if (auto problem = path_prefix_problem(*p); !problem.empty())
              errors.add(entry.path("pathPrefix"), std::move(problem));
            else
              a.path_prefix = *p;
          }
        }
        if (auto ro = entry.boolean("readOnly")) a.read_only = *ro;
        entry.finish();
        rule.allowed_paths.push_back(std::move(a));
      }
    }
  }
  if (r.finish_rule()) out.host_path = std::move(rule);
}

}  // namespace kindlyguard::policy::rules

namespace kindlyguard::policy {

bool mounts_node_root_path(const PodView& pod) {
  const nlohmann::json& volumes = pod.volumes();
  if (!volumes.is_array()) return false;
  for (const nlohmann::json& v : volumes) {
    if (!v.is_object()) continue;
    auto hp = v.find("hostPath");
    if (hp == v.end() || !hp->is_object()) continue;
    auto p = hp->find("path");
    std::string path;
    if (p != hp->end() && p->is_string() && rules::normalize(p->get<std::string>(), path) && !rules::refused_entries(path).empty())
      return true;
  }
  return false;
}

}  // namespace kindlyguard::policy
