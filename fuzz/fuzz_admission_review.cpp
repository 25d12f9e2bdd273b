// The webhook's whole request path after TLS and HTTP: AdmissionReview decoding, policy
// evaluation (every rule, both Pod Security Standards, matching, exemptions), the quarantine label
// guard and response encoding. Whatever the body, handle() answers 200 with a well-formed
// AdmissionReview that echoes the uid, or 400 with a JSON error; it never throws or crashes.

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/admission/quarantine_guard.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/policy_store.hpp"

namespace {

using namespace kindlyguard;

// Every rule, both standards, every enforcement, and each kind of match and exemption.
constexpr const char* kPolicies = R"(
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: all-rules}
spec:
  enforcement: Deny
  match:
    namespaces: ["prod-*", default, "team-?"]
    excludedNamespaces: [kube-system]
  exemptions:
    usernames: [break-glass]
    groups: ["system:masters"]
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
    hostPath: {allowed: false, allowedPaths: [{pathPrefix: /var/log, readOnly: true}]}
    seccomp: {allowedProfiles: [RuntimeDefault, Localhost]}
    resources:
      requireLimits: [cpu, memory]
      requireRequests: [cpu, memory, ephemeral-storage]
      maxLimits: {cpu: "2", memory: 512Mi, ephemeral-storage: 1Gi}
    images:
      allowedRegistries: [registry.example.com, ghcr.io/acme, nginx, "[::1]:5000"]
      disallowTags: [latest, dev]
      requireDigest: true
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: restricted-warn}
spec:
  enforcement: Warn
  match:
    namespaceSelector:
      matchExpressions: [{key: env, operator: NotIn, values: [dev]}]
  podSecurityStandard: {level: restricted, version: latest}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: baseline-audit-old}
spec:
  enforcement: Audit
  match:
    podSelector:
      matchLabels: {app: web}
      matchExpressions: [{key: tier, operator: In, values: [front, back]}, {key: legacy, operator: DoesNotExist}]
  podSecurityStandard: {level: baseline, version: v1.22}
---
apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: restricted-v1-25}
spec:
  enforcement: Deny
  match: {namespaces: [strict]}
  podSecurityStandard: {level: restricted, version: v1.25}
)";

struct Setup {
  policy::PolicyStore store;
  admission::Handler handler;

  Setup() : handler(store, labels()) {
    auto parsed = policy::parse_policies(kPolicies, "fuzz-policies.yaml");
    for (const auto& e : parsed.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    FUZZ_CHECK(parsed.errors.empty());
    FUZZ_CHECK(parsed.policies.size() == 4);
    store.replace(std::move(parsed.policies));
    admission::QuarantineGuardConfig q;
    q.release_users = {"security-bot"};
    q.release_groups = {"security-team"};
    handler.add_guard(admission::quarantine_guard(q));
  }

  // Some namespaces carry labels, one is unknown (as with an informer that has not seen it).
  static policy::NamespaceLabelsFn labels() {
    return [](const std::string& ns) -> std::optional<k8s::Labels> {
      if (ns == "unknown") return std::nullopt;
      k8s::Labels l{{"kubernetes.io/metadata.name", ns}};
      if (ns.rfind("dev", 0) == 0) l["env"] = "dev";
      return l;
    };
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup* setup = new Setup();
  std::string_view body = kindlyguard::fuzz::as_text(data, size);
  auto out = setup->handler.handle(body);
  FUZZ_CHECK(out.http_status == 200 || out.http_status == 400);
  auto answer = nlohmann::json::parse(out.body, nullptr, false);
  FUZZ_CHECK(answer.is_object());
  if (out.http_status == 400) {
    FUZZ_CHECK(answer.contains("error"));
    return 0;
  }
  FUZZ_CHECK(answer.value("kind", "") == "AdmissionReview");
  const auto& resp = answer["response"];
  FUZZ_CHECK(resp.is_object() && resp["allowed"].is_boolean() && resp["uid"].is_string());
  // The uid is echoed exactly (the API server matches on it).
  auto review = nlohmann::json::parse(body, nullptr, false);
  FUZZ_CHECK(!review.is_discarded());
  FUZZ_CHECK(resp["uid"] == review["request"]["uid"]);
  if (!resp["allowed"].get<bool>()) FUZZ_CHECK(resp["status"]["code"].is_number_integer());
  return 0;
}
