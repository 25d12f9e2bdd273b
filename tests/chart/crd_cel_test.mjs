// The SecurityPolicy CRD's CEL rules (x-kubernetes-validations), evaluated with a CEL
// implementation (@bufbuild/cel) the way the API server evaluates them on `kubectl apply`: the
// maximal valid policy passes every rule, and each policy that checks nothing (issue 14, item 6)
// is refused by a rule with a message that says why. crd_schema_test.cpp holds the parser to the
// same verdicts, so `kubectl apply` and `kindlyguard check` refuse the same policies.
// Issue 16: the SecurityPolicyException CRD likewise (a maximal valid exception passes, each
// invalid one fails with its message), and its rules stay within the API server's CEL cost
// budget: everything a rule reads, and every list on the way to it, is bounded.
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
const exceptionCrd = YAML.parse(fs.readFileSync(path.join(root, "crds/securitypolicyexceptions.kindlyguard.io.yaml"), "utf8"));
const exceptionSchema = exceptionCrd.spec.versions[0].schema.openAPIV3Schema;
const fullException = YAML.parse(fs.readFileSync(path.join(here, "testdata/full-exception.yaml"), "utf8"));

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
    [{ rules: { probes: { liveness: false, startup: false } } }, "probes rule checks nothing"],
    [{ rules: { probes: {} } }, "probes rule checks nothing"],
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
    { rules: { probes: { readiness: true } } },
    { rules: { plaintextSecrets: { deny: true } } },
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

// Issue 18: onViolation.quarantine is true/false or {minSeverity}; an untyped node, so its CEL rule
// is all the API server checks. crd_schema_test.cpp holds the parser to the same verdicts.
test("onViolation.quarantine takes a boolean or a minimum severity, and nothing else", () => {
  const verdict = (quarantine) => {
    const results = evaluate(schema, policyWith({ rules: { privileged: false }, onViolation: { quarantine } }));
    const mine = results.filter((r) => r.path === "spec.onViolation.quarantine");
    assert.equal(mine.length, 1, "exactly one rule on spec.onViolation.quarantine");
    return mine[0].ok;
  };
  for (const ok of [true, false, {}, { minSeverity: "critical" }, { minSeverity: "high" }, { minSeverity: "medium" },
                    { minSeverity: "low" }])
    assert.equal(verdict(ok), true, JSON.stringify(ok));
  for (const bad of ["true", 1, { minSeverity: "severe" }, { minSeverity: "Critical" }, { minseverity: "critical" },
                     { minSeverity: "critical", extra: 1 }, ["critical"]])
    assert.equal(verdict(bad), false, JSON.stringify(bad));
});

// ------------------------------------------------------------------------------------------------
// SecurityPolicyException (issue 16).

function exceptionWith(patch) {
  const e = structuredClone(fullException);
  patch(e.spec);
  return e;
}

test("the maximal valid exception passes every CEL rule of the exception CRD", () => {
  const results = evaluate(exceptionSchema, fullException);
  // The rules rule once per exceptions entry, and the reason rule.
  assert.equal(results.length, fullException.spec.exceptions.length + 1, JSON.stringify(results));
  for (const r of results) assert.ok(r.ok, `${r.path}: ${r.rule} refuses the valid exception (${r.message})`);
  for (const f of fs.readdirSync(path.join(root, "examples/exceptions"))) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(root, "examples/exceptions", f), "utf8")))
      for (const r of evaluate(exceptionSchema, doc.toJS())) assert.ok(r.ok, `examples/exceptions/${f}: ${r.path}: ${r.message}`);
  }
});

test("invalid exceptions are refused by a CEL rule with a message that says why", () => {
  const cases = [
    [(s) => { s.exceptions[0].rules = ["*", "pss/hostPorts"]; }, '"*" excuses every rule of the policy and must be alone'],
    [(s) => { s.exceptions[1].rules = ["runAsNonRoot", "*"]; }, '"*" excuses every rule of the policy and must be alone'],
    [(s) => { s.reason = ""; }, "reason must not be blank"],
    [(s) => { s.reason = "   "; }, "reason must not be blank"],
    [(s) => { s.reason = " \t\r\n "; }, "reason must not be blank"],
  ];
  for (const [patch, expected] of cases) {
    const e = exceptionWith(patch);
    const failed = evaluate(exceptionSchema, e).filter((r) => !r.ok);
    assert.equal(failed.length, 1, `${JSON.stringify(e.spec)}: ${JSON.stringify(failed)}`);
    assert.ok(failed[0].message.includes(expected), `${JSON.stringify(e.spec)}: got ${failed[0].message}`);
  }
});

test("valid corner cases pass the exception CRD's CEL rules", () => {
  for (const patch of [
    (s) => { s.exceptions = [{ policy: "p", rules: ["*"] }]; },
    (s) => { s.exceptions = [{ policy: "p", rules: ["pss/hostPorts"] }]; },
    (s) => { s.reason = " x "; },
    (s) => { s.reason = "\tneeds hostPID"; },
    (s) => { delete s.match; delete s.ticket; delete s.owner; delete s.expiresAt; },
  ]) {
    const e = exceptionWith(patch);
    assert.deepEqual(evaluate(exceptionSchema, e).filter((r) => !r.ok), [], JSON.stringify(e.spec));
  }
});

// The API server refuses a CRD whose CEL rules could cost too much, estimating the cost from the
// schema's bounds: a rule over an unbounded list or string, or inside a list without maxItems, is
// estimated at the largest request and refused. So everything a rule can read is bounded, and so
// is every list around it; the bounds multiplied out (values a rule can touch over the whole
// object) stay far below the API server's limits (10^7 per rule, 10^8 per CRD).
test("the exception CRD's CEL rules read only bounded data (the API server's cost budget)", () => {
  const problems = [];
  let total = 0;
  const size = (node, at) => {
    if (node.type === "array") {
      if (node.maxItems === undefined) problems.push(`${at}: a list a CEL rule reads has no maxItems`);
      return (node.maxItems ?? Infinity) * size(node.items, `${at}[]`);
    }
    if (node.type === "object") {
      let n = 1;
      for (const [k, child] of Object.entries(node.properties ?? {})) n += size(child, `${at}.${k}`);
      if (node.additionalProperties) {
        if (node.maxProperties === undefined) problems.push(`${at}: a map a CEL rule reads has no maxProperties`);
        n += (node.maxProperties ?? Infinity) * size(node.additionalProperties, `${at}{}`);
      }
      return n;
    }
    if (node.type === "string" && node.enum === undefined && node.format === undefined) {
      if (node.maxLength === undefined) problems.push(`${at}: a string a CEL rule reads has no maxLength`);
      return node.maxLength ?? Infinity;
    }
    return 1;
  };
  const walk = (node, at, cardinality) => {
    if (node["x-kubernetes-validations"]) {
      const perRule = size(node, at);
      for (const v of node["x-kubernetes-validations"]) {
        const cost = perRule * cardinality;
        assert.ok(cost <= 1e6, `${at}: ${v.rule} may touch ${cost} values`);
        total += cost;
      }
    }
    for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, `${at}.${k}`, cardinality);
    if (node.items) {
      if (node.maxItems === undefined && JSON.stringify(node.items).includes("x-kubernetes-validations"))
        problems.push(`${at}: a list with CEL rules inside has no maxItems`);
      walk(node.items, `${at}[]`, cardinality * (node.maxItems ?? Infinity));
    }
  };
  walk(exceptionSchema, "SecurityPolicyException", 1);
  assert.deepEqual(problems, []);
  assert.ok(total <= 1e7, `the rules may touch ${total} values in all`);
});
