// The leader detector against a real ZooKeeper server (started here on
// loopback) and simulated masters registered in it as real masters register.
#include "mesoshttp/zk/leader_detector.hpp"
#include "mesoshttp/zk/master_detector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "mesoshttp/client.hpp"
#include "mesoshttp/error.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/registrar.hpp"
#include "support/tcp_proxy.hpp"
#include "support/zk_server.hpp"
#ifdef MESOSHTTP_CLI
#include <csignal>

#include "../cli/subprocess.hpp"
#endif

namespace {

using namespace std::chrono_literals;
using mesoshttp::test::master_registrar;
using mesoshttp::test::zk_server;
using mesoshttp::zk::leader_detector;

// Generous: a loaded machine may take seconds to start a JVM or expire a session.
constexpr auto deadline = 60s;

struct report {
  std::error_code error;
  std::optional<std::string> leader;
  std::string reason;
};

std::string describe(const report& r) {
  return (r.error ? "error " + r.error.message() + " " : std::string()) + r.leader.value_or("(none)") + " [" +
         r.reason + "]";
}

// Collects a detector's reports and log lines; tests wait on conditions.
class recorder {
 public:
  void add(report r) {
    std::lock_guard lock(mutex_);
    reports_.push_back(std::move(r));
    changed_.notify_all();
  }
  void log(std::string line) {
    if (std::getenv("MESOSHTTP_TEST_LOG")) std::cerr << "[detector] " << line << "\n";
    std::lock_guard lock(mutex_);
    logs_.push_back(std::move(line));
    changed_.notify_all();
  }
  std::vector<report> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  // Waits for the report that satisfies `pred` after the first `from`.
  std::optional<report> wait(std::function<bool(const report&)> pred, std::size_t from = 0) {
    std::unique_lock lock(mutex_);
    std::optional<report> found;
    changed_.wait_for(lock, deadline, [&] {
      for (std::size_t i = from; i < reports_.size(); ++i)
        if (pred(reports_[i])) {
          found = reports_[i];
          return true;
        }
      return false;
    });
    if (!found) {
      std::string seen;
      for (const auto& r : reports_) seen += "\n  " + describe(r);
      ADD_FAILURE() << "no matching report within the deadline; reports:" << seen;
    }
    return found;
  }
  std::optional<report> wait_leader(const std::string& url, std::size_t from = 0) {
    return wait([&](const report& r) { return r.leader == url; }, from);
  }
  bool wait_log(const std::string& text, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] {
      std::size_t n = 0;
      for (const auto& line : logs_) n += line.find(text) != std::string::npos;
      return n >= count;
    });
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return reports_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<report> reports_;
  std::vector<std::string> logs_;
};

// Runs detectors' executor on a thread of its own.
class executor_thread {
 public:
  executor_thread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~executor_thread() {
    work_.reset();
    thread_.join();
  }
  boost::asio::any_io_executor get() { return io_.get_executor(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

std::shared_ptr<leader_detector> make_detector(executor_thread& io, const std::string& url, recorder& rec,
                                               std::chrono::milliseconds session_timeout = 4000ms) {
  mesoshttp::zk::detector_config cfg;
  cfg.url = url;
  cfg.session_timeout = session_timeout;
  cfg.logger = [&rec](mesoshttp::log_level, std::string_view line) { rec.log(std::string(line)); };
  return leader_detector::create(io.get(), cfg,
                                 [&rec](std::error_code ec, std::optional<std::string> leader, std::string reason) {
                                   rec.add({ec, std::move(leader), std::move(reason)});
                                 });
}

// Needs no server: the URL is checked before any session.
TEST(ZkDetectorUrl, InvalidUrlIsReportedOnceAndFinal) {
  executor_thread io;
  recorder rec;
  auto detector = make_detector(io, "zk://admin:hunter2@127.0.0.1:notaport/mesos", rec);
  detector->start();
  auto r = rec.wait([](const report& x) { return static_cast<bool>(x.error); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, mesoshttp::error::invalid_master_url);
  EXPECT_FALSE(r->leader);
  EXPECT_EQ(r->reason.find("hunter2"), std::string::npos) << r->reason;
  detector->stop();
  EXPECT_EQ(rec.size(), 1u);
  EXPECT_FALSE(detector->leader());
}

// A port nothing listens on: bound, read, released.
std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acc(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acc.local_endpoint().port();
}

// Needs no server: it is about there being none.
TEST(ZkDetectorUnreachable, NoSessionWithinTheSessionTimeoutIsReportedWithTheHosts) {
  executor_thread io;
  recorder rec;
  const auto hosts = "127.0.0.1:" + std::to_string(closed_port());
  auto detector = make_detector(io, "zk://admin:hunter2@" + hosts + "/mesos", rec, 300ms);
  detector->start();
  auto r = rec.wait([](const report& x) { return !x.leader; });
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->error) << "not final: the detector keeps trying";
  EXPECT_NE(r->reason.find("no ZooKeeper session with " + hosts), std::string::npos) << r->reason;
  EXPECT_EQ(r->reason.find("hunter2"), std::string::npos) << r->reason;
  detector->stop();
}

// The client says why it waits rather than waiting silently.
TEST(ZkDetectorUnreachable, AClientWaitingForALeaderSaysWhy) {
  mesoshttp::zk::detector_config dc;
  dc.url = "zk://127.0.0.1:" + std::to_string(closed_port()) + "/mesos";
  dc.session_timeout = 300ms;
  mesoshttp::client_config cfg;
  cfg.masters.clear();
  cfg.detector = mesoshttp::zk::make_master_detector(dc);
  cfg.framework.set_user("tester");
  cfg.framework.set_name("zk-unreachable");
  mesoshttp::scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::optional<mesoshttp::client_event> seen;
  while (!seen && std::chrono::steady_clock::now() < until) {
    auto item = events.next(1s);
    if (item && item->type == mesoshttp::client_event::kind::disconnected) seen = *item;
  }
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->error, mesoshttp::error::no_leader);
  EXPECT_NE(seen->message.find("no ZooKeeper session"), std::string::npos) << seen->message;
  EXPECT_EQ(client.state(), mesoshttp::connection_state::disconnected);
}

class ZkDetector : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = zk_server::unavailable()) GTEST_SKIP() << "no ZooKeeper server available: " << *why;
    server_ = std::make_unique<zk_server>();
    server_->start();
    mesoshttp::sim::cluster_config cfg;
    cfg.masters = 3;
    cfg.heartbeat_interval = 200ms;
    sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg);
    sim_->start();
    registrar_ = std::make_unique<master_registrar>(server_->hosts(), path_, *sim_);
  }
  void TearDown() override {
    for (auto& weak : detectors_)
      if (auto d = weak.lock()) d->stop();
    registrar_.reset();
    sim_.reset();
    server_.reset();
  }
  std::string url() const { return "zk://" + server_->hosts() + path_; }
  std::shared_ptr<leader_detector> detector(recorder& rec) {
    auto d = make_detector(io_, url(), rec);
    detectors_.push_back(d);
    d->start();
    return d;
  }
  void register_all() {
    for (std::size_t i = 0; i < 3; ++i) registrar_->register_master(i);
  }
  // A client configuration that follows this test's ZooKeeper group.
  mesoshttp::client_config zk_client_config(const std::string& name) {
    mesoshttp::client_config cfg;
    cfg.masters = {url()};
    cfg.framework.set_user("tester");
    cfg.framework.set_name(name);
    cfg.framework.set_failover_timeout(60);
    cfg.reconnect.initial_wait = 10ms;
    cfg.reconnect.max_wait = 200ms;
    std::error_code ec;
    std::string why;
    EXPECT_TRUE(mesoshttp::zk::use_zookeeper(cfg, ec, &why)) << why;
    return cfg;
  }
  // The subscription at a master whose URL starts with `at`.
  static std::optional<mesoshttp::client_event> subscribed_at(mesoshttp::event_stream& events, const std::string& at) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::string last = "nothing";
    while (std::chrono::steady_clock::now() < until) {
      auto item = events.next(1s);
      if (item && item->type == mesoshttp::client_event::kind::subscribed && item->master.rfind(at, 0) == 0)
        return item;
      if (item && item->type == mesoshttp::client_event::kind::disconnected) last = item->message;
      if (item && item->type == mesoshttp::client_event::kind::closed) {
        last = "closed: " + item->message;
        break;
      }
    }
    ADD_FAILURE() << "not subscribed at " << at << " (last: " << last << ")";
    return std::nullopt;
  }

  std::string path_ = "/mesos";
  std::unique_ptr<zk_server> server_;
  std::unique_ptr<mesoshttp::sim::cluster> sim_;
  std::unique_ptr<master_registrar> registrar_;
  executor_thread io_;
  // Weak: each test's own handle decides the detector's life, so it ends
  // before the test's recorder (which its callbacks and logger write to).
  std::vector<std::weak_ptr<leader_detector>> detectors_;
};

TEST_F(ZkDetector, LeaderIsTheLowestSequenceNotTheFirstMaster) {
  // Master 1 registers first: it leads, whatever its index or port.
  registrar_->register_master(1);
  registrar_->register_master(0);
  registrar_->register_master(2);
  EXPECT_LT(registrar_->node(1), registrar_->node(0));
  recorder rec;
  auto d = detector(rec);
  auto r = rec.wait([](const report& x) { return x.leader.has_value(); });
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->leader, sim_->url(1));
  EXPECT_EQ(d->leader(), sim_->url(1));
  EXPECT_FALSE(r->error);
}

TEST_F(ZkDetector, LeaderLeavingMovesToTheNextAndALaterMasterNeverTakesOver) {
  registrar_->register_master(0);
  registrar_->register_master(1);
  // Nodes that are not masters, even with lower-looking names, are ignored.
  registrar_->admin().create(path_ + "/log_replicas", "", false, false);
  registrar_->admin().create(path_ + "/json.info_x", "{}", false, false);
  recorder rec;
  auto d = detector(rec);
  ASSERT_TRUE(rec.wait_leader(sim_->url(0)));

  // A master joining later gets a higher number: no leader change.
  registrar_->register_master(2);
  registrar_->remove(0);
  ASSERT_TRUE(rec.wait_leader(sim_->url(1)));
  registrar_->remove(1);
  ASSERT_TRUE(rec.wait_leader(sim_->url(2)));
  std::vector<std::string> seen;
  for (const auto& r : rec.reports()) seen.push_back(r.leader.value_or("(none)"));
  EXPECT_EQ(seen, (std::vector<std::string>{sim_->url(0), sim_->url(1), sim_->url(2)}));
}

TEST_F(ZkDetector, NoMasterNodeMeansNoLeaderWithAReason) {
  recorder rec;
  // The path does not exist yet: no master ever registered.
  auto d = detector(rec);
  auto missing = rec.wait([](const report& x) { return !x.leader; });
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->reason.find("does not exist"), std::string::npos) << missing->reason;
  EXPECT_FALSE(missing->error);

  // Its creation is watched: the first master is seen.
  registrar_->register_master(0);
  ASSERT_TRUE(rec.wait_leader(sim_->url(0)));

  // The last master leaving leaves the path empty.
  const auto before = rec.size();
  registrar_->remove(0);
  auto none = rec.wait([](const report& x) { return !x.leader; }, before);
  ASSERT_TRUE(none);
  EXPECT_NE(none->reason.find("no master"), std::string::npos) << none->reason;
  EXPECT_FALSE(d->leader());
}

TEST_F(ZkDetector, DigestCredentialsInTheUrlReadAPathOnlyTheirUserMayRead) {
  // An operator's locked-down path: readable by the digest user only.
  mesoshttp::test::zk_session owner(server_->hosts());
  owner.authenticate_and_lock_down("mesos:zk-s3cret");
  owner.ensure_path("/locked");
  owner.create("/locked/json.info_", master_registrar::master_info_json(sim_->port(0), "m0"), true, true);

  const auto start = [&](const std::string& url, recorder& rec) {
    auto d = make_detector(io_, url, rec);
    detectors_.push_back(d);
    d->start();
    return d;
  };
  recorder with, without, wrong;
  auto d1 = start("zk://mesos:zk-s3cret@" + server_->hosts() + "/locked", with);
  auto d2 = start("zk://" + server_->hosts() + "/locked", without);
  auto d3 = start("zk://mesos:wrong-password@" + server_->hosts() + "/locked", wrong);
  ASSERT_TRUE(with.wait_leader(sim_->url(0)));
  // A wrong password is a different identity to ZooKeeper, not a failed login.
  for (auto* rec : {&without, &wrong}) {
    auto r = rec->wait([](const report& x) { return x.reason.find("not authorised") != std::string::npos; });
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->leader);
    for (const auto& x : rec->reports()) EXPECT_FALSE(x.leader) << describe(x);
  }
  for (auto* rec : {&with, &without, &wrong})
    for (const auto& x : rec->reports()) {
      EXPECT_EQ(x.reason.find("zk-s3cret"), std::string::npos) << x.reason;
      EXPECT_EQ(x.reason.find("wrong-password"), std::string::npos) << x.reason;
    }
}

TEST_F(ZkDetector, LeaderNodeDataChangesAreFollowed) {
  register_all();
  recorder rec;
  auto d = detector(rec);
  ASSERT_TRUE(rec.wait_leader(sim_->url(0)));
  auto& leader = registrar_->session(0);
  const auto node = path_ + "/" + registrar_->node(0);

  leader.set(node, "this is not a MasterInfo");
  auto bad = rec.wait([](const report& x) { return !x.leader; });
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->reason.find("MasterInfo"), std::string::npos) << bad->reason;

  leader.set(node, master_registrar::master_info_json(sim_->port(2), "moved"));
  ASSERT_TRUE(rec.wait_leader(sim_->url(2)));
}

TEST_F(ZkDetector, KeepsTheLeaderWhileZooKeeperIsDownAndWatchesAgainAfter) {
  register_all();
  recorder rec;
  auto d = detector(rec);
  ASSERT_TRUE(rec.wait_leader(sim_->url(0)));

  server_->kill();
  ASSERT_TRUE(rec.wait_log("lost the ZooKeeper connection"));
  // Disconnected is not "no leader": the framework keeps its master.
  EXPECT_EQ(d->leader(), sim_->url(0));
  EXPECT_EQ(rec.size(), 1u);

  server_->start();  // same data: every session is still valid
  ASSERT_TRUE(rec.wait_log("connected to ZooKeeper", 2));
  ASSERT_TRUE(registrar_->session(1).wait_connected());
  registrar_->remove(0);
  ASSERT_TRUE(rec.wait_leader(sim_->url(1)));
  for (const auto& r : rec.reports()) EXPECT_TRUE(r.leader) << describe(r);
}

TEST_F(ZkDetector, ExpiredSessionMeansLeaderUnknownThenANewSessionFindsIt) {
  register_all();
  // The detector reaches ZooKeeper through a proxy that can cut it off while
  // the server goes on: the server then expires its session.
  mesoshttp::test::tcp_proxy proxy(server_->port());
  recorder rec;
  auto d = make_detector(io_, "zk://127.0.0.1:" + std::to_string(proxy.port()) + path_, rec, 1000ms);
  detectors_.push_back(d);
  d->start();
  ASSERT_TRUE(rec.wait_leader(sim_->url(0)));

  proxy.set_cut(true);
  ASSERT_TRUE(rec.wait_log("lost the ZooKeeper connection"));
  // Meanwhile the leader changes: master 0's session ends.
  registrar_->remove(0);
  sim_->elect(1);
  // The only session left to expire is the detector's (the masters' are
  // connected or were closed).
  if (!server_->wait_log("Expiring session")) {
    GTEST_SKIP() << "the server does not log session expiry (no slf4j-simple on its class path)";
  }
  EXPECT_EQ(d->leader(), sim_->url(0)) << "a disconnection alone must not drop the leader";
  proxy.set_cut(false);

  auto expired = rec.wait([](const report& x) { return !x.leader; });
  ASSERT_TRUE(expired);
  EXPECT_NE(expired->reason.find("expired"), std::string::npos) << expired->reason;
  EXPECT_FALSE(expired->error);
  // A new session reads the group again and finds the new leader.
  ASSERT_TRUE(rec.wait_leader(sim_->url(1)));
  EXPECT_EQ(d->leader(), sim_->url(1));
}

TEST_F(ZkDetector, StopFromInsideTheCallbackEndsReports) {
  register_all();
  recorder rec;
  std::atomic<bool> stop_returned{false};
  std::shared_ptr<leader_detector> stopping;
  mesoshttp::zk::detector_config cfg;
  cfg.url = url();
  stopping = leader_detector::create(io_.get(), cfg,
                                     [&](std::error_code ec, std::optional<std::string> leader, std::string reason) {
                                       rec.add({ec, std::move(leader), std::move(reason)});
                                       stopping->stop();
                                       stop_returned = true;
                                     });
  stopping->start();
  ASSERT_TRUE(rec.wait_leader(sim_->url(0)));
  // Would deadlock here if stop() waited for the callback it runs in.
  recorder witness_rec;
  auto witness = detector(witness_rec);
  ASSERT_TRUE(witness_rec.wait_leader(sim_->url(0)));
  EXPECT_TRUE(stop_returned);

  registrar_->remove(0);
  // The witness sees the change; the stopped detector must not.
  ASSERT_TRUE(witness_rec.wait_leader(sim_->url(1)));
  EXPECT_EQ(rec.size(), 1u);
  stopping.reset();
}

TEST_F(ZkDetector, StopFromAnotherThreadAndDestroyWithoutStop) {
  register_all();
  for (int round = 0; round < 5; ++round) {
    recorder rec;
    auto d = make_detector(io_, url(), rec);
    d->start();
    if (round % 2 == 0) {
      ASSERT_TRUE(rec.wait_leader(sim_->url(0)));
    }
    if (round < 3) d->stop();
    const auto after = rec.size();
    d.reset();  // no stop() for the last rounds: the destructor closes
    EXPECT_EQ(rec.size(), after);
  }
}

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

TEST(ZkUseZookeeper, RefusesMixedOrSeveralZkUrlsAndLeavesPlainConfigsAlone) {
  mesoshttp::client_config plain;
  plain.masters = {"http://127.0.0.1:5050"};
  std::error_code ec;
  EXPECT_FALSE(mesoshttp::zk::use_zookeeper(plain, ec));
  EXPECT_FALSE(ec);
  EXPECT_FALSE(plain.detector);

  mesoshttp::client_config mixed;
  mixed.masters = {"zk://127.0.0.1:2181/mesos", "http://127.0.0.1:5050"};
  std::string why;
  EXPECT_FALSE(mesoshttp::zk::use_zookeeper(mixed, ec, &why));
  EXPECT_EQ(ec, mesoshttp::error::invalid_master_url);
  EXPECT_FALSE(why.empty());

  mesoshttp::client_config secret;
  secret.masters = {"zk://user:pa55word@127.0.0.1:2181/"};
  mesoshttp::zk::use_zookeeper(secret, ec, &why);
  EXPECT_EQ(why.find("pa55word"), std::string::npos) << why;
}

TEST(ZkUseZookeeper, AZkUrlWithoutUseZookeeperIsAClearConfigurationError) {
  mesoshttp::client_config cfg;
  cfg.masters = {"zk://127.0.0.1:2181/mesos"};
  mesoshttp::scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto item = events.next(deadline);
  while (item && item->type != mesoshttp::client_event::kind::closed) item = events.next(deadline);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->error, mesoshttp::error::invalid_configuration);
  EXPECT_NE(item->message.find("use_zookeeper"), std::string::npos) << item->message;
}

}  // namespace
