// The leader detector against a real ZooKeeper server (started here on
// loopback) and simulated masters registered in it as real masters register:
// which master it names, through changes of the group, ZooKeeper outages and
// session expiry, behind digest credentials, and how it stops.
#include "mesoshttp/zk/leader_detector.hpp"
#include "mesoshttp/zk/master_detector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mesoshttp/error.hpp"
#include "support/detector_fixture.hpp"
#include "support/registrar.hpp"
#include "support/tcp_proxy.hpp"
#include "support/zk_server.hpp"

namespace {

using namespace std::chrono_literals;
using namespace mesoshttp::test::zk_detector;

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

}  // namespace
