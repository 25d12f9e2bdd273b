// Shared by the chart tests: where things are, how to render the chart, how to validate what it
// renders. Rendering uses real `helm template` when helm is on PATH (or KINDLY_HELM names it), and
// otherwise the stand-in renderer built from tests/chart/helm-template-standin (KINDLY_STANDIN).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import Ajv from "ajv";
import YAML from "yaml";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.KINDLY_SOURCE_DIR ?? path.resolve(here, "..", "..");
export const chartDir = path.join(sourceDir, "charts", "kindlyguard");
export const valuesDir = path.join(here, "values");

function onPath(program) {
  const r = spawnSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

// The renderer: { kind: "helm" | "stand-in", program }.
export function renderer() {
  if (process.env.KINDLY_HELM) return { kind: "helm", program: process.env.KINDLY_HELM };
  if (process.env.KINDLY_FORCE_STANDIN !== "1") {
    const helm = onPath("helm");
    if (helm) return { kind: "helm", program: helm };
  }
  return { kind: "stand-in", program: standin() };
}

// The stand-in binary; it must have been built (ctest's chart.deps fixture builds it).
export function standin() {
  const p = process.env.KINDLY_STANDIN;
  if (!p)
    throw new Error("KINDLY_STANDIN is not set: run through ctest, or build tests/chart/helm-template-standin " +
                    "(GO111MODULE=off GOPATH=/usr/share/gocode go build) and point KINDLY_STANDIN at it");
  if (!fs.existsSync(p)) throw new Error(`the helm-template stand-in ${p} does not exist: run ctest's chart.deps first`);
  return p;
}

export class RenderError extends Error {}

// values.schema.json, as helm applies it before rendering (install, upgrade, lint, template): the
// stand-in does not, so renderText validates the stand-in's coalesced values (--print-values)
// here. Messages name the value in dotted form, as an admin writes it in --set.
let valuesValidate = null;
export function valuesSchemaProblems(values) {
  if (!valuesValidate) {
    const schema = JSON.parse(fs.readFileSync(path.join(chartDir, "values.schema.json"), "utf8"));
    valuesValidate = new Ajv({ strict: true, allErrors: true, validateFormats: false }).compile(schema);
  }
  if (valuesValidate(values)) return [];
  const dotted = (pointer) => pointer.split("/").slice(1).map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~")).join(".");
  const or = (xs) => xs.map(String).join(", ").replace(/, ([^,]*)$/, " or $1");
  return valuesValidate.errors.map((e) => {
    const at = dotted(e.instancePath);
    if (e.keyword === "additionalProperties") {
      const key = at ? `${at}.${e.params.additionalProperty}` : e.params.additionalProperty;
      return `${key}: unknown value (the chart has no such option; see \`helm show values\`)`;
    }
    if (e.keyword === "enum") return `${at}: must be ${or(e.params.allowedValues)}, not ${JSON.stringify(at.split(".").reduce((o, k) => o?.[k], values))}`;
    return `${at || "(root)"}: ${e.message}`;
  });
}

// Renders the chart; returns the output text. opts: { release, namespace, values: [files],
// set: ["k=v"], flags: [helm template flags such as --no-hooks], notes: bool (stand-in only), program }.
export function renderText(opts = {}) {
  const r = opts.program ? { kind: "stand-in", program: opts.program } : renderer();
  const args = ["template", opts.release ?? "kindlyguard", chartDir, "--namespace", opts.namespace ?? "kindlyguard",
                "--include-crds"];
  for (const f of opts.values ?? []) args.push("--values", f);
  for (const s of opts.set ?? []) args.push("--set", s);
  if (opts.notes) {
    if (r.kind !== "stand-in") throw new Error("--notes is a stand-in option");
    args.push("--notes");
  }
  if (r.kind === "stand-in") {
    const v = spawnSync(r.program, [...args, "--print-values"], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (v.error) throw v.error;
    if (v.status !== 0) throw new RenderError(`${path.basename(r.program)} ${args.join(" ")} failed:\n${v.stderr}`);
    const problems = valuesSchemaProblems(JSON.parse(v.stdout));
    if (problems.length)
      throw new RenderError(`values don't meet the specifications of the schema(s) in the following chart(s):\n` +
                            `kindlyguard:\n${problems.map((p) => `- ${p}`).join("\n")}`);
  }
  for (const flag of opts.flags ?? []) args.push(flag);
  const out = spawnSync(r.program, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new RenderError(`${path.basename(r.program)} ${args.join(" ")} failed:\n${out.stderr}`);
  return out.stdout;
}

export function parseDocuments(text) {
  const docs = YAML.parseAllDocuments(text, { version: "1.1" });
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0].message}`);
    const v = d.toJS({ maxAliasCount: -1 });
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

export function render(opts = {}) {
  return parseDocuments(renderText(opts));
}

export function loadYaml(file) {
  return YAML.parse(fs.readFileSync(file, "utf8"), { version: "1.1" });
}

export function loadYamlAll(file) {
  return parseDocuments(fs.readFileSync(file, "utf8"));
}

// Scratch files, in one directory per test process, removed when it exits.
let scratch = null;
let scratchCount = 0;
export function tmpFile(name, content) {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kindly-chart-"));
    process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));
  }
  const p = path.join(scratch, `${scratchCount++}-${name}`);
  fs.writeFileSync(p, content);
  return p;
}

export function projectVersion() {
  const cmake = fs.readFileSync(path.join(sourceDir, "CMakeLists.txt"), "utf8");
  const m = cmake.match(/project\(\s*kindlyguard\s+VERSION\s+([0-9.]+)/);
  if (!m) throw new Error("no project(kindlyguard VERSION x.y.z) in CMakeLists.txt");
  return m[1];
}

// ------------------------------------------------------------------------------------------------
// Kubernetes OpenAPI validation (kubernetes-models) with strict field checking.

const modelModules = {
  "cert-manager.io/v1": "@kubernetes-models/cert-manager/cert-manager.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

export async function modelClass(apiVersion, kind) {
  const mod = modelModules[apiVersion] ?? `kubernetes-models/${apiVersion}`;
  let m;
  try {
    m = await import(mod);
  } catch (e) {
    return null;
  }
  return m[kind] ?? null;
}

function pointer(parts) {
  return parts.map((p) => "/" + String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

function errorsOf(Model, obj) {
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    if (!e.errors) throw e;
    return e.errors;
  }
}

// Kubernetes' OpenAPI schemas (and so kubernetes-models) allow unknown fields; the API server
// with strict field validation, and every reader of the manifest, does not. A field is known when
// a value of the wrong type there makes validation fail at that path; an unknown field is ignored.
// `skip(pathParts)` leaves out subtrees of free-form JSON.
export function unknownFields(Model, obj, skip = () => false) {
  const unknown = [];
  const probeValue = (v) => (v !== null && typeof v === "object" ? 12345 : { __probe__: 1 });
  const visit = (node, parts) => {
    if (node === null || typeof node !== "object") return;
    if (skip(parts)) return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...parts, i]));
      return;
    }
    for (const key of Object.keys(node)) {
      // kubernetes-models' generated validators leave out every property named "description"
      // (a generator quirk), so a probe cannot tell; the field exists where Kubernetes has it.
      if (key === "description") continue;
      const here = [...parts, key];
      const saved = node[key];
      node[key] = probeValue(saved);
      const p = pointer(here);
      const caught = errorsOf(Model, obj).some((e) => e.instancePath === p || e.instancePath.startsWith(p + "/"));
      node[key] = saved;
      if (!caught) unknown.push(here.join("."));
      else visit(saved, here);
    }
  };
  visit(obj, []);
  return unknown;
}

export function validateModel(Model, obj) {
  return errorsOf(Model, structuredClone(obj)).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

// ------------------------------------------------------------------------------------------------
// CRD schemas as JSON Schema (ajv), with strict field validation: an object with properties
// admits no others, as the API server with fieldValidation=Strict.

function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("x-kubernetes-") || k === "description" || k === "example") continue;
    if (k === "properties" || k === "patternProperties") {
      out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, toJsonSchema(pv)]));
    } else if (k === "default" || k === "enum") {
      out[k] = v;
    } else {
      out[k] = toJsonSchema(v);
    }
  }
  if (node.properties && node.additionalProperties === undefined && !node["x-kubernetes-preserve-unknown-fields"])
    out.additionalProperties = false;
  if (node["x-kubernetes-list-type"] === "set") out.uniqueItems = true;
  return out;
}

export function crdValidator(crd, version) {
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`${crd.metadata.name} has no version ${version}`);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(toJsonSchema(v.schema.openAPIV3Schema));
  return (obj) => (validate(obj) ? [] : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}` +
                                                              (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : "")));
}

export function run(program, args, opts = {}) {
  return execFileSync(program, args, { encoding: "utf8", ...opts });
}
