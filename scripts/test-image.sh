#!/usr/bin/env bash
# `make test-image`: builds the real Dockerfile offline and runs the image the way the Helm chart
# runs it. No registry is needed: the two bases are made here from Debian's package mirror, and
# tagged with the names passed to the Dockerfile as BUILD_BASE and RUNTIME_BASE:
#   build base    debootstrap --variant=minbase of bookworm, with the apt sources debian:*-slim has
#   runtime base  what gcr.io/distroless/cc-debian12 is made of: the .debs of base-files, netbase,
#                 tzdata, ca-certificates, libc6, libgcc-s1, libgomp1, libstdc++6 and libssl3
#                 unpacked with dpkg-deb -x (no maintainer scripts, no dpkg, no shell), a passwd
#                 with root, nobody, nonroot (65532) and kindlyguard (10001), USER 65532
# Then it checks the image (no shell, no package manager, no setuid/setgid file, size) and runs
# it as user 10001 on a read-only root with all capabilities dropped and no-new-privileges, the
# certificates and policies mounted read-only: `version`, `health`, one denied and one allowed
# review over TLS, and exit on SIGTERM within the grace period.
#
# Cached across runs (KINDLY_IMAGE_CACHE, default /var/cache/kindlyguard-image): the base rootfs
# tarballs, keyed by a hash of suite, mirror and package list; the base images and buildah's layer
# cache live in the container storage (vfs). Remove the cache directory and
# `podman --storage-driver vfs rmi -a` for a cold run. Missing tools are installed with apt-get.
# Must run as root (debootstrap, chroot isolation). Ends with "N passed, M failed".
#
# KINDLY_IMAGE_BINARY=PATH (CI: `make test-image KINDLY_IMAGE_BINARY=build/kindlyguard`): the image
# is built from that binary, which `make test` has just compiled and tested on the same Debian
# release, stripped and placed in the build context; the Dockerfile's build stage then installs
# only the runtime libraries instead of the toolchain and skips the compile (PREBUILT_BINARY). Every
# other step, and every check below, is the same. Without it the image compiles the sources itself,
# as a release does (about 15 minutes more on 2 cores, cold).
#
# Environment: KINDLY_IMAGE_CACHE, KINDLY_DEBIAN_MIRROR, KINDLY_DEBIAN_SECURITY_MIRROR,
# KINDLY_STORAGE_DRIVER (vfs), KINDLY_TEST_IMAGE (localhost/kindlyguard:image-test),
# KINDLY_IMAGE_MAX_MB (40), KINDLY_IMAGE_BINARY.
#
# `scripts/test-image.sh --bases-only` (make test-image-bases) makes and caches the two bases and
# stops: .ci/run starts it in the background while `make test` compiles, since it is network and
# disk work, and the later `make test-image` finds them cached.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
bases_only=false
[ "${1:-}" = "--bases-only" ] && bases_only=true

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E "$0" "$@"; fi
  echo "test-image: needs root (debootstrap, buildah's chroot isolation)" >&2
  exit 2
fi

cache=${KINDLY_IMAGE_CACHE:-/var/cache/kindlyguard-image}
driver=${KINDLY_STORAGE_DRIVER:-vfs}
image=${KINDLY_TEST_IMAGE:-localhost/kindlyguard:image-test}
max_mb=${KINDLY_IMAGE_MAX_MB:-40}
suite=bookworm
# What the chart sets: shutdownGrace (--shutdown-grace) and terminationGracePeriodSeconds.
shutdown_grace=5s
termination_grace=30
podman=(podman --storage-driver "$driver")
buildah=(buildah --storage-driver "$driver")
run_flags=(--runtime runc --cgroup-manager cgroupfs --network host
           --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
# The chart's container securityContext, as podman flags.
hardening=(--user 10001:10001 --read-only --cap-drop ALL --security-opt no-new-privileges)

passed=0 failed=0
declare -a timings=()
declare -a containers=()
work=$(mktemp -d /tmp/kindlyguard-image-test.XXXXXX)
chmod 755 "$work"
mounted=""

prebuilt_dir=$src/.image-binary
cleanup() {
  local c
  rm -rf "$prebuilt_dir"
  for c in "${containers[@]}"; do "${podman[@]}" rm -f "$c" >/dev/null 2>&1 || true; done
  [ -n "$mounted" ] && "${podman[@]}" image unmount "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
# step NAME COMMAND...: runs a setup step, records how long it took; a failed step ends the run.
step() {
  local name=$1; shift
  local t0; t0=$(now)
  echo "== ${name}"
  if ! "$@"; then
    echo "FAIL: step '${name}' failed" >&2
    failed=$((failed + 1))
    summary
    exit 1
  fi
  timings+=("$(printf '%-42s %6.1fs' "$name" "$(echo "$(now) - $t0" | bc)")")
}
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
summary() {
  echo
  echo "step timings:"
  local t
  for t in "${timings[@]}"; do echo "  $t"; done
  echo "${passed} passed, ${failed} failed"
}

# ---- tools ---------------------------------------------------------------------------------------
ensure_tools() {
  local -A pkg_of=([debootstrap]=debootstrap [buildah]=buildah [podman]=podman [runc]=runc
                   [curl]=curl [bc]=bc [strip]=binutils [dpkg-deb]=dpkg [apt-get]=apt)
  local missing=() tool
  for tool in "${!pkg_of[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("${pkg_of[$tool]}"); done
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "test-image: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
# bc is used by step() itself, so the tools come first and are timed by hand.
t0=$(date +%s)
ensure_tools
timings+=("$(printf '%-42s %6ds' "tools (apt-get when missing)" "$(($(date +%s) - t0))")")

# ---- Debian sources: the mirror apt already uses here --------------------------------------------
apt_uris() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -n -e 's/^[[:space:]]*URIs:[[:space:]]*//p' -e 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' |
    tr ' ' '\n' | sed '/^$/d'
}
mirror=${KINDLY_DEBIAN_MIRROR:-$(apt_uris | grep -v -- '-security' | grep '/debian/\?$' | head -1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
security_mirror=${KINDLY_DEBIAN_SECURITY_MIRROR:-$(apt_uris | grep -- '-security/\?$' | head -1 || true)}
security_mirror=${security_mirror:-http://deb.debian.org/debian-security}
arch=$(dpkg --print-architecture)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

runtime_packages=(base-files netbase tzdata ca-certificates libc6 libgcc-s1 libgomp1 libstdc++6 libssl3)
# Bump when the way a base is made changes, so caches made the old way are not reused.
recipe=2
key() { printf '%s\n' "$recipe" "$suite" "$arch" "$mirror" "$security_mirror" "$@" | sha256sum | cut -c1-12; }
build_key=$(key debootstrap-minbase)
runtime_key=$(key "${runtime_packages[@]}")
build_base=localhost/kindlyguard-build-base:${suite}-${build_key}
runtime_base=localhost/kindlyguard-runtime-base:cc-debian12-${runtime_key}
mkdir -p "$cache"
echo "mirror ${mirror} (security ${security_mirror}), cache ${cache}" >&2
echo "bases: ${build_base} ${runtime_base}" >&2

have_image() { "${podman[@]}" image exists "$1"; }

# The apt sources debian:bookworm-slim ships, so the build stage installs the same versions.
write_sources() {
  cat >"$1" <<EOF
Types: deb
URIs: ${mirror}
Suites: ${suite} ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security_mirror}
Suites: ${suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# ---- build base ----------------------------------------------------------------------------------
make_build_base() {
  local tarball=$cache/build-base-${build_key}.tar.gz
  if have_image "$build_base"; then echo "build base cached (image)" >&2; return 0; fi
  if [ ! -s "$tarball" ]; then
    local root=$work/build-root
    debootstrap --variant=minbase --arch="$arch" --keyring="$keyring" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log" >&2; return 1; }
    rm -f "$root/etc/apt/sources.list"
    write_sources "$root/etc/apt/sources.list.d/debian.sources"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/*
    : >"$root/etc/resolv.conf"
    tar --numeric-owner -C "$root" -cf - . | gzip -1 >"$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  else
    echo "build base cached (rootfs tarball)" >&2
  fi
  "${podman[@]}" import --change 'CMD ["bash"]' --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "$tarball" "$build_base" >/dev/null 2>&1
}

# ---- runtime base: distroless cc-debian12, from the same Debian packages -------------------------
make_runtime_base() {
  local tarball=$cache/runtime-base-${runtime_key}.tar.gz
  if have_image "$runtime_base"; then echo "runtime base cached (image)" >&2; return 0; fi
  if [ ! -s "$tarball" ]; then
    # A private apt configuration: the host's sources, lists and dpkg state are left alone.
    local apt=$work/apt root=$work/runtime-root debs=$work/debs
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d" "$apt/etc/apt.conf.d" "$debs" "$root"
    : >"$apt/status"
    write_sources "$apt/etc/debian.sources"
    local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/etc"
                -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d"
                -o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
                -o "Dir::Cache=$apt/cache" -o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
    apt-get "${opts[@]}" update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; return 1; }
    (cd "$debs" && apt-get "${opts[@]}" download -qq "${runtime_packages[@]}" >>"$work/apt.log" 2>&1) ||
      { cat "$work/apt.log" >&2; return 1; }
    mkdir -p "$root/var/lib/dpkg/status.d"
    local deb name
    for deb in "$debs"/*.deb; do
      dpkg-deb -x "$deb" "$root"
      # Scanners (trivy, syft) read the package list from here in distroless images.
      name=$(dpkg-deb -f "$deb" Package)
      dpkg-deb -f "$deb" >"$root/var/lib/dpkg/status.d/$name"
    done
    # What the packages' maintainer scripts would have made, and what distroless adds.
    find "$root/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z | xargs -0 cat >"$root/etc/ssl/certs/ca-certificates.crt"
    rm -f "$root/usr/sbin/update-ca-certificates"
    find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    rm -rf "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/lintian" "$root/usr/share/bug"
    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
kindlyguard:x:10001:10001:kindlyguard:/nonexistent:/sbin/nologin
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
kindlyguard:x:10001:
EOF
    printf 'hosts: files dns\nnetworks: files\n' >"$root/etc/nsswitch.conf"
    mkdir -p "$root/tmp" "$root/root" "$root/home/nonroot" "$root/etc/ssl/certs"
    chmod 1777 "$root/tmp"; chmod 700 "$root/root" "$root/home/nonroot"
    chown 65532:65532 "$root/home/nonroot"
    tar --numeric-owner -C "$root" -cf - . | gzip -1 >"$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root" "$debs" "$apt"
  else
    echo "runtime base cached (rootfs tarball)" >&2
  fi
  "${podman[@]}" import --change "USER=65532:65532" --change "WORKDIR=/home/nonroot" \
    --change "ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV=SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" \
    "$tarball" "$runtime_base" >/dev/null 2>&1
}

# KINDLY_IMAGE_BINARY: stripped into the build context (.image-binary/, gitignored, removed at exit).
prebuilt=""
stage_binary() {
  local bin=$KINDLY_IMAGE_BINARY
  case "$bin" in /*) ;; *) bin=$src/$bin ;; esac
  [ -x "$bin" ] || { echo "KINDLY_IMAGE_BINARY=${KINDLY_IMAGE_BINARY}: no executable there (run make binary first)" >&2; return 1; }
  mkdir -p "$prebuilt_dir"
  strip -o "$prebuilt_dir/kindlyguard" "$bin"
  prebuilt=.image-binary/kindlyguard
  echo "binary: ${KINDLY_IMAGE_BINARY} ($("$bin" version 2>&1 | head -1)), stripped to $(du -h "$prebuilt_dir/kindlyguard" | cut -f1)" >&2
}
build_image() {
  # Intermediate layers are worth their copies (vfs copies the whole tree per layer) only to reuse
  # the toolchain layer across runs; the runtime libraries of the prebuilt path are not.
  local layers=true
  [ -n "$prebuilt" ] && layers=false
  KINDLY_BUILDAH_LAYERS=$layers PREBUILT_BINARY=$prebuilt \
  IMAGE=$image BUILD_BASE=$build_base RUNTIME_BASE=$runtime_base KINDLY_BUILDER=buildah \
    KINDLY_STORAGE_DRIVER=$driver "$src/scripts/build-image.sh" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; return 1; }
  grep -E '^(\[[0-9]/[0-9]\] )?(STEP|COMMIT|--> Using cache)' "$work/build.log" | cut -c1-110 >&2 || true
  prune_stale_layers
}
# With vfs every layer is a full copy of the filesystem: drop the untagged layers of earlier builds
# (gigabytes after a few runs) but keep every layer this build made or reused, so that the next
# run reuses the dependency layer as docker's build cache would.
prune_stale_layers() {
  local keep id k used pass
  keep=$(sed -n 's/^--> \(Using cache \)\{0,1\}\([0-9a-f]\{10,64\}\).*/\2/p' "$work/build.log")
  for pass in 1 2 3; do  # a layer can go once the layers above it have gone
    for id in $("${podman[@]}" images -a -q --no-trunc --filter dangling=true 2>/dev/null | sed 's/^sha256://'); do
      used=false
      for k in $keep; do case "$id" in "$k"*) used=true ;; esac; done
      $used || "${podman[@]}" rmi "$id" >/dev/null 2>&1 || true
    done
  done
}

step "build base (debootstrap ${suite}, import)" make_build_base
step "runtime base (distroless cc-debian12 debs)" make_runtime_base
if $bases_only; then summary; exit 0; fi
[ -n "${KINDLY_IMAGE_BINARY:-}" ] && step "binary (prebuilt: ${KINDLY_IMAGE_BINARY})" stage_binary
step "image (buildah bud, the real Dockerfile)" build_image

# ---- what is in the image -------------------------------------------------------------------------
check_contents() {
  local size mb user
  size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
  mb=$(echo "scale=1; $size / 1000000" | bc)
  echo "image size: ${mb} MB (${size} bytes)"
  if [ "$size" -lt $((max_mb * 1000000)) ]; then pass "image size ${mb} MB is under ${max_mb} MB"
  else fail "image size ${mb} MB is not under ${max_mb} MB"; fi
  user=$("${podman[@]}" image inspect --format '{{.Config.User}}' "$image")
  [ "$user" = "10001:10001" ] && pass "image USER is 10001:10001" || fail "image USER is '${user}', not 10001:10001"

  local root found
  root=$("${podman[@]}" image mount "$image")
  mounted=1
  found=$(find "$root" -xdev \( -name sh -o -name bash -o -name dash -o -name ash -o -name zsh -o -name ksh \
            -o -name mksh -o -name busybox -o -name toybox \) \( -type f -o -type l \) 2>/dev/null | sed "s|^$root||")
  [ -z "$found" ] && pass "no shell (sh, bash, dash, busybox...)" || fail "shells in the image: $found"
  found=$(find "$root" -xdev \( -name apt -o -name apt-get -o -name dpkg -o -name apk -o -name rpm -o -name yum \
            -o -name dnf -o -name microdnf -o -name pip -o -name pip3 -o -name npm \) \( -type f -o -type l \) 2>/dev/null | sed "s|^$root||")
  [ -z "$found" ] && pass "no package manager (apt, dpkg, apk, rpm, yum...)" || fail "package managers in the image: $found"
  found=$(find "$root" -xdev -type f -perm /6000 2>/dev/null | sed "s|^$root||")
  [ -z "$found" ] && pass "no setuid or setgid file" || fail "setuid/setgid files: $found"
  [ -x "$root/usr/local/bin/kindlyguard" ] && pass "/usr/local/bin/kindlyguard is there" || fail "no /usr/local/bin/kindlyguard"
  "${podman[@]}" image unmount "$image" >/dev/null
  mounted=""
}
step "image contents" check_contents

# ---- run it as the chart does --------------------------------------------------------------------
certs=$work/certs policies=$work/policies
mkdir -p "$certs" "$policies"
cp "$src"/examples/policies/*.yaml "$policies/"
# The chart mounts the Secret readable by the pod's user (fsGroup); here the files are the user's.
chown 10001:10001 "$certs"

run_version() {
  local out
  if out=$("${podman[@]}" run --rm "${run_flags[@]}" "${hardening[@]}" "$image" version 2>&1); then
    pass "version: $out"
  else
    fail "version exited non-zero: $out"
  fi
}
make_certs() {
  # The image's own `certs self-signed`, writing to a mount (the only writable path).
  "${podman[@]}" run --rm "${run_flags[@]}" "${hardening[@]}" -v "$certs:/out" "$image" \
    certs self-signed --out-dir /out --dns localhost --ip 127.0.0.1 >"$work/certs.log" 2>&1 ||
    { cat "$work/certs.log" >&2; return 1; }
  [ -s "$certs/ca.crt" ] && [ -s "$certs/tls.crt" ] && [ -s "$certs/tls.key" ]
}
step "run: version" run_version
step "run: certs self-signed (for the TLS checks)" make_certs

container=kindlyguard-image-test-$$
port=""
start_server() {
  containers+=("$container")
  # Port 0: the kernel picks a free one (host network, other tests may hold 8443); read it back
  # from the "webhook serving" log line.
  "${podman[@]}" run -d --name "$container" "${run_flags[@]}" "${hardening[@]}" \
    -v "$certs:/tls:ro" -v "$policies:/policies:ro" "$image" \
    serve --listen 127.0.0.1:0 --metrics-listen= --tls-cert-file /tls/tls.crt --tls-key-file /tls/tls.key \
    --policy-dir /policies --shutdown-grace "$shutdown_grace" >/dev/null
  local deadline=$(($(date +%s) + 60)) logs
  while [ "$(date +%s)" -lt "$deadline" ]; do
    logs=$("${podman[@]}" logs "$container" 2>&1 || true)
    port=$(printf '%s\n' "$logs" | grep 'webhook serving' | grep -o '127\.0\.0\.1:[0-9]\+' | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && return 0
    [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$container" 2>/dev/null)" = "true" ] ||
      { echo "the container exited:" >&2; printf '%s\n' "$logs" >&2; return 1; }
    sleep 0.2
  done
  echo "no 'webhook serving' line within 60 s:" >&2; printf '%s\n' "$logs" >&2
  return 1
}
step "run: serve (read-only, caps dropped, user 10001)" start_server

check_running() {
  local pid uid ro
  pid=$("${podman[@]}" inspect --format '{{.State.Pid}}' "$container")
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  [ "$uid" = 10001 ] && pass "serves as uid 10001" || fail "serve runs as uid ${uid}, not 10001"
  ro=$("${podman[@]}" inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$container")
  [ "$ro" = true ] && pass "root filesystem read-only" || fail "root filesystem not read-only (${ro})"
  grep -q '^CapEff:[[:space:]]*0\+$' "/proc/$pid/status" && pass "no effective capabilities" ||
    fail "effective capabilities: $(grep CapEff "/proc/$pid/status")"
  grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status" && pass "no_new_privs set" || fail "no_new_privs not set"
  # The chart's exec probes: the binary's own health check, inside the container.
  local out
  if out=$("${podman[@]}" exec "$container" /usr/local/bin/kindlyguard health --url "https://127.0.0.1:${port}/healthz" 2>&1); then
    pass "health (exec in the container)"
  else
    fail "health: $out"
  fi
  if out=$("${podman[@]}" exec "$container" /usr/local/bin/kindlyguard health --ready --url "https://127.0.0.1:${port}/readyz" 2>&1); then
    pass "health --ready (policies loaded)"
  else
    fail "health --ready: $out"
  fi
}
step "checks: the running container" check_running

review() {  # review FILE: POSTs an AdmissionReview over TLS, verifying the server with the CA
  curl -sS --max-time 10 --cacert "$certs/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$1" "https://127.0.0.1:${port}/validate"
}
check_reviews() {
  local out
  out=$(review "$src/examples/reviews/privileged-pod.json" 2>&1) || true
  # Denied by baseline-deny for hostPID, with the field to change.
  if printf '%s' "$out" | grep -q '"allowed": *false' && printf '%s' "$out" | grep -q 'spec.hostPID'; then
    pass "privileged pod denied over TLS"
  else fail "privileged pod not denied: ${out:0:400}"; fi
  cat >"$work/allowed.json" <<'EOF'
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
 "uid":"0f4e2b7a-1c3d-4e5f-8a9b-112233445566","kind":{"group":"","version":"v1","kind":"Pod"},
 "resource":{"group":"","version":"v1","resource":"pods"},"name":"web","namespace":"prod-shop",
 "operation":"CREATE","userInfo":{"username":"alice@example.com","groups":["system:authenticated"]},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"prod-shop"},
  "spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},
   "containers":[{"name":"web","image":"registry.example.com/web:1.0",
    "securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"privileged":false,
     "capabilities":{"drop":["ALL"]}},
    "ports":[{"name":"http","containerPort":8080}],
    "livenessProbe":{"httpGet":{"path":"/healthz","port":"http"}},
    "readinessProbe":{"httpGet":{"path":"/ready","port":"http"}},
    "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}}}]}}}}
EOF
  out=$(review "$work/allowed.json" 2>&1) || true
  if printf '%s' "$out" | grep -q '"allowed": *true'; then pass "restricted, production-ready pod allowed over TLS"
  else fail "restricted pod not allowed: ${out:0:400}"; fi
}
step "checks: reviews over TLS" check_reviews

check_sigterm() {
  local t0 code elapsed
  t0=$(now)
  "${podman[@]}" kill --signal TERM "$container" >/dev/null
  code=$(timeout $((termination_grace + 30)) "${podman[@]}" wait "$container" 2>/dev/null || echo timeout)
  elapsed=$(echo "$(now) - $t0" | bc)
  if [ "$code" = 0 ] && [ "$(echo "$elapsed < $termination_grace" | bc)" = 1 ]; then
    pass "SIGTERM: exit 0 after $(printf '%.2f' "$elapsed") s (grace ${termination_grace} s)"
  else
    fail "SIGTERM: exit '${code}' after $(printf '%.2f' "$elapsed") s (grace ${termination_grace} s)"
    "${podman[@]}" logs --tail 20 "$container" >&2 || true
  fi
}
step "checks: SIGTERM" check_sigterm

summary
[ "$failed" -eq 0 ]
