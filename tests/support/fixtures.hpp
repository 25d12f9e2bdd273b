#pragma once
// Builders for test pods and workloads, so a test reads like the manifest it judges, and the
// policy most tests judge them by.

#include <string>

#include <nlohmann/json.hpp>

namespace kindlyguard::testing {

using nlohmann::json;

// A pod that passes every rule kindlyguard has: non-root, read-only root fs, all capabilities
// dropped, no escalation, RuntimeDefault seccomp, requests and limits, a pinned image.
inline json compliant_pod(const std::string& name = "web", const std::string& ns = "default") {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": ")" + name + R"(", "namespace": ")" + ns + R"(", "labels": {"app": "web"}},
    "spec": {
      "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
      "containers": [{
        "name": "app", "image": "registry.example.com/acme/web:1.4.2",
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "capabilities": {"drop": ["ALL"]}},
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}}
      }]
    }})");
}

// The policy file most webhook tests judge by: privileged containers denied.
inline constexpr const char* kDenyPrivileged = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: no-privileged}
spec:
  enforcement: Deny
  rules: {privileged: false}
)";

// compliant_pod with its container privileged.
inline json privileged_pod(const std::string& name = "web", const std::string& ns = "default") {
  json pod = compliant_pod(name, ns);
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  return pod;
}

// Wraps a pod's metadata and spec as the template of a workload of `kind`.
inline json as_workload(const json& pod, const std::string& kind) {
  json tmpl = {{"metadata", pod["metadata"]}, {"spec", pod["spec"]}};
  tmpl["metadata"].erase("namespace");
  json meta = {{"name", pod["metadata"]["name"]}, {"namespace", pod["metadata"].value("namespace", "default")}};
  if (kind == "CronJob")
    return {{"apiVersion", "batch/v1"}, {"kind", kind}, {"metadata", meta},
            {"spec", {{"schedule", "*/5 * * * *"}, {"jobTemplate", {{"spec", {{"template", tmpl}}}}}}}};
  std::string api = kind == "Job" ? "batch/v1" : kind == "ReplicationController" ? "v1" : "apps/v1";
  return {{"apiVersion", api}, {"kind", kind}, {"metadata", meta}, {"spec", {{"template", tmpl}}}};
}

}  // namespace kindlyguard::testing
