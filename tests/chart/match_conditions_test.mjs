// Issue 21, "Fewer calls to the webhook": the matchConditions the chart renders on its webhook
// entries are safe. The very CEL expressions rendered are evaluated with @bufbuild/cel, bound as
// the API server binds them for a webhook (object, oldObject, request; `authorizer` is not used and
// not bound), against AdmissionReviews built from the conformance corpus (shared/conformance: the
// PSA, Kyverno and Gatekeeper pods and workloads, as CREATE, as UPDATE from a compliant object and
// as UPDATEs that change only labels, annotations, status, replicas or metadata) and from a
// realistic mix of cluster traffic. Every request the conditions would leave out is posted to the
// real binary (`kindlyguard serve --policy-dir`, over TLS): it must answer allowed, with no
// warning, no audit annotation and no status. Any such request a policy or the quarantine guard
// would deny or warn fails the test, listed.
//
// Kubernetes semantics emulated (admissionregistration.k8s.io/v1 ValidatingWebhook):
//   - a condition that is false leaves the call out; all true sends it; an error (none false) makes
//     failurePolicy decide. An error is a failure here: the conditions must never error.
//   - object/oldObject are the objects as unstructured JSON (null for CREATE's oldObject and
//     DELETE's object); request is the AdmissionRequest as JSON, where fields with omitempty
//     (subResource, namespace, name, dryRun, ...) are absent when empty: reading one without has()
//     is an error, as in the API server.
//   - Kubernetes CEL extension functions used: none (only standard CEL: has, in, all, startsWith,
//     ==). The test fails if an expression names `authorizer` or a Kubernetes library function.
//   - rules: the entry's rules (operations, resources/subresources) and objectSelector on the
//     quarantine label (old or new object) select the entries a request reaches; namespace
//     selectors are not evaluated (the requests use a judged workload namespace).
//
// By hand: KINDLY_BINARY=build/kindlyguard KINDLY_STANDIN=... node --test tests/chart/match_conditions_test.mjs
// The mix's share of calls left out is printed (bench/RESULTS.md quotes it).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";

import { render, renderText, sourceDir, tmpFile, valuesDir } from "./lib.mjs";

const binary = process.env.KINDLY_BINARY;
const built = binary && fs.existsSync(binary);
const skipReason = `SKIPPED: the kindlyguard binary (${binary ?? "KINDLY_BINARY unset"}) is not built; ` +
                   "build the kindlyguard target to run this";
// tests/CMakeLists.txt's KINDLY_CONFORMANCE_DIR (../shared/conformance beside the checkout).
const conformance = [process.env.KINDLY_CONFORMANCE_DIR, path.resolve(sourceDir, "..", "shared", "conformance")]
  .find((p) => p && fs.existsSync(p));

const NS = "prod-payments";          // judged by every example policy (production-hardening: prod-*)
const QKEY = "kindlyguard.io/quarantine";
const QVAL = "true";
const ALICE = { username: "alice", groups: ["system:authenticated"] };
const KUBELET = { username: "system:node:node-1", groups: ["system:nodes", "system:authenticated"] };
const CONTROLLER = { username: "system:serviceaccount:kube-system:replicaset-controller",
                     groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"] };

// ------------------------------------------------------------------------------------------------
// The rendered webhook configuration and its CEL.

function webhookConfig(opts = {}) {
  const vwc = render({ namespace: "kindlyguard", ...opts }).filter((o) => o.kind === "ValidatingWebhookConfiguration");
  assert.equal(vwc.length, 1);
  return Object.fromEntries(vwc[0].webhooks.map((w) => [w.name, w]));
}

const KUBERNETES_CEL_LIBRARY = /\b(authorizer|isSorted|sum\(|indexOf|lastIndexOf|url\(|quantity\(|ip\(|cidr\(|format\(|isURL|isQuantity|isIP|isCIDR|lowerAscii|upperAscii|replace\(|split\(|join\(|trim\(|substring\(|find\(|findAll\(|matches\(|semver)/;

function compile(wh) {
  return (wh.matchConditions ?? []).map((c) => {
    assert.doesNotMatch(c.expression, KUBERNETES_CEL_LIBRARY, `${wh.name}/${c.name} uses a Kubernetes CEL extension; emulate and list it`);
    const fn = plan(celEnv(), parse(c.expression));
    return { name: c.name, expression: c.expression, fn };
  });
}

// JSON as CEL sees unstructured objects: maps, lists, int64 for integers.
function toCel(v) {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === "object") return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v;
}

// The AdmissionRequest as the API server encodes it (omitempty fields absent when empty).
function celRequest(req) {
  const out = {};
  for (const [k, val] of Object.entries(req)) {
    if (k === "object" || k === "oldObject" || k === "options") continue;
    if (val === "" || val === undefined || val === null || val === false) continue;
    out[k] = val;
  }
  return out;
}

// "send" (every condition true), "skip" (one false), or "error: ..." (an error and none false).
function decide(conditions, req) {
  const bindings = { request: toCel(celRequest(req)), object: toCel(req.object ?? null), oldObject: toCel(req.oldObject ?? null) };
  let error = null;
  for (const c of conditions) {
    let r;
    try {
      r = c.fn(bindings);
    } catch (e) {
      r = e;
    }
    if (r === false) return "skip";
    if (r !== true) error ??= `error: ${c.name}: ${isCelError(r) ? r.message : String(r?.message ?? r)}`;
  }
  return error ?? "send";
}

// Does the request reach the entry (rules and the quarantine entry's objectSelector)?
function reaches(wh, req) {
  const res = req.subResource ? `${req.resource.resource}/${req.subResource}` : req.resource.resource;
  const ruled = (wh.rules ?? []).some((r) => r.operations.includes(req.operation) && r.apiGroups.includes(req.resource.group) &&
                                         r.resources.includes(res));
  if (!ruled) return false;
  for (const [k, val] of Object.entries(wh.objectSelector?.matchLabels ?? {}))
    if (req.object?.metadata?.labels?.[k] !== val && req.oldObject?.metadata?.labels?.[k] !== val) return false;
  // The API server matches the object or the old object; the quarantine entry uses In only.
  for (const e of wh.objectSelector?.matchExpressions ?? []) {
    assert.equal(e.operator, "In", `${wh.name}: objectSelector operator ${e.operator} not modelled here`);
    if (!e.values.includes(req.object?.metadata?.labels?.[e.key]) && !e.values.includes(req.oldObject?.metadata?.labels?.[e.key]))
      return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------
// Requests.

const RESOURCES = {
  Pod: ["", "pods"], Deployment: ["apps", "deployments"], StatefulSet: ["apps", "statefulsets"], DaemonSet: ["apps", "daemonsets"],
  ReplicaSet: ["apps", "replicasets"], ReplicationController: ["", "replicationcontrollers"], Job: ["batch", "jobs"],
  CronJob: ["batch", "cronjobs"],
};
let uid = 0;
function review({ operation, object, oldObject, subResource = "", user = ALICE, kind, resource }) {
  const obj = object ?? oldObject;
  kind ??= obj.kind;
  const [group, res] = resource ?? RESOURCES[kind];
  const kindGroup = { Eviction: "policy", Scale: "autoscaling" }[kind] ?? group;
  const req = {
    uid: `mc-${++uid}`,
    kind: { group: kindGroup, version: "v1", kind },
    resource: { group, version: "v1", resource: res },
    subResource,
    requestKind: { group: kindGroup, version: "v1", kind },
    requestResource: { group, version: "v1", resource: res },
    name: obj?.metadata?.name ?? "",
    namespace: NS,
    operation,
    userInfo: user,
    object: object ?? null,
    oldObject: oldObject ?? null,
    dryRun: false,
  };
  return req;
}

const clone = (x) => structuredClone(x);
// The object holding the pod's metadata and spec: the object, or its (job) template.
function carrier(o) {
  if (o.kind === "Pod") return o;
  if (o.kind === "CronJob") return ((o.spec.jobTemplate ??= {}).spec ??= {}).template ??= {};
  return (o.spec ??= {}).template ??= {};
}
// The same, read only (undefined where the object has none).
function peek(o) {
  if (o.kind === "Pod") return o;
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template ?? {};
  return o.spec?.template ?? {};
}
function setMeta(o, field, entries, { template = true } = {}) {
  const targets = [o.metadata ??= {}];
  if (template && o.kind !== "Pod") targets.push(carrier(o).metadata ??= {});
  for (const t of targets) {
    t[field] ??= {};
    for (const [k, val] of Object.entries(entries)) {
      if (val === null) delete t[field][k];
      else t[field][k] = val;
    }
    if (!Object.keys(t[field]).length) delete t[field];
  }
  return o;
}

// A pod spec every example policy passes (restricted, production-hardening).
const COMPLIANT_SPEC = {
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
  containers: [{
    name: "app", image: "registry.example.com/app:1.0",
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } },
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
  }],
};
function compliant(o) {
  const c = clone(o);
  carrier(c).spec = clone(COMPLIANT_SPEC);
  const md = carrier(c).metadata;
  if (md?.annotations)
    for (const k of Object.keys(md.annotations)) if (/apparmor|seccomp/.test(k)) delete md.annotations[k];
  if (c.kind !== "Pod" && c.metadata?.annotations)
    for (const k of Object.keys(c.metadata.annotations)) if (/apparmor|seccomp/.test(k)) delete c.metadata.annotations[k];
  return c;
}

function normalize(o) {
  const c = clone(o);
  c.metadata ??= {};
  c.metadata.name ??= "unnamed";
  c.metadata.namespace = NS;
  c.metadata.uid ??= "00000000-0000-0000-0000-000000000001";
  c.metadata.resourceVersion ??= "100";
  c.metadata.creationTimestamp ??= "2026-01-01T00:00:00Z";
  delete c.status;
  return c;
}

// Each corpus object as the requests that can be made of it. `expect` says what the conditions
// must do at the workloads entry and at the quarantine entry (when the request reaches it).
function variants(x) {
  const out = [];
  const add = (name, req, expect) => out.push({ name, req, expect });
  const bump = (o) => { o.metadata.resourceVersion = String(Number(o.metadata.resourceVersion) + 1); return o; };
  add("create", review({ operation: "CREATE", object: x }), "send");
  add("update from a compliant object", review({ operation: "UPDATE", object: x, oldObject: compliant(x) }),
      JSON.stringify(peek(x).spec) === JSON.stringify(COMPLIANT_SPEC) ? null : "send");
  add("labels only", review({ operation: "UPDATE", object: bump(setMeta(clone(x), "labels", { tier: "hardened", "example.com/team": "a" })), oldObject: x }), "skip");
  add("labels removed", review({ operation: "UPDATE", object: setMeta(clone(x), "labels", Object.fromEntries(Object.keys(x.metadata.labels ?? {}).map((k) => [k, null])), { template: false }), oldObject: x }), "skip");
  add("unchecked annotation", review({ operation: "UPDATE", object: setMeta(clone(x), "annotations", { "example.com/note": "x", "kubectl.kubernetes.io/restartedAt": "2026-01-02T00:00:00Z" }), oldObject: x }), "skip");
  const meta = clone(x);
  meta.metadata.finalizers = ["batch.kubernetes.io/job-tracking"];
  meta.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "owner", uid: "u1", controller: true }];
  meta.metadata.managedFields = [{ manager: "kube-controller-manager", operation: "Update", apiVersion: "v1" }];
  meta.metadata.generation = 7;
  add("finalizers, owner references, managed fields", review({ operation: "UPDATE", object: meta, oldObject: x, user: CONTROLLER }), "skip");
  const status = clone(x);
  status.status = x.kind === "Pod" ? { phase: "Running", podIP: "10.0.0.7", conditions: [{ type: "Ready", status: "True" }] }
                                   : { replicas: 3, readyReplicas: 2, observedGeneration: 2 };
  add("status in an update of the object", review({ operation: "UPDATE", object: status, oldObject: x }), "skip");
  if (x.kind !== "Pod" && x.kind !== "CronJob" && x.kind !== "Job") {
    const scaled = clone(x);
    scaled.spec.replicas = (x.spec.replicas ?? 1) + 3;
    add("replicas", review({ operation: "UPDATE", object: scaled, oldObject: x, user: CONTROLLER }), "skip");
  }
  if (x.kind === "CronJob") {
    const s = clone(x);
    s.spec.suspend = !x.spec.suspend;
    s.spec.schedule = "*/7 * * * *";
    add("schedule and suspend", review({ operation: "UPDATE", object: s, oldObject: x }), "skip");
  }
  const first = peek(x).spec?.containers?.[0]?.name ?? "app";
  // A checked annotation set to unconfined: sent, unless the object already says so.
  for (const [name, key] of [["apparmor annotation added", `container.apparmor.security.beta.kubernetes.io/${first}`],
                             ["seccomp pod annotation added", "seccomp.security.alpha.kubernetes.io/pod"],
                             ["seccomp container annotation added", `container.seccomp.security.alpha.kubernetes.io/${first}`]])
    add(name, review({ operation: "UPDATE", object: setMeta(clone(x), "annotations", { [key]: "unconfined" }), oldObject: x }),
        peek(x).metadata?.annotations?.[key] === "unconfined" ? "skip" : "send");
  const checked = Object.keys(peek(x).metadata?.annotations ?? {}).filter((k) => /apparmor|seccomp/.test(k));
  if (checked.length)
    add("checked annotations removed", review({ operation: "UPDATE", object: setMeta(clone(x), "annotations", Object.fromEntries(checked.map((k) => [k, null]))), oldObject: x }), "send");
  if (x.kind === "Pod") {
    const q = setMeta(clone(x), "labels", { [QKEY]: QVAL });
    const other = setMeta(clone(q), "labels", { [QKEY]: "false" });
    add("quarantined: other label", review({ operation: "UPDATE", object: setMeta(clone(q), "labels", { triage: "open" }), oldObject: q }), "skip");
    add("quarantined: label removed", review({ operation: "UPDATE", object: x, oldObject: q }), "send");
    add("quarantined: label changed", review({ operation: "UPDATE", object: other, oldObject: q }), "send");
    add("quarantined: label removed through pods/status", review({ operation: "UPDATE", object: x, oldObject: q, subResource: "status" }), "send");
    const qs = clone(q);
    qs.status = { phase: "Running", conditions: [{ type: "Ready", status: "False" }] };
    add("quarantined: kubelet status", review({ operation: "UPDATE", object: qs, oldObject: q, subResource: "status", user: KUBELET }), "skip");
    add("quarantined: spec changed", review({ operation: "UPDATE", object: q, oldObject: setMeta(compliant(x), "labels", { [QKEY]: QVAL }) }),
        JSON.stringify(x.spec) === JSON.stringify(COMPLIANT_SPEC) ? null : "send");
    add("quarantined: deleted", review({ operation: "DELETE", oldObject: q }), "send");
    // Sent to the quarantine entry too (issue 18): the binary records who quarantined the pod, in
    // namespaces the workloads entry does not judge as well.
    add("quarantining", review({ operation: "UPDATE", object: q, oldObject: x }), "send");
    // The annotation naming the quarantiner is kindlyguard's to write: every change is sent.
    const by = setMeta(clone(q), "annotations", { "kindlyguard.io/quarantined-by": "alice" });
    add("quarantined: quarantined-by set", review({ operation: "UPDATE", object: by, oldObject: q }), "send");
    add("quarantined: quarantined-by changed", review({ operation: "UPDATE", object: setMeta(clone(q), "annotations", { "kindlyguard.io/quarantined-by": "bob" }), oldObject: by }), "send");
    add("quarantined: quarantined-by removed", review({ operation: "UPDATE", object: q, oldObject: by }), "send");
    add("quarantined: quarantine-until set", review({ operation: "UPDATE", object: setMeta(clone(q), "annotations", { "kindlyguard.io/quarantine-until": "1s" }), oldObject: q }), "send");
    add("quarantined: other annotation, quarantined-by kept", review({ operation: "UPDATE", object: setMeta(clone(by), "annotations", { triage: "open" }), oldObject: by }), "skip");
    add("quarantined: released by a release group", review({ operation: "UPDATE", object: x, oldObject: q, user: { username: "admin", groups: ["system:masters"] } }), "send");
    const debug = clone(x);
    debug.spec.ephemeralContainers = [{ name: "debugger", image: "busybox", targetContainerName: first, securityContext: { privileged: true } }];
    add("ephemeral container", review({ operation: "UPDATE", object: debug, oldObject: x, subResource: "ephemeralcontainers" }), "send");
    add("resize, same spec", review({ operation: "UPDATE", object: clone(x), oldObject: x, subResource: "resize" }), "send");
    add("eviction", review({ operation: "CREATE", kind: "Eviction", resource: ["", "pods"], subResource: "eviction",
                             object: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: x.metadata.name, namespace: NS } } }), "send");
  }
  return out;
}

// The corpus: every Pod and workload of shared/conformance, once each.
function corpusObjects() {
  const out = [];
  const seen = new Set();
  const files = new Map();
  const docs = (file) => {
    if (!files.has(file)) files.set(file, YAML.parseAllDocuments(fs.readFileSync(file, "utf8")));
    return files.get(file);
  };
  for (const source of ["psa", "kyverno", "gatekeeper"]) {
    const manifest = fs.readFileSync(path.join(conformance, source, "MANIFEST.tsv"), "utf8").trim().split("\n");
    const header = manifest[0].split("\t");
    for (const line of manifest.slice(1)) {
      const row = Object.fromEntries(line.split("\t").map((v, i) => [header[i], v]));
      const key = `${source}/${row.file}#${row.doc_index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let doc = docs(path.join(conformance, source, row.file))[Number(row.doc_index)]?.toJS();
      if (doc?.kind === "AdmissionReview") doc = doc.request?.object;
      if (!doc || !RESOURCES[doc.kind]) continue;
      out.push({ id: key, object: normalize(doc) });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// The real binary: `kindlyguard serve --policy-dir` with the example policies and a few more.

const EXTRA_POLICIES = {
  "label-selected.yaml": `apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: label-selected}
spec:
  enforcement: Deny
  match:
    podSelector: {matchLabels: {tier: hardened}}
  rules:
    readOnlyRootFilesystem: true
    runAsNonRoot: true
`,
  "audit-images.yaml": `apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: audit-images}
spec:
  enforcement: Audit
  rules:
    images: {disallowTags: [latest], requireDigest: true}
`,
  "warn-baseline.yaml": `apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: warn-baseline}
spec:
  enforcement: Warn
  podSecurityStandard: {level: baseline, version: latest}
`,
};

class Webhook {
  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindly-mc-"));
    const policies = path.join(this.dir, "policies");
    fs.mkdirSync(policies);
    for (const f of fs.readdirSync(path.join(sourceDir, "examples", "policies")))
      fs.copyFileSync(path.join(sourceDir, "examples", "policies", f), path.join(policies, f));
    for (const [f, text] of Object.entries(EXTRA_POLICIES)) fs.writeFileSync(path.join(policies, f), text);
    const tls = path.join(this.dir, "tls");
    const certs = spawnSync(binary, ["certs", "self-signed", "--out-dir", tls, "--dns", "localhost", "--ip", "127.0.0.1"], { encoding: "utf8" });
    assert.equal(certs.status, 0, certs.stderr);
    this.ca = fs.readFileSync(path.join(tls, "ca.crt"));
    this.proc = spawn(binary, ["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--policy-dir", policies,
                               "--tls-cert-file", path.join(tls, "tls.crt"), "--tls-key-file", path.join(tls, "tls.key"),
                               "--audit-log=false", `--quarantine-label=${QKEY}=${QVAL}`, "--quarantine-release-groups=system:masters"],
                      { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kindlyguard serve did not start:\n${err}`)), 30000);
      this.proc.stderr.on("data", (d) => {
        err += d;
        const m = err.match(/"msg":"webhook serving"[^\n]*"address":"[^"]*:(\d+)"|"address":"[^"]*:(\d+)"[^\n]*"msg":"webhook serving"/);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1] ?? m[2]));
        }
      });
      this.proc.on("exit", (code) => reject(new Error(`kindlyguard serve exited ${code}:\n${err}`)));
    });
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: this.ca });
    // The policy dir is read at start; wait until a violating pod is denied.
    for (let i = 0; i < 100; i++) {
      const r = await this.review(review({ operation: "CREATE", object: { apiVersion: "v1", kind: "Pod", metadata: { name: "probe", namespace: NS },
                                                                             spec: { hostNetwork: true, containers: [{ name: "c", image: "nginx" }] } } }));
      if (r.response && r.response.allowed === false) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error("the webhook never denied a hostNetwork pod: the policies did not load");
  }
  review(req) {
    const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: req });
    return new Promise((resolve, reject) => {
      const r = https.request({ host: "127.0.0.1", port: this.port, path: "/validate", method: "POST", agent: this.agent,
                                servername: "localhost", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } },
                              (res) => {
                                let data = "";
                                res.setEncoding("utf8");
                                res.on("data", (d) => (data += d));
                                res.on("end", () => resolve({ status: res.statusCode, ...(JSON.parse(data || "{}")) }));
                              });
      r.on("error", reject);
      r.end(body);
    });
  }
  stop() {
    this.agent?.destroy();
    this.proc?.kill("SIGTERM");
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

// What the binary says, in one line: "allowed", or why it is not neutral.
function notNeutral(res) {
  const r = res.response ?? {};
  const why = [];
  if (res.status !== 200) why.push(`HTTP ${res.status}`);
  if (r.allowed !== true) why.push(`denied (${r.status?.code}): ${r.status?.message}`);
  if (r.warnings?.length) why.push(`warnings: ${r.warnings.join(" | ")}`);
  if (r.auditAnnotations && Object.keys(r.auditAnnotations).length) why.push(`audit annotations: ${JSON.stringify(r.auditAnnotations)}`);
  if (r.status && r.allowed === true) why.push(`status: ${JSON.stringify(r.status)}`);
  return why.join("; ");
}

// ------------------------------------------------------------------------------------------------
// A realistic mix: a 10-replica Deployment's day. Every API write is listed, also those no entry's
// rules select (status and scale subresources, deletions), so the table shows both.

function mix() {
  const labels = { app: "web" };
  const template = { metadata: { labels: clone(labels) }, spec: clone(COMPLIANT_SPEC) };
  const dep = normalize({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: clone(labels), generation: 1 },
                          spec: { replicas: 10, selector: { matchLabels: labels }, template } });
  const depNew = clone(dep);
  depNew.spec.template.spec.containers[0].image = "registry.example.com/app:1.1";
  const rs = (name, replicas, image = "registry.example.com/app:1.0") => {
    const o = normalize({ apiVersion: "apps/v1", kind: "ReplicaSet",
                          metadata: { name, labels: clone(labels), annotations: { "deployment.kubernetes.io/revision": "1" } },
                          spec: { replicas, selector: { matchLabels: labels }, template: clone(template) } });
    o.spec.template.spec.containers[0].image = image;
    return o;
  };
  const pod = (name, image = "registry.example.com/app:1.1") => {
    const p = normalize({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: clone(labels) }, spec: clone(COMPLIANT_SPEC) });
    p.spec.containers[0].image = image;
    p.spec.nodeName = "node-1";
    return p;
  };
  const withStatus = (p, phase) => Object.assign(clone(p), { status: { phase } });
  const scaleReq = (o, user = ALICE) => review({ operation: "UPDATE", subResource: "scale", user,
                                               object: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: o.metadata, spec: { replicas: 15 } },
                                               oldObject: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: o.metadata, spec: { replicas: 10 } },
                                               kind: "Scale", resource: ["apps", "deployments"] });
  const rows = [];
  const row = (scenario, what, count, make) => rows.push({ scenario, what, requests: Array.from({ length: count }, (_, i) => make(i)) });
  const annotated = (o, k, val) => setMeta(clone(o), "annotations", { [k]: val }, { template: false });

  // Rollout: kubectl set image (maxSurge 25%: the new ReplicaSet up in 4 steps, the old one down in 4).
  row("rollout", "Deployment UPDATE, template changed (kubectl set image)", 1, () => review({ operation: "UPDATE", object: depNew, oldObject: dep }));
  row("rollout", "Deployment UPDATE, revision annotation (deployment controller)", 1,
      () => review({ operation: "UPDATE", object: annotated(depNew, "deployment.kubernetes.io/revision", "2"), oldObject: depNew, user: CONTROLLER }));
  row("rollout", "deployments/status UPDATE", 6, () => review({ operation: "UPDATE", subResource: "status", object: depNew, oldObject: depNew, user: CONTROLLER }));
  row("rollout", "ReplicaSet CREATE (new template)", 1, () => review({ operation: "CREATE", object: rs("web-2", 3, "registry.example.com/app:1.1"), user: CONTROLLER }));
  row("rollout", "ReplicaSet UPDATE, replicas (scale steps)", 8,
      (i) => review({ operation: "UPDATE", object: rs(i < 4 ? "web-2" : "web-1", [3, 5, 8, 10, 8, 5, 3, 0][i]),
                      oldObject: rs(i < 4 ? "web-2" : "web-1", [0, 3, 5, 8, 10, 8, 5, 3][i]), user: CONTROLLER }));
  row("rollout", "ReplicaSet UPDATE, revision/desired-replicas annotations", 2,
      () => review({ operation: "UPDATE", object: annotated(rs("web-1", 10), "deployment.kubernetes.io/desired-replicas", "10"), oldObject: rs("web-1", 10), user: CONTROLLER }));
  row("rollout", "replicasets/status UPDATE", 16, () => review({ operation: "UPDATE", subResource: "status", object: rs("web-2", 10), oldObject: rs("web-2", 10), user: CONTROLLER }));
  row("rollout", "Pod CREATE (new pods)", 10, (i) => review({ operation: "CREATE", object: pod(`web-2-${i}`), user: CONTROLLER }));
  row("rollout", "pods/binding CREATE (scheduler)", 10, (i) => review({ operation: "CREATE", subResource: "binding", object: { apiVersion: "v1", kind: "Binding", metadata: { name: `web-2-${i}` } }, kind: "Binding", resource: ["", "pods"] }));
  row("rollout", "pods/status UPDATE by the kubelet (new pods: creating, running, ready)", 30,
      (i) => review({ operation: "UPDATE", subResource: "status", object: withStatus(pod(`web-2-${i % 10}`), "Running"), oldObject: withStatus(pod(`web-2-${i % 10}`), "Pending"), user: KUBELET }));
  row("rollout", "Pod DELETE (old pods)", 10, (i) => review({ operation: "DELETE", oldObject: pod(`web-1-${i}`, "registry.example.com/app:1.0"), user: CONTROLLER }));
  row("rollout", "pods/status UPDATE by the kubelet (old pods terminating)", 10,
      (i) => review({ operation: "UPDATE", subResource: "status", object: withStatus(pod(`web-1-${i}`), "Succeeded"), oldObject: withStatus(pod(`web-1-${i}`), "Running"), user: KUBELET }));
  // Scale 10 -> 15 (kubectl scale, the scale subresource) and back (HPA).
  row("scale", "deployments/scale UPDATE (kubectl scale, HPA)", 2, () => scaleReq(depNew));
  row("scale", "ReplicaSet UPDATE, replicas", 2, (i) => review({ operation: "UPDATE", object: rs("web-2", i ? 10 : 15), oldObject: rs("web-2", i ? 15 : 10), user: CONTROLLER }));
  row("scale", "deployments/status and replicasets/status UPDATE", 6, () => review({ operation: "UPDATE", subResource: "status", object: depNew, oldObject: depNew, user: CONTROLLER }));
  row("scale", "Pod CREATE", 5, (i) => review({ operation: "CREATE", object: pod(`web-2-${10 + i}`), user: CONTROLLER }));
  row("scale", "pods/status UPDATE by the kubelet", 20,
      (i) => review({ operation: "UPDATE", subResource: "status", object: withStatus(pod(`web-2-${10 + (i % 5)}`), "Running"), oldObject: withStatus(pod(`web-2-${10 + (i % 5)}`), "Pending"), user: KUBELET }));
  row("scale", "Pod DELETE (scale down)", 5, (i) => review({ operation: "DELETE", oldObject: pod(`web-2-${10 + i}`), user: CONTROLLER }));
  // Labels and annotations: kubectl label / annotate, and controllers' metadata writes.
  row("labels", "Pod UPDATE, label added (kubectl label pods -l app=web canary=true)", 10,
      (i) => review({ operation: "UPDATE", object: setMeta(pod(`web-2-${i}`), "labels", { canary: "true" }), oldObject: pod(`web-2-${i}`) }));
  row("labels", "Deployment UPDATE, annotation (kubectl annotate)", 1,
      () => review({ operation: "UPDATE", object: annotated(depNew, "example.com/owner", "team-a"), oldObject: depNew }));
  // Quarantine of one violator, then the kubelet keeps reporting its status.
  row("quarantine", "Pod UPDATE, quarantine label added", 1,
      () => review({ operation: "UPDATE", object: setMeta(pod("web-2-0"), "labels", { [QKEY]: QVAL }), oldObject: pod("web-2-0") }));
  row("quarantine", "pods/status UPDATE by the kubelet (quarantined pod)", 10,
      () => review({ operation: "UPDATE", subResource: "status", object: withStatus(setMeta(pod("web-2-0"), "labels", { [QKEY]: QVAL }), "Running"),
                     oldObject: withStatus(setMeta(pod("web-2-0"), "labels", { [QKEY]: QVAL }), "Running"), user: KUBELET }));
  return rows;
}

// ------------------------------------------------------------------------------------------------

describe("matchConditions", () => {
  const entries = webhookConfig();
  const judging = compile(entries["workloads.kindlyguard.io"]);
  const quarantine = compile(entries["quarantine.kindlyguard.io"]);
  const judged = [["workloads.kindlyguard.io", entries["workloads.kindlyguard.io"], judging],
                  ["quarantine.kindlyguard.io", entries["quarantine.kindlyguard.io"], quarantine]];

  test("rendered on 1.30 and later when enabled; never on policies and exceptions; the same on both judging entries", () => {
    assert.ok(judging.length >= 1 && judging.length <= 64, "workloads.kindlyguard.io: no matchConditions");
    assert.equal(quarantine.length, 1, "quarantine.kindlyguard.io: no matchConditions");
    assert.deepEqual(entries["system-namespaces.kindlyguard.io"].matchConditions, entries["workloads.kindlyguard.io"].matchConditions);
    assert.equal(entries["policies.kindlyguard.io"].matchConditions, undefined, "SecurityPolicies are always validated");
    assert.equal(entries["exceptions.kindlyguard.io"].matchConditions, undefined, "SecurityPolicyExceptions are always validated");
    for (const wh of Object.values(entries))
      for (const c of wh.matchConditions ?? []) assert.match(c.name, /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, c.name);
    const names = (o) => Object.values(webhookConfig(o)).flatMap((w) => w.matchConditions ?? []).length;
    assert.equal(names({ flags: ["--kube-version", "v1.29.9"] }), 0, "rendered for Kubernetes 1.29, which refuses or ignores them");
    assert.ok(names({ flags: ["--kube-version", "v1.30.0"] }) > 0, "not rendered for Kubernetes 1.30");
    assert.ok(names({ flags: ["--kube-version", "v1.33.1-eks-1234"] }) > 0, "not rendered for a vendor 1.33");
    assert.equal(names({ values: [path.join(valuesDir, "match-conditions-off.yaml")] }), 0, "webhook.matchConditions.enabled false");
    // A custom quarantine label is what the conditions read.
    const custom = webhookConfig({ set: ["quarantine.label=security.example.com/isolate=yes"] });
    assert.match(custom["quarantine.kindlyguard.io"].matchConditions[0].expression, /'security\.example\.com\/isolate' in object\.metadata\.labels\) && object\.metadata\.labels\['security\.example\.com\/isolate'\] in \['yes', 'full', 'egress', 'ingress'\]/);
    assert.match(custom["workloads.kindlyguard.io"].matchConditions[0].expression, /'security\.example\.com\/isolate'/);
    assert.throws(() => renderText({ values: [tmpFile("bad.yaml", JSON.stringify({ webhook: { matchConditions: { enabled: "yes" } } }))] }),
                  /webhook\.matchConditions\.enabled: must be boolean/);
    assert.throws(() => renderText({ values: [tmpFile("bad.yaml", JSON.stringify({ webhook: { matchConditions: { enable: true } } }))] }),
                  /webhook\.matchConditions\.enable: unknown value/);
  });

  test("the annotations the conditions treat as read are those the binary's checks read (src/policy/pss/pss.cpp)", () => {
    const src = fs.readFileSync(path.join(sourceDir, "src", "policy", "pss", "pss.cpp"), "utf8");
    const body = src.match(/bool reads_annotation\([^)]*\)\s*\{([\s\S]*?)\n\}/);
    assert.ok(body, "reads_annotation not found in src/policy/pss/pss.cpp");
    const literals = [...body[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    assert.ok(literals.length >= 3, `reads_annotation reads ${literals}`);
    const expr = entries["workloads.kindlyguard.io"].matchConditions[0].expression;
    for (const l of literals) assert.ok(expr.includes(`'${l}'`), `the chart's conditions do not treat annotation ${l} as read: a change to it would be skipped`);
    const evaluate = fs.readFileSync(path.join(sourceDir, "src", "policy", "evaluate.cpp"), "utf8");
    assert.match(evaluate, /old_view->spec\(\) == updated\.spec\(\) && checked_annotations\(\*old_view\) == checked_annotations\(updated\)/,
                 "the binary's test for an unchanged UPDATE changed: review the chart's matchConditions (_webhook.tpl)");
  });

  const corpus = conformance ? corpusObjects() : [];
  const requests = [];
  for (const { id, object } of corpus) for (const v of variants(object)) requests.push({ id, ...v });
  const mixRows = mix();

  test("no condition errors on any request, and each leaves out exactly what it should", () => {
    assert.ok(conformance, "the conformance corpora are not found: set KINDLY_CONFORMANCE_DIR");
    assert.ok(corpus.length > 300, `only ${corpus.length} corpus objects`);
    const wrong = [];
    for (const r of [...requests, ...mixRows.flatMap((row) => row.requests.map((req) => ({ id: row.what, name: "mix", req, expect: null })))]) {
      for (const [name, wh, conditions] of judged) {
        if (!reaches(wh, r.req)) continue;
        const got = decide(conditions, r.req);
        const want = r.expect && (typeof r.expect === "string" ? r.expect : r.expect[name.split(".")[0]]);
        if (got.startsWith("error") || (want && got !== want)) wrong.push(`${name} ${r.id} [${r.name}]: ${got}${want ? `, expected ${want}` : ""}`);
      }
    }
    assert.deepEqual(wrong.slice(0, 40), [], `${wrong.length} requests classified wrongly`);
  });

  describe("against the binary", { skip: built ? false : skipReason }, () => {
    const hook = new Webhook();
    before(() => hook.start());
    after(() => hook.stop());

    test("every request the conditions leave out is allowed by the binary with no warning or audit annotation", async () => {
      // Objects the API server would refuse (a field of the wrong type: the binary answers 400 to
      // their CREATE) are never sent as UPDATEs by a real API server; they are left out, counted.
      const creates = requests.filter((r) => r.name === "create");
      const createAnswers = await mapLimit(creates, 4, (r) => hook.review(r.req));
      const unreadable = new Set(creates.filter((_, i) => createAnswers[i].response?.status?.code === 400).map((r) => r.id));
      const all = [...requests.filter((r) => !unreadable.has(r.id)),
                   ...mixRows.flatMap((row) => row.requests.map((req) => ({ id: `mix: ${row.what}`, name: "mix", req })))];
      const skipped = [];
      const sent = [];
      for (const r of all)
        for (const [name, wh, conditions] of judged)
          if (reaches(wh, r.req)) (decide(conditions, r.req) === "skip" ? skipped : sent).push({ entry: name, ...r });
      const answers = await mapLimit(skipped, 4, (r) => hook.review(r.req));
      const unsafe = skipped.map((r, i) => [r, notNeutral(answers[i])]).filter(([, why]) => why)
        .map(([r, why]) => `${r.entry} ${r.id} [${r.name}]: ${why}`);
      assert.deepEqual(unsafe, [], `UNSAFE: ${unsafe.length} requests left out by the matchConditions would be denied, warned or audited`);
      // The corpus has teeth: the same objects, when sent, are denied and warned about.
      const teeth = sent.filter((r) => r.name !== "mix");
      const sentAnswers = await mapLimit(teeth, 4, (r) => hook.review(r.req));
      const denied = sentAnswers.filter((a) => a.response?.allowed === false).length;
      const warned = sentAnswers.filter((a) => a.response?.warnings?.length).length;
      console.log(`corpus: ${corpus.length} objects (${unreadable.size} unreadable left out), ${all.length} requests; ` +
                  `${skipped.length} calls left out, all allowed unjudged; ${sent.length} sent (${denied} denied, ${warned} warned)`);
      assert.ok(skipped.length > 1000 && denied > 500 && warned > 300,
                `too weak: ${skipped.length} skipped, ${denied} denied, ${warned} warned (of ${teeth.length} sent)`);
      // Spot checks of what must stay: a quarantined pod's label removal is denied.
      const removal = all.find((r) => r.name === "quarantined: label removed");
      assert.equal((await hook.review(removal.req)).response.allowed, false, "the guard let a quarantine label go");
    });
  });

  test("realistic mix: share of webhook calls left out", () => {
    const table = [];
    let before = 0, after = 0, total = 0;
    for (const row of mixRows) {
      let calls = 0, kept = 0;
      for (const req of row.requests)
        for (const [, wh, conditions] of judged)
          if (reaches(wh, req)) {
            calls++;
            if (decide(conditions, req) === "send") kept++;
          }
      total += row.requests.length;
      before += calls;
      after += kept;
      table.push(`| ${row.scenario} | ${row.what} | ${row.requests.length} | ${calls} | ${kept} |`);
    }
    const share = ((before - after) / before) * 100;
    console.log(["| scenario | API request | requests | webhook calls without matchConditions | with |", "|---|---|---:|---:|---:|",
                 ...table, `| total | | ${total} | ${before} | ${after} |`,
                 `calls left out by matchConditions: ${before - after} of ${before} (${share.toFixed(1)}%)`].join("\n"));
    assert.ok(after < before && after > 0);
  });
});
