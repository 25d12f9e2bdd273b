// `kindlyguard check -o json` (issue 17): the real binary's output validated against the
// documented schema, docs/check-json.schema.json, for denials, exceptions, a List on stdin, a
// custom kind judged by its template, warnings and input errors; and the schema is strict
// enough that a wrong document fails it.
// Run by ctest (tests/chart/CMakeLists.txt, chart.node) with KINDLY_BINARY set; by hand:
//   KINDLY_BINARY=build/kindlyguard node --test tests/chart/check_json_test.mjs
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import Ajv from "ajv";

import { here, sourceDir } from "./lib.mjs";

const binary = process.env.KINDLY_BINARY;
const built = binary && fs.existsSync(binary);
const skipReason = `SKIPPED: the kindlyguard binary (${binary ?? "KINDLY_BINARY unset"}) is not built; ` +
                   "build the kindlyguard target to run this";
const schema = JSON.parse(fs.readFileSync(path.join(sourceDir, "docs", "check-json.schema.json"), "utf8"));
const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
const examples = path.join(sourceDir, "examples");

function check(args, input) {
  const r = spawnSync(binary, ["check", "-o", "json", ...args], { encoding: "utf8", input });
  const doc = JSON.parse(r.stdout);
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  return { status: r.status, doc, stderr: r.stderr };
}

test("the schema rejects what it should", () => {
  assert.equal(validate({}), false);
  assert.equal(validate({ schemaVersion: "kindlyguard.io/check/v2", tool: { name: "kindlyguard", version: "x" },
                          results: [], policies: [], inputs: [], summary: {}, warnings: [], errors: [] }), false);
});

test("denials, exceptions, Lists, custom kinds, warnings and errors all fit the schema", (t) => {
  if (!built) return t.skip(skipReason);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kindly-check-json-"));
  try {
    let r = check(["-p", path.join(examples, "policies"), "-f", path.join(examples, "pods")]);
    assert.equal(r.status, 1);
    assert.ok(r.doc.results.some((o) => o.violations.some((v) => v.line >= 1 && v.column >= 1)));

    r = check(["-p", path.join(examples, "policies"), "-p", path.join(examples, "exceptions"), "-f",
               path.join(examples, "pods"), "--now", "2027-01-01T00:00:00Z"]);
    assert.ok("excused" in r.doc.summary);
    assert.ok(r.doc.results.every((o) => Array.isArray(o.exempted)));

    const list = { apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "a" }, spec: { containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] } },
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { template: { spec: { hostPID: true, containers: [{ name: "c", image: "x" }] } } } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } }] };
    r = check(["-p", path.join(examples, "policies"), "-f", "-"], JSON.stringify(list, null, 2));
    assert.deepEqual(r.doc.results.map((o) => o.pointer), ["/items/0", "/items/1"]);
    assert.equal(r.doc.results[1].judgedAsTemplate, true);
    assert.ok(r.doc.warnings.some((w) => w.includes("Widget")));

    const broken = path.join(work, "broken.yaml");
    fs.writeFileSync(broken, "kind: Pod\nmetadata: {name: x\n");
    r = check(["-p", path.join(examples, "policies"), "-f", broken, "-f", path.join(examples, "pods")]);
    assert.equal(r.status, 2);
    assert.equal(r.doc.summary.inputErrors, true);
    assert.ok(r.doc.errors[0].includes("broken.yaml"));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
