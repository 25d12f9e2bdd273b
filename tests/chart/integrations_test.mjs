// The ready-made CI integrations of issue 17, run for real against the kindlyguard binary
// (KINDLY_BINARY):
//   action.yml            the composite GitHub Action: linted as an action (keys, every input used,
//                         no ${{ }} inside a script), then its steps' bash run as the runner runs
//                         them, with the release download served by a local stand-in of GitHub's
//                         release URLs (a tarball and SHA256SUMS laid out as release.yml publishes
//                         them) and a docker stand-in for image mode
//   .pre-commit-hooks.yaml  linted as pre-commit validates it, then each entry run the way
//                         pre-commit builds its command (entry, args, the changed file names)
// The runner emulation is deliberately small: it knows the expressions action.yml uses and fails
// on any other, so a new expression is a visible change to this file.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { after, before, describe, test } from "node:test";

import YAML from "yaml";

import { sourceDir } from "./lib.mjs";

const binary = process.env.KINDLY_BINARY;
const noBinary = !binary || !fs.existsSync(binary) ? `the kindlyguard binary is not built (${binary ?? "KINDLY_BINARY unset"})` : false;
const actionText = fs.readFileSync(path.join(sourceDir, "action.yml"), "utf8");
const hooksText = fs.readFileSync(path.join(sourceDir, ".pre-commit-hooks.yaml"), "utf8");

// Every temporary directory of this file, removed when its tests are done.
const temps = [];
const tempDir = (prefix) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

const parseYaml = (src) => {
  const doc = YAML.parseDocument(src, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join("\n"));
  return doc.toJS();
};

// ---------------------------------------------------------------------------------------------
// action.yml as an action: what GitHub requires of a composite action's metadata, and this
// repository's rules for scripts.
const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

export function lintAction(src) {
  let a;
  try {
    a = parseYaml(src);
  } catch (e) {
    return [`YAML: ${e.message}`];
  }
  const problems = [];
  for (const key of ["name", "description", "runs"]) if (!a?.[key]) problems.push(`no ${key}`);
  if (a?.runs?.using !== "composite") problems.push(`runs.using is ${a?.runs?.using}, not composite`);
  const steps = Array.isArray(a?.runs?.steps) ? a.runs.steps : [];
  if (!steps.length) problems.push("no runs.steps");
  const inputs = a?.inputs ?? {};
  const ids = new Set(steps.map((s) => s.id).filter(Boolean));
  const used = new Set();
  const collect = (value) => {
    for (const m of String(value).matchAll(EXPRESSION)) {
      const ref = m[1].match(/^inputs\.([A-Za-z0-9_-]+)$/);
      if (ref) used.add(ref[1]);
    }
  };
  for (const [name, input] of Object.entries(inputs)) {
    if (!input?.description) problems.push(`input ${name}: no description`);
    if (input?.required === true && input.default !== undefined && input.default !== "")
      problems.push(`input ${name}: required and a default`);
  }
  for (const [i, step] of steps.entries()) {
    const where = `step ${step.name ?? i + 1}`;
    if (!step.run && !step.uses) problems.push(`${where}: neither run nor uses`);
    if (step.run !== undefined) {
      if (step.shell !== "bash") problems.push(`${where}: shell is ${step.shell} (composite run steps need shell: bash)`);
      // Script injection: GitHub expands ${{ }} into the script text before bash reads it.
      if (/\$\{\{/.test(step.run)) problems.push(`${where}: \${{ }} inside run: (pass it through env:)`);
      if (!/^set -euo pipefail$/m.test(step.run.split("\n")[0])) problems.push(`${where}: the script does not start with set -euo pipefail`);
      for (const name of Object.keys(step.env ?? {}))
        if (!new RegExp(`\\$\\{?${name}\\b`).test(step.run)) problems.push(`${where}: env ${name} is never read by the script`);
    }
    for (const value of [...Object.values(step.env ?? {}), ...Object.values(step.with ?? {}), step.if ?? ""]) collect(value);
    for (const m of JSON.stringify(step).matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs/g))
      if (!ids.has(m[1])) problems.push(`${where}: refers to step ${m[1]}, which does not exist`);
  }
  for (const name of Object.keys(inputs)) if (!used.has(name)) problems.push(`input ${name} is never used`);
  for (const name of used) if (!(name in inputs)) problems.push(`inputs.${name} is used but not declared`);
  for (const [name, output] of Object.entries(a?.outputs ?? {})) {
    if (!output?.description) problems.push(`output ${name}: no description`);
    const m = String(output?.value ?? "").match(/^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.[A-Za-z0-9_-]+\s*\}\}$/);
    if (!m) problems.push(`output ${name}: value is not a step output`);
    else if (!ids.has(m[1])) problems.push(`output ${name}: step ${m[1]} does not exist`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A composite action run as the runner runs it: each step's env with its expressions evaluated,
// its script written to a file and run by `bash --noprofile --norc -eo pipefail FILE` (GitHub's
// `shell: bash`), GITHUB_OUTPUT / GITHUB_PATH files read back between steps, the first failing
// step ending the run.
function evaluate(expr, ctx) {
  let m;
  if ((m = expr.match(/^inputs\.([A-Za-z0-9_-]+)$/))) {
    if (!(m[1] in ctx.inputs)) throw new Error(`inputs.${m[1]} is not an input`);
    return ctx.inputs[m[1]];
  }
  if ((m = expr.match(/^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$/))) return ctx.steps[m[1]]?.outputs?.[m[2]] ?? "";
  // The ref the workflow's `uses: owner/repo@REF` names.
  if (expr === "github.action_ref") return ctx.actionRef;
  throw new Error(`the runner stand-in does not know the expression \${{ ${expr} }}`);
}
const substitute = (value, ctx) => String(value).replace(EXPRESSION, (_, expr) => String(evaluate(expr, ctx)));

function parseOutputFile(file) {
  const out = {};
  if (!fs.existsSync(file)) return out;
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = lines[i].match(/^([^=<]+)<<(.+)$/);
    if (heredoc) {
      const body = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
      out[heredoc[1]] = body.join("\n");
    } else if (lines[i].includes("=")) {
      const eq = lines[i].indexOf("=");
      out[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
    }
  }
  return out;
}

function runProcess(program, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 128 + (os.constants.signals[signal] ?? 0), stdout, stderr });
    });
  });
}

const runnerArch = process.arch === "arm64" ? "ARM64" : "X64";
const releaseArch = process.arch === "arm64" ? "arm64" : "amd64";

async function runAction(withInputs, { cwd, env = {}, actionRef = "main" }) {
  const action = parseYaml(actionText);
  const inputs = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    if (name in withInputs) inputs[name] = String(withInputs[name]);
    else if (spec.required) throw new Error(`test: required input ${name} not given`);
    else inputs[name] = String(spec.default ?? "");
  }
  for (const name of Object.keys(withInputs)) if (!(name in action.inputs)) throw new Error(`test: ${name} is not an input`);
  const temp = tempDir("kg-runner-");
  const ctx = { inputs, steps: {}, actionRef };
  const pathAdds = [];
  const result = { exitCode: 0, stdout: "", stderr: "", steps: ctx.steps, ran: [], temp, pathAdds };
  for (const [i, step] of action.runs.steps.entries()) {
    const files = { GITHUB_OUTPUT: `output-${i}`, GITHUB_PATH: `path-${i}`, GITHUB_ENV: `env-${i}` };
    for (const [k, f] of Object.entries(files)) fs.writeFileSync((files[k] = path.join(temp, f)), "");
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(v, ctx)]));
    const script = path.join(temp, `step-${i}.sh`);
    fs.writeFileSync(script, step.run);
    const r = await runProcess("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd,
      env: {
        PATH: [...pathAdds, env.PATH ?? process.env.PATH].join(":"),
        HOME: process.env.HOME ?? temp,
        LANG: "C.UTF-8",
        GITHUB_ACTIONS: "true",
        GITHUB_WORKSPACE: cwd,
        RUNNER_OS: "Linux",
        RUNNER_ARCH: runnerArch,
        RUNNER_TEMP: temp,
        ...files,
        ...Object.fromEntries(Object.entries(env).filter(([k]) => k !== "PATH")),
        ...stepEnv,
      },
    });
    const id = step.id ?? `step${i}`;
    ctx.steps[id] = { ...r, outputs: parseOutputFile(files.GITHUB_OUTPUT) };
    result.ran.push(id);
    pathAdds.unshift(...fs.readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean).reverse());
    result.stdout += r.stdout;
    result.stderr += r.stderr;
    result.exitCode = r.exitCode;
    if (r.exitCode !== 0) break;
  }
  result.outputs = {};
  for (const [name, o] of Object.entries(action.outputs ?? {})) result.outputs[name] = substitute(o.value, ctx);
  return result;
}

// ---------------------------------------------------------------------------------------------
// A stand-in for GitHub's release URLs on 127.0.0.1:
//   /releases/latest                      302 to /releases/tag/vVERSION
//   /releases/download/vVERSION/FILE      the file from ROOT/vVERSION/FILE
// Every request is recorded.
function releaseServer(root, latest) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/releases/latest") {
      res.writeHead(302, { Location: `/releases/tag/v${latest}` });
      return res.end();
    }
    if (url.pathname.startsWith("/releases/tag/")) {
      res.writeHead(200, { "Content-Type": "text/html" });
      return res.end(req.method === "HEAD" ? undefined : "<html>release</html>");
    }
    const m = url.pathname.match(/^\/releases\/download\/([^/]+)\/([^/]+)$/);
    const file = m && path.join(root, m[1], m[2]);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404);
      return res.end("not found");
    }
    res.writeHead(200, { "Content-Length": fs.statSync(file).size });
    if (req.method === "HEAD") return res.end();
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}/releases` })),
  );
}

const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

// A release directory as .github/workflows/release.yml publishes one: the tarball holding
// `kindlyguard`, and SHA256SUMS as `sha256sum -- *` writes it. `sums` rewrites the checksum file.
function makeRelease(root, version, program, { sums } = {}) {
  const dir = path.join(root, `v${version}`);
  const stage = tempDir("kg-stage-");
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(stage, "kindlyguard");
  try {
    // Stripped as the release strips it: a smaller tarball to pack and unpack.
    execFileSync("strip", ["-o", target, program], { stdio: "ignore" });
  } catch {
    fs.copyFileSync(program, target);
  }
  fs.chmodSync(target, 0o755);
  const asset = `kindlyguard-${version}-linux-${releaseArch}.tar.gz`;
  execFileSync("tar", ["-C", stage, "-czf", path.join(dir, asset), "kindlyguard"]);
  fs.rmSync(stage, { recursive: true, force: true });
  const lines = [`${sha256(path.join(dir, asset))}  ${asset}`, `${"0".repeat(64)}  kindlyguard-${version}.tgz`];
  fs.writeFileSync(path.join(dir, "SHA256SUMS"), (sums ? sums(lines) : lines).join("\n") + "\n");
  return { asset, sha256: sha256(path.join(dir, asset)) };
}

// ---------------------------------------------------------------------------------------------
// The manifests and policies the runs judge, in a workspace laid out as a repository.
const policy = (name, enforcement, spec) =>
  `apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: ${name}}\nspec:\n  enforcement: ${enforcement}\n${spec}`;
const deployment = ({ name, image = "registry.example.com/shop/web:1.4.2", privileged = false, namespace = "shop" }) =>
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ""}spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: ${image}
          securityContext:
            allowPrivilegeEscalation: false
            privileged: ${privileged}
`;
const lineOf = (text, needle) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

function makeWorkspace() {
  const ws = tempDir("kg-workspace-");
  const write = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), text);
  };
  write("policies/no-privileged.yaml", policy("no-privileged", "Deny", "  rules: {privileged: false}\n"));
  write("policies/no-latest.yaml", policy("no-latest", "Warn", "  rules: {images: {disallowTags: [latest]}}\n"));
  write("label-policies/prod-only.yaml",
        policy("prod-only", "Deny", "  match: {namespaceSelector: {matchLabels: {env: prod}}}\n  rules: {privileged: false}\n"));
  write("deploy/web.yaml", deployment({ name: "web" }));
  write("deploy-bad/root.yaml", "# a compliant one first, so the line is not the document's first\n" +
    deployment({ name: "api" }) + "---\n" + deployment({ name: "root", privileged: true }));
  write("deploy-warn/latest.yaml", deployment({ name: "cache", image: "registry.example.com/shop/cache:latest" }));
  write("deploy-nons/privileged.yaml", deployment({ name: "debug", privileged: true, namespace: "" }));
  write("config/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n");
  write("README.md", "# not a manifest\n");
  return ws;
}

// Workflow commands on stdout: [{command, props, message}].
function annotations(stdout) {
  const out = [];
  for (const line of stdout.split("\n")) {
    const m = line.match(/^::(error|warning|notice)( [^:]*)?::(.*)$/);
    if (!m) continue;
    const props = {};
    for (const kv of (m[2] ?? "").trim().split(",").filter(Boolean)) {
      const eq = kv.indexOf("=");
      props[kv.slice(0, eq)] = decodeURIComponent(kv.slice(eq + 1).replace(/%(?![0-9A-F]{2})/g, "%25"));
    }
    out.push({ command: m[1], props, message: decodeURIComponent(m[3].replace(/%(?![0-9A-F]{2})/g, "%25")) });
  }
  return out;
}

// A docker client stand-in: logs its arguments, `pull` succeeds, `run` maps the working directory
// through the -v mounts and runs the kindlyguard binary with the arguments after the image, as the
// image's ENTRYPOINT would.
function dockerStandIn(dir, program, log) {
  const script = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
cmd="$1"; shift
case "$cmd" in
  pull) exit 0 ;;
  run) ;;
  *) echo "docker stand-in: $cmd not emulated" >&2; exit 125 ;;
esac
workdir=/ ; mounts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rm|-i|-t|--read-only) shift ;;
    -v|--volume) mounts+=("$2"); shift 2 ;;
    -w|--workdir) workdir="$2"; shift 2 ;;
    -u|--user|--network|--cap-drop|--security-opt|-e|--env) shift 2 ;;
    -*) echo "docker stand-in: unknown option $1" >&2; exit 125 ;;
    *) break ;;
  esac
done
image="$1"; shift
hostdir="$workdir"
for m in "\${mounts[@]}"; do
  src="\${m%%:*}"; rest="\${m#*:}"; dst="\${rest%%:*}"
  if [[ "$workdir" == "$dst" || "$workdir" == "$dst"/* ]]; then hostdir="$src\${workdir#"$dst"}"; fi
done
cd "$hostdir"
exec ${JSON.stringify(program)} "$@"
`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "docker"), script, { mode: 0o755 });
}

// ---------------------------------------------------------------------------------------------
describe("action.yml", () => {
  test("is a composite action that passes the lint", () => {
    assert.deepEqual(lintAction(actionText), []);
    const a = parseYaml(actionText);
    for (const input of ["policy", "manifests", "manifests-command", "output", "sarif-file", "fail-on", "strict", "version",
                         "namespace", "image", "download-url"])
      assert.ok(a.inputs[input], `no input ${input}`);
    assert.equal(a.inputs.output.default, "github");
    assert.equal(a.inputs["fail-on"].default, "deny");
    assert.equal(a.inputs["download-url"].default, "https://github.com/kindlyguard/kindlyguard/releases");
  });

  test("downloads the asset release.yml publishes, and verifies it against SHA256SUMS", () => {
    const release = fs.readFileSync(path.join(sourceDir, ".github", "workflows", "release.yml"), "utf8");
    assert.match(release, /kindlyguard-\$\{version\}-linux-\$\{ARCH\}\.tar\.gz/);
    assert.match(release, /sha256sum -- \* > SHA256SUMS/);
    const install = parseYaml(actionText).runs.steps[0].run;
    assert.match(install, /kindlyguard-\$\{version\}-linux-\$\{arch\}\.tar\.gz/);
    assert.match(install, /SHA256SUMS/);
    assert.match(install, /sha256sum/);
  });

  describe("the lint catches", () => {
    const broken = (from, to) => {
      assert.ok(actionText.includes(from), `fixture: action.yml no longer contains ${from}`);
      return lintAction(actionText.replace(from, to));
    };
    const expectProblem = (problems, re) => assert.ok(problems.some((p) => re.test(p)), `expected ${re} in:\n${problems.join("\n")}`);
    test("an input expanded inside a script", () =>
      expectProblem(broken('fail "policy: name at least one', 'fail "${{ inputs.policy }}: name at least one'), /inside run:/));
    test("an input no step uses", () => expectProblem(broken("        ARGS: ${{ inputs.args }}\n", ""), /input args is never used/));
    test("an env value the script never reads", () =>
      expectProblem(broken("        ARGS: ${{ inputs.args }}\n", "        ARGS: ${{ inputs.args }}\n        UNUSED: x\n"), /env UNUSED is never read/));
    test("a run step without shell", () => expectProblem(broken("      shell: bash\n", ""), /shell is undefined/));
    test("not composite", () => expectProblem(broken("using: composite", "using: node20"), /not composite/));
    test("an output of a step that does not exist", () =>
      expectProblem(broken("${{ steps.check.outputs.exit-code }}", "${{ steps.nope.outputs.exit-code }}"), /step nope does not exist/));
  });
});

describe("action.yml run as the runner runs it", { skip: noBinary }, () => {
  let releases, ws, version, good, bin;

  before(async () => {
    version = execFileSync(binary, ["version"], { encoding: "utf8" }).match(/kindlyguard (\S+)/)[1];
    const root = tempDir("kg-releases-");
    good = makeRelease(root, version, binary);
    // A release whose SHA256SUMS does not match its tarball.
    makeRelease(root, `${version}-tampered`, binary, { sums: (lines) => lines.map((l) => l.replace(/^[0-9a-f]{8}/, "deadbeef")) });
    // A release whose binary cannot run here, as the Debian 12 build fails on a runner that lacks
    // its libraries.
    const nolibs = path.join(root, "nolibs.sh");
    fs.writeFileSync(nolibs, "#!/bin/sh\necho 'kindlyguard: error while loading shared libraries: libyaml-cpp.so.0.7: " +
                             "cannot open shared object file: No such file or directory' >&2\nexit 127\n", { mode: 0o755 });
    makeRelease(root, `${version}-nolibs`, nolibs);
    releases = await releaseServer(root, version);
    ws = makeWorkspace();
    bin = tempDir("kg-bin-");
  });
  after(() => releases?.server.close());

  const run = (inputs, opts = {}) => runAction({ "download-url": releases.url, ...inputs }, { cwd: ws, ...opts });

  test("a passing manifest: exit 0, the latest release resolved, downloaded, verified and put on PATH", async () => {
    const r = await run({ policy: "policies", manifests: "deploy" });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.deepEqual(r.ran, ["install", "check"]);
    assert.equal(r.outputs["exit-code"], "0");
    assert.equal(r.outputs.version, version);
    assert.ok(releases.requests.includes("HEAD /releases/latest"), releases.requests.join("\n"));
    assert.ok(releases.requests.includes(`GET /releases/download/v${version}/kindlyguard-${version}-linux-${releaseArch}.tar.gz`));
    assert.ok(releases.requests.includes(`GET /releases/download/v${version}/SHA256SUMS`));
    assert.match(r.stdout, new RegExp(`sha256 ${good.sha256}`));
    assert.ok(fs.existsSync(r.outputs.binary));
    assert.equal(r.pathAdds[0], path.dirname(r.outputs.binary), "the binary's directory is added to PATH for later steps");
    assert.deepEqual(annotations(r.stdout).filter((a) => a.command === "error"), []);
  });

  test("a denied manifest: exit 1 and an error annotation on the offending line; SARIF written", async () => {
    const before = releases.requests.length;
    const r = await run({ policy: "policies", manifests: "deploy-bad", version: `v${version}`, "sarif-file": "reports/kindlyguard.sarif" });
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.equal(r.outputs["exit-code"], "1");
    assert.equal(r.outputs["sarif-file"], "reports/kindlyguard.sarif");
    assert.ok(!releases.requests.slice(before).some((q) => q.includes("/latest")), "an explicit version needs no lookup");
    const text = fs.readFileSync(path.join(ws, "deploy-bad/root.yaml"), "utf8");
    const errors = annotations(r.stdout).filter((a) => a.command === "error" && a.props.file);
    assert.equal(errors.length, 1, r.stdout);
    assert.equal(errors[0].props.file, "deploy-bad/root.yaml");
    assert.equal(Number(errors[0].props.line), lineOf(text, "privileged: true"), r.stdout);
    assert.match(errors[0].props.title, /no-privileged/);
    assert.match(errors[0].message, /root/);
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, "reports/kindlyguard.sarif"), "utf8"));
    assert.equal(sarif.version, "2.1.0");
    const results = sarif.runs[0].results;
    assert.ok(results.length >= 1);
    const loc = results[0].locations[0].physicalLocation;
    assert.match(loc.artifactLocation.uri, /deploy-bad\/root\.yaml$/);
    assert.equal(loc.region.startLine, lineOf(text, "privileged: true"));
  });

  test("used at a release tag, the action runs that release's binary; at a branch, the latest", async () => {
    let before = releases.requests.length;
    let r = await run({ policy: "policies", manifests: "deploy" }, { actionRef: `v${version}` });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.version, version);
    assert.ok(!releases.requests.slice(before).some((q) => q.includes("/latest")), releases.requests.slice(before).join("\n"));
    before = releases.requests.length;
    r = await run({ policy: "policies", manifests: "deploy" }, { actionRef: "3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39" });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.ok(releases.requests.slice(before).includes("HEAD /releases/latest"));
  });

  test("fail-on: a warned manifest passes the deny bar and fails the warn bar", async () => {
    let r = await run({ policy: "policies", manifests: "deploy-warn", version });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const warnings = annotations(r.stdout).filter((a) => a.command === "warning" && a.props.file === "deploy-warn/latest.yaml");
    assert.equal(warnings.length, 1, r.stdout);
    r = await run({ policy: "policies", manifests: "deploy-warn", version, "fail-on": "warn" });
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
  });

  test("strict: an input with nothing to judge is a warning, and with strict exit 2", async () => {
    let r = await run({ policy: "policies", manifests: "config deploy", version });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    r = await run({ policy: "policies", manifests: "config deploy", version, strict: "true" });
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
  });

  test("manifests-command: judged from its output (stdin); a failing command is bad input", async () => {
    let r = await run({ policy: "policies", "manifests-command": "cat deploy/web.yaml && echo --- && cat deploy-bad/root.yaml", version });
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    const errors = annotations(r.stdout).filter((a) => a.command === "error" && !a.props.file && a.props.title);
    assert.equal(errors.length, 1, "stdin has no file to annotate: the annotation names none\n" + r.stdout);
    r = await run({ policy: "policies", "manifests-command": "helm-that-is-not-installed template chart", version });
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /::error title=kindlyguard action::manifests-command failed with exit code 127/);
    r = await run({ policy: "policies", manifests: "deploy", "manifests-command": "cat deploy/web.yaml", version });
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /give manifests or manifests-command, not both/);
  });

  test("namespace and namespace-labels reach check", async () => {
    let r = await run({ policy: "label-policies", manifests: "deploy-nons", version, namespace: "shop" });
    assert.equal(r.exitCode, 0, "without labels the label-selecting policy does not apply\n" + r.stdout + r.stderr);
    r = await run({ policy: "label-policies", manifests: "deploy-nons", version, namespace: "shop", "namespace-labels": "shop=env=prod" });
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    r = await run({ policy: "label-policies", manifests: "deploy-nons", version, namespace: "dev", "namespace-labels": "shop=env=prod\nother=env=prod" });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });

  test("inputs are data, never shell code", async () => {
    const marker = path.join(ws, "PWNED");
    const r = await run({
      policy: `policies $(touch ${marker}) \`touch ${marker}\``,
      manifests: `deploy'; touch ${marker}; echo '`,
      namespace: `shop"; touch ${marker}; echo "`,
      args: `--now $(touch${marker})`,
      version,
    });
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.ok(!fs.existsSync(marker), "an input was run as a command");
  });

  test("bad inputs fail before anything runs, with exit 2 and an error annotation", async () => {
    for (const [inputs, re] of [
      [{ output: "xml" }, /output must be text, wide, json, sarif, junit or github/],
      [{ "fail-on": "audit" }, /fail-on must be deny or warn/],
      [{ strict: "yes" }, /strict must be true or false/],
      [{ policy: "  " }, /policy: name at least one/],
      [{ manifests: "" }, /manifests: name at least one/],
    ]) {
      const r = await run({ policy: "policies", manifests: "deploy", version, ...inputs });
      assert.equal(r.exitCode, 2, JSON.stringify(inputs));
      assert.match(r.stdout, re);
    }
    const r = await run({ policy: "policies", manifests: "deploy", version: "1.2" });
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /version must be a release such as 0\.2\.0 or latest/);
  });

  test("a tarball that does not match SHA256SUMS, or the sha256 input, is never run", async () => {
    let r = await run({ policy: "policies", manifests: "deploy-bad", version: `${version}-tampered` });
    assert.equal(r.exitCode, 2);
    assert.deepEqual(r.ran, ["install"]);
    assert.match(r.stdout, /does not match SHA256SUMS/);
    r = await run({ policy: "policies", manifests: "deploy-bad", version, sha256: "ab".repeat(32) });
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /does not match the sha256 input/);
    r = await run({ policy: "policies", manifests: "deploy-bad", version, sha256: good.sha256.toUpperCase() });
    assert.equal(r.exitCode, 1, "the right pin passes (in any case)\n" + r.stdout + r.stderr);
    r = await run({ policy: "policies", manifests: "deploy", version: "0.0.0" });
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /could not download/);
  });

  test("a binary that cannot run on the runner says why and what to do", async () => {
    const r = await run({ policy: "policies", manifests: "deploy", version: `${version}-nolibs` });
    assert.equal(r.exitCode, 2);
    assert.deepEqual(r.ran, ["install"]);
    assert.match(r.stdout, /does not run on this runner: .*libyaml-cpp\.so\.0\.7.*set image: true/);
  });

  test("image mode runs the release's image with docker: no network, read-only, the workspace at its own path", async () => {
    const log = path.join(bin, "docker.log");
    dockerStandIn(path.join(bin, "docker-bin"), binary, log);
    const env = { PATH: `${path.join(bin, "docker-bin")}:${process.env.PATH}` };
    let r = await run({ policy: "policies", manifests: "deploy-bad", image: "true" }, { env });
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.equal(r.outputs.binary, "");
    assert.equal(annotations(r.stdout).filter((a) => a.command === "error" && a.props.file === "deploy-bad/root.yaml").length, 1, r.stdout);
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    const image = `ghcr.io/kindlyguard/kindlyguard:${version}`;
    assert.ok(calls.includes(`pull --quiet ${image}`), calls.join("\n"));
    const check = calls.find((c) => c.includes(" check "));
    assert.ok(check, calls.join("\n"));
    for (const part of ["run --rm -i --network none --read-only --cap-drop ALL --security-opt no-new-privileges",
                        `-v ${ws}:${ws}:ro -w ${ws}`, `${image} check -p policies -f deploy-bad --fail-on=deny -o github`])
      assert.ok(check.includes(part), `${part} not in: ${check}`);
    // A pinned reference is used as given, and needs no release lookup.
    const pinned = `ghcr.io/kindlyguard/kindlyguard@sha256:${"1".repeat(64)}`;
    const before = releases.requests.length;
    r = await run({ policy: "policies", manifests: "deploy", image: pinned }, { env });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(releases.requests.length, before, "no download and no latest lookup for a pinned image");
    assert.ok(fs.readFileSync(log, "utf8").includes(`${pinned} check -p policies -f deploy`));
  });
});

// ---------------------------------------------------------------------------------------------
// .pre-commit-hooks.yaml: the keys pre-commit's manifest schema requires and allows (pre-commit
// validate-manifest), then each hook run as pre-commit runs it: languages/system runs
// shlex.split(entry) + args + filenames; languages/docker_image puts
// `docker run --rm -u UID:GID -v CWD:/src:rw,Z --workdir /src` before that.
const HOOK_KEYS = new Set(["id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or", "exclude_types",
  "additional_dependencies", "args", "always_run", "fail_fast", "pass_filenames", "description", "language_version",
  "log_file", "require_serial", "stages", "verbose", "minimum_pre_commit_version"]);
const LANGUAGES = new Set(["conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang", "haskell", "lua",
  "node", "perl", "pygrep", "python", "r", "ruby", "rust", "script", "swift", "system"]);
// pre-commit's regexes are Python's; these hooks use the part both dialects share.
const pyRegex = (re) => new RegExp(re);
const shlexSplit = (s) => s.trim().split(/\s+/);

describe(".pre-commit-hooks.yaml", () => {
  const hooks = parseYaml(hooksText);

  test("is a list of valid hooks", () => {
    assert.ok(Array.isArray(hooks) && hooks.length >= 1);
    const ids = hooks.map((h) => h.id);
    assert.equal(new Set(ids).size, ids.length, "hook ids are unique");
    assert.ok(ids.includes("kindlyguard-check"));
    for (const h of hooks) {
      for (const key of ["id", "name", "entry", "language"]) assert.ok(typeof h[key] === "string" && h[key], `${h.id}: no ${key}`);
      for (const key of Object.keys(h)) assert.ok(HOOK_KEYS.has(key), `${h.id}: unknown key ${key}`);
      assert.ok(LANGUAGES.has(h.language), `${h.id}: unknown language ${h.language}`);
      assert.notEqual(h.pass_filenames, false, `${h.id}: the changed files must reach check`);
      const files = pyRegex(h.files);
      for (const f of ["deploy/app.yaml", "k8s/svc.yml", "list.json", "a/b/c.YAML".toLowerCase()]) assert.ok(files.test(f), `${h.id}: ${f} not matched`);
      for (const f of ["README.md", "values.yaml.tpl", "Makefile", "yaml"]) assert.ok(!files.test(f), `${h.id}: ${f} matched`);
      // YAML that is never a manifest would only add "nothing to judge" warnings (errors with --strict).
      const exclude = pyRegex(h.exclude ?? "(?!)");
      for (const f of [".pre-commit-config.yaml", ".github/workflows/ci.yml", "policies/tests/kindlyguard-test.yaml"])
        assert.ok(exclude.test(f), `${h.id}: ${f} is not excluded`);
      for (const f of ["deploy/app.yaml", "github/app.yaml", "k8s/kindlyguard-test.yaml.bak.yaml"]) assert.ok(!exclude.test(f), `${h.id}: ${f} excluded`);
      assert.match(h.entry, /(^|\s)check$/, `${h.id}: the entry runs check`);
    }
    assert.equal(hooks.find((h) => h.id === "kindlyguard-check").entry, "kindlyguard check");
    const docker = hooks.find((h) => h.language === "docker_image");
    assert.ok(docker, "a docker_image hook");
    assert.match(docker.entry, /^ghcr\.io\/kindlyguard\/kindlyguard(:[\w.-]+|@sha256:[0-9a-f]{64}) check$/);
  });

  describe("run as pre-commit runs it", { skip: noBinary }, () => {
    let ws, bin, dockerLog;
    before(() => {
      ws = makeWorkspace();
      bin = tempDir("kg-hookbin-");
      fs.symlinkSync(binary, path.join(bin, "kindlyguard"));
      dockerLog = path.join(bin, "docker.log");
      dockerStandIn(bin, binary, dockerLog);
    });

    // The files pre-commit would pass: the changed ones its `files` regex selects.
    const changed = ["README.md", ".pre-commit-config.yaml", "deploy/web.yaml", "deploy-bad/root.yaml", "config/settings.yaml",
                     "deploy-warn/latest.yaml"];
    const hookRun = (id, args, files) => {
      const h = hooks.find((x) => x.id === id);
      const selected = files.filter((f) => pyRegex(h.files).test(f) && !(h.exclude && pyRegex(h.exclude).test(f)));
      let cmd = [...shlexSplit(h.entry), ...args, ...selected];
      if (h.language === "docker_image")
        cmd = ["docker", "run", "--rm", "-u", `${process.getuid()}:${process.getgid()}`, "-v", `${ws}:/src:rw,Z`, "--workdir", "/src", ...cmd];
      return { selected, result: runProcess(cmd[0], cmd.slice(1), { cwd: ws, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } }) };
    };

    for (const id of ["kindlyguard-check", "kindlyguard-check-docker"]) {
      test(`${id}: the changed manifests are judged; a denied one fails the commit`, async () => {
        const { selected, result } = hookRun(id, ["--policy", "policies"], changed);
        assert.deepEqual(selected, ["deploy/web.yaml", "deploy-bad/root.yaml", "config/settings.yaml", "deploy-warn/latest.yaml"]);
        const r = await result;
        assert.equal(r.exitCode, 1, r.stdout + r.stderr);
        assert.match(r.stdout, /root/);
        const ok = await hookRun(id, ["--policy", "policies"], ["deploy/web.yaml", "README.md"]).result;
        assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
        const warn = await hookRun(id, ["--policy", "policies", "--fail-on=warn"], ["deploy-warn/latest.yaml"]).result;
        assert.equal(warn.exitCode, 1, warn.stdout + warn.stderr);
      });
    }

    test("the docker hook mounts the repository at /src and runs the image's entrypoint with check", () => {
      const calls = fs.readFileSync(dockerLog, "utf8");
      assert.match(calls, /^run --rm -u \d+:\d+ -v \S+:\/src:rw,Z --workdir \/src ghcr\.io\/kindlyguard\/kindlyguard:\S+ check --policy policies /m);
    });
  });
});
