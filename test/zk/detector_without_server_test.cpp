// The leader detector and use_zookeeper without a ZooKeeper server: an
// invalid URL, a server that is not there, and the configurations
// use_zookeeper refuses.
#include "mesoshttp/zk/leader_detector.hpp"
#include "mesoshttp/zk/master_detector.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "mesoshttp/client.hpp"
#include "mesoshttp/error.hpp"
#include "support/detector_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using namespace mesoshttp::test::zk_detector;

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
