#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12 packages. Idempotent:
# when everything is already there it only checks (a second or so) and exits.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++ clang
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  libcli11-dev
  pkg-config
  libzookeeper-mt-dev zookeeper default-jre-headless
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
