// The SecurityPolicy CRD's CEL rules (x-kubernetes-validations), evaluated with a CEL
// implementation (@bufbuild/cel) the way the API server evaluates them on `kubectl apply`: the
// maximal valid policy passes every rule, and each policy that checks nothing (issue 14, item 6)
// is refused by a rule with a message that says why. crd_schema_test.cpp holds the parser to the
// same verdicts, so `kubectl apply` and `kindlyguard check` refuse the same policies.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { run } from "@bufbuild/cel";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const crd = YAML.parse(fs.readFileSync(path.join(root, "crds/securitypolicies.kindlyguard.io.yaml"), "utf8"));
const schema = crd.spec.versions[0].schema.openAPIV3Schema;
const fullPolicy = YAML.parse(fs.readFileSync(path.join(here, "testdata/full-policy.yaml"), "utf8"));

// JSON as CEL sees an object of a structural schema: maps for objects, int for integers.
function toCel(v) {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === "object") return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v;
}

// Every rule on the way down `value`, as the API server evaluates them: at each node the value is
// present at. Returns [{path, rule, message, ok}].
function evaluate(node, value, at = "") {
  const out = [];
  if (value === undefined || node === undefined) return out;
  for (const v of node["x-kubernetes-validations"] ?? []) {
    let ok;
    try {
      ok = run(v.rule, { self: toCel(value) }) === true;
    } catch (e) {
      throw new Error(`${at || "<root>"}: rule ${v.rule} failed to evaluate: ${e.message}`);
    }
    out.push({ path: at, rule: v.rule, message: v.message, ok });
  }
  if (node.properties && value !== null && typeof value === "object" && !Array.isArray(value))
    for (const [k, child] of Object.entries(node.properties)) out.push(...evaluate(child, value[k], at ? `${at}.${k}` : k));
  if (node.items && Array.isArray(value)) value.forEach((x, i) => out.push(...evaluate(node.items, x, `${at}[${i}]`)));
  return out;
}

function policyWith(spec) {
  return { apiVersion: "kindlyguard.io/v1alpha1", kind: "SecurityPolicy", metadata: { name: "p" }, spec };
}

test("the maximal valid policy passes every CEL rule of the CRD", () => {
  const results = evaluate(schema, fullPolicy);
  assert.ok(results.length >= 4, `only ${results.length} rules were evaluated`);
  for (const r of results) assert.ok(r.ok, `${r.path}: ${r.rule} refuses the valid policy (${r.message})`);
});

test("policies that check nothing are refused by a CEL rule, as by the parser", () => {
  const cases = [
    [{ enforcement: "Warn" }, "checks nothing"],
    [{ rules: { images: { requireDigest: false } } }, "images rule checks nothing"],
    [{ rules: { images: {} } }, "images rule checks nothing"],
    [{ rules: { capabilities: { allowedAdd: ["ALL"] } } }, "without requiredDrop the rule checks nothing"],
    [{ rules: { runAsUser: { min: 2000, max: 1000 } } }, "min must not be greater than max"],
  ];
  for (const [spec, expected] of cases) {
    const failed = evaluate(schema, policyWith(spec)).filter((r) => !r.ok);
    assert.ok(failed.length > 0, `${JSON.stringify(spec)} passes every CEL rule`);
    assert.ok(failed.some((r) => r.message.includes(expected)), `${JSON.stringify(spec)}: got ${JSON.stringify(failed)}`);
  }
});

test("policies that check something pass the CEL rules", () => {
  for (const spec of [
    { rules: { images: { requireDigest: true } } },
    { rules: { images: { disallowTags: ["latest"] } } },
    { rules: { capabilities: { allowedAdd: ["ALL"], requiredDrop: ["NET_RAW"] } } },
    { rules: { capabilities: { allowedAdd: ["NET_BIND_SERVICE"] } } },
    { podSecurityStandard: { level: "baseline" } },
  ]) {
    const failed = evaluate(schema, policyWith(spec)).filter((r) => !r.ok);
    assert.deepEqual(failed, [], JSON.stringify(spec));
  }
});

test("boolean rules accept only the value that checks something", () => {
  const rules = schema.properties.spec.properties.rules.properties;
  const expected = {
    runAsNonRoot: [true], readOnlyRootFilesystem: [true], allowPrivilegeEscalation: [false],
    privileged: [false], hostNamespaces: [false], hostPorts: [false],
  };
  for (const [name, values] of Object.entries(expected)) assert.deepEqual(rules[name].enum, values, name);
});
