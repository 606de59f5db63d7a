// failover: the time from a leader change to the client's subscription at
// the new leader.
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "bench_system.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace bench_system {

void run_failover() {
  const auto rounds = static_cast<int>(arg("rounds", 20));
  mesoshttp::sim::cluster_config scfg;
  scfg.masters = 3;
  mesoshttp::sim::cluster sim(scfg);
  sim.start();
  auto cfg = client_config(sim.urls());
  cfg.reconnect.initial_wait = 0ms;
  cfg.reconnect.custom_delay = [](std::size_t) { return 0ms; };
  mesoshttp::scheduler_client client(cfg);
  auto stream = client.events();
  client.start();
  await_subscribed(stream);
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    const std::size_t next = (*sim.leader() + 1) % sim.size();
    const std::string want = sim.url(next);
    const auto t0 = clock_type::now();
    sim.elect(next);
    for (;;) {
      auto item = stream.next(20s);
      if (!item) die("no resubscription after a leader change");
      if (item->type == client_event::kind::subscribed) {
        if (item->master.rfind(want, 0) != 0) die("subscribed to " + item->master + ", not the new leader " + want);
        break;
      }
    }
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
  }
  client.shutdown();
  std::cout << "{\"benchmark\":\"failover\",\"rounds\":" << rounds << ",\"p50_ms\":" << median(ms)
            << ",\"max_ms\":" << percentile(ms, 1.0) << ",\"min_ms\":" << percentile(ms, 0.0) << "}" << std::endl;
  std::cerr << "failover p50=" << median(ms) << " ms max=" << percentile(ms, 1.0) << " ms\n";
}

}  // namespace bench_system
