#!/usr/bin/env bash
# Builds and runs every benchmark, each beside its floor in the same run.
# Writes bench/results.json (all figures) and bench/RESULTS.md (the table).
#   BENCH_QUICK=1 scripts/bench.sh   # shorter runs, for a smoke check
set -euo pipefail
cd "$(dirname "$0")/.."

# The compilers, Google Benchmark, wrk (the HTTP limit of the calls benchmark)
# and python3 (the report) all come from here.
bash scripts/setup.sh

build_dir=${BENCH_BUILD_DIR:-build-bench}
jobs=${JOBS:-2}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMESOSHTTP_BUILD_BENCHMARKS=ON \
  -DMESOSHTTP_WERROR=ON -DMESOSHTTP_BUILD_TOOLS=OFF -DMESOSHTTP_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build_dir" -j "$jobs" --target bench_decode bench_system

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ "${BENCH_QUICK:-0}" = "1" ]; then
  min_time=0.1; reps=1; events=50000; rounds=1; seconds=2; stall=3; mirror_tasks=20000
else
  min_time=0.5; reps=3; events=200000; rounds=3; seconds=3; stall=10; mirror_tasks=100000
fi

echo "== decode"
"$build_dir/bench/bench_decode" --benchmark_min_time="$min_time" --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true --benchmark_out="$out/decode.json" --benchmark_out_format=json
echo "== ingest"
"$build_dir/bench/bench_system" ingest --events "$events" --rounds "$rounds" >"$out/ingest.json"
echo "== calls"
"$build_dir/bench/bench_system" calls --seconds "$seconds" >"$out/calls.json"
echo "== failover"
"$build_dir/bench/bench_system" failover --rounds 20 >"$out/failover.json"
echo "== toolkit"
# Three times the rounds: a toolkit run swung from 0.69 to 1.13 of its plain
# twin from one bench run to the next on a shared 2-core host, and its goal
# (0.9) is a ratio within 10 %; each round is well under a second.
"$build_dir/bench/bench_system" toolkit --events "$events" --rounds $((rounds * 3)) >"$out/toolkit.json"
echo "== mirror"
"$build_dir/bench/bench_system" mirror --tasks "$mirror_tasks" --agents 10000 --events 1000000 --rounds "$rounds" \
  >"$out/mirror.json"
echo "== memory"
"$build_dir/bench/bench_system" memory --stall-seconds "$stall" >"$out/memory.json"

python3 bench/report.py "$out" bench/results.json bench/RESULTS.md
echo "bench: wrote bench/results.json and bench/RESULTS.md"
