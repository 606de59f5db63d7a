// `mesoshttp sim`: the simulated cluster of `mesos-sim`, from the same binary.
#include <signal.h>

#include <iostream>

#include "../sim_options.hpp"
#include "common.hpp"

namespace mesoshttp::cli {

command add_sim(CLI::App& app) {
  auto o = std::make_shared<tools::sim_options>();
  auto* sub = app.add_subcommand(
      "sim",
      "Start simulated Mesos masters on 127.0.0.1 (the same as mesos-sim) and print their URLs. "
      "Faults can be injected with POST /sim/fault on any master. Runs until Ctrl-C.");
  tools::add_sim_options(*sub, *o);
  return [o] {
    sim::cluster_config cfg;
    if (auto why = tools::to_cluster_config(*o, cfg)) {
      complain("sim", *why);
      return exit_usage;
    }
    // Blocked before the cluster starts its thread, so only sigwait sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    sim::cluster cluster(cfg);
    try {
      cluster.start();
    } catch (const std::exception& e) {
      complain("sim", std::string("cannot start: ") + e.what());
      return exit_failure;
    }
    const auto leader = cluster.leader();
    for (std::size_t i = 0; i < cluster.size(); ++i)
      std::cout << "master " << i << " " << cluster.url(i)
                << (leader && *leader == i ? " (leader)" : "") << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    std::cout << "mesoshttp sim: stopping" << std::endl;
    cluster.stop();
    return 0;
  };
}

}  // namespace mesoshttp::cli
