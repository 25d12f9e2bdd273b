#!/usr/bin/env bash
# Regenerates manifests/install.yaml: the Namespace, then charts/kindlyguard rendered with its
# default values as release "kindlyguard" in namespace "kindlyguard" (CRDs included), so that
# `kubectl apply -f manifests/install.yaml` installs what `helm install` does. Without Helm's
# hooks (the uninstall cleanup Job and the `helm test` pod: kubectl would run them at once) and
# without Helm's labels (helm.sh/chart, app.kubernetes.io/managed-by: Helm: Helm does not manage
# these objects, and `helm install` over them would refuse to adopt objects that claim otherwise).
#
# First it copies the repository's CRDs (crds/, the source) into charts/kindlyguard/files/, where
# the chart's templates read them (a chart cannot read files outside its directory).
#
# Uses `helm template` when helm is on PATH (or $HELM names it), else the stand-in renderer in
# tests/chart/helm-template-standin, built here with Debian's Go packages (scripts/deps.sh).
# tests/chart/chart_test.mjs fails when the committed file and a fresh render differ.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/manifests/install.yaml"

helm_bin=${HELM:-$(command -v helm || true)}
if [ -n "$helm_bin" ]; then
  render=("$helm_bin")
  renderer="helm template"
else
  command -v go >/dev/null || { echo "render-manifests: neither helm nor go is installed (run make deps)" >&2; exit 1; }
  bin_dir=$(mktemp -d)
  trap 'rm -rf "$bin_dir"' EXIT
  (cd "$here/helm-template-standin" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
     go build -o "$bin_dir/helm-template-standin" .)
  render=("$bin_dir/helm-template-standin")
  renderer="the helm-template stand-in (tests/chart/helm-template-standin)"
fi

for crd in securitypolicies.kindlyguard.io.yaml securitypolicyexceptions.kindlyguard.io.yaml quarantinerecords.kindlyguard.io.yaml policyreports.wgpolicyk8s.io.yaml reports.openreports.io.yaml; do
  cp "$root/crds/$crd" "$root/charts/kindlyguard/files/$crd"
done

# tests/chart/chart_test.mjs strips the same two labels from a fresh render before comparing.
body=$("${render[@]}" template kindlyguard "$root/charts/kindlyguard" --namespace kindlyguard --include-crds --no-hooks |
  sed -E '/^ *helm\.sh\/chart: /d; /^ *app\.kubernetes\.io\/managed-by: Helm$/d')
{
  cat <<HEADER
# kindlyguard: everything \`helm install kindlyguard charts/kindlyguard -n kindlyguard --create-namespace\`
# installs, with the chart's default values, for clusters without Helm:
#
#   kubectl apply -f manifests/install.yaml
#
# Generated from charts/kindlyguard by tests/chart/render-manifests.sh; do not edit (a test fails
# when this file and a fresh render of the chart differ).
---
apiVersion: v1
kind: Namespace
metadata:
  name: kindlyguard
  labels:
    app.kubernetes.io/name: kindlyguard
    app.kubernetes.io/part-of: kindlyguard
    # kindlyguard's own pods meet the restricted Pod Security Standard; let Kubernetes hold them to it.
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
HEADER
  printf '%s\n' "$body"
} > "$out"
echo "wrote $out (${renderer})"
