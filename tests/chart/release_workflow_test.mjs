// .github/workflows/release.yml, checked without GitHub (it cannot run here): valid YAML, every
// action pinned to a full commit digest, least permissions (none at the top, per job only what its
// steps use), no expression expanded inside a shell script, and the release's steps all present:
// multi-arch image, chart pushed as an OCI artifact, binaries attached, SBOM generated and scanned
// by trivy failing on CRITICAL, image and chart signed with cosign keyless.
// lint() returns the problems; the last tests feed it broken variants to show each rule bites.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";

import YAML from "yaml";

import { sourceDir } from "./lib.mjs";

const workflowPath = path.join(sourceDir, ".github", "workflows", "release.yml");
const text = fs.readFileSync(workflowPath, "utf8");

const FULL_DIGEST = /^[^@\s]+@[0-9a-f]{40}$/;
// What each permission scope may be granted for, judged from the job's steps.
const usesAction = (job, name) => steps(job).some((s) => typeof s.uses === "string" && s.uses.startsWith(name + "@"));
const runs = (job, re) => steps(job).some((s) => typeof s.run === "string" && re.test(s.run));
const steps = (job) => (Array.isArray(job?.steps) ? job.steps : []);
const grantReasons = {
  contents: {
    read: () => true,
    write: (job) => usesAction(job, "softprops/action-gh-release") || runs(job, /\bgh release\b/),
  },
  packages: {
    read: () => true,
    write: (job) =>
      usesAction(job, "docker/login-action") || runs(job, /\bhelm (push|registry login)\b/) || runs(job, /\b(docker|podman) push\b/),
  },
  "id-token": { write: (job) => runs(job, /\bcosign (sign|attest)\b/) },
};

export function parse(src) {
  const doc = YAML.parseDocument(src, { uniqueKeys: true, prettyErrors: true });
  return { doc, errors: doc.errors.map((e) => e.message), data: doc.errors.length ? null : doc.toJS() };
}

export function lint(src) {
  const problems = [];
  const { errors, data } = parse(src);
  if (errors.length) return errors.map((e) => `YAML: ${e}`);
  if (!data || typeof data !== "object") return ["not a mapping"];
  const jobs = data.jobs ?? {};
  if (!Object.keys(jobs).length) problems.push("no jobs");

  // Triggers: a release runs on a pushed tag; pull_request_target would hand write tokens to forks.
  const on = data.on ?? data[true];
  if (!on?.push?.tags) problems.push("not triggered by a pushed tag (on.push.tags)");
  if (on && typeof on === "object" && "pull_request_target" in on) problems.push("pull_request_target trigger");

  // Top-level permissions: none, {} or contents: read only.
  const top = data.permissions;
  if (typeof top === "string") problems.push(`top-level permissions: ${top} (use {} and grant per job)`);
  else if (top && typeof top === "object")
    for (const [scope, level] of Object.entries(top))
      if (!(scope === "contents" && level === "read")) problems.push(`top-level permissions grant ${scope}: ${level}`);

  for (const [name, job] of Object.entries(jobs)) {
    // Reusable workflows are `uses:` on the job.
    if (job.uses && !job.uses.startsWith("./") && !FULL_DIGEST.test(job.uses))
      problems.push(`job ${name}: uses ${job.uses} is not pinned to a 40-hex commit digest`);
    const perms = job.permissions;
    if (perms === undefined) {
      if (top === undefined) problems.push(`job ${name}: no permissions anywhere (the repository default may be write-all)`);
    } else if (typeof perms === "string") {
      problems.push(`job ${name}: permissions: ${perms} (list the scopes it needs)`);
    } else {
      for (const [scope, level] of Object.entries(perms ?? {})) {
        if (level === "none") continue;
        const why = grantReasons[scope]?.[level];
        if (!why) problems.push(`job ${name}: ${scope}: ${level} is never needed by this release`);
        else if (!why(job)) problems.push(`job ${name}: ${scope}: ${level} is granted but no step uses it`);
      }
      if (runs(job, /\bcosign (sign|attest)\b/) && perms?.["id-token"] !== "write")
        problems.push(`job ${name}: signs with cosign keyless but lacks id-token: write`);
    }
    if (job.container) {
      const image = typeof job.container === "string" ? job.container : job.container.image;
      if (!/@sha256:[0-9a-f]{64}$/.test(image) && !/:[^:]*\d{8}[^:]*$/.test(image))
        problems.push(`job ${name}: container ${image} is neither a digest nor a dated tag`);
    }
    for (const [i, step] of steps(job).entries()) {
      const where = `job ${name}, step ${step.name ?? i + 1}`;
      if (typeof step.uses === "string") {
        const u = step.uses;
        if (u.startsWith("docker://")) {
          if (!/@sha256:[0-9a-f]{64}$/.test(u)) problems.push(`${where}: ${u} is not pinned by digest`);
        } else if (!u.startsWith("./") && !FULL_DIGEST.test(u)) {
          problems.push(`${where}: uses ${u} is not pinned to a 40-hex commit digest`);
        }
      }
      // Script injection: expressions are expanded into the script before the shell sees it; values
      // reach scripts through env: instead.
      if (typeof step.run === "string" && /\$\{\{/.test(step.run))
        problems.push(`${where}: \${{ }} inside run: (pass it through env:)`);
    }
  }

  // The release's steps.
  const all = Object.values(jobs).flatMap((j) => steps(j));
  const runText = all.map((s) => (typeof s.run === "string" ? s.run : "")).join("\n");
  const withOf = (action) => all.filter((s) => typeof s.uses === "string" && s.uses.startsWith(action + "@")).map((s) => s.with ?? {});
  const builds = withOf("docker/build-push-action");
  const platforms = builds.map((w) => String(w.platforms ?? ""));
  if (!platforms.some((p) => p.includes("linux/amd64") && p.includes("linux/arm64")))
    problems.push("no multi-arch image build (docker/build-push-action with platforms linux/amd64,linux/arm64)");
  if (!builds.some((w) => w.push === true || w.push === "true")) problems.push("the image build does not push");
  if (!withOf("docker/setup-buildx-action").length && !/docker buildx/.test(runText)) problems.push("no docker buildx set-up");
  if (!/\bhelm push\b[^\n]*\$\{?CHART_REPO|\bhelm push\b[^\n]*oci:\/\//.test(runText) || !/oci:\/\//.test(src))
    problems.push("the chart is not pushed as an OCI artifact (helm push ... oci://)");
  const sbom = withOf("anchore/sbom-action").length || builds.some((w) => w.sbom === true || w.sbom === "true") || /\bsyft\b/.test(runText);
  if (!sbom) problems.push("no SBOM (anchore/sbom-action, syft, or build-push-action sbom: true)");
  const trivy = withOf("aquasecurity/trivy-action");
  const trivyFails = trivy.some((w) => String(w.severity ?? "").split(",").includes("CRITICAL") && String(w["exit-code"]) === "1") ||
    /\btrivy\b[^\n]*--severity[= ][^\n]*CRITICAL[^\n]*--exit-code[= ]1/.test(runText);
  if (!trivyFails) problems.push("no trivy scan failing on CRITICAL (severity: CRITICAL, exit-code: 1)");
  if (!trivy.some((w) => w["scan-type"] === "sbom") && !/\btrivy sbom\b/.test(runText)) problems.push("trivy does not scan the SBOM");
  if (!withOf("sigstore/cosign-installer").length) problems.push("cosign is not installed (sigstore/cosign-installer)");
  if (!/cosign sign --yes "\$\{IMAGE\}@/.test(runText)) problems.push("the image is not signed by digest with cosign");
  if (!/cosign sign --yes "\$\{CHART_REPO[^"]*\/kindlyguard@/.test(runText)) problems.push("the chart is not signed with cosign");
  if (/cosign sign[^\n]*--key\b/.test(runText)) problems.push("cosign signs with a key: use keyless (OIDC)");
  const release = withOf("softprops/action-gh-release");
  if (!release.some((w) => /kindlyguard-\*-linux-\*\.tar\.gz/.test(String(w.files ?? ""))))
    problems.push("the binaries are not attached to the release");
  return problems;
}

describe("release workflow (.github/workflows/release.yml)", () => {
  test("is valid YAML with jobs", () => {
    const { errors, data } = parse(text);
    assert.deepEqual(errors, []);
    assert.ok(data.jobs && Object.keys(data.jobs).length >= 3);
  });

  test("passes the lint: pinned digests, least permissions, every release step", () => {
    assert.deepEqual(lint(text), []);
  });

  test("every uses: is pinned to a full commit digest", () => {
    const uses = [...text.matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)/gm)].map((m) => m[1]);
    assert.ok(uses.length >= 10, `only ${uses.length} uses: found`);
    for (const u of uses) assert.match(u, FULL_DIGEST, `${u} is not pinned`);
  });

  test("top-level permissions grant nothing; id-token: write only where cosign signs", () => {
    const data = parse(text).data;
    assert.ok(data.permissions === undefined || Object.keys(data.permissions).length === 0 ||
              (Object.keys(data.permissions).length === 1 && data.permissions.contents === "read"));
    for (const [name, job] of Object.entries(data.jobs)) {
      const signs = runs(job, /\bcosign (sign|attest)\b/);
      assert.equal(job.permissions?.["id-token"] === "write", signs, `job ${name}: id-token: write iff it signs`);
    }
  });
});

describe("the lint catches", () => {
  const broken = (from, to) => {
    assert.ok(text.includes(from), `fixture: the workflow no longer contains ${from}`);
    return lint(text.replace(from, to));
  };
  const expectProblem = (problems, re) => assert.ok(problems.some((p) => re.test(p)), `expected ${re} in:\n${problems.join("\n")}`);

  test("invalid YAML", () => expectProblem(lint(text + "\njobs: {}\n"), /YAML/));
  test("an action pinned to a tag", () =>
    expectProblem(broken("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4"), /actions\/checkout@v4 is not pinned/));
  test("a short digest", () =>
    expectProblem(broken("docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772", "docker/login-action@74a5d14"), /not pinned/));
  test("write-all at the top", () => expectProblem(broken("permissions: {}", "permissions: write-all"), /top-level permissions: write-all/));
  test("a write scope at the top", () =>
    expectProblem(broken("permissions: {}", "permissions:\n  packages: write"), /top-level permissions grant packages: write/));
  test("a job granted more than it uses", () =>
    expectProblem(broken("contents: write # create the release", "contents: write\n      id-token: write #"), /job release: id-token: write is granted but no step uses it/));
  test("keyless signing without id-token: write", () =>
    expectProblem(broken("      id-token: write # cosign keyless\n    steps:", "    steps:"), /lacks id-token: write/));
  test("an expression inside a script", () =>
    expectProblem(broken('cosign sign --yes "${IMAGE}@${DIGEST}"', 'cosign sign --yes "${IMAGE}@${{ steps.build.outputs.digest }}"'), /inside run:/));
  test("a single-arch build", () => expectProblem(broken("platforms: linux/amd64,linux/arm64", "platforms: linux/amd64"), /multi-arch/));
  test("trivy that does not fail on CRITICAL", () => expectProblem(broken('exit-code: "1"', 'exit-code: "0"'), /CRITICAL/));
  test("no SBOM", () => {
    let t = text.replace(/anchore\/sbom-action@/g, "anchore/other-action@").replace("sbom: true", "sbom: false");
    expectProblem(lint(t), /no SBOM/);
  });
  test("an unsigned chart", () => expectProblem(broken('run: cosign sign --yes "${CHART_REPO#oci://}/kindlyguard@${DIGEST}"', "run: echo unsigned"), /chart is not signed/));
});
