// mesos-sim: a simulated Mesos cluster on loopback, for trying schedulers by hand.
#include <signal.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "mesoshttp/sim/cluster.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mesos-sim: simulated Apache Mesos masters speaking the v1 scheduler HTTP API "
               "on 127.0.0.1. Faults can be injected with POST /sim/fault on any master."};
  std::size_t masters = 1;
  std::size_t agents = 1;
  unsigned port = 0;
  double heartbeat = 15;
  bool local = false;
  double cpus = 4, mem = 8192, disk = 65536;
  double offer_interval = 1, offer_timeout = 0, task_seconds = 1, retry = 10;
  std::string outcome = "TASK_FINISHED";
  std::string sandbox;
  std::vector<std::string> attributes;
  app.add_option("--masters", masters, "Number of masters; master 0 leads")
      ->default_val(1)->check(CLI::Range(1, 64));
  app.add_option("--agents", agents, "Number of simulated agents")
      ->default_val(1)->check(CLI::Range(1, 100000));
  app.add_option("--port", port,
                 "Port of the first master; the others use the next ports. 0 = ephemeral ports")
      ->default_val(0)->check(CLI::Range(0, 65535));
  app.add_option("--heartbeat", heartbeat, "Heartbeat interval in seconds")
      ->default_val(15)->check(CLI::PositiveNumber);
  app.add_flag("--local-agent", local,
               "Run tasks' commands as real local processes (sandboxes under --sandbox)");
  app.add_option("--sandbox", sandbox,
                 "Where --local-agent puts task sandboxes (default: a temporary directory)");
  app.add_option("--cpus", cpus, "CPUs per agent")->default_val(4);
  app.add_option("--mem", mem, "Memory per agent, MB")->default_val(8192);
  app.add_option("--disk", disk, "Disk per agent, MB")->default_val(65536);
  app.add_option("--attribute", attributes,
                 "Text attribute name=value given to every agent (repeatable)");
  app.add_option("--offer-interval", offer_interval,
                 "Seconds between allocation rounds (unused resources come back this soon)")
      ->default_val(1);
  app.add_option("--offer-timeout", offer_timeout,
                 "Seconds after which an unused offer is rescinded; 0 = never")->default_val(0);
  app.add_option("--task-seconds", task_seconds,
                 "Simulated tasks run this long; 0 = until killed")->default_val(1);
  app.add_option("--task-outcome", outcome, "Final state of simulated tasks")
      ->default_val("TASK_FINISHED");
  app.add_option("--update-retry", retry,
                 "Seconds before an unacknowledged status update is resent")->default_val(10);
  CLI11_PARSE(app, argc, argv);

  const auto ms = [](double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
  };
  mesoshttp::sim::cluster_config cfg;
  cfg.masters = masters;
  for (std::size_t i = 0; i < masters && port != 0; ++i) {
    if (port + i > 65535) {
      std::cerr << "mesos-sim: --port " << port << " leaves no room for " << masters
                << " masters\n";
      return 2;
    }
    cfg.ports.push_back(static_cast<std::uint16_t>(port + i));
  }
  cfg.heartbeat_interval = ms(heartbeat);
  cfg.offer_interval = ms(offer_interval);
  cfg.offer_timeout = ms(offer_timeout);
  cfg.task_run_time = ms(task_seconds);
  cfg.status_update_retry = ms(retry);
  cfg.tasks = local ? mesoshttp::sim::task_mode::local_process
                    : mesoshttp::sim::task_mode::simulated;
  cfg.sandbox_root = sandbox;
  if (!mesos::v1::TaskState_Parse(outcome, &cfg.task_outcome)) {
    std::cerr << "mesos-sim: unknown --task-outcome " << outcome << "\n";
    return 2;
  }
  mesoshttp::sim::agent_spec spec;
  spec.cpus = cpus;
  spec.mem_mb = mem;
  spec.disk_mb = disk;
  for (const auto& a : attributes) {
    const auto eq = a.find('=');
    if (eq == std::string::npos) {
      std::cerr << "mesos-sim: --attribute wants name=value, got " << a << "\n";
      return 2;
    }
    spec.attributes.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  cfg.agents.assign(agents, spec);

  // Block the signals before any thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  mesoshttp::sim::cluster sim(cfg);
  try {
    sim.start();
  } catch (const std::exception& e) {
    std::cerr << "mesos-sim: cannot start: " << e.what() << "\n";
    return 1;
  }
  const auto leader = sim.leader();
  for (std::size_t i = 0; i < sim.size(); ++i)
    std::cout << "master " << i << " " << sim.url(i) << (leader && *leader == i ? " (leader)" : "")
              << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "mesos-sim: stopping" << std::endl;
  sim.stop();
  return 0;
}
