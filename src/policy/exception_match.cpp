// The one exception matcher (see exception.hpp for what an exception covers). Choices that close
// doors an attacker would try:
//   - an owner reference counts only when it is a controller reference and the lookup finds the
//     owner with that uid: a bare pod claiming `DaemonSet/node-exporter` by name alone is judged as
//     the pod it is;
//   - a pod-level finding is excused only when every container is covered, since what it grants
//     (the host's PID namespace, a hostPath volume) every container of the pod gets;
//   - a PSS finding names only the first offending container, though the check judged them all, so
//     with containers/images set it too needs every container covered: an exception for
//     `node-exporter` must not excuse a privileged sidecar listed after it.

#include <algorithm>

#include "kindlyguard/k8s/glob.hpp"
#include "kindlyguard/policy/exception.hpp"

namespace kindlyguard::policy {
namespace {

bool any_glob(const std::vector<std::string>& globs, const std::string& text) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return k8s::glob_match(g, text); });
}

bool covers_namespace(const SecurityPolicyException& e, const std::string& ns) {
  if (e.match.namespaces.empty()) return ns == e.namespace_;
  return any_glob(e.match.namespaces, ns);
}

bool names_policy(const SecurityPolicyException& e, const std::string& policy) {
  return std::any_of(e.exceptions.begin(), e.exceptions.end(), [&](const ExcusedRules& x) { return x.policy == policy; });
}

bool excuses_rule(const SecurityPolicyException& e, const Violation& v) {
  return std::any_of(e.exceptions.begin(), e.exceptions.end(), [&](const ExcusedRules& x) {
    return x.policy == v.policy &&
           (x.all() || std::find(x.rules.begin(), x.rules.end(), v.rule) != x.rules.end());
  });
}

bool covers_container(const ExceptionMatch& m, const ContainerView& c) {
  if (!m.containers.empty() && !any_glob(m.containers, c.name())) return false;
  if (!m.images.empty()) {
    const std::string image = c.image();
    if (!std::any_of(m.images.begin(), m.images.end(), [&](const k8s::ImagePattern& p) { return p.matches(image); }))
      return false;
  }
  return true;
}

bool covers_finding(const ExceptionMatch& m, const PodView& pod, const Violation& v) {
  if (m.containers.empty() && m.images.empty()) return true;
  const auto& containers = pod.containers();
  const bool whole_pod = v.container.empty() || v.rule.rfind("pss/", 0) == 0;
  if (whole_pod)
    return std::all_of(containers.begin(), containers.end(), [&](const ContainerView& c) { return covers_container(m, c); });
  auto it = std::find_if(containers.begin(), containers.end(), [&](const ContainerView& c) { return c.name() == v.container; });
  return it != containers.end() && covers_container(m, *it);
}

bool covers_workload(const ExceptionMatch& m, const Workload& w) {
  if (!m.kinds.empty() && std::find(m.kinds.begin(), m.kinds.end(), w.kind) == m.kinds.end()) return false;
  return m.names.empty() || any_glob(m.names, w.name);
}

const nlohmann::json& metadata_of(const nlohmann::json& object) {
  if (object.is_object())
    if (auto md = object.find("metadata"); md != object.end() && md->is_object()) return *md;
  return null_json();
}

std::optional<OwnerRef> controller_ref(const nlohmann::json& metadata) {
  const nlohmann::json& refs = member_at(metadata, "ownerReferences");
  if (!refs.is_array()) return std::nullopt;
  for (const auto& r : refs) {
    const nlohmann::json& controller = member_at(r, "controller");
    if (!controller.is_boolean() || !controller.get<bool>()) continue;
    auto api = string_at(r, "apiVersion");
    auto kind = string_at(r, "kind");
    auto name = string_at(r, "name");
    auto uid = string_at(r, "uid");
    if (!kind || !name || !uid || uid->empty()) return std::nullopt;
    return OwnerRef{std::string(api.value_or("")), std::string(*kind), std::string(*name), std::string(*uid)};
  }
  return std::nullopt;
}

}  // namespace

std::string invalid_reason(const SecurityPolicyException& e, const std::vector<std::string>& admin_namespaces) {
  const auto& nss = e.match.namespaces;
  const bool only_own = std::all_of(nss.begin(), nss.end(), [&](const std::string& n) { return n == e.namespace_; });
  if (only_own) return "";
  if (std::find(admin_namespaces.begin(), admin_namespaces.end(), e.namespace_) != admin_namespaces.end()) return "";
  return "spec.match.namespaces names namespaces other than its own (" + e.namespace_ +
         "), which only an exception in an admin namespace (--exception-namespaces) may do";
}

bool expired(const SecurityPolicyException& e, Seconds now) { return e.expires_at && now >= *e.expires_at; }

Workload top_owner(const nlohmann::json& object, const std::string& ns, const OwnerLookupFn& lookup) {
  const nlohmann::json& md = metadata_of(object);
  Workload w;
  w.kind = std::string(string_at(object, "kind").value_or(""));
  w.name = std::string(string_at(md, "name").value_or(""));
  if (w.name.empty()) w.name = std::string(string_at(md, "generateName").value_or("")) + "*";
  if (!lookup) return w;
  nlohmann::json current = md;
  // Deployment -> ReplicaSet -> Pod is two steps; CronJob -> Job -> Pod too. A bound keeps a
  // cycle of references (which the API server does not forbid) from looping.
  for (int depth = 0; depth < 8; ++depth) {
    auto ref = controller_ref(current);
    if (!ref) break;
    auto owner = lookup(ns, *ref);
    if (!owner) break;
    const nlohmann::json& owner_md = owner->contains("metadata") ? metadata_of(*owner) : *owner;
    if (string_at(owner_md, "uid").value_or("") != ref->uid) break;
    w = Workload{ref->kind, ref->name};
    current = owner_md;
  }
  return w;
}

void apply_exceptions(const ExceptionScope& scope, const std::string& ns, const PodView& pod,
                      std::vector<Violation>& violations, std::vector<ExcusedViolation>& excused) {
  if (scope.set == nullptr || violations.empty()) return;
  std::vector<const SecurityPolicyException*> candidates;
  std::optional<k8s::Labels> labels;
  for (const auto& e : scope.set->exceptions) {
    if (expired(e, scope.now) || !covers_namespace(e, ns) || !invalid_reason(e, scope.set->admin_namespaces).empty())
      continue;
    if (!std::any_of(violations.begin(), violations.end(), [&](const Violation& v) { return names_policy(e, v.policy); }))
      continue;
    if (e.match.selector) {
      if (!labels) labels = pod.pod_labels();
      if (!e.match.selector->matches(*labels)) continue;
    }
    candidates.push_back(&e);
  }
  if (candidates.empty()) return;

  std::optional<Workload> workload;
  auto workload_covered = [&](const SecurityPolicyException& e) {
    if (e.match.kinds.empty() && e.match.names.empty()) return true;
    if (!workload) workload = top_owner(pod.object(), ns, scope.owners);
    return covers_workload(e.match, *workload);
  };

  std::vector<Violation> kept;
  kept.reserve(violations.size());
  for (auto& v : violations) {
    auto by = std::find_if(candidates.begin(), candidates.end(), [&](const SecurityPolicyException* e) {
      return excuses_rule(*e, v) && covers_finding(e->match, pod, v) && workload_covered(*e);
    });
    if (by == candidates.end()) kept.push_back(std::move(v));
    else excused.push_back(ExcusedViolation{std::move(v), (*by)->key()});
  }
  violations = std::move(kept);
}

}  // namespace kindlyguard::policy
