// `mesoshttp sim`: the simulated cluster of `mesos-sim`, from the same binary.
#include "../sim_options.hpp"
#include "common.hpp"

namespace mesoshttp::cli {

command add_sim(CLI::App& app) {
  auto o = std::make_shared<tools::sim_options>();
  auto* sub =
      app.add_subcommand("sim",
                         "Start simulated Mesos masters on 127.0.0.1 (the same as mesos-sim) and print their URLs. "
                         "Faults can be injected with POST /sim/fault on any master. Runs until Ctrl-C.");
  tools::add_sim_options(*sub, *o);
  return [o] {
    sim::cluster_config cfg;
    if (auto why = tools::to_cluster_config(*o, cfg)) {
      complain("sim", *why);
      return exit_usage;
    }
    const int status = tools::serve_until_signalled(cfg, "mesoshttp sim");
    return status == 0 ? 0 : exit_failure;
  };
}

}  // namespace mesoshttp::cli
