// The pod schema: the Kubernetes types of every pod field a rule or Pod Security Standards check
// reads (see the header for why it is checked once, at decode time). Types follow the core/v1 Go
// structs: a field added to a rule's reads belongs here too, or a mistyped value of it is read as
// "unset" by the accessors (they never throw) instead of being refused.
#include "kindlyguard/policy/pod_schema.hpp"
#include "kindlyguard/policy/pod_prune.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace kindlyguard::policy {
namespace {

using nlohmann::json;

enum class Type : uint8_t { String, Bool, Int32, Int64, IntOrString, Quantity, Object, Map, List };

struct Node;
struct Field {
  std::string_view name;
  const Node* node;
};
struct Node {
  Type type;
  std::span<const Field> fields = {};  // Object: the members kindlyguard reads (others are not checked)
  const Node* element = nullptr;       // Map: the type of every value; List: of every item
  bool redact = false;                 // a mistyped value is named by its type only, never shown
};

// ---- leaves and small shapes ----
constexpr Node kString{Type::String};
constexpr Node kBool{Type::Bool};
constexpr Node kInt32{Type::Int32};
constexpr Node kInt64{Type::Int64};
constexpr Node kIntOrString{Type::IntOrString};
constexpr Node kQuantity{Type::Quantity};
constexpr Node kOpaque{Type::Object};  // an object whose members nothing reads
constexpr Node kStrings{Type::List, {}, &kString};
constexpr Node kInt64s{Type::List, {}, &kInt64};
constexpr Node kStringMap{Type::Map, {}, &kString};
constexpr Node kQuantityMap{Type::Map, {}, &kQuantity};
constexpr Node kOpaques{Type::List, {}, &kOpaque};

// ---- security contexts ----
constexpr Field kProfileFields[] = {{"type", &kString}, {"localhostProfile", &kString}};
constexpr Node kProfile{Type::Object, kProfileFields};  // seccompProfile and appArmorProfile
constexpr Field kSELinuxFields[] = {{"user", &kString}, {"role", &kString}, {"type", &kString}, {"level", &kString}};
constexpr Node kSELinux{Type::Object, kSELinuxFields};
constexpr Field kWindowsFields[] = {{"gmsaCredentialSpecName", &kString},
                                    {"gmsaCredentialSpec", &kString},
                                    {"runAsUserName", &kString},
                                    {"hostProcess", &kBool}};
constexpr Node kWindows{Type::Object, kWindowsFields};
constexpr Field kSysctlFields[] = {{"name", &kString}, {"value", &kString}};
constexpr Node kSysctl{Type::Object, kSysctlFields};
constexpr Node kSysctls{Type::List, {}, &kSysctl};
constexpr Field kPodSecurityContextFields[] = {
    {"runAsNonRoot", &kBool},         {"runAsUser", &kInt64},
    {"runAsGroup", &kInt64},          {"fsGroup", &kInt64},
    {"supplementalGroups", &kInt64s}, {"supplementalGroupsPolicy", &kString},
    {"fsGroupChangePolicy", &kString}, {"seccompProfile", &kProfile},
    {"appArmorProfile", &kProfile},   {"seLinuxOptions", &kSELinux},
    {"seLinuxChangePolicy", &kString}, {"windowsOptions", &kWindows},
    {"sysctls", &kSysctls},
};
constexpr Node kPodSecurityContext{Type::Object, kPodSecurityContextFields};
constexpr Field kCapabilitiesFields[] = {{"add", &kStrings}, {"drop", &kStrings}};
constexpr Node kCapabilities{Type::Object, kCapabilitiesFields};
constexpr Field kSecurityContextFields[] = {
    {"privileged", &kBool},       {"allowPrivilegeEscalation", &kBool}, {"readOnlyRootFilesystem", &kBool},
    {"runAsNonRoot", &kBool},     {"runAsUser", &kInt64},               {"runAsGroup", &kInt64},
    {"procMount", &kString},      {"capabilities", &kCapabilities},     {"seccompProfile", &kProfile},
    {"appArmorProfile", &kProfile}, {"seLinuxOptions", &kSELinux},      {"windowsOptions", &kWindows},
};
constexpr Node kSecurityContext{Type::Object, kSecurityContextFields};

// ---- containers ----
constexpr Field kPortFields[] = {
    {"name", &kString}, {"containerPort", &kInt32}, {"hostPort", &kInt32}, {"hostIP", &kString}, {"protocol", &kString}};
constexpr Node kPort{Type::Object, kPortFields};
constexpr Node kPorts{Type::List, {}, &kPort};
constexpr Field kMountFields[] = {{"name", &kString},          {"mountPath", &kString},        {"readOnly", &kBool},
                                  {"recursiveReadOnly", &kString}, {"subPath", &kString},      {"subPathExpr", &kString},
                                  {"mountPropagation", &kString}};
constexpr Node kMount{Type::Object, kMountFields};
constexpr Node kMounts{Type::List, {}, &kMount};
constexpr Field kResourcesFields[] = {{"limits", &kQuantityMap}, {"requests", &kQuantityMap}, {"claims", &kOpaques}};
constexpr Node kResources{Type::Object, kResourcesFields};
constexpr Field kHttpGetFields[] = {{"host", &kString}, {"path", &kString}, {"port", &kIntOrString}, {"scheme", &kString}};
constexpr Node kHttpGet{Type::Object, kHttpGetFields};
constexpr Field kTcpSocketFields[] = {{"host", &kString}, {"port", &kIntOrString}};
constexpr Node kTcpSocket{Type::Object, kTcpSocketFields};
constexpr Field kExecFields[] = {{"command", &kStrings}};
constexpr Node kExec{Type::Object, kExecFields};
constexpr Field kHandlerFields[] = {{"exec", &kExec}, {"httpGet", &kHttpGet}, {"tcpSocket", &kTcpSocket}, {"sleep", &kOpaque}};
constexpr Node kHandler{Type::Object, kHandlerFields};
constexpr Field kGrpcFields[] = {{"port", &kInt32}, {"service", &kString}};
constexpr Node kGrpc{Type::Object, kGrpcFields};
constexpr Field kProbeFields[] = {
    {"exec", &kExec},           {"httpGet", &kHttpGet},          {"tcpSocket", &kTcpSocket},
    {"grpc", &kGrpc},           {"initialDelaySeconds", &kInt32}, {"timeoutSeconds", &kInt32},
    {"periodSeconds", &kInt32}, {"successThreshold", &kInt32},   {"failureThreshold", &kInt32},
    {"terminationGracePeriodSeconds", &kInt64},
};
constexpr Node kProbe{Type::Object, kProbeFields};
constexpr Field kLifecycleFields[] = {{"postStart", &kHandler}, {"preStop", &kHandler}, {"stopSignal", &kString}};
constexpr Node kLifecycle{Type::Object, kLifecycleFields};
// env[].value may hold a secret (rule plaintextSecrets): an error about it must not print it.
constexpr Node kEnvValue{Type::String, {}, nullptr, true};
constexpr Field kEnvFields[] = {{"name", &kString}, {"value", &kEnvValue}, {"valueFrom", &kOpaque}};
constexpr Node kEnv{Type::Object, kEnvFields};
constexpr Node kEnvs{Type::List, {}, &kEnv};
constexpr Field kContainerFields[] = {
    {"name", &kString},         {"image", &kString},           {"imagePullPolicy", &kString},
    {"command", &kStrings},     {"args", &kStrings},           {"workingDir", &kString},
    {"env", &kEnvs},            {"envFrom", &kOpaques},        {"ports", &kPorts},
    {"volumeMounts", &kMounts}, {"resources", &kResources},    {"securityContext", &kSecurityContext},
    {"livenessProbe", &kProbe}, {"readinessProbe", &kProbe},   {"startupProbe", &kProbe},
    {"lifecycle", &kLifecycle}, {"restartPolicy", &kString},   {"targetContainerName", &kString},
    {"stdin", &kBool},          {"tty", &kBool},
};
constexpr Node kContainer{Type::Object, kContainerFields};
constexpr Node kContainers{Type::List, {}, &kContainer};

// ---- volumes: every source is an object (the restricted-volumes check tells sources by key) ----
constexpr Field kHostPathFields[] = {{"path", &kString}, {"type", &kString}};
constexpr Node kHostPath{Type::Object, kHostPathFields};
constexpr Field kVolumeFields[] = {
    {"name", &kString},
    {"hostPath", &kHostPath},
    {"configMap", &kOpaque},
    {"csi", &kOpaque},
    {"downwardAPI", &kOpaque},
    {"emptyDir", &kOpaque},
    {"ephemeral", &kOpaque},
    {"image", &kOpaque},
    {"persistentVolumeClaim", &kOpaque},
    {"projected", &kOpaque},
    {"secret", &kOpaque},
    {"gcePersistentDisk", &kOpaque},
    {"awsElasticBlockStore", &kOpaque},
    {"gitRepo", &kOpaque},
    {"nfs", &kOpaque},
    {"iscsi", &kOpaque},
    {"glusterfs", &kOpaque},
    {"rbd", &kOpaque},
    {"flexVolume", &kOpaque},
    {"cinder", &kOpaque},
    {"cephfs", &kOpaque},
    {"flocker", &kOpaque},
    {"fc", &kOpaque},
    {"azureFile", &kOpaque},
    {"vsphereVolume", &kOpaque},
    {"quobyte", &kOpaque},
    {"azureDisk", &kOpaque},
    {"photonPersistentDisk", &kOpaque},
    {"portworxVolume", &kOpaque},
    {"scaleIO", &kOpaque},
    {"storageos", &kOpaque},
};
constexpr Node kVolume{Type::Object, kVolumeFields};
constexpr Node kVolumes{Type::List, {}, &kVolume};

// ---- the pod spec and metadata ----
constexpr Field kOsFields[] = {{"name", &kString}};
constexpr Node kOs{Type::Object, kOsFields};
constexpr Field kPodSpecFields[] = {
    {"containers", &kContainers},
    {"initContainers", &kContainers},
    {"ephemeralContainers", &kContainers},
    {"volumes", &kVolumes},
    {"securityContext", &kPodSecurityContext},
    {"hostNetwork", &kBool},
    {"hostPID", &kBool},
    {"hostIPC", &kBool},
    {"hostUsers", &kBool},
    {"shareProcessNamespace", &kBool},
    {"os", &kOs},
    {"serviceAccountName", &kString},
    {"serviceAccount", &kString},
    {"automountServiceAccountToken", &kBool},
    {"nodeName", &kString},
    {"runtimeClassName", &kString},
    {"priorityClassName", &kString},
    {"restartPolicy", &kString},
    {"hostname", &kString},
};
constexpr Node kPodSpec{Type::Object, kPodSpecFields};
constexpr Field kMetadataFields[] = {{"name", &kString},      {"generateName", &kString}, {"namespace", &kString},
                                     {"uid", &kString},       {"labels", &kStringMap},    {"annotations", &kStringMap}};
constexpr Node kMetadata{Type::Object, kMetadataFields};

// ---- the walk ----

// Where the walk is, as a chain of stack frames: the path string is built only for an error, so a
// well-typed pod (every request the API server sends) costs no allocation.
struct Crumb {
  const Crumb* parent;
  std::string_view key;  // a member name, or "" for a list item
  std::size_t index = 0;
  bool map_key = false;  // a map key: [key] when it holds '.' or '/', else .key
};

std::string path_of(std::string_view root, const Crumb* c) {
  if (!c) return std::string(root);
  std::string out = path_of(root, c->parent);
  if (c->key.empty() && !c->map_key) {
    out += '[' + std::to_string(c->index) + ']';
  } else if (c->map_key && c->key.find_first_of("./") != std::string_view::npos) {
    out += '[';
    out += c->key;
    out += ']';
  } else {
    if (!out.empty()) out += '.';
    out += c->key;
  }
  return out;
}

const char* expected(Type t) {
  switch (t) {
    case Type::String: return "a string";
    case Type::Bool: return "a boolean (true or false)";
    case Type::Int32: return "a 32-bit integer";
    case Type::Int64: return "an integer";
    case Type::IntOrString: return "an integer or a string";
    case Type::Quantity: return "a quantity (a string such as \"500m\" or \"1Gi\", or a number)";
    case Type::Object:
    case Type::Map: return "an object";
    case Type::List: return "a list";
  }
  return "another type";
}

// `number 5`, `string "true"`, `an object`: the value as an admin would recognise it, clipped.
std::string got(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "a list";
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return std::string(v.is_number() ? "number" : v.type_name()) + " " + text;
}

bool integer_in(const json& v, int64_t lo, int64_t hi) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(hi);
  const int64_t i = v.get<int64_t>();
  return i >= lo && i <= hi;
}

struct Walk {
  std::string_view root;
  std::optional<Error> error;

  bool fail(const Crumb* at, std::string message) {
    error = Error{std::move(message), path_of(root, at)};
    return false;
  }

  bool check_integer(const json& v, const Node& n, const Crumb* at, int64_t lo, int64_t hi) {
    if (!v.is_number_integer()) return fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v));
    if (!integer_in(v, lo, hi))
      return fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v) + ", which is out of range");
    return true;
  }

  // True when `v` (not null) has the type of `n`; else records the error and returns false.
  bool check(const json& v, const Node& n, const Crumb* at) {
    switch (n.type) {
      case Type::String:
        return v.is_string() ||
               fail(at, std::string("expected ") + expected(n.type) + ", got " + (n.redact ? std::string(v.type_name()) : got(v)));
      case Type::Bool:
        return v.is_boolean() || fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v));
      case Type::Int32: return check_integer(v, n, at, INT32_MIN, INT32_MAX);
      case Type::Int64: return check_integer(v, n, at, INT64_MIN, INT64_MAX);
      case Type::IntOrString:
        if (v.is_string()) return true;
        return check_integer(v, n, at, INT32_MIN, INT32_MAX);
      case Type::Quantity:
        return v.is_string() || v.is_number() ||
               fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v));
      case Type::Object:
        if (!v.is_object()) return fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v));
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (it->is_null()) continue;  // null is absent, as Go decodes it
          const std::string& key = it.key();
          for (const Field& f : n.fields) {
            if (f.name != key) continue;
            Crumb here{at, f.name};
            if (!check(*it, *f.node, &here)) return false;
            break;
          }
        }
        return true;
      case Type::Map:
        if (!v.is_object()) return fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v));
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (it->is_null()) continue;
          Crumb here{at, it.key(), 0, true};
          if (!check(*it, *n.element, &here)) return false;
        }
        return true;
      case Type::List:
        if (!v.is_array()) return fail(at, std::string("expected ") + expected(n.type) + ", got " + got(v));
        for (std::size_t i = 0; i < v.size(); ++i) {
          const json& item = v[i];
          Crumb here{at, {}, i};
          // A null item of a list of objects is no object (the API server refuses it); a null
          // string in a list of strings is just as wrong.
          if (item.is_null()) return fail(&here, std::string("expected ") + expected(n.element->type) + ", got null");
          if (!check(item, *n.element, &here)) return false;
        }
        return true;
    }
    return true;
  }
};

std::optional<Error> run(const json& v, const Node& n, std::string_view path) {
  if (v.is_null()) return std::nullopt;
  Walk w{path, std::nullopt};
  w.check(v, n, nullptr);
  return std::move(w.error);
}

void prune(json& v, const Node& n) {
  switch (n.type) {
    case Type::Object:
      if (!v.is_object()) return;
      for (auto it = v.begin(); it != v.end();) {
        const Field* field = nullptr;
        for (const Field& f : n.fields)
          if (f.name == it.key()) field = &f;
        if (!field) {
          it = v.erase(it);
          continue;
        }
        prune(*it, *field->node);
        ++it;
      }
      return;
    case Type::Map:
      if (v.is_object())
        for (auto& item : v) prune(item, *n.element);
      return;
    case Type::List:
      if (v.is_array())
        for (auto& item : v) prune(item, *n.element);
      return;
    default: return;
  }
}

}  // namespace

void prune_pod_spec(json& spec) { prune(spec, kPodSpec); }

std::optional<Error> check_pod_spec_types(const json& spec, std::string_view path) { return run(spec, kPodSpec, path); }

std::optional<Error> check_metadata_types(const json& metadata, std::string_view path) {
  return run(metadata, kMetadata, path);
}

}  // namespace kindlyguard::policy
