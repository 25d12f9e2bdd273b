#include "kindlyguard/policy/pod_view.hpp"

#include <array>

#include "kindlyguard/policy/pod_schema.hpp"

namespace kindlyguard::policy {

// Where each judged kind keeps its pod template, as a JSON path and as a field-path prefix.
struct TemplateLocation {
  std::string_view kind;
  std::array<std::string_view, 4> keys;  // path to the pod-carrying object (metadata + spec)
  std::string_view prefix;               // field path of that object's spec
};

namespace {

constexpr TemplateLocation kLocations[] = {
    {"Pod", {}, "spec"},
    {"PodTemplate", {"template"}, "template.spec"},
    {"Deployment", {"spec", "template"}, "spec.template.spec"},
    {"StatefulSet", {"spec", "template"}, "spec.template.spec"},
    {"DaemonSet", {"spec", "template"}, "spec.template.spec"},
    {"ReplicaSet", {"spec", "template"}, "spec.template.spec"},
    {"ReplicationController", {"spec", "template"}, "spec.template.spec"},
    {"Job", {"spec", "template"}, "spec.template.spec"},
    {"CronJob", {"spec", "jobTemplate", "spec", "template"}, "spec.jobTemplate.spec.template.spec"},
};

// Where Deployments and their like keep the pod: also the shape of a custom kind judged by its
// spec.template (Argo Rollouts, OpenKruise CloneSets, ...).
constexpr TemplateLocation kWorkloadTemplate = {"", {"spec", "template"}, "spec.template.spec"};

const TemplateLocation* location_of(std::string_view kind) {
  for (const auto& l : kLocations)
    if (l.kind == kind) return &l;
  return nullptr;
}

}  // namespace

const json& null_json() {
  static const json kNull;
  return kNull;
}

const json& member_at(const json& j, std::string_view key) {
  if (!j.is_object()) return null_json();
  auto it = j.find(key);
  return it == j.end() ? null_json() : *it;
}

std::optional<std::string_view> string_at(const json& object, std::string_view key) {
  const json& v = member_at(object, key);
  if (!v.is_string()) return std::nullopt;
  return std::string_view(v.get_ref<const std::string&>());
}

const char* to_string(ContainerKind k) {
  switch (k) {
    case ContainerKind::Container: return "containers";
    case ContainerKind::InitContainer: return "initContainers";
    case ContainerKind::EphemeralContainer: return "ephemeralContainers";
  }
  return "containers";
}

ContainerView::ContainerView(const json& container, const json& pod_security_context, ContainerKind kind,
                             std::size_t index, std::string path)
    : c_(&container), pod_sc_(&pod_security_context), kind_(kind), index_(index), path_(std::move(path)) {}

std::string ContainerView::name() const {
  const json& n = member_at(*c_, "name");
  return n.is_string() ? n.get<std::string>() : std::string();
}

std::string ContainerView::image() const {
  const json& n = member_at(*c_, "image");
  return n.is_string() ? n.get<std::string>() : std::string();
}

const json& ContainerView::security_context() const { return member_at(*c_, "securityContext"); }

template <class T>
Resolved<T> ContainerView::resolve(const char* key) const {
  Resolved<T> r;
  const json& mine = member_at(security_context(), key);
  if (!mine.is_null()) {
    r.field = path_ + ".securityContext." + key;
    if constexpr (std::is_same_v<T, json>) r.value = mine;
    else if (mine.is_primitive() && !mine.is_string()) r.value = mine.get<T>();
    return r;
  }
  const json& pods = member_at(*pod_sc_, key);
  if (!pods.is_null()) {
    r.from_pod = true;
    // The pod-level field path is the container path up to its spec, i.e. before ".containers[".
    auto cut = path_.rfind('.');
    r.field = path_.substr(0, cut) + ".securityContext." + key;
    if constexpr (std::is_same_v<T, json>) r.value = pods;
    else if (pods.is_primitive() && !pods.is_string()) r.value = pods.get<T>();
    return r;
  }
  r.field = path_ + ".securityContext." + key;
  return r;
}

Resolved<bool> ContainerView::run_as_non_root() const {
  auto r = resolve<json>("runAsNonRoot");
  Resolved<bool> out{std::nullopt, r.field, r.from_pod};
  if (r.value && r.value->is_boolean()) out.value = r.value->get<bool>();
  return out;
}

namespace {
Resolved<int64_t> as_int(Resolved<json> r) {
  Resolved<int64_t> out{std::nullopt, std::move(r.field), r.from_pod};
  if (r.value && r.value->is_number_integer()) out.value = r.value->get<int64_t>();
  return out;
}
std::optional<bool> as_bool(const json& j) {
  if (j.is_boolean()) return j.get<bool>();
  return std::nullopt;
}
}  // namespace

Resolved<int64_t> ContainerView::run_as_user() const { return as_int(resolve<json>("runAsUser")); }
Resolved<int64_t> ContainerView::run_as_group() const { return as_int(resolve<json>("runAsGroup")); }
Resolved<json> ContainerView::seccomp_profile() const { return resolve<json>("seccompProfile"); }
Resolved<json> ContainerView::se_linux_options() const { return resolve<json>("seLinuxOptions"); }
Resolved<json> ContainerView::app_armor_profile() const { return resolve<json>("appArmorProfile"); }
Resolved<json> ContainerView::windows_options() const { return resolve<json>("windowsOptions"); }

std::optional<bool> ContainerView::privileged() const { return as_bool(member_at(security_context(), "privileged")); }
std::optional<bool> ContainerView::allow_privilege_escalation() const {
  return as_bool(member_at(security_context(), "allowPrivilegeEscalation"));
}
std::optional<bool> ContainerView::read_only_root_filesystem() const {
  return as_bool(member_at(security_context(), "readOnlyRootFilesystem"));
}
std::optional<std::string> ContainerView::proc_mount() const {
  const json& p = member_at(security_context(), "procMount");
  if (p.is_string()) return p.get<std::string>();
  return std::nullopt;
}

bool PodView::is_judged_kind(std::string_view kind) { return location_of(kind) != nullptr; }

bool PodView::claims_pod(const json& object) {
  const json& kind = member_at(object, "kind");
  if (kind.is_null()) return false;
  return !kind.is_string() || is_judged_kind(kind.get_ref<const std::string&>());
}

Result<PodView> PodView::from_object(const json& object) {
  if (!object.is_object()) return Error{"expected an object, got " + std::string(object.type_name()), ""};
  const json& kind_json = member_at(object, "kind");
  if (kind_json.is_null())
    return Error{"the object has no kind; expected Pod or a workload with a pod template", "kind"};
  if (!kind_json.is_string())
    return Error{"expected a string such as \"Pod\" or \"Deployment\", got " + std::string(kind_json.type_name()),
                 "kind"};
  std::string kind = kind_json.get<std::string>();
  const TemplateLocation* loc = location_of(kind);
  if (!loc)
    return Error{"kind " + kind +
                     " carries no pod spec; expected Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, "
                     "ReplicationController, Job, CronJob or PodTemplate",
                 "kind"};
  return build(object, kind, *loc);
}

bool PodView::has_pod_template(const json& object) {
  const json& kind = member_at(object, "kind");
  if (!kind.is_string() || is_judged_kind(kind.get_ref<const std::string&>())) return false;
  const json& spec = member_at(member_at(member_at(object, "spec"), "template"), "spec");
  return member_at(spec, "containers").is_array();
}

Result<PodView> PodView::from_pod_template(const json& object) {
  if (!object.is_object()) return Error{"expected an object, got " + std::string(object.type_name()), ""};
  const json& kind_json = member_at(object, "kind");
  std::string kind = kind_json.is_string() ? kind_json.get<std::string>() : std::string();
  return build(object, kind, kWorkloadTemplate);
}

Result<PodView> PodView::build(const json& object, const std::string& kind, const TemplateLocation& location) {
  const TemplateLocation* loc = &location;
  PodView v;
  v.object_ = &object;
  v.kind_ = kind;
  v.spec_path_ = std::string(loc->prefix);
  // The object's own metadata, then each step down to the pod template: a step that is there but
  // not an object would otherwise read as "no template", i.e. an empty pod that passes every rule.
  if (auto e = check_metadata_types(member_at(object, "metadata"), "metadata")) return *e;
  const json* carrier = &object;
  std::string path;
  for (auto key : loc->keys) {
    if (key.empty()) break;
    path += (path.empty() ? "" : ".") + std::string(key);
    carrier = &member_at(*carrier, key);
    if (!carrier->is_object() && !carrier->is_null())
      return Error{"expected an object, got " + std::string(carrier->type_name()), path};
  }
  v.pod_metadata_ = &member_at(*carrier, "metadata");
  v.spec_ = &member_at(*carrier, "spec");
  if (!v.spec_->is_object() && !v.spec_->is_null())
    return Error{"expected an object, got " + std::string(v.spec_->type_name()), v.spec_path_};
  if (carrier != &object)
    if (auto e = check_metadata_types(*v.pod_metadata_, path + ".metadata")) return *e;
  if (auto e = check_pod_spec_types(*v.spec_, v.spec_path_)) return *e;

  const json& pod_sc = member_at(*v.spec_, "securityContext");
  for (auto kind_of : {ContainerKind::InitContainer, ContainerKind::Container, ContainerKind::EphemeralContainer}) {
    const char* key = to_string(kind_of);
    const json& list = member_at(*v.spec_, key);
    if (list.is_null()) continue;
    if (!list.is_array())
      return Error{"expected a list of containers, got " + std::string(list.type_name()), v.field(key)};
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_object())
        return Error{"expected a container object", v.field(key) + "[" + std::to_string(i) + "]"};
      v.containers_.emplace_back(list[i], pod_sc, kind_of, i, v.field(key) + "[" + std::to_string(i) + "]");
    }
  }
  return v;
}

std::string PodView::name() const {
  const json& md = member_at(*object_, "metadata");
  const json& n = member_at(md, "name");
  if (n.is_string() && !n.get_ref<const std::string&>().empty()) return n.get<std::string>();
  const json& g = member_at(md, "generateName");
  if (g.is_string()) return g.get<std::string>() + "*";
  return "";
}

std::string PodView::namespace_() const {
  const json& n = member_at(member_at(*object_, "metadata"), "namespace");
  return n.is_string() ? n.get<std::string>() : std::string();
}

std::string PodView::describe() const {
  std::string n = name();
  return n.empty() ? kind_ : kind_ + " \"" + n + "\"";
}

const json& PodView::pod_metadata() const { return *pod_metadata_; }
k8s::Labels PodView::pod_labels() const { return k8s::labels_of(*pod_metadata_); }
const json& PodView::pod_security_context() const { return member_at(*spec_, "securityContext"); }
const json& PodView::volumes() const { return member_at(*spec_, "volumes"); }

}  // namespace kindlyguard::policy
