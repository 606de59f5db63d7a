#!/usr/bin/env bash
# Installs every dependency of every script (scripts/test.sh in all its stages,
# scripts/demo.sh, scripts/bench.sh) from Debian 12 packages. Idempotent: when
# everything is already there it only checks (a second or so) and exits.
#
# Installed with --no-install-recommends, so what a package merely recommends is
# named here when a script needs it: clang recommends the sanitizer and libFuzzer
# runtimes (libclang-rt-14-dev) and the symbolizer that names the frames in
# sanitizer reports (llvm), and the TSan suppressions match frames by name.
# chromium and chromium-driver run the simulator's live page in a real browser
# (test/sim/live_page_browser_test.py drives it through WebDriver). lld links
# the test binaries several times faster than the default linker, which counts
# on a two-core machine (scripts/test.sh builds with it).
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++ clang
  libclang-rt-14-dev llvm clang-format lld
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  libcli11-dev
  pkg-config
  libzookeeper-mt-dev zookeeper default-jre-headless
  python3 wrk
  chromium chromium-driver
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
