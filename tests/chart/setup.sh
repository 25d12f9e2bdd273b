#!/usr/bin/env bash
# Fixture for the chart tests (ctest chart.deps): the npm packages in tests/chart/node_modules and
# the helm-template stand-in at $1. Idempotent: `npm ci` runs only when package-lock.json changed
# since the last install (after the first run it is served from npm's cache), and go rebuilds only
# what changed. A missing tool is an error that names the package providing it (scripts/deps.sh
# installs them all).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
standin_out=${1:?usage: setup.sh OUTPUT_PATH_OF_THE_STANDIN}

missing=()
command -v node >/dev/null || missing+=("node (Debian package nodejs)")
command -v npm >/dev/null || missing+=("npm (Debian package npm)")
command -v go >/dev/null || missing+=("go (Debian package golang-go)")
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || missing+=("sprig (Debian package golang-github-masterminds-sprig-dev)")
[ -d /usr/share/gocode/src/gopkg.in/yaml.v2 ] || missing+=("yaml.v2 (Debian package golang-gopkg-yaml.v2-dev)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "chart tests: missing ${missing[*]}; run make deps (scripts/deps.sh)" >&2
  exit 1
fi

# npm packages, pinned by package-lock.json.
stamp="$here/node_modules/.kindly-lock.sha256"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

# The stand-in for `helm template` (GOPATH mode: Debian ships sprig and yaml.v2 as Go sources).
mkdir -p "$(dirname "$standin_out")"
(cd "$here/helm-template-standin" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
   GOCACHE="${GOCACHE:-$(dirname "$standin_out")/go-cache}" go build -o "$standin_out" .)
echo "chart tests: npm packages and $(basename "$standin_out") ready"
