// The operator API through ZooKeeper: the event stream following the leader a
// real ZooKeeper server names (a failover moves it), and the operator
// commands and `events` taking a zk:// master.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "mesoshttp/operator/cluster_mirror.hpp"
#include "mesoshttp/operator/event_client.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "mesoshttp/zk/master_detector.hpp"
#include "support/detector_fixture.hpp"
#include "support/registrar.hpp"
#ifdef MESOSHTTP_CLI
#include <csignal>

#include "../cli/subprocess.hpp"
#endif

namespace {

using namespace std::chrono_literals;
using namespace mesoshttp::test::zk_detector;
namespace op = mesoshttp::operator_api;

// The next `subscribed` item from a master whose URL starts with `at`; the
// last disconnection's reason in `last` when none comes.
std::optional<op::stream_item> subscribed_from(op::event_reader& reader, const std::string& at, std::string& last) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    auto item = reader.next(1s, &ec);
    if (!item) {
      if (ec == mesoshttp::error::wait_timeout) continue;
      last = "the stream ended: " + ec.message();
      return std::nullopt;
    }
    if (item->type == op::stream_item::kind::subscribed && item->master.rfind(at, 0) == 0) return item;
    if (item->type == op::stream_item::kind::disconnected) last = item->message;
    if (item->type == op::stream_item::kind::closed) {
      last = "closed: " + item->message;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

TEST_F(ZkDetector, OperatorEventStreamFollowsTheLeaderZooKeeperNames) {
  register_all();
  op::event_client_config cfg;
  mesoshttp::zk::detector_config zk_config;
  zk_config.url = url();
  cfg.detector = mesoshttp::zk::make_master_detector(std::move(zk_config));
  cfg.reconnect.initial_wait = 10ms;
  cfg.reconnect.max_wait = 200ms;
  cfg.wire = mesoshttp::encoding::json;
  auto mirror = std::make_shared<op::cluster_mirror>();
  cfg.mirror = mirror;

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  {
    op::event_client client(io.get_executor(), cfg);
    auto reader = client.events();
    client.start();
    std::string last = "nothing";
    // Straight to the leader ZooKeeper names: no redirect.
    ASSERT_TRUE(subscribed_from(reader, sim_->url(0), last)) << last;
    // The SUBSCRIBED event follows its `subscribed` item, applied to the
    // mirror before the reader sees it.
    auto snapshot = reader.next(deadline);
    ASSERT_TRUE(snapshot && snapshot->type == op::stream_item::kind::event);
    EXPECT_EQ(snapshot->event->type(), mesos::v1::master::Event::SUBSCRIBED);
    EXPECT_EQ(mirror->agents().size(), 1u);

    // The leader's session ends and master 1 takes over: the stream moves
    // there because ZooKeeper says so.
    registrar_->remove(0);
    sim_->elect(1);
    ASSERT_TRUE(subscribed_from(reader, sim_->url(1), last)) << last;
    // The mirror is current once the new SUBSCRIBED event, which follows its
    // `subscribed` item, has been applied (a reader may see the item first).
    auto again = reader.next(deadline);
    ASSERT_TRUE(again && again->type == op::stream_item::kind::event);
    EXPECT_EQ(again->event->type(), mesos::v1::master::Event::SUBSCRIBED);
    EXPECT_TRUE(mirror->current());
    client.shutdown();
  }
  work.reset();
  runner.join();
}

#ifdef MESOSHTTP_CLI
TEST_F(ZkDetector, OperatorCommandsAskZooKeeperForTheLeader) {
  register_all();
  // Master 1 leads; ZooKeeper names it (master 0 is gone from the group).
  registrar_->remove(0);
  sim_->elect(1);
  mesoshttp::test::subprocess call({MESOSHTTP_CLI, "operator", "--master", url(), "{\"type\":\"GET_MASTER\"}"});
  EXPECT_EQ(call.wait(60s), 0) << call.out << call.err;
  EXPECT_NE(call.out.find("HTTP 200"), std::string::npos) << call.out;
  // The answer is master 1's own: it names itself by its port.
  EXPECT_NE(call.out.find("\"port\":" + std::to_string(sim_->port(1))), std::string::npos) << call.out;
}

TEST_F(ZkDetector, EventsFollowsZooKeeper) {
  register_all();
  mesoshttp::test::subprocess events({MESOSHTTP_CLI, "events", "--master", url(), "--format", "json", "--count", "1"});
  EXPECT_EQ(events.wait(60s), 0) << events.out << events.err;
  EXPECT_NE(events.out.find("\"type\":\"SUBSCRIBED\""), std::string::npos) << events.out;
}

#endif

}  // namespace
