// The OPA gatekeeper-library samples (../shared/conformance/gatekeeper, 187 rows in MANIFEST.tsv,
// from each library's suite.yaml) judged by kindlyguard with each constraint mapped to its
// SecurityPolicy equivalent, reading the constraint's parameters (constraint.yaml). See
// kyverno_gatekeeper_support.hpp for how rows are covered, listed out of scope, or listed as
// known discrepancies.
//
// Gatekeeper's namespace match (namespaces: [default], excludedNamespaces: [kube-system]) is left
// out: every sample is reviewed in the default namespace, where the constraint applies.
//
// The AdmissionReview/UPDATE/Pod rows: the PSP templates skip UPDATE, because most of a pod's
// spec is immutable. We judge an UPDATE only when the pod spec changed. Upstream's reviews carry
// no oldObject (the API server always sends one on UPDATE); the old object is taken to be the new
// one, i.e. the metadata-only update that is all a running pod allows for these fields. They
// are judged by evaluate(), like the webhook, and must be allowed.
#include "kyverno_gatekeeper_support.hpp"

namespace {

using namespace kgconf;
namespace kp = kindlyguard::policy;

std::string policy_of(const Row& r) {
  // "library/pod-security-policy/capabilities/samples/psp-capabilities-baseline/constraint.yaml"
  //   -> "pod-security-policy/capabilities/psp-capabilities-baseline" (+ "/constraint2.yaml", ...)
  std::string p = r.params;
  if (p.rfind("library/", 0) == 0) p.erase(0, 8);
  if (auto at = p.find("/samples/"); at != std::string::npos) p.erase(at, 8);
  const std::string plain = "/constraint.yaml";
  if (p.size() > plain.size() && p.compare(p.size() - plain.size(), plain.size(), plain) == 0)
    p.erase(p.size() - plain.size());
  return p;
}

std::map<std::string, Mapping> mappings() {
  auto pss_check = [](const std::string& name, const std::string& level, const std::string& check,
                      const std::string& exempt_images = "") {
    std::string spec = exempt_images.empty() ? "" : "  exemptions:\n    images: " + exempt_images + "\n";
    return Mapping{.policies_yaml = security_policy(name, spec + pss_spec(level)), .only_rules = {"pss/" + check}};
  };
  auto rules = [](const std::string& name, const std::string& rules_body, const std::string& exempt_images = "") {
    std::string spec = exempt_images.empty() ? "" : "  exemptions:\n    images: " + exempt_images + "\n";
    return Mapping{.policies_yaml = security_policy(name, spec + "  rules:\n" + rules_body)};
  };
  auto out_of_scope = [](const std::string& reason) { return Mapping{.out_of_scope = reason}; };

  std::map<std::string, Mapping> m;
  // ---- general ----
  // repos: ["openpolicyagent/"], a string prefix: the Docker Hub namespace openpolicyagent
  // (a bare "openpolicyagent" would be the official image docker.io/library/openpolicyagent).
  m["general/allowedrepos/repo-must-be-openpolicyagent"] =
      rules("allowedrepos", "    images: {allowedRegistries: [docker.io/openpolicyagent]}\n");
  // allowedImages: openpolicyagent/*, myregistry.azurecr.io/*, mydockerhub/*, ubuntu:20.14 and
  // 123456789123.dkr.ecr.eu-west-1.amazonaws.com/postgres. Registries and repositories are ours;
  // the one exact image "ubuntu:20.14" is as close as we get with the repository "ubuntu" (every
  // tag of it; no sample uses another ubuntu tag).
  m["general/allowedreposv2/repo-must-be-openpolicyagent"] =
      rules("allowedreposv2",
            "    images:\n      allowedRegistries: [docker.io/openpolicyagent, myregistry.azurecr.io, docker.io/mydockerhub, ubuntu,\n"
            "                          123456789123.dkr.ecr.eu-west-1.amazonaws.com/postgres]\n");
  // cpu: "-1" ignores cpu; memory "1Gi": a memory limit is required and at most 1Gi.
  m["general/containerlimits/container-ignore-cpu-limits"] =
      rules("containerlimits-ignore-cpu", "    resources: {maxLimits: {memory: 1Gi}}\n");
  m["general/containerlimits/container-must-have-limits"] =
      rules("containerlimits", "    resources: {maxLimits: {cpu: 200m, memory: 1Gi}}\n");
  m["general/containerrequests/container-must-have-requests"] = out_of_scope(
      "requires requests of at most cpu 200m / memory 1Gi: we can require requests, but have no maximum for "
      "requests (maxLimits bounds limits only)");
  m["general/containerresources/container-must-have-cpu-requests-memory-limits-and-requests"] =
      rules("containerresources-cpu-req-mem",
            "    resources: {requireRequests: [cpu, memory], requireLimits: [memory]}\n");
  m["general/containerresources/container-must-have-limits-and-requests"] =
      rules("containerresources", "    resources: {requireRequests: [cpu, memory], requireLimits: [cpu, memory]}\n");
  // No parameters: nothing is required, i.e. no SecurityPolicy at all (the empty text is zero
  // policies; a SecurityPolicy that checks nothing is refused by the parser).
  m["general/containerresources/no-enforcements"] = Mapping{};
  m["general/disallowedrepos/repo-must-not-be-k8s-gcr-io"] = out_of_scope(
      "a deny-list of repositories (k8s.gcr.io/); our images rule is an allow-list (allowedRegistries)");
  // tags: [latest] with exemptImages openpolicyagent/opa-exp:latest, openpolicyagent/opa-exp2:latest.
  m["general/disallowedtags/container-image-must-not-have-latest-tag"] =
      rules("disallowedtags", "    images: {disallowTags: [latest]}\n",
            "[\"openpolicyagent/opa-exp:latest\", \"openpolicyagent/opa-exp2:latest\"]");
  m["general/imagedigests/container-image-must-have-digest"] =
      rules("imagedigests", "    images: {requireDigest: true}\n");

  // ---- pod-security-policy ----
  m["pod-security-policy/allow-privilege-escalation/psp-allow-privilege-escalation-container"] =
      rules("allow-privilege-escalation", "    allowPrivilegeEscalation: false\n", "[\"safeimages.com/*\"]");
  // allowedProfiles [runtime/default, localhost/*]: the PSS baseline AppArmor control.
  m["pod-security-policy/apparmor/psp-apparmor"] = pss_check("apparmor", "baseline", "appArmorProfile");
  m["pod-security-policy/capabilities/psp-capabilities-baseline"] = rules(
      "capabilities-baseline",
      "    capabilities:\n      allowedAdd: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,\n"
      "                   NET_BIND_SERVICE, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]\n");
  m["pod-security-policy/capabilities/psp-capabilities-restricted"] = rules(
      "capabilities-restricted", "    capabilities: {requiredDrop: [ALL], allowedAdd: [NET_BIND_SERVICE]}\n");
  m["pod-security-policy/flexvolume-drivers/psp-flexvolume-drivers"] =
      out_of_scope("an allow-list of flexVolume drivers; we have no flexVolume rule (PSS restricted forbids "
                   "flexVolume outright, baseline allows any)");
  // allowedSysctls: exactly the PSS baseline safe set (as of v1.29).
  m["pod-security-policy/forbidden-sysctls/psp-forbidden-sysctls"] =
      pss_check("forbidden-sysctls", "baseline", "sysctls");
  const std::string custom_sysctls =
      "custom forbiddenSysctls/allowedSysctls globs; we have no sysctl rule of our own, only the PSS baseline "
      "safe set";
  m["pod-security-policy/forbidden-sysctls/psp-forbidden-sysctls/constraint2.yaml"] = out_of_scope(custom_sysctls);
  m["pod-security-policy/forbidden-sysctls/psp-forbidden-sysctls/constraint3.yaml"] = out_of_scope(custom_sysctls);
  m["pod-security-policy/forbidden-sysctls/psp-forbidden-sysctls/constraint4.yaml"] = out_of_scope(custom_sysctls);
  m["pod-security-policy/forbidden-sysctls/psp-forbidden-sysctls/constraint5.yaml"] = out_of_scope(custom_sysctls);
  const std::string fsgroup = "fsGroup rule and ranges; we have no fsGroup rule";
  m["pod-security-policy/fsgroup/psp-fsgroup"] = out_of_scope(fsgroup);
  m["pod-security-policy/fsgroup/psp-fsgroup/constraint2.yaml"] = out_of_scope(fsgroup);
  m["pod-security-policy/fsgroup/psp-fsgroup/constraint3.yaml"] = out_of_scope(fsgroup);
  m["pod-security-policy/host-filesystem/no-host-paths"] = rules("no-host-paths", "    hostPath: {allowed: false}\n");
  m["pod-security-policy/host-filesystem/psp-host-filesystem"] =
      rules("host-filesystem", "    hostPath:\n      allowed: false\n      allowedPaths: [{pathPrefix: /foo, readOnly: true}]\n");
  m["pod-security-policy/host-namespaces/psp-host-namespace"] =
      rules("host-namespace", "    hostNamespaces: false\n");
  // hostNetwork: false, no port range: hostNetwork is forbidden, hostPorts are not judged.
  m["pod-security-policy/host-network-ports/block_host_network"] =
      rules("block-host-network", "    hostNamespaces: false\n");
  const std::string port_range =
      "a hostPort range (min 80, max 9000) with exempt images; our hostPorts rule and the PSS check forbid "
      "every hostPort, and we have no port-range rule";
  m["pod-security-policy/host-network-ports/port_range_block_host_network"] = out_of_scope(port_range);
  m["pod-security-policy/host-network-ports/psp-host-network-ports"] =
      out_of_scope(port_range + " (and hostNetwork: true is allowed)");
  m["pod-security-policy/host-probes-lifecycle/psp-host-probes-lifecycle"] =
      pss_check("host-probes-lifecycle", "baseline", "hostProbesAndHostLifecycle");
  m["pod-security-policy/host-process/psp-host-process"] = pss_check("host-process", "baseline", "windowsHostProcess");
  m["pod-security-policy/privileged-containers/psp-privileged-container"] =
      rules("privileged-container", "    privileged: false\n", "[\"safeimages.com/*\"]");
  // procMount: Default, exemptImages [safeimages.com/*]: the PSS restricted procMount control
  // (v1.35+: Default only; the baseline control allows Unmasked in a user namespace).
  m["pod-security-policy/proc-mount/psp-proc-mount"] =
      pss_check("proc-mount", "restricted", "procMount_restricted", "[\"safeimages.com/*\"]");
  m["pod-security-policy/read-only-root-filesystem/full_wildcard"] =
      rules("ro-rootfs-full-wildcard", "    readOnlyRootFilesystem: true\n", "[\"*\"]");
  m["pod-security-policy/read-only-root-filesystem/psp-readonlyrootfilesystem"] =
      rules("ro-rootfs", "    readOnlyRootFilesystem: true\n", "[specialprogram]");
  m["pod-security-policy/read-only-root-filesystem/wildcard-prefix"] =
      rules("ro-rootfs-wildcard-prefix", "    readOnlyRootFilesystem: true\n", "[\"safe-images.com/*\"]");
  // allowedProfiles [runtime/default, localhost/profile.json], exemptImages [nginx-exempt].
  m["pod-security-policy/seccomp/psp-seccomp"] =
      rules("seccomp", "    seccomp: {allowedProfiles: [RuntimeDefault, Localhost]}\n", "[nginx-exempt]");
  // allowedProfiles [RuntimeDefault, Localhost, not configured]: the PSS baseline seccomp control.
  m["pod-security-policy/seccompv2/psp-seccomp-baseline"] =
      pss_check("seccomp-baseline", "baseline", "seccompProfile_baseline", "[nginx-exempt]");
  m["pod-security-policy/seccompv2/psp-seccomp-restricted"] =
      rules("seccomp-restricted", "    seccomp: {allowedProfiles: [RuntimeDefault, Localhost]}\n", "[nginx-exempt]");
  // allowedSELinuxOptions: types container_t, container_init_t, container_kvm_t,
  // container_engine_t, no user or role: the PSS baseline SELinux control (v1.31+).
  m["pod-security-policy/selinux/psp-selinux-v2"] = pss_check("selinux", "baseline", "seLinuxOptions");
  // runAsUser: MustRunAsNonRoot; group rules RunAsAny.
  m["pod-security-policy/users/psp-pods-allowed-user-ranges"] = rules("users", "    runAsNonRoot: true\n");
  // volumes: exactly the PSS restricted volume types.
  m["pod-security-policy/volumes/psp-volume-types"] = pss_check("volume-types", "restricted", "restrictedVolumes");
  return m;
}

// Cases out of scope, by reason. Each must still disagree with us (the test checks it).
const std::vector<CaseList> kOutOfScope = {
    {"the pod sets appArmorProfile Unconfined and its only container overrides it with RuntimeDefault: "
     "Gatekeeper judges the effective per-container profile, but the PSS baseline AppArmor control (as Pod "
     "Security Admission implements it) forbids Unconfined in the pod's securityContext itself",
     {"gatekeeper/apparmor/apparmor/03-example-allowed-override"}},
    {"exemptImages exempts the container from a control we map to a Pod Security Standards check; "
     "spec.exemptions.images leaves containers out of our own rules, but PSS checks are judged as Pod Security "
     "Admission judges them, which has no image exemptions",
     {"gatekeeper/proc-mount/default-proc-mount-required/05-image-exempt-prefix-match",
      "gatekeeper/seccompv2/seccomp-baseline/05-example-allowed-exempt-image"}},
    {"an ephemeral container without readOnlyRootFilesystem: our readOnlyRootFilesystem rule leaves ephemeral "
     "containers out by design (README: every container, ephemeral ones aside); Gatekeeper judges them too",
     {"gatekeeper/read-only-root-filesystem/require-read-only-root-filesystem/02-disallowed-ephemeral"}},
    {"the seccomp profile is set only by the legacy alpha annotations (seccomp.security.alpha.kubernetes.io/pod, "
     "container.seccomp.security.alpha.kubernetes.io/<name>), which Kubernetes ignores since v1.27; our seccomp "
     "rule reads securityContext.seccompProfile",
     {"gatekeeper/seccomp/default-seccomp-required/02-example-allowed-container",
      "gatekeeper/seccomp/default-seccomp-required/03-example-allowed-global"}},
    {"the constraint allows one Localhost profile file (localhost/profile.json); our seccomp rule allows profile "
     "types (Localhost: any file), not files",
     {"gatekeeper/seccomp/default-seccomp-required/07-example-disallowed-container-localhost-profile"}},
};

// Cases where we believe kindlyguard is wrong, pending a fix in src/policy (remove when fixed).
const std::vector<CaseList> kKnownDiscrepancies = {
};

bool is_update_review(const Row& r) { return r.kind == "AdmissionReview/UPDATE/Pod"; }

TEST(GatekeeperConformance, EveryManifestCase) {
  Corpus c;
  c.name = "gatekeeper";
  c.dir = kConformanceDir + "/gatekeeper";
  c.expected_rows = 187;
  c.policy_of = policy_of;
  c.mappings = mappings();
  c.out_of_scope = kOutOfScope;
  c.known_discrepancies = kKnownDiscrepancies;
  c.name_of = [](const Row& r, const json& doc) {
    const json& object = is_update_review(r) ? doc.value("request", json::object()).value("object", json::object()) : doc;
    return object.value("metadata", json::object()).value("name", std::string());
  };
  c.judge = [](const Row& r, const json& doc, const kp::PolicySet& set, const Mapping& m) -> Verdict {
    if (!is_update_review(r)) return judge_object(set, m, doc);
    const json& req = doc.at("request");
    EXPECT_EQ(req.value("operation", std::string()), "UPDATE") << r.case_id;
    const json& object = req.at("object");
    kp::Request request;
    request.uid = r.case_id;
    request.operation = kp::Operation::Update;
    request.kind = object.value("kind", std::string("Pod"));
    request.resource = "pods";
    request.namespace_ = "default";
    request.name = r.resource_name;
    request.object = &object;
    request.old_object = req.contains("oldObject") ? &req.at("oldObject") : &object;
    Verdict v = judge_request(set, m, request);
    // Allowed because the spec did not change, not because the pod passes.
    EXPECT_EQ(v.detail, "not judged: pod spec unchanged") << r.case_id;
    return v;
  };
  run_corpus(c);
}

}  // namespace
