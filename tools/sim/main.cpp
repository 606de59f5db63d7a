// mesos-sim: simulated Apache Mesos masters on 127.0.0.1 (see
// include/mesoshttp/sim/cluster.hpp). The options are shared with
// `mesoshttp sim` (tools/sim_options.hpp).
#include <iostream>

#include "../sim_options.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "mesos-sim: simulated Apache Mesos masters speaking the v1 scheduler HTTP API "
      "on 127.0.0.1. Faults can be injected with POST /sim/fault on any master, e.g. "
      "{\"fault\":\"kill\",\"master\":0}; faults: elect, unelect, restart, kill, "
      "start_master, cut_streams_mid_record, garbage, reset_connections, "
      "pause_heartbeats, error_event, fail_next, delay_answers, offers_burst, flood, "
      "schedule_maintenance, cancel_maintenance "
      "(parameters in README.md). GET /sim/state shows the cluster."};
  mesoshttp::tools::sim_options options;
  mesoshttp::tools::add_sim_options(app, options);
  CLI11_PARSE(app, argc, argv);
  mesoshttp::sim::cluster_config cfg;
  if (auto why = mesoshttp::tools::to_cluster_config(options, cfg)) {
    std::cerr << "mesos-sim: " << *why << "\n";
    return 2;
  }
  return mesoshttp::tools::serve_until_signalled(cfg, "mesos-sim");
}
