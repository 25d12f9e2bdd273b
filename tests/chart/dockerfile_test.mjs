// The Dockerfile, checked without a Docker engine (there is none on the build machines): a
// multi-stage build, pinned base images, a non-root numeric USER matching the chart, no ADD of
// URLs, no secrets, a shell-free HEALTHCHECK; and the runtime stage's library lists against `ldd`
// of the kindlyguard binary (KINDLY_BINARY), so the image cannot miss a shared library.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";

import { sourceDir } from "./lib.mjs";

const text = fs.readFileSync(path.join(sourceDir, "Dockerfile"), "utf8");

// Instructions with continuation lines joined and comments dropped.
function instructions(src) {
  const out = [];
  let cur = "";
  for (const raw of src.split("\n")) {
    const line = raw.trimEnd();
    if (!cur && (/^\s*#/.test(line) || !line.trim())) continue;
    if (cur && /^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      cur += line.slice(0, -1) + " ";
      continue;
    }
    cur += line;
    const m = cur.trim().match(/^(\S+)\s*(.*)$/s);
    out.push({ op: m[1].toUpperCase(), args: m[2] });
    cur = "";
  }
  return out;
}
const ins = instructions(text);
// ARGs before the first FROM (the base images) and their defaults, which FROM lines may expand.
const globalArgs = {};
for (const i of ins) {
  if (i.op === "FROM") break;
  const m = i.op === "ARG" && i.args.match(/^(\w+)=(.*)$/);
  if (m) globalArgs[m[1]] = m[2].replace(/^"|"$/g, "");
}
const expand = (s) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? "");
const stages = [];
for (const i of ins) {
  if (i.op === "FROM") stages.push({ from: expand(i.args), fromRaw: i.args, ins: [] });
  else if (stages.length) stages.at(-1).ins.push(i);
}
const runtime = stages.at(-1);
const argValue = (stage, name) => {
  const a = stage.ins.find((i) => i.op === "ARG" && i.args.startsWith(name + "="));
  assert.ok(a, `no ARG ${name} in the stage`);
  return a.args.slice(name.length + 1).replace(/^"|"$/g, "").split(/\s+/).filter(Boolean);
};

describe("Dockerfile", () => {
  test("is multi-stage and the runtime stage copies only from the build stage", () => {
    assert.ok(stages.length >= 2, "a single stage ships the toolchain");
    const buildName = stages[0].from.match(/\bAS\s+(\S+)/i)?.[1];
    assert.ok(buildName, "the build stage is named");
    const copies = runtime.ins.filter((i) => i.op === "COPY");
    assert.ok(copies.length >= 1);
    for (const c of copies) assert.match(c.args, new RegExp(`--from=${buildName}\\b`), `runtime COPY not from the build stage: ${c.args}`);
  });

  test("base images are pinned: no :latest, no untagged image", () => {
    for (const s of stages) {
      const image = s.from.split(/\s+/).find((w) => !w.startsWith("--"));
      const [nameTag, digest] = image.split("@");
      const tag = nameTag.includes(":") ? nameTag.slice(nameTag.lastIndexOf(":") + 1) : "";
      assert.ok(tag || digest, `${image} has neither tag nor digest`);
      assert.notEqual(tag, "latest", `${image} is :latest`);
      if (digest) assert.match(digest, /^sha256:[0-9a-f]{64}$/);
      else assert.match(tag, /\d/, `${image}: a moving tag such as bookworm; pin a dated tag or a digest`);
    }
    assert.match(stages[0].from, /^debian:bookworm-\d{8}(-slim)?\b/, "the build stage is Debian bookworm, by dated tag");
    assert.match(runtime.from, /^gcr\.io\/distroless\/cc-debian12(:\S+)?@sha256:/, "the runtime stage is distroless cc, by digest");
  });

  test("the base images are build arguments whose defaults are the pinned public ones", () => {
    // scripts/test-image.sh builds against local stand-ins by passing BUILD_BASE and RUNTIME_BASE.
    assert.match(stages[0].fromRaw, /^\$\{BUILD_BASE\}\s+AS\s+build\b/i);
    assert.match(runtime.fromRaw, /^\$\{RUNTIME_BASE\}\s+AS\s+runtime\b/i);
    assert.ok(globalArgs.BUILD_BASE && globalArgs.RUNTIME_BASE, "ARG BUILD_BASE=... and ARG RUNTIME_BASE=... before the first FROM");
  });

  test("the build stage installs only the build dependencies and builds only the kindlyguard binary", () => {
    const runs = stages[0].ins.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");
    // Not `make deps`: that installs clang, Go, Node and the test libraries into the build cache.
    assert.match(runs, /scripts\/deps\.sh --build-only|\bmake deps-build\b/);
    assert.doesNotMatch(runs, /\bmake deps(?!-build)\b/);
    assert.match(runs, /\bmake binary\b[^\n]*DEPS_FLAGS=--build-only/);
    assert.match(runs, /KINDLY_BUILD_TESTS=OFF/);
    assert.match(runs, /KINDLY_BUILD_BENCH=OFF/);
  });

  test("runs as the chart's non-root user, numerically", () => {
    const users = runtime.ins.filter((i) => i.op === "USER");
    assert.equal(users.length, 1);
    assert.equal(users[0].args.trim(), "10001:10001");
    // The chart runs the pods as the same IDs: in the Deployment template, or as the default of
    // its securityContext values (OpenShift users may clear them).
    const chart = ["templates/deployment.yaml", "values.yaml"]
      .map((f) => fs.readFileSync(path.join(sourceDir, "charts", "kindlyguard", f), "utf8")).join("\n");
    assert.match(chart, /runAsUser: 10001/);
    assert.match(chart, /runAsGroup: 10001/);
  });

  test("no ADD of URLs (or at all), no secrets, no curl | sh", () => {
    for (const i of ins) {
      assert.notEqual(i.op, "ADD", `ADD ${i.args}: use COPY from the context`);
      if (i.op === "ENV" || i.op === "ARG")
        assert.doesNotMatch(i.args, /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|AWS_|API_KEY)/i, `${i.op} ${i.args} looks like a secret`);
      if (i.op === "RUN") {
        assert.doesNotMatch(i.args, /\b(curl|wget)\b/, "downloads in RUN: everything comes from Debian or the context");
        assert.doesNotMatch(i.args, /--mount=type=secret/);
      }
    }
    assert.doesNotMatch(text, /BEGIN [A-Z ]*PRIVATE KEY/);
  });

  test("health check and entrypoint need no shell", () => {
    const hc = runtime.ins.find((i) => i.op === "HEALTHCHECK");
    if (hc) assert.match(hc.args, /CMD \["\/usr\/local\/bin\/kindlyguard",\s*"health"\]/);
    const ep = runtime.ins.find((i) => i.op === "ENTRYPOINT");
    assert.match(ep.args, /^\[.*\]$/, "ENTRYPOINT in exec form");
    for (const i of runtime.ins) assert.notEqual(i.op, "RUN", "the runtime stage has no shell to RUN with");
  });

  test("has OCI labels", () => {
    const labels = runtime.ins.filter((i) => i.op === "LABEL").map((i) => i.args).join(" ");
    for (const k of ["title", "description", "version", "revision", "source"])
      assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${k}=`));
  });

  test(".dockerignore keeps build trees, VCS data and node_modules out of the context", () => {
    const ignore = fs.readFileSync(path.join(sourceDir, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
    for (const p of [".git", "build", "build-*", "**/node_modules"]) assert.ok(ignore.includes(p), `.dockerignore lacks ${p}`);
  });

  test("every library the binary links is copied in or provided by the runtime base", (t) => {
    const binary = process.env.KINDLY_BINARY;
    if (!binary || !fs.existsSync(binary)) {
      t.skip(`SKIPPED: the kindlyguard binary (${binary ?? "KINDLY_BINARY unset"}) is not built; build the kindlyguard target to check its libraries`);
      return;
    }
    const build = stages[0];
    const known = new Set([...argValue(build, "RUNTIME_LIBS"), ...argValue(build, "BASE_LIBS")]);
    const ldd = spawnSync("ldd", [binary], { encoding: "utf8" });
    assert.equal(ldd.status, 0, ldd.stderr);
    const needed = ldd.stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean).map((l) => path.basename(l));
    // The sanitizer tree does not run this file (tests/chart/CMakeLists.txt); a sanitizer binary
    // given by hand with shared runtimes is still recognised.
    if (needed.some((l) => /^lib(asan|ubsan|tsan|lsan)\.so/.test(l))) {
      t.skip("SKIPPED: a sanitizer build of the binary; the image is built without sanitizers (make test checks it)");
      return;
    }
    assert.ok(needed.length > 3, `ldd printed too little:\n${ldd.stdout}`);
    const missing = needed.filter((l) => !known.has(l));
    assert.deepEqual(missing, [], `add these to RUNTIME_LIBS in the Dockerfile (or BASE_LIBS if the base has them):\n${ldd.stdout}`);
    // And nothing copied in that the binary does not need (a stale list grows the image).
    const ldPaths = new Set(needed);
    for (const lib of argValue(build, "RUNTIME_LIBS")) assert.ok(ldPaths.has(lib), `RUNTIME_LIBS has ${lib}, which the binary does not link`);
  });

  // With a prebuilt binary (make test-image IMAGE_BINARY=..., as CI runs it) the build stage
  // installs `scripts/deps.sh --runtime-only` instead of the toolchain: those packages must hold
  // every library RUNTIME_LIBS copies, or CI's image would build while a release's would not.
  test("deps.sh --runtime-only installs the packages that hold every RUNTIME_LIBS library", (t) => {
    const deps = fs.readFileSync(path.join(sourceDir, "scripts/deps.sh"), "utf8");
    const m = deps.match(/^runtime_packages=\(([^)]*)\)/m);
    assert.ok(m, "scripts/deps.sh has no runtime_packages=( ... ) list");
    const packages = new Set(m[1].split(/\s+/).filter(Boolean));
    assert.match(text, /scripts\/deps\.sh --runtime-only/, "the build stage installs --runtime-only for a prebuilt binary");
    const libs = argValue(stages[0], "RUNTIME_LIBS");
    const where = spawnSync("ldconfig", ["-p"], { encoding: "utf8" });
    if (where.status !== 0) {
      t.skip(`SKIPPED: ldconfig -p failed: ${where.stderr}`);
      return;
    }
    const pathOf = new Map();
    for (const line of where.stdout.split("\n")) {
      const lm = line.trim().match(/^(\S+) \(([^)]*)\) => (\S+)$/);
      if (lm && !pathOf.has(lm[1]) && !/x32|i386/.test(lm[2])) pathOf.set(lm[1], lm[3]);
    }
    // One dpkg query for all: by file name, since usrmerge lets dpkg record /lib/... or /usr/lib/...
    const files = new Map();
    for (const lib of libs) {
      const file = pathOf.get(lib);
      assert.ok(file, `${lib} (RUNTIME_LIBS) is not installed here: run make deps`);
      files.set(lib, path.basename(fs.realpathSync(file)));
    }
    const owners = spawnSync("dpkg", ["-S", ...[...files.values()].map((f) => `*/${f}`)], { encoding: "utf8" });
    const ownersOf = new Map();
    for (const line of owners.stdout.split("\n")) {
      const om = line.match(/^([^:]+)(?::\S+)?: (\S+)$/);
      if (om) ownersOf.set(path.basename(om[2]), [...(ownersOf.get(path.basename(om[2])) ?? []), om[1]]);
    }
    const unowned = [];
    for (const [lib, file] of files) {
      const pkgs = ownersOf.get(file) ?? [];
      if (!pkgs.some((p) => packages.has(p))) unowned.push(`${lib} (package ${pkgs.join(", ") || "unknown"})`);
    }
    assert.deepEqual(unowned, [], "add these packages to runtime_packages in scripts/deps.sh");
  });
});
