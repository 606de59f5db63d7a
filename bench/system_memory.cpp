// memory: the client's resident memory through bursts of large OFFERS and
// while one consumer stalls under a flood, the simulator in a child process.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "bare_http.hpp"
#include "bench_system.hpp"
#include "events.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace bench_system {
namespace {

namespace bench = mesoshttp::bench;

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n + 1);
  return -1;
}

bool reset_peak() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

bool control(std::uint16_t port, const std::string& json) {
  const int fd = bench::connect_loopback(port);
  if (fd < 0) return false;
  bool ok = bench::write_all(fd, bench::post_request(port, json, "application/json", "*/*", {}, false, "/sim/fault"));
  std::string h, rest;
  ok = ok && bench::read_head(fd, h, rest) == 200;
  ::close(fd);
  return ok;
}

}  // namespace

void run_memory() {
  const auto stall_s = arg("stall-seconds", 10);
  // The simulator runs in a child process, so its buffers are not counted
  // in our RSS; it is driven through its /sim/fault control endpoint.
  int ports[2], quit[2];
  if (::pipe(ports) != 0 || ::pipe(quit) != 0) die("pipe");
  const pid_t child = ::fork();
  if (child < 0) die("fork");
  if (child == 0) {
    ::close(ports[0]);
    ::close(quit[1]);
    mesoshttp::sim::cluster sim;
    sim.start();
    const std::uint16_t p = sim.port(0);
    if (::write(ports[1], &p, sizeof p) != sizeof p) std::_Exit(1);
    char c;
    while (::read(quit[0], &c, 1) > 0) {
    }
    sim.stop();
    std::_Exit(0);
  }
  ::close(ports[1]);
  ::close(quit[0]);
  std::uint16_t port = 0;
  if (::read(ports[0], &port, sizeof port) != sizeof port) die("simulator child did not start");

  const std::size_t queue = 1024;
  auto cfg = client_config({"http://127.0.0.1:" + std::to_string(port)});
  cfg.event_queue_size = queue;
  std::ostringstream out;
  {
    mesoshttp::scheduler_client client(cfg);
    auto drained = client.events();
    auto stalled = client.events();
    client.start();
    await_subscribed(drained);
    await_subscribed(stalled);
    const long rss0 = status_kb("VmRSS:");
    const bool peak_reset = reset_peak();
    const long hwm0 = status_kb("VmHWM:");

    // 1. Bursts of OFFERS from 10,000 agents, both consumers keeping up.
    const int bursts = 5;
    auto drain_offers = [&](mesoshttp::event_stream& s, int want, std::size_t& offers) {
      int seen = 0;
      while (seen < want) {
        auto item = s.next(60s);
        if (!item) die("offers burst not delivered");
        if (item->type == client_event::kind::event && item->event->type() == Event::OFFERS &&
            item->event->offers().offers_size() >= 10000) {
          ++seen;
          offers = static_cast<std::size_t>(item->event->ByteSizeLong());
        }
      }
    };
    std::size_t burst_bytes = 0, ignored = 0;
    std::thread other([&] { drain_offers(stalled, bursts, ignored); });
    for (int i = 0; i < bursts; ++i)
      if (!control(port, "{\"fault\":\"offers_burst\",\"agents\":10000}")) die("offers_burst failed");
    drain_offers(drained, bursts, burst_bytes);
    other.join();
    const long hwm_burst = status_kb("VmHWM:");
    const long rss_burst = status_kb("VmRSS:");

    // 2. One consumer stalls while a flood keeps coming; the other drains.
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> drained_events{0};
    std::thread drainer([&] {
      while (!stop) {
        auto item = drained.next(100ms);
        if (item) ++drained_events;
      }
    });
    if (!control(port, "{\"fault\":\"flood\",\"shape\":\"update\",\"events\":5000000}")) die("flood failed");
    long rss_stall_max = 0;
    const auto until = clock_type::now() + std::chrono::seconds(stall_s);
    while (clock_type::now() < until) {
      rss_stall_max = std::max(rss_stall_max, status_kb("VmRSS:"));
      std::this_thread::sleep_for(100ms);
    }
    const std::size_t stalled_queue = stalled.queued();
    const std::size_t during_stall = drained_events.load();
    // The stalled consumer resumes; everything flows again.
    std::size_t resumed = 0;
    while (resumed < 2 * queue) {
      if (stalled.next(30s))
        ++resumed;
      else
        die("stalled consumer got nothing after resuming");
    }
    stop = true;
    drainer.join();
    const long hwm_stall = status_kb("VmHWM:");
    const long update_bytes = static_cast<long>(bench::update_event(1).SpaceUsedLong());
    client.shutdown();
    out << "{\"benchmark\":\"memory\",\"queue_size\":" << queue << ",\"peak_reset\":" << (peak_reset ? "true" : "false")
        << ",\"rss_baseline_kb\":" << rss0 << ",\"hwm_baseline_kb\":" << hwm0
        << ",\"burst\":{\"agents\":10000,\"bursts\":" << bursts << ",\"record_bytes\":" << burst_bytes
        << ",\"hwm_kb\":" << hwm_burst << ",\"rss_after_kb\":" << rss_burst << "}"
        << ",\"stall\":{\"seconds\":" << stall_s << ",\"rss_max_kb\":" << rss_stall_max << ",\"hwm_kb\":" << hwm_stall
        << ",\"stalled_queue\":" << stalled_queue << ",\"drained_during_stall\":" << during_stall
        << ",\"event_space_bytes\":" << update_bytes << "}}";
  }
  ::close(quit[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::cout << out.str() << std::endl;
  std::cerr << out.str() << "\n";
}

}  // namespace bench_system
