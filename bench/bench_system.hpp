// What the system benchmarks (bench_system.cpp, system_*.cpp) share: their
// command-line arguments, timing and percentiles, a loud exit, the client
// configuration they measure, and the benchmarks each file defines.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mesoshttp/client.hpp"

namespace bench_system {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::client_event;

// --name value pairs of the command line, by name.
inline std::map<std::string, std::string> g_args;

inline long arg(const std::string& name, long fallback) {
  auto it = g_args.find(name);
  return it == g_args.end() ? fallback : std::stol(it->second);
}

inline double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

inline double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

// Fails loudly: a benchmark that silently measures nothing is worse than none.
[[noreturn]] inline void die(const std::string& why) {
  std::cerr << "bench_system: " << why << "\n";
  std::exit(1);
}

template <class Pred>
void wait_until(Pred pred, std::chrono::seconds limit, const char* what) {
  const auto end = clock_type::now() + limit;
  while (!pred()) {
    if (clock_type::now() > end) die(std::string("timed out waiting for ") + what);
    std::this_thread::sleep_for(1ms);
  }
}

inline mesoshttp::client_config client_config(const std::vector<std::string>& masters) {
  mesoshttp::client_config cfg;
  cfg.masters = masters;
  cfg.framework.set_user("bench");
  cfg.framework.set_name("mesoshttp-bench");
  cfg.framework.set_failover_timeout(60);
  return cfg;
}

// Waits on `stream` for the subscribed item.
inline void await_subscribed(mesoshttp::event_stream& stream) {
  const auto end = clock_type::now() + 20s;
  while (clock_type::now() < end) {
    auto item = stream.next(1s);
    if (item && item->type == client_event::kind::subscribed) return;
  }
  die("client did not subscribe");
}

// The benchmarks; each prints its JSON object on stdout.
void run_ingest();    // system_ingest.cpp
void run_calls();     // system_calls.cpp
void run_failover();  // system_failover.cpp
void run_memory();    // system_memory.cpp
void run_toolkit();   // system_toolkit.cpp
void run_mirror();    // system_mirror.cpp

}  // namespace bench_system
