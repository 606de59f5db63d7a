// Runs failover_framework (see failover_framework.hpp).
//
//   failover_framework [master-url[,master-url...]] [tasks]
//
// Without URLs it starts three simulated masters in this process and moves
// the leadership to another one while the tasks run, to show the framework
// riding through a master failover with its id and its tasks intact.
#include <sstream>
#include <thread>

#include "failover_framework.hpp"
#include "mesoshttp/sim/cluster.hpp"

int main(int argc, char** argv) {
  example::failover_options options;
  if (argc > 2) options.tasks = std::stoi(argv[2]);
  std::unique_ptr<mesoshttp::sim::cluster> sim;
  if (argc > 1) {
    std::istringstream list(argv[1]);
    for (std::string url; std::getline(list, url, ',');) options.masters.push_back(url);
  } else {
    mesoshttp::sim::cluster_config cfg;
    cfg.masters = 3;
    cfg.task_run_time = std::chrono::seconds(2);
    sim = std::make_unique<mesoshttp::sim::cluster>(cfg);
    sim->start();
    options.masters = sim->urls();
  }

  example::failover_framework framework(options);
  std::thread failover;
  if (sim) {
    // The demonstration: once a task runs, master 1 takes over.
    failover = std::thread([&] {
      for (int i = 0; i < 600; ++i) {
        for (const auto& t : sim->tasks()) {
          if (t.state == mesos::v1::TASK_RUNNING) {
            std::cout << "-- electing master 1 --" << std::endl;
            sim->elect(1);
            return;
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  const bool ok = framework.run();
  if (failover.joinable()) failover.join();
  const auto ids = framework.framework_ids();
  std::cout << (ok ? "all tasks finished" : "gave up") << "; subscribed " << ids.size() << " time(s)" << std::endl;
  return ok ? 0 : 1;
}
