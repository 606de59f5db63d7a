// System benchmarks over loopback against the simulated master, each beside
// its floor in the same run (the machine is shared: ratios, not absolutes,
// are what we judge). Prints one JSON object on stdout.
//
//   bench_system ingest   [--events N] [--rounds R]
//   bench_system calls    [--seconds S]
//   bench_system failover [--rounds R]
//   bench_system memory   [--stall-seconds S]
//   bench_system toolkit  [--events N] [--rounds R]
//   bench_system mirror   [--tasks N] [--agents N] [--events N] [--rounds R]
//
// Each benchmark is in its own file (system_ingest.cpp, system_calls.cpp,
// system_failover.cpp, system_memory.cpp, system_toolkit.cpp, system_mirror.cpp); this one reads
// the command line.
#include <iostream>
#include <string>

#include "bench_system.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_system ingest|calls|failover|memory|toolkit|mirror [--name value]...\n";
    return 2;
  }
  for (int i = 2; i + 1 < argc; i += 2) bench_system::g_args[std::string(argv[i]).substr(2)] = argv[i + 1];
  const std::string what = argv[1];
  if (what == "ingest")
    bench_system::run_ingest();
  else if (what == "calls")
    bench_system::run_calls();
  else if (what == "failover")
    bench_system::run_failover();
  else if (what == "memory")
    bench_system::run_memory();
  else if (what == "toolkit")
    bench_system::run_toolkit();
  else if (what == "mirror")
    bench_system::run_mirror();
  else {
    std::cerr << "unknown benchmark " << what << "\n";
    return 2;
  }
  return 0;
}
