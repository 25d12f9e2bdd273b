// SecurityPolicy files as `kindlyguard check --policy` and --policy-dir read them: YAML
// (multi-document, anchors, merge keys, tags, `kind: List`) through the decoder and the parser.
// Every policy that parses is then used: validated again from its own JSON, and evaluated against
// a few fixed pods, so a policy the parser accepts can never crash the evaluator.

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"

namespace {

using namespace kindlyguard;
using nlohmann::json;

const std::vector<json>& sample_objects() {
  static const auto* objects = new std::vector<json>{
      json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"prod-web",
        "labels":{"app":"web","tier":"front"}},
        "spec":{"hostNetwork":true,"securityContext":{"runAsUser":0,"seccompProfile":{"type":"Unconfined"}},
        "volumes":[{"name":"sock","hostPath":{"path":"/var/run/docker.sock"}}],
        "containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80,"hostPort":80}],
          "securityContext":{"privileged":true,"capabilities":{"add":["SYS_ADMIN","cap_net_raw"]}},
          "resources":{"limits":{"cpu":"4","memory":"1Gi"},"requests":{"cpu":1.5}},
          "volumeMounts":[{"name":"sock","mountPath":"/s"}]}],
        "initContainers":[{"name":"i","image":"ghcr.io/acme/init@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}],
        "ephemeralContainers":[{"name":"e","image":"busybox:latest"}]}})"),
      json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","namespace":"default"},
        "spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},
        "containers":[{"name":"app","image":"registry.example.com/acme/web:1.4.2",
          "securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,
            "capabilities":{"drop":["ALL"]}},
          "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}}}]}})"),
  };
  return *objects;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = kindlyguard::fuzz::as_text(data, size);
  auto parsed = policy::parse_policies(text, "fuzz.yaml");
  for (const auto& e : parsed.errors) (void)e.to_string();
  if (parsed.policies.empty()) return 0;

  // What the parser accepts, the matcher understands: an allow-list entry the image grammar
  // refused would silently allow nothing.
  for (const auto& p : parsed.policies)
    if (p.rules.images)
      for (const auto& r : p.rules.images->allowed_registries) FUZZ_CHECK(k8s::ImagePrefix::parse(r).ok());

  policy::PolicySet set;
  set.policies = parsed.policies;
  auto labels = policy::name_only_namespace_labels();
  for (const auto& object : sample_objects()) {
    policy::Request req;
    req.uid = "u";
    req.kind = "Pod";
    req.resource = "pods";
    req.namespace_ = object["metadata"].value("namespace", "default");
    req.name = object["metadata"].value("name", "");
    req.username = "alice";
    req.object = &object;
    auto decision = policy::evaluate(set, req, labels);
    FUZZ_CHECK(decision.allowed || decision.code == 403);
  }
  return 0;
}
