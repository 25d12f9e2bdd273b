// The policy core alone: decode an AdmissionReview, judge it, encode the answer. Numbers only.
//   build/bench/bench_core --benchmark_min_time=0.2
//
// BM_Review: a small (1 container), typical (3) and 20-container pod against 1, 10 and 100
// rule policies; BM_Review_PssRestricted: the same pods against N policies that enforce the
// restricted Pod Security Standard; BM_ExampleReview: the load generator's reviews
// (bench/reviews, written by gen_reviews) against examples/policies, i.e. the webhook's work per
// request without TLS, HTTP, metrics or the audit log; BM_ParseOnly: nlohmann's parse of those
// reviews alone, the floor any JSON webhook pays.
#include <benchmark/benchmark.h>


#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "bench_inputs.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard;

json container(int i, bool compliant) {
  // Appended, not "literal" + std::to_string(): GCC 12 at -O3 reports a false -Wrestrict there.
  std::string name = "c", image = compliant ? "registry.example.com/acme/app:1." : "nginx";
  name += std::to_string(i);
  if (compliant) image += std::to_string(i);
  json c = {{"name", name},
            {"image", image},
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

std::vector<policy::SecurityPolicy> pss_policies(int n) {
  std::string yaml;
  for (int i = 0; i < n; ++i)
    yaml += "---\napiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: pss" + std::to_string(i) +
            "}\nspec:\n  enforcement: " + std::string(i % 2 == 0 ? "Deny" : "Warn") +
            "\n  match: {namespaces: [\"prod-*\"]}\n  podSecurityStandard: {level: restricted, version: latest}\n";
  auto parsed = policy::parse_policies(yaml, "bench");
  if (!parsed.errors.empty()) throw std::runtime_error(parsed.errors[0].to_string());
  return parsed.policies;
}

void BM_Review_PssRestricted(benchmark::State& state) {
  policy::PolicyStore store;
  store.replace(pss_policies(static_cast<int>(state.range(1))));
  admission::Handler handler(store, policy::name_only_namespace_labels());
  std::string body = review(static_cast<int>(state.range(0)), state.range(2) != 0);
  for (auto _ : state) {
    auto out = handler.handle(body);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(body.size()) + " B review");
}
BENCHMARK(BM_Review_PssRestricted)
    ->ArgNames({"containers", "policies", "compliant"})
    ->ArgsProduct({{1, 3, 20}, {1, 10}, {1, 0}})
    ->Unit(benchmark::kMicrosecond);

using bench::files_in;
using bench::kSource;
using bench::read_text;

void BM_ExampleReview(benchmark::State& state, const std::string& body) {
  auto set = bench::example_policies();
  if (!set) return state.SkipWithError("examples/policies do not parse");
  policy::PolicyStore store;
  store.replace(set->policies);
  admission::Handler handler(store, policy::name_only_namespace_labels());
  for (auto _ : state) {
    auto out = handler.handle(body);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(body.size()) + " B");
}

void BM_ParseOnly(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    auto doc = json::parse(body);
    benchmark::DoNotOptimize(doc);
  }
  state.SetLabel(std::to_string(body.size()) + " B");
}

// One benchmark per bench/reviews/*.json (none when the directory is empty: run gen_reviews).
const bool kExampleReviewsRegistered = [] {
  for (const auto& f : files_in(kSource / "bench/reviews", ".json")) {
    std::string body = read_text(f);
    std::string name = f.stem().string();
    benchmark::RegisterBenchmark(("BM_ExampleReview/" + name).c_str(), BM_ExampleReview, body)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_ParseOnly/" + name).c_str(), BM_ParseOnly, body)->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
