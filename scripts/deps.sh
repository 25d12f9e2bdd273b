#!/usr/bin/env bash
# Installs the Debian packages kindlyguard builds and tests with, only those that are missing,
# so a second run costs one dpkg query and nothing else.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libboost-dev libcpprest-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev openssl curl
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
