// Rule hostPath (spec.rules.hostPath: {allowed, allowedPaths: [{pathPrefix, readOnly}]})
//
// Restricted fields: spec.volumes[*].hostPath.path, and spec.*containers[*].volumeMounts[*].readOnly
// for mounts of those volumes.
// Allowed:
//   allowed: false  - no hostPath volume, except under an allowedPaths prefix (matched on whole
//                     path segments: /var/log allows /var/log/pods, not /var/logs); where the entry
//                     says readOnly, every mount of the volume must be readOnly.
//   allowed: true   - any hostPath, except a container runtime socket (docker, containerd,
//                     CRI-O): mounting one hands out root on the node, so it passes only where an
//                     allowedPaths entry names it.
#include <string_view>

#include "rule_helpers.hpp"

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

constexpr std::string_view kRuntimeSockets[] = {
    "/var/run/docker.sock", "/run/docker.sock", "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock"};

bool is_runtime_socket(const std::string& path) {
  for (auto s : kRuntimeSockets)
    if (path == s || under(s, path)) return true;  // the socket itself, or a directory holding it
  return false;
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

    const HostPathAllowance* allowance = nullptr;
    if (clean)
      for (const auto& a : rule.allowed_paths) {
        std::string prefix;
        if (normalize(a.path_prefix, prefix) && under(path, prefix)) { allowance = &a; break; }
      }
    bool socket = clean && is_runtime_socket(path);
    std::string what = "volume \"" + volume + "\" mounts host path " + quote(raw);

    if (!clean) {
      out.push_back({"", field, what + ", which contains \"..\": use a path without \"..\""});
      continue;
    }
    if (!allowance) {
      if (socket)
        out.push_back({"", field, what + ", the container runtime socket, which gives root on the node: remove the volume"});
      else if (!rule.allowed)
        out.push_back({"", field,
                       what + ": hostPath volumes are not allowed" +
                           (rule.allowed_paths.empty() ? std::string() : " outside the policy's allowedPaths") +
                           "; use an emptyDir, a ConfigMap or a PersistentVolumeClaim"});
      continue;
    }
    if (!allowance->read_only) continue;
    // The allowance requires read-only use: every mount of this volume must say so.
    for (const ContainerView* c : in.judged_containers()) {
      auto mounts = c->raw().find("volumeMounts");
      if (mounts == c->raw().end() || !mounts->is_array()) continue;
      for (std::size_t m = 0; m < mounts->size(); ++m) {
        const json& mount = (*mounts)[m];
        if (!mount.is_object() || mount.value("name", std::string()) != volume) continue;
        auto ro = mount.find("readOnly");
        if (ro != mount.end() && ro->is_boolean() && ro->get<bool>()) continue;
        out.push_back({c->name(), c->field("volumeMounts[" + std::to_string(m) + "].readOnly"),
                       describe(*c) + " mounts host path " + quote(raw) + " writable: set readOnly=true on the mount (" +
                           quote(allowance->path_prefix) + " is allowed read-only)"});
      }
    }
  }
}

}  // namespace kindlyguard::policy::rules
