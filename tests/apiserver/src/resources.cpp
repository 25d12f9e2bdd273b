#include "kindly_test_apiserver/resources.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <tuple>

namespace kindly::testapi {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

ResourceInfo make(std::string group, std::string version, std::string kind, std::string plural, bool namespaced,
                  bool has_status, std::vector<std::string> short_names = {}) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = std::move(version);
  r.singular = lower(kind);
  r.kind = std::move(kind);
  r.plural = std::move(plural);
  r.namespaced = namespaced;
  r.has_status = has_status;
  r.short_names = std::move(short_names);
  return r;
}

}  // namespace

ResourceRegistry::ResourceRegistry(const ResourceRegistry& other) {
  std::shared_lock lock(other.mu_);
  items_ = other.items_;
}

ResourceRegistry& ResourceRegistry::operator=(const ResourceRegistry& other) {
  if (this != &other) {
    std::deque<ResourceInfo> copy;
    {
      std::shared_lock lock(other.mu_);
      copy = other.items_;
    }
    std::unique_lock lock(mu_);
    items_ = std::move(copy);
  }
  return *this;
}

ResourceRegistry ResourceRegistry::with_defaults() {
  ResourceRegistry reg;
  auto ns = make("", "v1", "Namespace", "namespaces", false, true, {"ns"});
  ns.returns_deleted_object = true;
  ns.field_labels = {"status.phase"};
  reg.add(ns);
  auto pods = make("", "v1", "Pod", "pods", true, true, {"po"});
  pods.categories = {"all"};
  pods.returns_deleted_object = true;
  pods.field_labels = {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                       "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"};
  reg.add(pods);
  auto events = make("", "v1", "Event", "events", true, false, {"ev"});
  events.field_labels = {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                         "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                         "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"};
  reg.add(events);
  auto secrets = make("", "v1", "Secret", "secrets", true, false);
  secrets.field_labels = {"type"};
  reg.add(secrets);
  reg.add(make("", "v1", "ConfigMap", "configmaps", true, false, {"cm"}));
  reg.add(make("", "v1", "ServiceAccount", "serviceaccounts", true, false, {"sa"}));
  auto svc = make("", "v1", "Service", "services", true, true, {"svc"});
  svc.categories = {"all"};
  svc.returns_deleted_object = true;
  reg.add(svc);

  auto ev2 = make("events.k8s.io", "v1", "Event", "events", true, false, {"ev"});
  ev2.field_labels = {"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason",
                      "reportingController", "type"};
  reg.add(ev2);
  reg.add(make("coordination.k8s.io", "v1", "Lease", "leases", true, false));
  reg.add(make("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, false, {"netpol"}));
  auto deploy = make("apps", "v1", "Deployment", "deployments", true, true, {"deploy"});
  deploy.categories = {"all"};
  reg.add(deploy);
  auto rs = make("apps", "v1", "ReplicaSet", "replicasets", true, true, {"rs"});
  rs.categories = {"all"};
  reg.add(rs);
  for (auto [group, kind, plural, short_name] :
       {std::tuple{"apps", "StatefulSet", "statefulsets", "sts"}, std::tuple{"apps", "DaemonSet", "daemonsets", "ds"},
        std::tuple{"batch", "Job", "jobs", ""}, std::tuple{"batch", "CronJob", "cronjobs", "cj"}}) {
    auto w = make(group, "v1", kind, plural, true, true);
    if (*short_name) w.short_names = {short_name};
    w.categories = {"all"};
    reg.add(w);
  }
  reg.add(make("", "v1", "ReplicationController", "replicationcontrollers", true, true, {"rc"}));
  // What `kubectl apply -f manifests/install.yaml` creates besides the above: stored, not enforced
  // (the server authorizes by its own authorizer, not by RBAC objects; nothing evicts).
  for (auto [kind, plural, namespaced] :
       {std::tuple{"ClusterRole", "clusterroles", false}, std::tuple{"ClusterRoleBinding", "clusterrolebindings", false},
        std::tuple{"Role", "roles", true}, std::tuple{"RoleBinding", "rolebindings", true}}) {
    reg.add(make("rbac.authorization.k8s.io", "v1", kind, plural, namespaced, false));
  }
  reg.add(make("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, true, {"pdb"}));
  reg.add(make("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
               "validatingwebhookconfigurations", false, false));
  reg.add(make("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, true,
               {"crd", "crds"}));

  auto secpol = make("kindlyguard.io", "v1alpha1", "SecurityPolicy", "securitypolicies", false, true, {"secpol"});
  secpol.custom = true;
  secpol.categories = {"kindlyguard"};
  reg.add(secpol);
  auto secpolex = make("kindlyguard.io", "v1alpha1", "SecurityPolicyException", "securitypolicyexceptions", true, true,
                       {"secpolex"});
  secpolex.custom = true;
  secpolex.categories = {"kindlyguard"};
  reg.add(secpolex);
  auto qr = make("kindlyguard.io", "v1alpha1", "QuarantineRecord", "quarantinerecords", true, false, {"qr"});
  qr.custom = true;
  qr.categories = {"kindlyguard"};
  reg.add(qr);
  auto polr = make("wgpolicyk8s.io", "v1alpha2", "PolicyReport", "policyreports", true, false, {"polr"});
  polr.custom = true;
  reg.add(polr);
  auto cpolr = make("wgpolicyk8s.io", "v1alpha2", "ClusterPolicyReport", "clusterpolicyreports", false, false,
                    {"cpolr"});
  cpolr.custom = true;
  reg.add(cpolr);
  // OpenReports (openreports.io), what kindlyguard writes with --report-format=openreports.
  auto reps = make("openreports.io", "v1alpha1", "Report", "reports", true, false, {"reps"});
  reps.custom = true;
  reg.add(reps);
  return reg;
}

const ResourceInfo& ResourceRegistry::add(ResourceInfo info) {
  std::unique_lock lock(mu_);
  for (const auto& r : items_) {
    if (r.group == info.group && r.version == info.version && r.plural == info.plural) return r;
  }
  if (info.singular.empty()) info.singular = lower(info.kind);
  items_.push_back(std::move(info));
  return items_.back();
}

const ResourceInfo* ResourceRegistry::find(std::string_view group, std::string_view version,
                                           std::string_view plural) const {
  std::shared_lock lock(mu_);
  for (const auto& r : items_) {
    if (r.group == group && r.version == version && r.plural == plural) return &r;
  }
  return nullptr;
}

const ResourceInfo* ResourceRegistry::resolve(std::string_view name) const {
  std::string n(name);
  std::string group;
  const bool qualified = n.find('.') != std::string::npos;
  if (qualified) {
    group = n.substr(n.find('.') + 1);
    n = n.substr(0, n.find('.'));
  }
  const std::string ln = lower(n);
  std::shared_lock lock(mu_);
  const ResourceInfo* found = nullptr;
  for (const auto& r : items_) {
    if (qualified && r.group != group) continue;
    const bool hit = r.plural == ln || r.singular == ln || lower(r.kind) == ln ||
                     std::find(r.short_names.begin(), r.short_names.end(), ln) != r.short_names.end();
    if (!hit) continue;
    if (!found || (!found->group.empty() && r.group.empty())) found = &r;
  }
  return found;
}

const ResourceInfo& ResourceRegistry::at(std::string_view name) const {
  const ResourceInfo* r = resolve(name);
  if (!r) throw std::invalid_argument("unknown resource: " + std::string(name));
  return *r;
}

std::vector<const ResourceInfo*> ResourceRegistry::all() const {
  std::shared_lock lock(mu_);
  std::vector<const ResourceInfo*> out;
  for (const auto& r : items_) out.push_back(&r);
  return out;
}

std::vector<std::pair<std::string, std::string>> ResourceRegistry::group_versions() const {
  std::shared_lock lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : items_) {
    std::pair<std::string, std::string> gv{r.group, r.version};
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
  }
  std::stable_partition(out.begin(), out.end(), [](const auto& gv) { return gv.first.empty(); });
  return out;
}

}  // namespace kindly::testapi
