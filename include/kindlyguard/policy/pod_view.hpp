#pragma once
// A read-only view of the pod spec inside a Pod or a workload's pod template, shaped like the data:
// pod.containers() yields every container (containers, initContainers, ephemeralContainers) with
// its field path, and container.effective() resolves pod- vs container-level securityContext
// once, with Kubernetes' override semantics (the container wins), so no rule reimplements them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::policy {

using nlohmann::json;

enum class ContainerKind { Container, InitContainer, EphemeralContainer };
const char* to_string(ContainerKind k);  // "containers", "initContainers", "ephemeralContainers"

// A setting resolved across pod and container securityContext: the value (if any level set it)
// and the field path where it was set, or where the container should set it when nobody did.
template <class T>
struct Resolved {
  std::optional<T> value;
  std::string field;
  bool from_pod = false;  // true when the value came from the pod-level securityContext
};

class ContainerView {
 public:
  ContainerView(const json& container, const json& pod_security_context, ContainerKind kind,
                std::size_t index, std::string path);

  const json& raw() const { return *c_; }
  ContainerKind kind() const { return kind_; }
  std::size_t index() const { return index_; }
  const std::string& path() const { return path_; }  // "spec.containers[0]"
  std::string name() const;
  std::string image() const;
  const json& security_context() const;  // the container's securityContext or a null json
  std::string field(std::string_view sub) const { return path_ + "." + std::string(sub); }

  // Container-over-pod settings.
  Resolved<bool> run_as_non_root() const;
  Resolved<int64_t> run_as_user() const;
  Resolved<int64_t> run_as_group() const;
  Resolved<json> seccomp_profile() const;     // the profile object
  Resolved<json> se_linux_options() const;
  Resolved<json> app_armor_profile() const;
  Resolved<json> windows_options() const;
  // Container-only settings.
  std::optional<bool> privileged() const;
  std::optional<bool> allow_privilege_escalation() const;
  std::optional<bool> read_only_root_filesystem() const;
  std::optional<std::string> proc_mount() const;

 private:
  template <class T>
  Resolved<T> resolve(const char* key) const;

  const json* c_;
  const json* pod_sc_;
  ContainerKind kind_;
  std::size_t index_;
  std::string path_;
};

struct TemplateLocation;  // where a kind keeps its pod (pod_view.cpp)

class PodView {
 public:
  // Recognises Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
  // CronJob (and PodTemplate); anything else is an error naming the kind. Every field a rule or
  // check reads must have its Kubernetes type (pod_schema.hpp): a mistyped one is an error naming
  // it (`spec.containers[0].securityContext.privileged: expected a boolean ..., got string "true"`),
  // never a value read as unset. The view borrows `object`, which must outlive it.
  static Result<PodView> from_object(const json& object);
  static bool is_judged_kind(std::string_view kind);
  // True when `object` says it carries a pod spec (its kind is one of the above) or its kind is
  // not even a string: an error from from_object is then the object's fault, never a reason to
  // leave it unjudged.
  static bool claims_pod(const json& object);
  // A kind the view does not know (Argo's Rollout, a CRD's Widget) with a pod template where the
  // workload kinds keep one (spec.template.spec.containers): `check` judges it as that template,
  // and says so. from_pod_template reads it the way from_object reads a Deployment.
  static bool has_pod_template(const json& object);
  static Result<PodView> from_pod_template(const json& object);

  const json& object() const { return *object_; }
  const std::string& kind() const { return kind_; }
  std::string name() const;          // metadata.name, or generateName + "*" when only that is set
  std::string namespace_() const;
  std::string describe() const;      // `Deployment "web"`
  const json& spec() const { return *spec_; }  // the pod spec (null json if absent)
  const std::string& spec_path() const { return spec_path_; }  // "spec", "spec.template.spec", ...
  std::string field(std::string_view sub) const { return spec_path_ + "." + std::string(sub); }
  const json& pod_metadata() const;  // the pod's (or template's) metadata
  k8s::Labels pod_labels() const;    // labels of the pod (or template)
  const json& pod_security_context() const;

  const std::vector<ContainerView>& containers() const { return containers_; }
  const json& volumes() const;       // array or null json

 private:
  const json* object_ = nullptr;
  const json* spec_ = nullptr;
  const json* pod_metadata_ = nullptr;
  std::string kind_;
  std::string spec_path_;
  std::vector<ContainerView> containers_;

  static Result<PodView> build(const json& object, const std::string& kind, const TemplateLocation& location);
};

// The null json every accessor returns for "absent".
const json& null_json();

// Non-throwing reads for rules that walk raw JSON (volumes, mounts, ports): member_at is
// `object[key]`, or the null json when `object` is not an object or has no such member; string_at
// is the string there, or nullopt when absent or not a string. The view has checked the types of
// every field a rule reads, so these hide nothing; they keep a rule from throwing (nlohmann's
// value(), at(), get<T>() do) on whatever the schema does not list.
const json& member_at(const json& object, std::string_view key);
std::optional<std::string_view> string_at(const json& object, std::string_view key);

}  // namespace kindlyguard::policy
