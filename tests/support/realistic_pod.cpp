#include "support/realistic_pod.hpp"

namespace kindlyguard::testing {
namespace {

using nlohmann::json;

json env_var(const std::string& name, const std::string& value) { return {{"name", name}, {"value", value}}; }

json container(const std::string& name, const std::string& image, int port) {
  return {{"name", name},
          {"image", image},
          {"imagePullPolicy", "IfNotPresent"},
          {"ports", json::array({{{"name", "http"}, {"containerPort", port}, {"protocol", "TCP"}}})},
          {"env", json::array({env_var("LOG_LEVEL", "info"), env_var("REGION", "eu-west-1"),
                               env_var("FEATURE_FLAGS", "checkout,search,recommendations"),
                               env_var("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4317")})},
          {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}, {"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}}},
          {"livenessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", port}, {"scheme", "HTTP"}}}, {"periodSeconds", 10},
                             {"timeoutSeconds", 1}, {"successThreshold", 1}, {"failureThreshold", 3}}},
          {"readinessProbe", {{"httpGet", {{"path", "/ready"}, {"port", port}, {"scheme", "HTTP"}}}, {"periodSeconds", 5},
                              {"timeoutSeconds", 1}, {"successThreshold", 1}, {"failureThreshold", 3}}},
          {"securityContext", {{"allowPrivilegeEscalation", false}, {"runAsNonRoot", true}, {"runAsUser", 10001},
                               {"capabilities", {{"drop", json::array({"ALL"})}}},
                               {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
          {"volumeMounts", json::array({{{"name", "kube-api-access"}, {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"},
                                         {"readOnly", true}}})},
          {"terminationMessagePath", "/dev/termination-log"},
          {"terminationMessagePolicy", "File"}};
}

json fields_of_spec() {
  json c = {{"f:image", json::object()}, {"f:imagePullPolicy", json::object()}, {"f:name", json::object()},
            {"f:env", {{".", json::object()}, {"k:{\"name\":\"LOG_LEVEL\"}", {{".", json::object()}, {"f:name", json::object()}, {"f:value", json::object()}}},
                       {"k:{\"name\":\"REGION\"}", {{".", json::object()}, {"f:name", json::object()}, {"f:value", json::object()}}}}},
            {"f:ports", {{".", json::object()}, {"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}", {{".", json::object()}, {"f:containerPort", json::object()}}}}},
            {"f:resources", {{".", json::object()}, {"f:limits", json::object()}, {"f:requests", json::object()}}},
            {"f:securityContext", {{".", json::object()}, {"f:allowPrivilegeEscalation", json::object()}, {"f:runAsNonRoot", json::object()}}}};
  return {{"f:metadata", {{"f:labels", {{".", json::object()}, {"f:app", json::object()}, {"f:pod-template-hash", json::object()}}},
                          {"f:ownerReferences", {{".", json::object()}, {"k:{\"uid\":\"1\"}", json::object()}}}}},
          {"f:spec", {{"f:containers", {{"k:{\"name\":\"app\"}", c}, {"k:{\"name\":\"proxy\"}", c}}},
                      {"f:dnsPolicy", json::object()}, {"f:restartPolicy", json::object()}, {"f:schedulerName", json::object()}}}};
}

json fields_of_status() {
  json cond = {{".", json::object()}, {"f:lastProbeTime", json::object()}, {"f:lastTransitionTime", json::object()},
               {"f:status", json::object()}, {"f:type", json::object()}};
  return {{"f:status", {{"f:conditions", {{"k:{\"type\":\"ContainersReady\"}", cond}, {"k:{\"type\":\"Initialized\"}", cond},
                                          {"k:{\"type\":\"PodScheduled\"}", cond}, {"k:{\"type\":\"Ready\"}", cond}}},
                        {"f:containerStatuses", json::object()}, {"f:hostIP", json::object()}, {"f:phase", json::object()},
                        {"f:podIP", json::object()}, {"f:podIPs", {{".", json::object()}, {"k:{\"ip\":\"10.0.0.1\"}", json::object()}}},
                        {"f:startTime", json::object()}}}};
}

json container_status(const std::string& name, const std::string& image) {
  return {{"name", name}, {"image", image}, {"imageID", image + "@sha256:7a1f0e5c4b2d9e8f6a3c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"},
          {"containerID", "containerd://4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"},
          {"ready", true}, {"restartCount", 0}, {"started", true},
          {"state", {{"running", {{"startedAt", "2024-05-01T10:00:00Z"}}}}},
          {"lastState", json::object()}};
}

json served_pod(int i, const std::string& ns) {
  const std::string name = "checkout-7d9f8c6b5-" + std::to_string(100000 + i);
  json cond = json::array();
  for (const char* t : {"Initialized", "Ready", "ContainersReady", "PodScheduled"})
    cond.push_back({{"type", t}, {"status", "True"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", "2024-05-01T10:00:00Z"}});
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"generateName", "checkout-7d9f8c6b5-"},
            {"labels", {{"app", "checkout"}, {"pod-template-hash", "7d9f8c6b5"}, {"version", "v2.14.3"}, {"team", "payments"}}},
            {"annotations", {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", "9090"},
                             {"kubectl.kubernetes.io/restartedAt", "2024-05-01T09:59:00Z"}}},
            {"ownerReferences", json::array({{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "checkout-7d9f8c6b5"},
                                              {"uid", "1"}, {"controller", true}, {"blockOwnerDeletion", true}}})},
            {"managedFields", json::array({{{"manager", "kube-controller-manager"}, {"operation", "Update"}, {"apiVersion", "v1"},
                                            {"time", "2024-05-01T10:00:00Z"}, {"fieldsType", "FieldsV1"}, {"fieldsV1", fields_of_spec()}},
                                           {{"manager", "kubelet"}, {"operation", "Update"}, {"apiVersion", "v1"},
                                            {"time", "2024-05-01T10:00:05Z"}, {"fieldsType", "FieldsV1"}, {"subresource", "status"},
                                            {"fieldsV1", fields_of_status()}}})}}},
          {"spec",
           {{"containers", json::array({container("app", "registry.example.com/shop/checkout:2.14.3", 8080),
                                        container("proxy", "registry.example.com/mesh/proxy:1.22.0", 15001)})},
            {"volumes", json::array({{{"name", "kube-api-access"},
                                      {"projected", {{"defaultMode", 420},
                                                     {"sources", json::array({{{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}},
                                                                              {{"configMap", {{"name", "kube-root-ca.crt"}, {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
                                                                              {{"downwardAPI", {{"items", json::array({{{"path", "namespace"}, {"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.namespace"}}}}})}}}}})}}}}})},
            {"tolerations", json::array({{{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}},
                                         {{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}}})},
            {"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
            {"nodeName", "node-" + std::to_string(i % 50)},
            {"serviceAccountName", "checkout"},
            {"restartPolicy", "Always"},
            {"dnsPolicy", "ClusterFirst"},
            {"schedulerName", "default-scheduler"},
            {"terminationGracePeriodSeconds", 30},
            {"priority", 0},
            {"enableServiceLinks", true},
            {"preemptionPolicy", "PreemptLowerPriority"}}},
          {"status",
           {{"phase", "Running"},
            {"conditions", cond},
            {"hostIP", "192.168.1." + std::to_string(i % 50)},
            {"podIP", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
            {"podIPs", json::array({{{"ip", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)}}})},
            {"startTime", "2024-05-01T10:00:00Z"},
            {"qosClass", "Burstable"},
            {"containerStatuses", json::array({container_status("app", "registry.example.com/shop/checkout:2.14.3"),
                                               container_status("proxy", "registry.example.com/mesh/proxy:1.22.0")})}}}};
}

}  // namespace

json realistic_pod(int i, const std::string& ns, PodFlavour flavour) {
  json pod = served_pod(i, ns);
  json& proxy = pod["spec"]["containers"][1]["securityContext"];
  if (flavour == PodFlavour::RestrictedViolation) {
    proxy["runAsNonRoot"] = false;
    proxy["runAsUser"] = 0;
  } else if (flavour == PodFlavour::BaselineViolation) {
    proxy["privileged"] = true;
    proxy["allowPrivilegeEscalation"] = true;
  }
  return pod;
}

}  // namespace kindlyguard::testing
