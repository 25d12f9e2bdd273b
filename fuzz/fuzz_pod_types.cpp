// Structure-aware: JSON type and value mismatches inside valid pods, through every workload kind.
//
// Raw-byte fuzzing of AdmissionReviews (fuzz_admission_review) almost never builds a pod deep
// enough to reach a rule's reads, so `volumeMounts[].name: 5` under a hostPath allowance aborted
// `check` and made the webhook answer 500. Here the input is a program, not a document: it picks one of
// a few valid pods (every field the rules and Pod Security Standards read, set), then replaces
// nodes the bytes choose with other types and values (string <-> number <-> bool <-> null <->
// object <-> list; huge, negative, fractional, NaN, empty, deep), inserts known keys with any type,
// deletes members, and wraps the result in Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
// ReplicationController, Job and CronJob (PodTemplate too), optionally breaking the wrapper itself
// (spec.template: 5).
//
// Every variant goes through the core as every edge calls it (PodView, then evaluate, CREATE or
// UPDATE, as an exempt user or not); one of them, which the input picks, also goes through the
// edges' own decoding: `check` (decode_documents + judge_all on the manifest text), the webhook
// (Handler::handle on a serialized AdmissionReview) and, for pods, the background audit. The policy
// set enables every rule, both standards at several versions, and every kind of exemption.
// Invariants: nothing throws or crashes; a pod or workload whose view cannot be built is refused
// with code 400 naming the field (never allowed, never 500); one whose view builds is judged.
//
// Input: byte 0 picks the base pod, byte 1 the options (bit 0 UPDATE, bit 1 exempt user, bit 2
// break the wrapper, bits 3-7 the kind for the edges), then up to 16 operations of [node hi, node
// lo, action] with further bytes feeding the values, then the wrapper step and its new value.

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/background_audit.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace {

using namespace kindlyguard;
using nlohmann::json;

// Every rule (both hostPath modes, so the read-only mount walk and the socket list are reached),
// both standards at latest and at old versions, user and image exemptions. Nothing is matched by
// namespace, so every policy judges every variant.
constexpr const char* kPolicies = R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: all-rules}
spec:
  enforcement: Deny
  exemptions:
    usernames: [break-glass]
    images: ["registry.example.com/debug/*"]
  rules:
    runAsNonRoot: true
    runAsUser: {min: 1000, max: 65535}
    readOnlyRootFilesystem: true
    capabilities: {requiredDrop: [ALL], allowedAdd: [NET_BIND_SERVICE]}
    allowPrivilegeEscalation: false
    privileged: false
    hostNamespaces: false
    hostPorts: false
    hostPath: {allowed: false, allowedPaths: [{pathPrefix: /var/log, readOnly: true}, {pathPrefix: /data}]}
    seccomp: {allowedProfiles: [RuntimeDefault, Localhost]}
    resources:
      requireLimits: [cpu, memory]
      requireRequests: [cpu, memory]
      maxLimits: {cpu: "2", memory: 512Mi, ephemeral-storage: 1Gi}
    images:
      allowedRegistries: [registry.example.com, ghcr.io/acme]
      disallowTags: [latest, dev]
      requireDigest: true
  audit: {background: true}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: host-path-open}
spec:
  enforcement: Warn
  rules:
    hostPath: {allowed: true, allowedPaths: [{pathPrefix: /var/log, readOnly: true}]}
    runAsUser: {max: 100}
  audit: {background: true}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: restricted-latest}
spec:
  enforcement: Audit
  match:
    podSelector:
      matchExpressions: [{key: tier, operator: NotIn, values: [batch]}]
  podSecurityStandard: {level: restricted, version: latest}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: restricted-old}
spec:
  enforcement: Deny
  podSecurityStandard: {level: restricted, version: v1.24}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: baseline-old}
spec:
  enforcement: Warn
  podSecurityStandard: {level: baseline, version: v1.0}
)";

// Valid pods: together they set every field of the pod schema (src/policy/pod_schema.cpp), so a
// mutation can reach each read of each rule.
constexpr const char* kBasePods[] = {
    // A compliant pod with every field set.
    R"pod({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "web", "namespace": "prod", "uid": "u-1", "generateName": "web-",
    "labels": {"app": "web", "tier": "front", "app.kubernetes.io/name": "web"},
    "annotations": {"container.apparmor.security.beta.kubernetes.io/app": "runtime/default",
                    "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                    "container.seccomp.security.alpha.kubernetes.io/app": "localhost/p.json"}},
  "spec": {
    "hostNetwork": false, "hostPID": false, "hostIPC": false, "hostUsers": true, "shareProcessNamespace": false,
    "os": {"name": "linux"}, "serviceAccountName": "web", "serviceAccount": "web",
    "automountServiceAccountToken": false, "nodeName": "node-1", "runtimeClassName": "runc",
    "priorityClassName": "high", "restartPolicy": "Always", "hostname": "web",
    "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 2000,
      "supplementalGroups": [3000], "supplementalGroupsPolicy": "Merge", "fsGroupChangePolicy": "OnRootMismatch",
      "seccompProfile": {"type": "RuntimeDefault"}, "appArmorProfile": {"type": "RuntimeDefault"},
      "seLinuxOptions": {"type": "container_t", "level": "s0:c1,c2"}, "seLinuxChangePolicy": "MountOption",
      "windowsOptions": {"hostProcess": false, "runAsUserName": "app", "gmsaCredentialSpecName": "g"},
      "sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]},
    "volumes": [
      {"name": "logs", "hostPath": {"path": "/var/log/pods", "type": "Directory"}},
      {"name": "data", "hostPath": {"path": "/data/web"}},
      {"name": "tmp", "emptyDir": {"medium": "Memory"}},
      {"name": "cfg", "configMap": {"name": "web"}},
      {"name": "pvc", "persistentVolumeClaim": {"claimName": "web"}},
      {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}],
    "initContainers": [{"name": "setup", "image": "registry.example.com/acme/setup:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "command": ["/setup"], "restartPolicy": "Always",
      "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
      "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"cpu": 1, "memory": "64Mi"}},
      "volumeMounts": [{"name": "logs", "mountPath": "/logs", "readOnly": true, "recursiveReadOnly": "IfPossible"}]}],
    "containers": [{"name": "app",
      "image": "registry.example.com/acme/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "imagePullPolicy": "IfNotPresent", "command": ["/app"], "args": ["--port", "8080"], "workingDir": "/srv",
      "env": [{"name": "MODE", "value": "prod"}, {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
      "envFrom": [{"configMapRef": {"name": "web"}}],
      "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP", "hostIP": "0.0.0.0"}],
      "volumeMounts": [{"name": "logs", "mountPath": "/logs", "readOnly": true},
                       {"name": "data", "mountPath": "/data", "subPath": "web", "mountPropagation": "None"},
                       {"name": "tmp", "mountPath": "/tmp", "subPathExpr": "$(POD)"}],
      "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                    "limits": {"cpu": "500m", "memory": "128Mi", "ephemeral-storage": "1Gi"},
                    "claims": [{"name": "gpu"}]},
      "securityContext": {"privileged": false, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
        "runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "procMount": "Default",
        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
        "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/web.json"},
        "appArmorProfile": {"type": "Localhost", "localhostProfile": "web"},
        "seLinuxOptions": {"type": "container_t", "level": "s0"}, "windowsOptions": {"hostProcess": false}},
      "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 3,
                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
      "readinessProbe": {"tcpSocket": {"port": "http"}, "grpc": {"port": 9090}},
      "startupProbe": {"exec": {"command": ["/ready"]}, "terminationGracePeriodSeconds": 5},
      "lifecycle": {"postStart": {"exec": {"command": ["/start"]}}, "preStop": {"httpGet": {"path": "/stop", "port": 8080}},
                    "stopSignal": "SIGTERM"},
      "stdin": false, "tty": false}],
    "ephemeralContainers": [{"name": "debugger", "image": "registry.example.com/debug/shell:1",
      "targetContainerName": "app", "stdin": true, "tty": true}]}})pod",
    // A pod that breaks most rules (each rule's failing path is then reached).
    R"pod({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "root-shell", "namespace": "prod",
    "annotations": {"container.apparmor.security.beta.kubernetes.io/shell": "unconfined",
                    "seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
  "spec": {"hostNetwork": true, "hostPID": true, "hostIPC": true, "hostUsers": false,
    "securityContext": {"runAsNonRoot": false, "runAsUser": 0, "seccompProfile": {"type": "Unconfined"},
      "seLinuxOptions": {"type": "spc_t", "user": "root", "role": "sysadm_r"}, "windowsOptions": {"hostProcess": true},
      "sysctls": [{"name": "kernel.msgmax", "value": "1"}]},
    "volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
                {"name": "logs", "hostPath": {"path": "/var/log"}}, {"name": "proc", "hostPath": {"path": "/proc/1/root"}},
                {"name": "nfs", "nfs": {"server": "nfs", "path": "/"}}],
    "containers": [{"name": "shell", "image": "busybox:latest", "command": ["sleep", "3600"],
      "ports": [{"containerPort": 80, "hostPort": 80}],
      "securityContext": {"privileged": true, "allowPrivilegeEscalation": true, "runAsUser": 0, "procMount": "Unmasked",
        "capabilities": {"add": ["SYS_ADMIN", "CAP_NET_RAW"], "drop": ["CAP_ALL"]}, "appArmorProfile": {"type": "Unconfined"}},
      "resources": {"limits": {"cpu": "64", "memory": "1e3Gi"}},
      "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}},
      "lifecycle": {"preStop": {"tcpSocket": {"host": "metadata", "port": 80}}},
      "volumeMounts": [{"name": "docker", "mountPath": "/var/run/docker.sock"}, {"name": "logs", "mountPath": "/logs"}]}]}})pod",
    // The smallest pod.
    R"pod({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "min"},
  "spec": {"containers": [{"name": "a", "image": "nginx"}]}})pod",
};

constexpr const char* kKinds[] = {"Pod",        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                  "ReplicationController", "Job", "CronJob", "PodTemplate"};

// Keys the schema knows, for "insert a member": the mutation then reaches fields no base pod sets.
constexpr const char* kKeys[] = {
    "name", "image", "securityContext", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem",
    "runAsNonRoot", "runAsUser", "runAsGroup", "procMount", "capabilities", "add", "drop", "seccompProfile",
    "appArmorProfile", "seLinuxOptions", "windowsOptions", "hostProcess", "type", "localhostProfile", "user", "role",
    "sysctls", "value", "ports", "hostPort", "containerPort", "volumeMounts", "readOnly", "mountPath", "resources",
    "limits", "requests", "cpu", "memory", "volumes", "hostPath", "path", "emptyDir", "nfs", "configMap",
    "containers", "initContainers", "ephemeralContainers", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "os",
    "livenessProbe", "lifecycle", "preStop", "httpGet", "tcpSocket", "host", "port", "labels", "annotations",
    "metadata", "spec", "template", "jobTemplate", "kind", "namespace", "env", "supplementalGroups", "fsGroup"};

constexpr std::string_view kStrings[] = {
    "", "true", "false", "0", "-1", "1e400", "ALL", "CAP_ALL", "all", "NET_RAW", "SYS_ADMIN", "RuntimeDefault",
    "Localhost", "Unconfined", "Default", "Unmasked", "windows", "/", "/var/run/docker.sock", "/var/log/../../etc",
    "/proc/1/root", "//var//log//", "latest", "nginx:latest", "a@sha256:xyz", "500m", "1Gi", "-1Gi", "1e3", "0.5",
    "\xce\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", std::string_view("nul\0byte", 8), "runtime/default",
    "unconfined", "localhost/x", "kube-system", "null", "{}", "[]"};

// Reads bytes; past the end it yields zeros, so every input is a complete program.
struct Bytes {
  const uint8_t* data;
  size_t size;
  size_t at = 0;
  bool empty() const { return at >= size; }
  uint8_t u8() { return at < size ? data[at++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | u8();
    return v;
  }
};

// Pre-order list of every node, with its parent (nullptr for the root) and key/index there.
struct Node {
  json* value;
  json* parent;
  std::string key;
};
void collect(json& j, json* parent, std::string key, std::vector<Node>& out) {
  out.push_back({&j, parent, std::move(key)});
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) collect(*it, &j, it.key(), out);
  else if (j.is_array())
    for (auto& item : j) collect(item, &j, {}, out);
}

// Only well-formed UTF-8 (every decoder validates it, so nothing else reaches the core).
std::string printable(Bytes& in, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>(0x20 + in.u8() % 0x5f);
  return s;
}

// A value of a type the action byte picks: every JSON type, with edge values.
json value_for(uint8_t action, const json& old, Bytes& in) {
  switch (action % 24) {
    case 0: return nullptr;
    case 1: return true;
    case 2: return false;
    case 3: return 0;
    case 4: return -1;
    case 5: return static_cast<int64_t>(in.u64());
    case 6: return std::numeric_limits<uint64_t>::max();
    case 7: return static_cast<uint64_t>(1) << 63;
    case 8: return 4294967296LL;  // beyond int32
    case 9: return 8080.0;
    case 10: return 0.5;
    case 11: return 1e308;
    case 12: return -0.0;
    case 13: return std::numeric_limits<double>::quiet_NaN();  // YAML's .nan decodes to this
    case 14: return std::numeric_limits<double>::infinity();
    case 15: return std::string(kStrings[in.u8() % std::size(kStrings)]);
    case 16: return printable(in, in.u8() % 24);
    case 17: return std::string(size_t{1} << (in.u8() % 13), 'a');  // up to 4 KiB
    case 18: return json::object();
    case 19: return json::array();
    case 20: return json::array({old});  // the old value one level down
    case 21: return json{{kKeys[in.u8() % std::size(kKeys)], old}};
    case 22: {  // deep nesting
      json deep = old;
      for (int i = in.u8() % 200; i > 0; --i) deep = json::array({std::move(deep)});
      return deep;
    }
    default: {  // the same value with its type changed to the "obvious" other one
      if (old.is_boolean()) return old.get<bool>() ? "true" : "false";
      if (old.is_number()) return old.dump();
      if (old.is_string()) {
        const auto& s = old.get_ref<const std::string&>();
        if (s == "true" || s == "false") return s == "true";
        return s.size();
      }
      return nullptr;
    }
  }
}

// Applies one operation. Returns false once the input is used up.
bool mutate(json& root, Bytes& in) {
  if (in.empty()) return false;
  std::vector<Node> nodes;
  collect(root, nullptr, {}, nodes);
  Node& n = nodes[in.u16() % nodes.size()];
  const uint8_t action = in.u8();
  if (action >= 240 && n.parent && n.parent->is_object()) {  // delete the member
    n.parent->erase(n.key);
    return true;
  }
  if (action >= 200 && n.value->is_object()) {  // insert a known key with any type
    (*n.value)[kKeys[in.u8() % std::size(kKeys)]] = value_for(in.u8(), json(), in);
    return true;
  }
  if (action >= 180 && n.value->is_array() && !n.value->empty()) {  // duplicate an item
    n.value->push_back(json((*n.value)[in.u8() % n.value->size()]));
    return true;
  }
  if (!n.parent) return true;  // the root stays an object: wrapping needs metadata and spec
  *n.value = value_for(action, *n.value, in);
  return true;
}

// The pod's metadata and spec as the template of `kind`, as the API server sends a workload.
json wrap(const json& pod, const std::string& kind) {
  if (kind == "Pod") return pod;
  json tmpl = json::object();
  if (pod.is_object()) {
    if (pod.contains("metadata")) tmpl["metadata"] = pod["metadata"];
    if (pod.contains("spec")) tmpl["spec"] = pod["spec"];
  }
  json meta = {{"name", "w"}, {"namespace", "prod"}};
  if (kind == "PodTemplate") return {{"apiVersion", "v1"}, {"kind", kind}, {"metadata", meta}, {"template", tmpl}};
  if (kind == "CronJob")
    return {{"apiVersion", "batch/v1"}, {"kind", kind}, {"metadata", meta},
            {"spec", {{"schedule", "* * * * *"}, {"jobTemplate", {{"spec", {{"template", tmpl}}}}}}}};
  return {{"apiVersion", "apps/v1"}, {"kind", kind}, {"metadata", meta}, {"spec", {{"replicas", 1}, {"template", tmpl}}}};
}

// Breaks one step of the wrapper (metadata, spec, template, jobTemplate, ...) with any value.
void break_wrapper(json& object, uint8_t which, uint8_t action, Bytes& in) {
  static const std::vector<std::vector<const char*>> kSteps = {
      {"metadata"}, {"spec"}, {"template"}, {"template", "metadata"}, {"template", "spec"},
      {"spec", "template"}, {"spec", "template", "metadata"}, {"spec", "jobTemplate"},
      {"spec", "jobTemplate", "spec"}, {"spec", "jobTemplate", "spec", "template"},
      {"spec", "jobTemplate", "spec", "template", "metadata"}};
  std::vector<json*> found;
  for (const auto& path : kSteps) {
    json* j = &object;
    for (const char* key : path) {
      if (!j || !j->is_object() || !j->contains(key)) {
        j = nullptr;
        break;
      }
      j = &(*j)[key];
    }
    if (j) found.push_back(j);
  }
  if (found.empty()) return;
  json* target = found[which % found.size()];
  *target = value_for(action, *target, in);
}

struct Setup {
  policy::PolicyStore store;
  admission::Handler handler;
  policy::PolicySetPtr set;
  std::vector<json> bases;

  Setup() : handler(store, policy::name_only_namespace_labels()) {
    auto parsed = policy::parse_policies(kPolicies, "fuzz-policies.yaml");
    for (const auto& e : parsed.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    FUZZ_CHECK(parsed.errors.empty());
    FUZZ_CHECK(parsed.policies.size() == 5);
    set = store.replace(std::move(parsed.policies));
    for (const char* text : kBasePods) {
      bases.push_back(json::parse(text));
      // Every base is valid: the invariants below rely on an unmutated pod building a view.
      FUZZ_CHECK(policy::PodView::from_object(bases.back()).ok());
    }
  }
};

std::string review_for(const json& object, const json* old_object, const std::string& kind, const char* user) {
  json request = {{"uid", "fuzz-uid"},
                  {"kind", {{"group", ""}, {"version", "v1"}, {"kind", kind}}},
                  {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                  {"operation", old_object ? "UPDATE" : "CREATE"},
                  {"namespace", "prod"},
                  {"name", "w"},
                  {"userInfo", {{"username", user}, {"groups", {"system:authenticated"}}}},
                  {"object", object}};
  if (old_object) request["oldObject"] = *old_object;
  json review = {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
  // NaN and infinity are written as null, as a JSON encoder must.
  return review.dump(-1, ' ', false, json::error_handler_t::strict);
}

// Every variant, through the core as every edge calls it: PodView (the decode) and evaluate.
void judge_core(Setup& s, const json& object, const json& original, const std::string& kind, uint8_t options) {
  policy::Request r;
  r.uid = "fuzz-uid";
  r.kind = kind;
  r.namespace_ = "prod";
  r.username = options & 2 ? "break-glass" : "alice";
  r.operation = options & 1 ? policy::Operation::Update : policy::Operation::Create;
  r.object = &object;
  r.old_object = options & 1 ? &original : nullptr;
  policy::Decision d = policy::evaluate(*s.set, r, policy::name_only_namespace_labels());
  auto view = policy::PodView::from_object(object);
  if (!view.ok()) {
    FUZZ_CHECK(!view.error().message.empty());
    if (policy::PodView::claims_pod(object)) {
      // Never admitted unjudged: refused with 400 and the field named.
      FUZZ_CHECK(d.judged && !d.allowed && d.code == 400);
      FUZZ_CHECK(d.message.find(view.error().to_string()) != std::string::npos);
    }
    return;
  }
  if (!d.allowed) FUZZ_CHECK(!d.message.empty() && d.code == 403);
  for (const auto& v : d.violations) FUZZ_CHECK(!v.policy.empty() && !v.rule.empty() && !v.message.empty());
}

// One variant (the input picks which) through the edges' own decoding: `check` (decode_documents
// + judge_all on the manifest text), the webhook (Handler::handle on a serialized review) and, for
// pods, the background audit. Slower (serialization and parsing), so not for every kind.
void judge_edges(Setup& s, const json& object, const json& original, const std::string& kind, uint8_t options) {
  {
    std::string text = object.dump(-1, ' ', false, json::error_handler_t::strict);
    auto docs = policy::decode_documents(text, "fuzz.json");
    if (docs.ok() && docs->size() == 1) {
      auto decoded = policy::PodView::from_object((*docs)[0]);
      if (decoded.ok()) {
        auto violations = policy::judge_all(*s.set, decoded->namespace_(), *decoded, policy::name_only_namespace_labels());
        for (const auto& v : violations) FUZZ_CHECK(!v.policy.empty() && !v.rule.empty() && !v.message.empty());
      } else {
        FUZZ_CHECK(!decoded.error().message.empty());
      }
    }
  }

  const bool update = options & 1;
  const char* user = options & 2 ? "break-glass" : "alice";
  const std::string body = review_for(object, update ? &original : nullptr, kind, user);
  auto out = s.handler.handle(body);
  if (out.http_status == 400) {  // only for nesting beyond the review depth limit
    FUZZ_CHECK(out.body.find("deeper than") != std::string::npos);
    return;
  }
  FUZZ_CHECK(out.http_status == 200);
  auto answer = json::parse(out.body, nullptr, false);
  FUZZ_CHECK(answer.is_object());
  const json& resp = answer["response"];
  FUZZ_CHECK(resp.is_object() && resp["allowed"].is_boolean());
  const bool allowed = resp["allowed"].get<bool>();
  if (!allowed) {
    const json& status = resp["status"];
    FUZZ_CHECK(status.is_object() && status["message"].is_string() && !status["message"].get<std::string>().empty());
    FUZZ_CHECK(status["code"] != 500);  // the last-resort catch in the handler must never be needed
  }
  // The decoded object equals `object` up to NaN/inf (written as null), so judge readability on it.
  auto review = json::parse(body);
  const json& sent = review["request"]["object"];
  auto sent_view = policy::PodView::from_object(sent);
  if (!sent_view.ok() && policy::PodView::claims_pod(sent)) {
    FUZZ_CHECK(!allowed);
    FUZZ_CHECK(resp["status"]["code"] == 400);
    const std::string& message = resp["status"]["message"].get_ref<const std::string&>();
    FUZZ_CHECK(message.find(sent_view.error().to_string()) != std::string::npos);
  }

  if (kind == "Pod") {
    std::vector<std::shared_ptr<const json>> pods = {std::make_shared<const json>(object)};
    auto outcome = policy::audit_pods(*s.set, pods, policy::name_only_namespace_labels(), {});
    FUZZ_CHECK(outcome.pods_judged <= 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup* setup = new Setup();
  Bytes in{data, size};
  const json& original = setup->bases[in.u8() % setup->bases.size()];
  const uint8_t options = in.u8();
  json pod = original;
  for (int ops = 0; ops < 16 && mutate(pod, in);) ++ops;
  const uint8_t wrapper_step = in.u8(), wrapper_action = in.u8();
  const std::size_t edge_kind = (options >> 3) % std::size(kKinds);
  for (std::size_t k = 0; k < std::size(kKinds); ++k) {
    const std::string kind = kKinds[k];
    json object = wrap(pod, kind);
    if (options & 4) break_wrapper(object, wrapper_step, wrapper_action, in);
    const json old = wrap(original, kind);
    try {
      judge_core(*setup, object, old, kind, options);
      if (k == edge_kind) judge_edges(*setup, object, old, kind, options);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "exception escaped for kind %s: %s\nobject: %s\n", kind.c_str(), e.what(),
                   object.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
      std::abort();
    }
  }
  return 0;
}
