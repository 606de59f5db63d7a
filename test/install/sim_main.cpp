// The simulator as an installed package: a framework author's test starts a
// sim::cluster on loopback and subscribes to it with the client.
#include <mesoshttp/client.hpp>
#include <mesoshttp/sim/cluster.hpp>

#include <chrono>
#include <cstdio>

int main() {
  mesoshttp::sim::cluster_config sim_cfg;
  sim_cfg.host = "127.0.0.1";
  // No ports given: ephemeral ones, so the test may run next to others.
  mesoshttp::sim::cluster sim(sim_cfg);
  sim.start();

  mesoshttp::client_config cfg;
  cfg.masters = sim.urls();
  cfg.framework.set_user("nobody");
  cfg.framework.set_name("install-consumer");
  // A broken install should fail this test quickly, not retry forever.
  cfg.reconnect.max_attempts = 5;
  mesoshttp::scheduler_client client(cfg);
  auto events = client.events();
  client.start();

  bool subscribed = false;
  while (auto item = events.next(std::chrono::seconds(20))) {
    if (item->type == mesoshttp::client_event::kind::closed) break;
    if (item->type == mesoshttp::client_event::kind::event &&
        item->event->type() == mesos::v1::scheduler::Event::SUBSCRIBED) {
      subscribed = true;
      break;
    }
  }
  client.shutdown();
  sim.stop();
  if (!subscribed) {
    std::fputs("FAILED: no SUBSCRIBED from the simulator\n", stderr);
    return 1;
  }
  std::puts("mesoshttp sim consumer: ok");
  return 0;
}
