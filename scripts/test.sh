#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs every test, then the
# reliability gates. This is the README's test command and what CI runs (.ci/run).
#
# Stages (each labelled in the output and timed; any failure fails the script):
#   1. .clang-format followed, build (g++, -Werror) + ctest: the whole suite,
#      fuzz corpora replayed, soak
#   2. ASan+UBSan (clang 14, -Werror): the whole suite
#   3. TSan (clang 14): the concurrency tests (hub, client, simulator, soak)
#   4. libFuzzer (clang 14, ASan+UBSan): every target for MESOSHTTP_FUZZ_SECONDS
#      (one per core at a time), built in stage 2's tree (the code they fuzz
#      carries the fuzzer's coverage instrumentation), so the library is not
#      compiled a fourth time
#
# Compiling is most of the time on a 2-core machine, so the builds here carry
# line tables only (-g1: file:line and function names in every sanitizer
# report and backtrace, without the full debug info that made each object
# three times larger and linking slow); the sanitized builds use -O1, as the
# sanitizers' own documentation advises.
#
# MESOSHTTP_QUICK=1 runs stage 1 only (locally; ignored when CI=true).
# MESOSHTTP_SOAK_SECONDS: soak length (default 10 s; 60 s under CI).
# MESOSHTTP_FUZZ_SECONDS: per fuzz target (default 45).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
quick=${MESOSHTTP_QUICK:-0}
if [ "${CI:-}" = "true" ]; then
  quick=0
  export MESOSHTTP_SOAK_SECONDS=${MESOSHTTP_SOAK_SECONDS:-60}
fi
fuzz_seconds=${MESOSHTTP_FUZZ_SECONDS:-45}
# Sanitized runs are several times slower; their soak is shorter but still faulty throughout.
sanitized_soak=${MESOSHTTP_SANITIZED_SOAK_SECONDS:-20}
# -O1: the tests need no -O2 (timing goals live in the benchmarks, built
# by scripts/bench.sh at -O2), and -O1 compiles the whole tree about a fifth
# faster, which keeps CI within its time. Every binary is linked by lld
# (MESOSHTTP_LINKER): an ASan test binary links in 1 s instead of 3.7 s with
# the default linker, over a hundred binaries in the three builds.
optimized_flags="-O1 -g1 -DNDEBUG"
sanitized_flags="-O1 -g1 -DNDEBUG"

script_start=$SECONDS
timings=()
stage() {
  stage_name=$1
  stage_start=$SECONDS
  echo
  echo "======================================================================"
  echo "== stage: $stage_name"
  echo "======================================================================"
}
stage_done() {
  local took=$((SECONDS - stage_start))
  timings+=("$(printf '%-48s %5ss' "$stage_name" "$took")")
  echo "== stage passed: $stage_name (${took}s)"
}
trap 'rc=$?; if [ $rc -ne 0 ]; then echo; echo "== FAILED in stage: ${stage_name:-setup} (exit $rc)"; fi' EXIT

# --------------------------------------------------------------------------
stage "build (g++, -Werror) + ctest"
bash scripts/format.sh --check
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$optimized_flags" -DMESOSHTTP_WERROR=ON -DMESOSHTTP_LINKER=lld
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
stage_done

if [ "$quick" = "1" ]; then
  echo
  echo "MESOSHTTP_QUICK=1: sanitizer and fuzzing stages skipped"
else
  # ------------------------------------------------------------------------
  stage "ASan+UBSan (clang, -Werror): whole suite"
  # Built with the libFuzzer targets, which stage 4 runs: MESOSHTTP_BUILD_FUZZERS
  # gives the code they fuzz (library, generated protobuf code, simulator,
  # ZooKeeper detector) the fuzzer's coverage instrumentation, and leaves it
  # out of the tests. With the targets built as fuzzers, their corpora are
  # replayed by the fuzzers themselves (each run starts with the whole corpus)
  # rather than by ctest here; stage 1 replays them too.
  cmake -S . -B build-asan-ci -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$sanitized_flags" \
    -DMESOSHTTP_SANITIZE=address,undefined -DMESOSHTTP_WERROR=ON -DMESOSHTTP_LINKER=lld -DMESOSHTTP_BUILD_FUZZERS=ON \
    -DMESOSHTTP_BUILD_TOOLS=OFF -DMESOSHTTP_BUILD_EXAMPLES=OFF
  cmake --build build-asan-ci -j "$jobs"
  # The install test builds an unsanitized consumer against the tree; it is
  # about packaging, which stage 1 covers.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  MESOSHTTP_SOAK_SECONDS=$sanitized_soak \
    ctest --test-dir build-asan-ci --output-on-failure -j "$jobs" -E '^install_consumer$'
  stage_done

  # ------------------------------------------------------------------------
  stage "TSan (clang): client, TLS/auth, ZooKeeper, simulator and soak tests"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$sanitized_flags" -DMESOSHTTP_SANITIZE=thread -DMESOSHTTP_WERROR=ON -DMESOSHTTP_LINKER=lld \
    -DMESOSHTTP_BUILD_TOOLS=OFF -DMESOSHTTP_BUILD_EXAMPLES=OFF -DMESOSHTTP_BUILD_FUZZ_REPLAY=OFF
  tsan_targets="hub_test stream_test call_pool_test client_test executor_client_test operator_test tls_auth_test soak_test sim_protocol_test sim_cluster_test sim_faults_test sim_process_test sim_operator_stream_test"
  # The ZooKeeper tests exist when the ZooKeeper C client was found.
  if grep -q '^MESOSHTTP_WITH_ZOOKEEPER:BOOL=ON' build-tsan/CMakeCache.txt; then tsan_targets="$tsan_targets zk_detector_test"; fi
  # shellcheck disable=SC2086
  cmake --build build-tsan -j "$jobs" --target $tsan_targets
  # test/tsan.supp names functions, which a report has only when the symbolizer
  # runs: without it every frame is an address, nothing matches, and a known race
  # in a library that is not ours fails the stage. So it is named explicitly,
  # and its absence stops the stage with a reason instead.
  symbolizer=$(command -v llvm-symbolizer || true)
  if [ -z "$symbolizer" ]; then
    echo "llvm-symbolizer not found (Debian package llvm; scripts/setup.sh installs it):"
    echo "the TSan suppressions in test/tsan.supp cannot match without it"
    exit 1
  fi
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/test/tsan.supp:external_symbolizer_path=$symbolizer" \
  MESOSHTTP_SOAK_SECONDS=$sanitized_soak \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R '^(sim\.|Soak\.|HubTest\.|ArenaRecyclerTest\.|.*CallPoolTest|.*Client|.*ExecutorClient|.*TlsAuth|ZkDetector)'
  stage_done

  # ------------------------------------------------------------------------
  stage "libFuzzer (clang, ASan+UBSan): ${fuzz_seconds}s per target"
  fuzz_dir=build-asan-ci
  targets="recordio event_decode http_response sim_request operator_event executor_event"
  # The ZooKeeper target exists when the ZooKeeper component is built.
  if [ -x "$fuzz_dir/fuzz/fuzz_zk_master_info" ]; then targets="$targets zk_master_info"; fi
  # One fuzzer per core at a time (libFuzzer runs on one thread): each target
  # still gets its whole time, and the stage takes half as long on two cores.
  fuzz_one() {
    local target=$1
    # New inputs go to a scratch folder; the committed corpus is only read.
    # A crash leaves its input in $fuzz_dir/artifacts/: add it to
    # fuzz/corpus/<target>/ with a note once fixed.
    local scratch=$fuzz_dir/corpus-$target
    mkdir -p "$scratch" "$fuzz_dir/artifacts"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$fuzz_dir/fuzz/fuzz_$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
      -rss_limit_mb=2048 -artifact_prefix="$fuzz_dir/artifacts/$target-" \
      "$scratch" "fuzz/corpus/$target" >"$fuzz_dir/fuzz-$target.log" 2>&1
  }
  # shellcheck disable=SC2206
  pending=($targets)
  while [ ${#pending[@]} -gt 0 ]; do
    batch=("${pending[@]:0:$jobs}")
    pending=("${pending[@]:$jobs}")
    pids=()
    for target in "${batch[@]}"; do
      fuzz_one "$target" &
      pids+=($!)
    done
    for i in "${!batch[@]}"; do
      target=${batch[$i]}
      rc=0
      wait "${pids[$i]}" || rc=$?
      log=$fuzz_dir/fuzz-$target.log
      echo "-- fuzz_$target"
      grep -E '^#[0-9]+ +(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
      if [ "$rc" -ne 0 ]; then
        tail -n 60 "$log"
        echo "fuzz_$target failed (exit $rc); the input is in $fuzz_dir/artifacts/"
        wait || true
        exit 1
      fi
    done
  done
  stage_done
fi

echo
echo "== timings"
for t in "${timings[@]}"; do echo "   $t"; done
echo "   $(printf '%-48s %5ss' total $((SECONDS - script_start)))"
