#!/usr/bin/env bash
# Installs the Debian packages kindlyguard builds and tests with, only those that are missing,
# so a second run costs one dpkg query and nothing else.
#   scripts/deps.sh [PACKAGE...]               everything: toolchains, libraries, test and chart tools
#   scripts/deps.sh --build-only [PACKAGE...]  only what the kindlyguard binary needs to compile and
#                                              link (the image's build stage: no clang, Go, Node or test libraries)
#   scripts/deps.sh --runtime-only [PACKAGE...] only the shared libraries the binary loads beyond
#                                              glibc, libstdc++ and OpenSSL (the image's build stage
#                                              when it is given a prebuilt binary: no compiler)
set -euo pipefail
build_only=false runtime_only=false
if [ "${1:-}" = "--build-only" ]; then build_only=true; shift; fi
if [ "${1:-}" = "--runtime-only" ]; then runtime_only=true; build_only=true; shift; fi
# The compiler, cmake and the libraries the `kindlyguard` target links (CMakeLists.txt's find_package).
build_packages=(
  g++ make cmake
  libboost-dev libcpprest-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libsimdjson-dev libmimalloc-dev
)
# The Debian packages of the Dockerfile's RUNTIME_LIBS (what the -dev packages above pull in).
runtime_packages=(
  libcpprest2.10 libyaml-cpp0.7 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libcivetweb1
  libsimdjson14 libmimalloc2.0 libbrotli1 zlib1g libssl3
)
if $runtime_only; then
  packages=("${runtime_packages[@]}" "$@")
elif $build_only; then
  packages=("${build_packages[@]}" "$@")
else
  packages=(
    "${build_packages[@]}"
    build-essential pkg-config lld clang libclang-rt-dev
    googletest libgtest-dev libgmock-dev libbenchmark-dev openssl curl
    golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev nodejs
    "$@"
  )
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with NodeSource's nodejs, or as Debian's own package beside Debian's nodejs.
$build_only || command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
