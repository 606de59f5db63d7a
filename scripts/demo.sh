#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds the
# `mesoshttp` command in build/, and runs a task on the simulated master
# embedded in it (no Mesos cluster needed).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j "$jobs" --target mesoshttp_cli

echo
echo "\$ $build_dir/tools/cli/mesoshttp run -- echo hello from mesos"
exec "$build_dir/tools/cli/mesoshttp" run -- echo hello from mesos
