// The policy core alone: decode an AdmissionReview, judge it, encode the answer. Numbers only.
//   build/bench/bench_core --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/parse.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard;

json container(int i, bool compliant) {
  json c = {{"name", "c" + std::to_string(i)},
            {"image", compliant ? "registry.example.com/acme/app:1." + std::to_string(i) : "nginx"},
            {"env", json::array({{{"name", "MODE"}, {"value", "production"}}, {{"name", "PORT"}, {"value", "8080"}}})},
            {"ports", json::array({{{"containerPort", 8080}, {"protocol", "TCP"}}})},
            {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}, {"limits", {{"cpu", "500m"}, {"memory", "128Mi"}}}}},
            {"volumeMounts", json::array({{{"name", "kube-api-access"}, {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}, {"readOnly", true}}})},
            {"terminationMessagePath", "/dev/termination-log"},
            {"terminationMessagePolicy", "File"},
            {"imagePullPolicy", "IfNotPresent"}};
  if (compliant)
    c["securityContext"] = {{"allowPrivilegeEscalation", false}, {"readOnlyRootFilesystem", true},
                            {"capabilities", {{"drop", {"ALL"}}}}};
  else
    c["securityContext"] = {{"privileged", true}};
  return c;
}

std::string review(int containers, bool compliant) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "web-7d4b9c6f5-x2x9k"}, {"generateName", "web-7d4b9c6f5-"}, {"namespace", "prod-shop"},
                            {"labels", {{"app", "web"}, {"pod-template-hash", "7d4b9c6f5"}}}}},
              {"spec", {{"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 10001}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
                        {"serviceAccountName", "default"},
                        {"restartPolicy", "Always"},
                        {"dnsPolicy", "ClusterFirst"},
                        {"volumes", json::array({{{"name", "kube-api-access"}, {"projected", {{"sources", json::array({{{"serviceAccountToken", {{"path", "token"}, {"expirationSeconds", 3607}}}}})}}}}})}}}};
  for (int i = 0; i < containers; ++i) pod["spec"]["containers"].push_back(container(i, compliant));
  json r = {{"apiVersion", "admission.k8s.io/v1"},
            {"kind", "AdmissionReview"},
            {"request", {{"uid", "d9f5b0a6-5a4e-4e4a-9a0d-2f4f8d1c7e01"},
                         {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                         {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                         {"namespace", "prod-shop"}, {"operation", "CREATE"},
                         {"userInfo", {{"username", "system:serviceaccount:kube-system:replicaset-controller"}, {"groups", {"system:serviceaccounts", "system:authenticated"}}}},
                         {"object", pod}, {"dryRun", false}}}};
  return r.dump();
}

std::vector<policy::SecurityPolicy> policies(int n) {
  std::string yaml;
  for (int i = 0; i < n; ++i) {
    yaml += "---\napiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p" + std::to_string(i) + "}\n"
            "spec:\n  enforcement: " + std::string(i % 3 == 0 ? "Deny" : i % 3 == 1 ? "Warn" : "Audit") + "\n"
            "  match: {namespaces: [\"prod-*\"]}\n"
            "  rules:\n    runAsNonRoot: true\n    readOnlyRootFilesystem: true\n    capabilities: {requiredDrop: [ALL]}\n"
            "    allowPrivilegeEscalation: false\n    privileged: false\n    hostNamespaces: false\n    hostPorts: false\n"
            "    hostPath: {allowed: false}\n    seccomp: {allowedProfiles: [RuntimeDefault]}\n"
            "    resources: {requireLimits: [cpu, memory], maxLimits: {memory: 512Mi}}\n"
            "    images: {allowedRegistries: [registry.example.com], disallowTags: [latest]}\n";
  }
  auto parsed = policy::parse_policies(yaml, "bench");
  if (!parsed.errors.empty()) throw std::runtime_error(parsed.errors[0].to_string());
  return parsed.policies;
}

void BM_Review(benchmark::State& state) {
  int containers = static_cast<int>(state.range(0));
  int npolicies = static_cast<int>(state.range(1));
  bool compliant = state.range(2) != 0;
  policy::PolicyStore store;
  store.replace(policies(npolicies));
  admission::Handler handler(store, policy::name_only_namespace_labels());
  std::string body = review(containers, compliant);
  for (auto _ : state) {
    auto out = handler.handle(body);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(body.size()) + " B review");
}
BENCHMARK(BM_Review)
    ->ArgNames({"containers", "policies", "compliant"})
    ->ArgsProduct({{1, 3, 20}, {1, 10, 100}, {1, 0}})
    ->Unit(benchmark::kMicrosecond);

void BM_DecodeOnly(benchmark::State& state) {
  std::string body = review(static_cast<int>(state.range(0)), true);
  for (auto _ : state) {
    auto r = admission::decode_review(body);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecodeOnly)->Arg(1)->Arg(3)->Arg(20)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
