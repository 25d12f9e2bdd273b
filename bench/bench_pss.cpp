// Pod Security Standards evaluation speed: a typical compliant pod and a typical violating pod,
// judged at restricted:latest and baseline:latest. The pods are parsed JSON built once; the
// "Evaluate" benchmarks time pss::evaluate on a ready PodView, the "ViewAndEvaluate" ones
// PodView::from_object + pss::evaluate (what the webhook does per request after JSON parsing).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/policy/pss.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard::policy;

// A realistic restricted-compliant Deployment-style pod: an init container, an app container and a
// sidecar, with ports, probes, resources, env and the usual volumes.
json compliant_pod() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-7d9f8b6c5-x2x9z", "namespace": "shop",
                 "labels": {"app": "web", "pod-template-hash": "7d9f8b6c5"},
                 "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}},
    "spec": {
      "serviceAccountName": "web",
      "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                          "seccompProfile": {"type": "RuntimeDefault"}},
      "initContainers": [{
        "name": "migrate", "image": "registry.example.com/shop/web:1.42.0", "command": ["/app/migrate"],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "capabilities": {"drop": ["ALL"]}}
      }],
      "containers": [{
        "name": "web", "image": "registry.example.com/shop/web:1.42.0",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "env": [{"name": "MODE", "value": "production"},
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}, {"name": "tmp", "mountPath": "/tmp"}],
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}
      }, {
        "name": "proxy", "image": "registry.example.com/infra/proxy:2.3",
        "ports": [{"name": "https", "containerPort": 8443}],
        "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
        "lifecycle": {"preStop": {"exec": {"command": ["/bin/sleep", "5"]}}},
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
      }],
      "volumes": [{"name": "config", "configMap": {"name": "web"}},
                  {"name": "tmp", "emptyDir": {}},
                  {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}]
    }})");
}

// The same pod as most people first write it: no securityContext anywhere, a hostPath volume.
json violating_pod() {
  json p = compliant_pod();
  p["spec"].erase("securityContext");
  for (const char* kind : {"initContainers", "containers"})
    for (auto& c : p["spec"][kind]) c.erase("securityContext");
  p["spec"]["containers"][0]["securityContext"] = {{"capabilities", {{"add", {"NET_ADMIN"}}}}};
  p["spec"]["volumes"].push_back({{"name", "logs"}, {"hostPath", {{"path", "/var/log"}}}});
  return p;
}

const PssVersion kLatest{true, 0};

void evaluate_only(benchmark::State& state, const json& object, PssLevel level, std::size_t want_failed) {
  auto view = PodView::from_object(object);
  if (!view.ok()) {
    state.SkipWithError(view.error().to_string().c_str());
    return;
  }
  if (pss::evaluate(level, kLatest, *view).size() != want_failed) {
    state.SkipWithError("unexpected number of failed checks");
    return;
  }
  for (auto _ : state) {
    auto failed = pss::evaluate(level, kLatest, *view);
    benchmark::DoNotOptimize(failed);
  }
}

void view_and_evaluate(benchmark::State& state, const json& object, PssLevel level) {
  for (auto _ : state) {
    auto view = PodView::from_object(object);
    auto failed = pss::evaluate(level, kLatest, *view);
    benchmark::DoNotOptimize(failed);
  }
}

const json& compliant() {
  static const json p = compliant_pod();
  return p;
}
const json& violating() {
  static const json p = violating_pod();
  return p;
}

void BM_Evaluate_Restricted_Compliant(benchmark::State& s) { evaluate_only(s, compliant(), PssLevel::Restricted, 0); }
void BM_Evaluate_Baseline_Compliant(benchmark::State& s) { evaluate_only(s, compliant(), PssLevel::Baseline, 0); }
// restricted: capabilities, restrictedVolumes, allowPrivilegeEscalation, runAsNonRoot, seccompProfile
void BM_Evaluate_Restricted_Violating(benchmark::State& s) { evaluate_only(s, violating(), PssLevel::Restricted, 5); }
// baseline: capabilities_baseline, hostPathVolumes
void BM_Evaluate_Baseline_Violating(benchmark::State& s) { evaluate_only(s, violating(), PssLevel::Baseline, 2); }

void BM_ViewAndEvaluate_Restricted_Compliant(benchmark::State& s) { view_and_evaluate(s, compliant(), PssLevel::Restricted); }
void BM_ViewAndEvaluate_Baseline_Compliant(benchmark::State& s) { view_and_evaluate(s, compliant(), PssLevel::Baseline); }
void BM_ViewAndEvaluate_Restricted_Violating(benchmark::State& s) { view_and_evaluate(s, violating(), PssLevel::Restricted); }
void BM_ViewAndEvaluate_Baseline_Violating(benchmark::State& s) { view_and_evaluate(s, violating(), PssLevel::Baseline); }

// The message a denied request carries, from the failed checks.
void BM_FormatMessage_Restricted_Violating(benchmark::State& state) {
  auto view = PodView::from_object(violating());
  auto failed = pss::evaluate(PssLevel::Restricted, kLatest, *view);
  for (auto _ : state) {
    auto msg = pss::format_message(PssLevel::Restricted, kLatest, failed);
    benchmark::DoNotOptimize(msg);
  }
}

}  // namespace

BENCHMARK(BM_Evaluate_Restricted_Compliant);
BENCHMARK(BM_Evaluate_Baseline_Compliant);
BENCHMARK(BM_Evaluate_Restricted_Violating);
BENCHMARK(BM_Evaluate_Baseline_Violating);
BENCHMARK(BM_ViewAndEvaluate_Restricted_Compliant);
BENCHMARK(BM_ViewAndEvaluate_Baseline_Compliant);
BENCHMARK(BM_ViewAndEvaluate_Restricted_Violating);
BENCHMARK(BM_ViewAndEvaluate_Baseline_Violating);
BENCHMARK(BM_FormatMessage_Restricted_Violating);

BENCHMARK_MAIN();
