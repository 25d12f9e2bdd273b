// Writes the AdmissionReviews the load generator sends: what the API server sends the webhook
// when a ReplicaSet controller creates a pod, at about 5, 10 and 20 KB, compliant and violating.
//   gen_reviews OUT_DIR
// writes OUT_DIR/{5k,10k,20k}-{compliant,violating}.json. Deterministic: the same bytes every run.
//
// Shape, as kube-apiserver v1.29+ sends it: fields in Go struct order (ordered_json); the pod as
// the ReplicaSet controller created it and the API server defaulted it (generateName and the
// generated name, uid, creationTimestamp, ownerReferences, managedFields of
// kube-controller-manager, imagePullPolicy, terminationMessage*, dnsPolicy, schedulerName,
// tolerations, priority, enableServiceLinks, the kube-api-access projected volume with the
// service-account token and its mounts, status.phase Pending), env vars, probes, resources.
// Namespace prod-shop, so every example policy applies (production-hardening matches prod-*).
//
// Compliant: passes baseline, restricted and production-hardening (allowed, no warning).
// Violating: the same workload as most people first write it: no securityContext anywhere, an
// image from Docker Hub without a registry we trust, a hostPath volume (denied by baseline and
// production-hardening, warned by restricted).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kNamespace = "prod-shop";
constexpr const char* kReplicaSet = "web-7d4b9c6f5";
constexpr const char* kTokenVolume = "kube-api-access-7xk2p";

// The key a server-side-apply field set uses for one element of an associative list.
std::string list_key(const ojson& item) {
  ojson k = ojson::object();
  if (item.contains("containerPort")) {
    k["containerPort"] = item["containerPort"];
    k["protocol"] = item.value("protocol", "TCP");
  } else if (item.contains("mountPath")) {
    k["mountPath"] = item["mountPath"];
  } else if (item.contains("name")) {
    k["name"] = item["name"];
  } else if (item.contains("key")) {
    k["key"] = item["key"];
  } else {
    return "";
  }
  return "k:" + k.dump();
}

// fieldsV1 for an object: every field "f:name", maps with ".", associative lists keyed by element.
ojson fields_of(const ojson& obj) {
  ojson out = ojson::object();
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const ojson& v = it.value();
    std::string f = "f:" + it.key();
    if (v.is_object() && !v.empty()) {
      ojson sub = fields_of(v);
      ojson node = ojson::object();
      node["."] = ojson::object();
      for (auto s = sub.begin(); s != sub.end(); ++s) node[s.key()] = s.value();
      out[f] = std::move(node);
    } else if (v.is_array() && !v.empty() && v[0].is_object() && !list_key(v[0]).empty()) {
      ojson node = ojson::object();
      node["."] = ojson::object();
      for (const auto& item : v) {
        ojson sub = fields_of(item);
        ojson elem = ojson::object();
        elem["."] = ojson::object();
        for (auto s = sub.begin(); s != sub.end(); ++s) elem[s.key()] = s.value();
        node[list_key(item)] = std::move(elem);
      }
      out[f] = std::move(node);
    } else {
      out[f] = ojson::object();
    }
  }
  return out;
}

ojson env_var(int i) {
  static const char* const kinds[] = {"FEATURE", "UPSTREAM", "CACHE", "TIMEOUT", "LIMIT"};
  ojson e = ojson::object();
  e["name"] = std::string(kinds[i % 5]) + "_SETTING_" + std::to_string(i);
  e["value"] = i % 3 == 0 ? "enabled" : i % 3 == 1 ? "http://backend." + std::string(kNamespace) + ".svc:8080" : "250ms";
  return e;
}

ojson security_context() {
  ojson sc = ojson::object();
  sc["allowPrivilegeEscalation"] = false;
  sc["capabilities"] = {{"drop", {"ALL"}}};
  sc["readOnlyRootFilesystem"] = true;
  sc["runAsNonRoot"] = true;
  sc["runAsUser"] = 10001;
  sc["seccompProfile"] = {{"type", "RuntimeDefault"}};
  return sc;
}

ojson probe(const std::string& path, int port, int period) {
  ojson p = ojson::object();
  p["failureThreshold"] = 3;
  p["httpGet"] = {{"path", path}, {"port", port}, {"scheme", "HTTP"}};
  p["periodSeconds"] = period;
  p["successThreshold"] = 1;
  p["timeoutSeconds"] = 1;
  return p;
}

// role: 0 the app, 1 a proxy sidecar, 2 a log shipper, 3 an init container (migrations).
ojson container(int role, bool compliant, bool lean) {
  static const char* const names[] = {"web", "proxy", "log-shipper", "migrate"};
  static const char* const images[] = {"registry.example.com/shop/web:1.42.0", "registry.example.com/infra/envoy:1.29.1",
                                       "registry.example.com/infra/fluent-bit:2.2.2",
                                       "registry.example.com/shop/web:1.42.0"};
  static const char* const bad_images[] = {"nginx:1.25", "envoyproxy/envoy:v1.29.1", "fluent/fluent-bit:2.2.2",
                                           "shop/web:1.42.0"};
  ojson c = ojson::object();
  if (role == 3) c["command"] = {"/app/migrate", "--wait-for-db", "--timeout=120s"};
  c["env"] = ojson::array();
  ojson pod_name = ojson::object();
  pod_name["name"] = "POD_NAME";
  pod_name["valueFrom"] = {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.name"}}}};
  c["env"].push_back(pod_name);
  if (!lean && (role == 0 || role == 3)) {
    ojson secret = ojson::object();
    secret["name"] = "DB_PASSWORD";
    secret["valueFrom"] = {{"secretKeyRef", {{"key", "password"}, {"name", "shop-db"}}}};
    c["env"].push_back(secret);
  }
  c["image"] = compliant ? images[role] : bad_images[role];
  c["imagePullPolicy"] = "IfNotPresent";
  if (!lean && role != 3) c["livenessProbe"] = probe(role == 1 ? "/ready" : "/healthz", role == 1 ? 9901 : 8080, 10);
  c["name"] = names[role];
  if (role != 3) {
    ojson port = ojson::object();
    port["containerPort"] = role == 0 ? 8080 : role == 1 ? 8443 : 2020;
    port["name"] = role == 0 ? "http" : role == 1 ? "https" : "metrics";
    port["protocol"] = "TCP";
    c["ports"] = ojson::array({port});
  }
  if (!lean && role == 0) c["readinessProbe"] = probe("/ready", 8080, 5);
  ojson res = ojson::object();
  res["limits"] = {{"cpu", role == 0 ? "1" : "200m"}, {"memory", role == 0 ? "512Mi" : "128Mi"}};
  res["requests"] = {{"cpu", role == 0 ? "250m" : "50m"}, {"memory", role == 0 ? "256Mi" : "64Mi"}};
  c["resources"] = res;
  if (compliant) c["securityContext"] = security_context();
  c["terminationMessagePath"] = "/dev/termination-log";
  c["terminationMessagePolicy"] = "File";
  ojson mounts = ojson::array();
  if (!lean) mounts.push_back({{"mountPath", "/etc/" + std::string(names[role])}, {"name", "config"}});
  mounts.push_back({{"mountPath", "/tmp"}, {"name", "tmp"}});
  if (!compliant && role == 2) mounts.push_back({{"mountPath", "/var/log/host"}, {"name", "host-logs"}});
  ojson token = ojson::object();
  token["mountPath"] = "/var/run/secrets/kubernetes.io/serviceaccount";
  token["name"] = kTokenVolume;
  token["readOnly"] = true;
  mounts.push_back(token);
  c["volumeMounts"] = mounts;
  return c;
}

ojson volumes(bool compliant, bool lean) {
  ojson v = ojson::array();
  if (!lean) v.push_back({{"configMap", {{"defaultMode", 420}, {"name", "web-config"}}}, {"name", "config"}});
  v.push_back({{"emptyDir", ojson::object()}, {"name", "tmp"}});
  if (!compliant) v.push_back({{"hostPath", {{"path", "/var/log"}, {"type", ""}}}, {"name", "host-logs"}});
  ojson sources = ojson::array();
  sources.push_back({{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}});
  sources.push_back({{"configMap", {{"items", ojson::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}, {"name", "kube-root-ca.crt"}}}});
  sources.push_back(
      {{"downwardAPI",
        {{"items", ojson::array({{{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.namespace"}}}, {"path", "namespace"}}})}}}});
  ojson token = ojson::object();
  token["name"] = kTokenVolume;
  token["projected"] = {{"defaultMode", 420}, {"sources", sources}};
  v.push_back(token);
  return v;
}

ojson pod(int sidecars, bool with_init, int extra_env, bool compliant, bool lean) {
  ojson spec = ojson::object();
  ojson containers = ojson::array();
  containers.push_back(container(0, compliant, lean));
  for (int i = 1; i <= sidecars; ++i) containers.push_back(container(i, compliant, lean));
  for (int i = 0; i < extra_env; ++i) containers[i % containers.size()]["env"].push_back(env_var(i));
  spec["containers"] = containers;
  spec["dnsPolicy"] = "ClusterFirst";
  spec["enableServiceLinks"] = true;
  if (with_init) spec["initContainers"] = ojson::array({container(3, compliant, lean)});
  spec["preemptionPolicy"] = "PreemptLowerPriority";
  spec["priority"] = 0;
  spec["restartPolicy"] = "Always";
  spec["schedulerName"] = "default-scheduler";
  if (compliant) {
    ojson psc = ojson::object();
    psc["fsGroup"] = 10001;
    psc["runAsGroup"] = 10001;
    psc["runAsNonRoot"] = true;
    psc["runAsUser"] = 10001;
    psc["seccompProfile"] = {{"type", "RuntimeDefault"}};
    spec["securityContext"] = psc;
  } else {
    spec["securityContext"] = ojson::object();
  }
  spec["serviceAccount"] = "shop-web";
  spec["serviceAccountName"] = "shop-web";
  spec["terminationGracePeriodSeconds"] = 30;
  ojson tolerations = ojson::array();
  for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})
    tolerations.push_back({{"effect", "NoExecute"}, {"key", key}, {"operator", "Exists"}, {"tolerationSeconds", 300}});
  spec["tolerations"] = tolerations;
  spec["volumes"] = volumes(compliant, lean);

  ojson labels = ojson::object();
  labels["app.kubernetes.io/name"] = "web";
  labels["app.kubernetes.io/part-of"] = "shop";
  labels["app.kubernetes.io/version"] = "1.42.0";
  labels["pod-template-hash"] = "7d4b9c6f5";
  ojson annotations = ojson::object();
  if (!lean) {
    annotations["kubectl.kubernetes.io/restartedAt"] = "2024-05-02T08:14:55Z";
    annotations["prometheus.io/port"] = "8080";
  }
  annotations["prometheus.io/scrape"] = "true";
  ojson owner = ojson::object();
  owner["apiVersion"] = "apps/v1";
  owner["blockOwnerDeletion"] = true;
  owner["controller"] = true;
  owner["kind"] = "ReplicaSet";
  owner["name"] = kReplicaSet;
  owner["uid"] = "3e1d5a0c-8f0b-4d61-9a7e-5b2f6c1d9e44";

  // What kube-controller-manager owns: the template it copied (metadata and spec as written,
  // not the API server's defaults on the token volume).
  ojson owned_meta = ojson::object();
  owned_meta["annotations"] = annotations;
  owned_meta["generateName"] = std::string(kReplicaSet) + "-";
  owned_meta["labels"] = labels;
  ojson owned_spec = spec;
  owned_spec.erase("preemptionPolicy");
  owned_spec.erase("priority");
  owned_spec.erase("serviceAccount");
  owned_spec.erase("tolerations");
  ojson fields = ojson::object();
  ojson fm = fields_of(owned_meta);
  fm["f:ownerReferences"] = {{".", ojson::object()}, {"k:{\"uid\":\"" + owner["uid"].get<std::string>() + "\"}", ojson::object()}};
  fields["f:metadata"] = fm;
  fields["f:spec"] = fields_of(owned_spec);
  ojson mf = ojson::object();
  mf["apiVersion"] = "v1";
  mf["fieldsType"] = "FieldsV1";
  mf["fieldsV1"] = fields;
  mf["manager"] = "kube-controller-manager";
  mf["operation"] = "Update";
  mf["time"] = "2024-05-02T08:14:56Z";

  ojson meta = ojson::object();
  meta["name"] = std::string(kReplicaSet) + "-x2x9k";
  meta["generateName"] = std::string(kReplicaSet) + "-";
  meta["namespace"] = kNamespace;
  meta["uid"] = "a3c7e9d1-52b4-4f0e-8c6a-1d9b7e3f5a20";
  meta["creationTimestamp"] = "2024-05-02T08:14:56Z";
  meta["labels"] = labels;
  meta["annotations"] = annotations;
  meta["ownerReferences"] = ojson::array({owner});
  meta["managedFields"] = ojson::array({mf});

  ojson p = ojson::object();
  p["kind"] = "Pod";
  p["apiVersion"] = "v1";
  p["metadata"] = meta;
  p["spec"] = spec;
  p["status"] = {{"phase", "Pending"}, {"qosClass", "Burstable"}};
  return p;
}

// The uid's last 12 hex digits are rewritten per request by the load generator.
std::string review(const ojson& object) {
  ojson req = ojson::object();
  req["uid"] = "4b8c9f20-3f6e-4b5a-9d7c-000000000000";
  req["kind"] = {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}};
  req["resource"] = {{"group", ""}, {"version", "v1"}, {"resource", "pods"}};
  req["requestKind"] = req["kind"];
  req["requestResource"] = req["resource"];
  req["name"] = object["metadata"]["name"];
  req["namespace"] = kNamespace;
  req["operation"] = "CREATE";
  ojson user = ojson::object();
  user["username"] = "system:serviceaccount:kube-system:replicaset-controller";
  user["uid"] = "5f0c2b7e-91d3-4a8e-b6f1-0c4d2e8a7b13";
  user["groups"] = {"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"};
  req["userInfo"] = user;
  req["object"] = object;
  req["oldObject"] = nullptr;
  req["dryRun"] = false;
  req["options"] = {{"kind", "CreateOptions"}, {"apiVersion", "meta.k8s.io/v1"}};
  ojson r = ojson::object();
  r["kind"] = "AdmissionReview";
  r["apiVersion"] = "admission.k8s.io/v1";
  r["request"] = req;
  return r.dump();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gen_reviews OUT_DIR\n";
    return 2;
  }
  std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  struct Size {
    const char* name;
    std::size_t bytes;
    int sidecars;
    bool init;
    bool lean;  // no probes, no config volume, no secret env: the 5 KB pod
  };
  for (Size s : {Size{"5k", 5 * 1024, 0, false, true}, Size{"10k", 10 * 1024, 1, false, false},
                 Size{"20k", 20 * 1024, 2, true, false}}) {
    for (bool compliant : {true, false}) {
      int extra = 0;
      std::string body = review(pod(s.sidecars, s.init, extra, compliant, s.lean));
      if (body.size() > s.bytes + s.bytes / 10) {
        std::cerr << s.name << ": the smallest pod is already " << body.size() << " bytes\n";
        return 1;
      }
      while (body.size() < s.bytes) body = review(pod(s.sidecars, s.init, ++extra, compliant, s.lean));
      auto path = out / (std::string(s.name) + (compliant ? "-compliant.json" : "-violating.json"));
      std::ofstream f(path, std::ios::binary);
      f << body << '\n';
      if (!f) {
        std::cerr << "cannot write " << path << "\n";
        return 1;
      }
      std::printf("%s: %zu bytes, %d extra env vars\n", path.c_str(), body.size(), extra);
    }
  }
  return 0;
}
