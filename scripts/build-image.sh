#!/usr/bin/env bash
# `make image`: builds the Dockerfile with docker when a docker daemon answers, else with buildah
# (vfs storage and chroot isolation, which work as root without overlayfs or user namespaces, as
# on CI machines and inside containers). Environment:
#   IMAGE         tag to build (default kindlyguard:dev; buildah stores it as localhost/IMAGE)
#   BUILD_BASE    build-stage base image; empty: the Dockerfile's pinned debian:bookworm-…-slim
#   RUNTIME_BASE  runtime base image; empty: the Dockerfile's pinned distroless cc-debian12 digest
#   VERSION, REVISION   OCI labels (REVISION defaults to `git rev-parse HEAD`)
#   PREBUILT_BINARY     a path in the build context: use that binary instead of compiling (see the
#                 Dockerfile; scripts/test-image.sh sets it from KINDLY_IMAGE_BINARY)
#   KINDLY_BUILDER=docker|buildah  force one; KINDLY_STORAGE_DRIVER (buildah, default vfs);
#   KINDLY_BUILDAH_LAYERS (buildah, default true)
set -euo pipefail
cd "$(dirname "$0")/.."

image=${IMAGE:-kindlyguard:dev}
version=${VERSION:-0.1.0}
revision=${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
args=(--build-arg "VERSION=${version}" --build-arg "REVISION=${revision}")
[ -n "${BUILD_BASE:-}" ] && args+=(--build-arg "BUILD_BASE=${BUILD_BASE}")
[ -n "${RUNTIME_BASE:-}" ] && args+=(--build-arg "RUNTIME_BASE=${RUNTIME_BASE}")
[ -n "${PREBUILT_BINARY:-}" ] && args+=(--build-arg "PREBUILT_BINARY=${PREBUILT_BINARY}")

builder=${KINDLY_BUILDER:-}
if [ -z "$builder" ]; then
  # The docker client alone is not enough: it must reach a daemon.
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then builder=docker; else builder=buildah; fi
fi

case "$builder" in
  docker)
    echo "image: docker build -t ${image}" >&2
    exec docker build -t "$image" "${args[@]}" .
    ;;
  buildah)
    if ! command -v buildah >/dev/null 2>&1; then
      echo "image: no docker daemon and no buildah; installing buildah (Debian package)" >&2
      sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends buildah >/dev/null
    fi
    echo "image: buildah bud -t ${image} (storage ${KINDLY_STORAGE_DRIVER:-vfs}, chroot isolation)" >&2
    # --layers: reuse the dependency layer across builds, as docker's cache does
    # (KINDLY_BUILDAH_LAYERS=false: commit only each stage's end, for one-off builds).
    exec buildah --storage-driver "${KINDLY_STORAGE_DRIVER:-vfs}" bud --isolation chroot --layers="${KINDLY_BUILDAH_LAYERS:-true}" \
      -t "$image" "${args[@]}" -f Dockerfile .
    ;;
  *)
    echo "image: KINDLY_BUILDER must be docker or buildah, not ${builder}" >&2
    exit 2
    ;;
esac
