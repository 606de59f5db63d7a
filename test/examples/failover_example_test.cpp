// The failover example framework (examples/failover_framework.hpp) through a
// leader change in a 3-master simulated cluster. Its tasks are real local
// processes held open by a gate file, so the failover happens while they run
// by construction, not by timing.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <thread>

#include "failover_framework.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace {

using namespace std::chrono_literals;
constexpr auto deadline = 60s;  // bounds a failing wait only

template <class Pred>
bool eventually(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(FailoverExample, KeepsItsIdAndFinishesItsTasksAcrossALeaderChange) {
  const auto dir = std::filesystem::temp_directory_path() / ("failover-example-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto gate = dir / "go";

  mesoshttp::sim::cluster_config cfg;
  cfg.masters = 3;
  cfg.heartbeat_interval = 200ms;
  cfg.offer_interval = 50ms;
  cfg.status_update_retry = 300ms;
  cfg.tasks = mesoshttp::sim::task_mode::local_process;
  cfg.sandbox_root = dir / "sandboxes";
  mesoshttp::sim::cluster sim(cfg);
  sim.start();

  example::failover_options options;
  options.masters = sim.urls();
  options.tasks = 3;
  options.command = "while [ ! -e '" + gate.string() + "' ]; do sleep 0.02; done";
  example::failover_framework framework(options);
  auto result = std::async(std::launch::async, [&] { return framework.run(); });

  auto running = [&] {
    std::size_t n = 0;
    for (const auto& t : sim.tasks()) n += t.state == mesos::v1::TASK_RUNNING;
    return n;
  };
  ASSERT_TRUE(eventually([&] { return running() == 3; })) << "tasks did not start";
  ASSERT_EQ(framework.framework_ids().size(), 1u);

  sim.elect(2);
  EXPECT_TRUE(eventually([&] { return framework.framework_ids().size() >= 2; }))
      << "no resubscription after the leader change";
  EXPECT_EQ(running(), 3u) << "the tasks outlived the old leader";
  std::ofstream(gate.string()) << "go\n";

  if (result.wait_for(deadline) != std::future_status::ready) {
    framework.stop();
    ADD_FAILURE() << "the framework did not finish";
  }
  EXPECT_TRUE(result.get()) << "all tasks finished";

  const auto ids = framework.framework_ids();
  ASSERT_GE(ids.size(), 2u);
  for (const auto& id : ids) EXPECT_EQ(id, ids.front());
  // After resubscribing to the new leader it reconciled, then tore down.
  bool reconciled_on_new_leader = false, torn_down = false;
  for (const auto& c : sim.calls()) {
    reconciled_on_new_leader |= c.type == "RECONCILE" && c.master == 2 && c.status == 202;
    torn_down |= c.type == "TEARDOWN" && c.status == 202;
  }
  EXPECT_TRUE(reconciled_on_new_leader);
  EXPECT_TRUE(torn_down);
  EXPECT_TRUE(sim.frameworks().empty());
  sim.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
