// Scheduler clients following the leader a real ZooKeeper server names
// (started here on loopback, with simulated masters registered in it as real
// masters register): a failover, a killed leader whose session has yet to
// expire (also through the command line), and the client's log level.
#include "mesoshttp/zk/leader_detector.hpp"
#include "mesoshttp/zk/master_detector.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/detector_fixture.hpp"
#include "support/registrar.hpp"
#ifdef MESOSHTTP_CLI
#include <csignal>

#include "../cli/subprocess.hpp"
#endif

namespace {

using namespace std::chrono_literals;
using namespace mesoshttp::test::zk_detector;

TEST_F(ZkDetector, SchedulerSubscribesToTheLeaderTheDetectorNames) {
  register_all();
  recorder rec;
  auto d = detector(rec);
  auto first = rec.wait([](const report& x) { return x.leader.has_value(); });
  ASSERT_TRUE(first);

  auto subscribe = [&](const std::string& master, const std::string& framework_id) {
    mesoshttp::client_config cfg;
    cfg.masters = {master};
    cfg.framework.set_user("tester");
    cfg.framework.set_name("zk-follow");
    cfg.framework.set_failover_timeout(60);
    if (!framework_id.empty()) cfg.framework.mutable_id()->set_value(framework_id);
    cfg.reconnect.initial_wait = 10ms;
    cfg.reconnect.max_wait = 200ms;
    auto client = std::make_unique<mesoshttp::scheduler_client>(cfg);
    auto events = client->events();
    client->start();
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      auto item = events.next(1s);
      if (item && item->type == mesoshttp::client_event::kind::subscribed) {
        const auto result = std::make_pair(item->master, item->framework_id);
        client->shutdown();
        return result;
      }
    }
    ADD_FAILURE() << "not subscribed to " << master;
    return std::make_pair(std::string(), std::string());
  };

  // The detector's URL is the leader itself: subscribed there, no redirect.
  const auto [master0, framework_id] = subscribe(*first->leader, "");
  EXPECT_EQ(master0.rfind(sim_->url(0), 0), 0u) << master0;
  ASSERT_FALSE(framework_id.empty());

  // Failover: master 0's session ends and master 1 leads (in ZooKeeper and in
  // the simulator); the framework follows the detector to it.
  const auto before = rec.size();
  registrar_->remove(0);
  sim_->elect(1);
  auto next = rec.wait([](const report& x) { return x.leader.has_value(); }, before);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next->leader, sim_->url(1));
  const auto [master1, same_id] = subscribe(*next->leader, framework_id);
  EXPECT_EQ(master1.rfind(sim_->url(1), 0), 0u) << master1;
  EXPECT_EQ(same_id, framework_id);
}

// The leader's process dies. Its znode stays until its ZooKeeper session
// expires, and the other masters go on redirecting to it meanwhile; then
// the next master leads. The client, following ZooKeeper, gets there.
class ZkDetectorKilledLeader : public ZkDetector {
 protected:
  // Kills the leader the client subscribed to; its session "expires" after
  // `window`. Returns whether the client resubscribed at master 1 with the same id.
  void follow_killed_leader(mesoshttp::client_config cfg, std::chrono::milliseconds window,
                            std::optional<std::chrono::milliseconds> recovery = std::nullopt) {
    registrar_.reset();
    auto cfg_sim = sim_->config();
    cfg_sim.leader_session_timeout = window;
    if (recovery) cfg_sim.recovery_time = *recovery;
    sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg_sim);
    sim_->start();
    registrar_ = std::make_unique<master_registrar>(server_->hosts(), path_, *sim_);
    register_all();

    mesoshttp::scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    auto first = subscribed_at(events, sim_->url(0));
    ASSERT_TRUE(first);

    sim_->kill(0);
    // The session expires when the simulator's window ends: master 1 leads.
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (sim_->leader() != std::optional<std::size_t>(1) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    ASSERT_EQ(sim_->leader(), std::optional<std::size_t>(1));
    registrar_->remove(0);

    auto again = subscribed_at(events, sim_->url(1));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->framework_id, first->framework_id);
  }
};

TEST_F(ZkDetectorKilledLeader, AClientFollowsWhenTheLeaderIsKilledAndItsSessionExpires) {
  follow_killed_leader(zk_client_config("zk-kill"), 1s);
}

// While ZooKeeper still names the dead leader, every attempt meets a refusing
// port: dozens of them in the window, at these waits. They mean "leader
// unknown", not failures, so a budget of two attempts is not used up by them
// (it was, and a `watch --master zk://...` closed before the new leader was
// elected).
TEST_F(ZkDetectorKilledLeader, AttemptsAtTheDeadLeaderZooKeeperStillNamesDoNotUseUpTheBudget) {
  auto cfg = zk_client_config("zk-kill-budget");
  cfg.reconnect.max_attempts = 2;
  // The new leader's recovery 503s would count (the master is there and says
  // "not yet"); without them, only the refusals are left to be told apart.
  follow_killed_leader(cfg, 2s, 0ms);
}

#ifdef MESOSHTTP_CLI
// The same through the command line, with its defaults: `watch` gives up after
// a time without a subscription (30 s), not after a count of attempts, so it
// rides out the dead leader's window and prints the new leader's SUBSCRIBED.
TEST_F(ZkDetectorKilledLeader, TheCliRidesOutTheDeadLeadersWindowWithItsDefaults) {
  registrar_.reset();
  auto cfg_sim = sim_->config();
  cfg_sim.leader_session_timeout = 3s;
  sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg_sim);
  sim_->start();
  registrar_ = std::make_unique<master_registrar>(server_->hosts(), path_, *sim_);
  register_all();

  // A framework that outlives its disconnection, as the new leader would still
  // know it (the simulator shares its frameworks between its masters).
  mesoshttp::test::subprocess watch(
      {MESOSHTTP_CLI, "watch", "--master", url(), "--format", "json", "--failover-timeout", "60"});
  const auto port_of = [&](std::size_t m) { return "\"port\":" + std::to_string(sim_->port(m)); };
  ASSERT_TRUE(watch.wait_for_output(port_of(0), 20s)) << watch.out << watch.err;
  sim_->kill(0);
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (sim_->leader() != std::optional<std::size_t>(1) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(sim_->leader(), std::optional<std::size_t>(1));
  registrar_->remove(0);
  EXPECT_TRUE(watch.wait_for_output(port_of(1), 20s)) << watch.out << watch.err;
  EXPECT_EQ(watch.err.find("gave up"), std::string::npos) << watch.err;
  watch.signal(SIGINT);
  watch.wait(20s);
}
#endif

TEST_F(ZkDetector, TheClientsLogLevelAppliesToItsDetector) {
  register_all();
  for (const auto level : {mesoshttp::log_level::debug, mesoshttp::log_level::warning}) {
    std::mutex mutex;
    std::vector<std::pair<mesoshttp::log_level, std::string>> lines;
    mesoshttp::client_config cfg;
    cfg.masters = {url()};
    cfg.framework.set_user("tester");
    cfg.framework.set_name("zk-log-level");
    cfg.min_log_level = level;
    cfg.logger = [&](mesoshttp::log_level l, std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(l, std::string(line));
    };
    std::error_code ec;
    ASSERT_TRUE(mesoshttp::zk::use_zookeeper(cfg, ec));
    {
      mesoshttp::scheduler_client client(cfg);
      auto events = client.events();
      client.start();
      ASSERT_TRUE(subscribed_at(events, sim_->url(0)));
    }
    std::lock_guard lock(mutex);
    bool session_line = false;
    for (const auto& [l, line] : lines) {
      EXPECT_GE(l, level) << line;
      session_line |= line.find("ZooKeeper session requested") != std::string::npos;
    }
    EXPECT_EQ(session_line, level == mesoshttp::log_level::debug);
  }
}

TEST_F(ZkDetector, ClientWithAZkUrlFollowsTheLeaderLive) {
  register_all();
  auto cfg = zk_client_config("zk-client");
  ASSERT_TRUE(cfg.detector);
  EXPECT_TRUE(cfg.masters.empty());

  mesoshttp::scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto first = subscribed_at(events, sim_->url(0));
  ASSERT_TRUE(first);

  // The leader's ZooKeeper session ends and master 1 takes over: the client
  // learns it from ZooKeeper, not from a redirect, and keeps its framework.
  // ZooKeeper may name master 1 a moment before the simulator has made it
  // leader (a real cluster has that window too): the client may first be
  // redirected back to master 0, then follows the stream's end to master 1.
  registrar_->remove(0);
  sim_->elect(1);
  auto second = subscribed_at(events, sim_->url(1));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->framework_id, first->framework_id);
  client.shutdown();
}

}  // namespace
