// `kindlyguard check -o sarif` (issue 17): the real binary's output, for a file and for stdin,
// validated against the official SARIF 2.1.0 JSON schemas (testdata/sarif-schema-2.1.0.json, the
// draft-07 one, and testdata/sarif-schema-2.1.0-errata01.json, the OASIS Standard's; provenance
// and licence in testdata/sarif-schema-2.1.0.md), then read as a SARIF viewer reads it: rules,
// results that name a rule, locations with a line and column on the very field, suppressions for
// excused findings, stable fingerprints.
// Run by ctest (tests/chart/CMakeLists.txt, chart.node) with KINDLY_BINARY set; by hand:
//   KINDLY_BINARY=build/kindlyguard node --test tests/chart/sarif_test.mjs
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";

import Ajv from "ajv";

import { here, sourceDir } from "./lib.mjs";

const testdata = path.join(here, "testdata");
const binary = process.env.KINDLY_BINARY;
const built = binary && fs.existsSync(binary);
const skipReason = `SKIPPED: the kindlyguard binary (${binary ?? "KINDLY_BINARY unset"}) is not built; ` +
                   "build the kindlyguard target to run this";

const manifest = fs.readFileSync(path.join(testdata, "check-violations.yaml"), "utf8");
// A path as CI passes it (relative to the checkout), with a space a URI must percent-encode.
const manifestPath = "deploy/web app.yaml";
const manifestUri = "deploy/web%20app.yaml";

function schema(file) {
  return JSON.parse(fs.readFileSync(path.join(testdata, file), "utf8"));
}

// draft-07 copy: its `language` patterns hold a lone "]", valid only without the regex u flag.
// errata01 copy: draft-04 in name only (no keyword whose meaning changed is used), read as
// draft-07. Formats are not checked (no ajv-formats); URIs are checked below.
const validators = {
  "draft-07 (schemastore)": new Ajv({ strict: false, validateFormats: false, allErrors: true, unicodeRegExp: false })
    .compile(schema("sarif-schema-2.1.0.json")),
  "OASIS errata01": (() => {
    const s = schema("sarif-schema-2.1.0-errata01.json");
    s.$schema = "http://json-schema.org/draft-07/schema#";
    s.$id = s.id;
    delete s.id;
    return new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(s);
  })(),
};

let work = null;
function workDir() {
  if (!work) {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kindly-sarif-"));
    process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
    fs.mkdirSync(path.join(work, "deploy"));
    fs.writeFileSync(path.join(work, manifestPath), manifest);
    fs.writeFileSync(path.join(work, "deploy", "empty.yaml"), "# nothing to judge\n");
  }
  return work;
}

// `check -o sarif` over examples/policies and the test's exception, from the work directory so
// that paths stay relative as in CI. The run denies something: exit 1.
function sarif(args, input) {
  const r = spawnSync(binary, ["check", "-o", "sarif", "-p", path.join(sourceDir, "examples", "policies"),
                               "-p", path.join(testdata, "check-exception.yaml"), ...args],
                      { cwd: workDir(), input, encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.error, undefined, `could not run ${binary}: ${r.error}`);
  assert.equal(r.status, 1, `check -o sarif should exit 1 (something denied); got ${r.status}\nstderr: ${r.stderr}`);
  let log;
  assert.doesNotThrow(() => { log = JSON.parse(r.stdout); }, `stdout is not JSON:\n${r.stdout.slice(0, 2000)}`);
  return log;
}

function assertValid(log) {
  for (const [name, validate] of Object.entries(validators)) {
    const ok = validate(log);
    const errors = (validate.errors ?? []).slice(0, 20);
    assert.ok(ok, `invalid SARIF against the ${name} schema:\n` +
              errors.map((e) => `  ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join("\n"));
  }
}

// RFC 3986 URI reference, as check writes them: only unreserved, sub-delims, ':' '@' '/' and
// percent-escapes; a relative reference's first segment has no ':'.
function assertUriReference(uri) {
  assert.match(uri, /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+$/, `not a URI reference: ${uri}`);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) || uri.startsWith("file:")) return;
  assert.fail(`${uri} reads as a URI with scheme ${uri.split(":")[0]}`);
}

// 1-based line of the first line of the manifest that, after `from`, contains `text`.
function lineOf(text, from = "") {
  const lines = manifest.split("\n");
  const start = from ? lines.findIndex((l) => l.includes(from)) : 0;
  const i = lines.findIndex((l, k) => k >= start && l.includes(text));
  assert.ok(i >= 0, `${text} not in the manifest`);
  return i + 1;
}

const objectOf = (result) => result.locations[0].logicalLocations?.[0]?.fullyQualifiedName;
const find = (log, policy, rule, object) =>
  log.runs[0].results.find((r) => r.properties?.policy === policy && r.ruleId === rule && objectOf(r) === object);

// What a viewer needs of every log, file or stdin.
function assertViewerShape(log) {
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  const rules = run.tool.driver.rules;
  assert.ok(rules.length > 0, "runs[0].tool.driver.rules is empty");
  const ids = rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, `rule ids repeat: ${ids}`);
  for (const rule of rules) assert.ok(rule.shortDescription?.text, `rule ${rule.id} has no shortDescription`);
  assert.ok(run.results.length > 0, "no results");
  const fingerprints = new Set();
  for (const r of run.results) {
    assert.ok(ids.includes(r.ruleId), `result names rule ${r.ruleId}, which is not among the rules`);
    assert.equal(rules[r.ruleIndex].id, r.ruleId, `ruleIndex ${r.ruleIndex} is not ${r.ruleId}`);
    assert.ok(["error", "warning", "note"].includes(r.level), `level ${r.level}`);
    assert.ok(r.message.text.length > 0);
    assert.ok(!("fixes" in r), "a SARIF fix needs artifactChanges; check's fixes are prose in the message");
    for (const loc of r.locations) assertUriReference(loc.physicalLocation.artifactLocation.uri);
    const fp = JSON.stringify(r.partialFingerprints);
    assert.ok(!fingerprints.has(fp), `two results share the fingerprint ${fp}`);
    fingerprints.add(fp);
  }
}

// The validators are not trivially satisfied: each refuses what check must never write.
test("the SARIF schemas refuse a fix without artifactChanges and a line 0", () => {
  const log = (result) => ({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [result] }] });
  const located = (region) =>
    ({ message: { text: "m" }, locations: [{ physicalLocation: { artifactLocation: { uri: "a.yaml" }, region } }] });
  for (const [name, validate] of Object.entries(validators)) {
    assert.ok(validate(log(located({ startLine: 1, startColumn: 1 }))), `${name}: a plain result`);
    assert.ok(!validate(log(located({ startLine: 0 }))), `${name}: startLine 0`);
    assert.ok(!validate(log({ message: { text: "m" }, fixes: [{ description: { text: "set x" } }] })), `${name}: fix`);
  }
});

describe("check -o sarif", { skip: !built && skipReason }, () => {
  test("a file's log validates against both SARIF 2.1.0 schemas", () => {
    assertValid(sarif(["-f", manifestPath]));
  });

  test("a file's log has the shape a SARIF viewer reads", () => {
    const log = sarif(["-f", manifestPath]);
    assertViewerShape(log);
    assert.equal(log.runs[0].tool.driver.name, "kindlyguard");
    for (const r of log.runs[0].results) {
      const physical = r.locations[0].physicalLocation;
      assert.equal(physical.artifactLocation.uri, manifestUri);
      assert.ok(physical.region?.startLine >= 1, `${r.ruleId}: no line for a file input`);
      if ("startColumn" in physical.region) assert.ok(physical.region.startColumn >= 1);
    }
  });

  test("results point at the line of the field", () => {
    const log = sarif(["-f", manifestPath]);
    const privileged = find(log, "baseline-deny", "pss/privileged", "Pod/prod-shop/root-shell");
    assert.ok(privileged, "no baseline-deny pss/privileged result for the pod");
    assert.equal(privileged.level, "error");
    assert.equal(privileged.locations[0].physicalLocation.region.startLine, lineOf("privileged: true"));
    const hostPID = find(log, "baseline-deny", "pss/hostNamespaces", "Pod/prod-shop/root-shell");
    assert.equal(hostPID.locations[0].physicalLocation.region.startLine, lineOf("hostPID: true"));
    const warn = find(log, "restricted-warn", "pss/hostPorts", "DaemonSet/monitoring/node-exporter");
    assert.equal(warn.level, "warning");
    assert.equal(warn.locations[0].physicalLocation.region.startLine, lineOf("hostPort: 9100"));
    // the fix hint travels in the message and the properties
    const fix = find(log, "production-hardening", "privileged", "Pod/prod-shop/root-shell");
    assert.match(fix.message.text, /privileged=false/);
    assert.match(fix.properties.fix, /privileged=false/);
  });

  test("excused findings are suppressed results", () => {
    const log = sarif(["-f", manifestPath]);
    const excused = find(log, "baseline-deny", "pss/hostPorts", "DaemonSet/monitoring/node-exporter");
    assert.ok(excused, "the excused finding is missing from the log");
    assert.equal(excused.suppressions?.[0]?.kind, "external");
    assert.match(excused.suppressions[0].justification, /monitoring\/node-exporter/);
    const notExcused = find(log, "restricted-warn", "pss/hostPorts", "DaemonSet/monitoring/node-exporter");
    assert.equal(notExcused.suppressions, undefined);
  });

  test("fingerprints are the same from one run to the next", () => {
    const a = sarif(["-f", manifestPath]).runs[0].results.map((r) => r.partialFingerprints);
    const b = sarif(["-f", manifestPath]).runs[0].results.map((r) => r.partialFingerprints);
    assert.deepEqual(a, b);
  });

  test("stdin: valid, with the uri stdin", () => {
    const log = sarif(["-f", "-"], manifest);
    assertValid(log);
    assertViewerShape(log);
    for (const r of log.runs[0].results) {
      const physical = r.locations[0].physicalLocation;
      assert.equal(physical.artifactLocation.uri, "stdin");
      if (physical.region) assert.ok(physical.region.startLine >= 1);
    }
  });

  test("run warnings are tool notifications, and the log stays valid", () => {
    const log = sarif(["-f", manifestPath, "-f", "deploy/empty.yaml"]);
    assertValid(log);
    const notes = log.runs[0].invocations[0].toolExecutionNotifications ?? [];
    assert.ok(notes.some((n) => n.level === "warning" && /empty\.yaml/.test(n.message.text)),
              `no warning names deploy/empty.yaml, which held nothing to judge: ${JSON.stringify(notes)}`);
    assert.equal(log.runs[0].invocations[0].executionSuccessful, true);
  });
});
