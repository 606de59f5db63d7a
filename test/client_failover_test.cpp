// The scheduler client through failures: a leader change, a dead leader that
// survivors still redirect to, 307s, 503s, cut and stalled streams, a master
// restart, an ERROR event and garbage on the stream. Each time it
// resubscribes with the same framework id. Over real sockets on 127.0.0.1, in
// both encodings.
#include "mesoshttp/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/client_fixture.hpp"

namespace {

using namespace mesoshttp::test;

TEST_P(Client, FollowsALeaderChangeAndResubscribesWithTheSameFrameworkId) {
  start_sim(3);
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  auto first = wait_for(events, is_kind(kind::subscribed));
  sim_->elect(2);
  auto lost = wait_for(events, is_kind(kind::disconnected));
  EXPECT_EQ(lost.error, error::stream_closed) << lost.message;  // a plain EOF between records
  auto again = wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(again.framework_id, first.framework_id);
  EXPECT_GT(again.generation, first.generation);
  EXPECT_NE(again.master.find(std::to_string(sim_->port(2))), std::string::npos) << again.master;
  // Calls now reach the new leader.
  auto r = send_and_wait(client, mesoshttp::calls::revive());
  EXPECT_TRUE(r) << r.message;
}

// As a real cluster behaves (real-master-answers.md): the leader dies, the
// survivors go on redirecting to it until its ZooKeeper session expires,
// then one of them takes over.
TEST_P(Client, RidesOutTheWindowInWhichSurvivorsRedirectToADeadLeader) {
  auto cfg_sim = sim_config(3);
  cfg_sim.leader_session_timeout = 1500ms;
  sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg_sim);
  sim_->start();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  auto first = wait_for(events, is_kind(kind::subscribed));
  sim_->clear_calls();
  sim_->kill(0);
  auto lost = wait_for(events, is_kind(kind::disconnected));
  EXPECT_EQ(lost.error, error::stream_closed) << lost.message;  // a killed leader's stream: plain EOF
  std::vector<client_event> seen;
  auto again = wait_for(events, is_kind(kind::subscribed), &seen);
  EXPECT_EQ(again.framework_id, first.framework_id);
  EXPECT_NE(again.master.find(std::to_string(sim_->port(1))), std::string::npos) << again.master;
  // The client did meet the window: survivors answered 307 to the dead port,
  // and it went on trying rather than giving up or following a loop.
  std::size_t redirects = 0;
  for (const auto& c : sim_->calls()) redirects += c.status == 307;
  EXPECT_GT(redirects, 0u);
  bool refused = false;
  for (const auto& e : seen)
    refused |= e.type == kind::disconnected && e.message.find(std::to_string(sim_->port(0))) != std::string::npos;
  EXPECT_TRUE(refused) << "a redirect to the dead leader should have been tried and refused";
  auto r = send_and_wait(client, mesoshttp::calls::revive());
  EXPECT_TRUE(r) << r.message;
}

TEST_P(Client, StartsAtANonLeaderAndFollowsThe307) {
  start_sim(3);
  sim_->elect(1);
  auto cfg = config();
  cfg.masters = {sim_->url(0)};  // only a non-leader is known
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto sub = wait_for(events, is_kind(kind::subscribed));
  EXPECT_NE(sub.master.find(std::to_string(sim_->port(1))), std::string::npos) << sub.master;
  EXPECT_NE(sub.master.find("/master/api/v1/scheduler"), std::string::npos) << sub.master;
}

TEST_P(Client, RetriesThrough503AndNoLeader) {
  start_sim(2);
  sim_->fail_next(3, 503, "Master has not finished recovery");
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  std::vector<client_event> seen;
  wait_for(events, is_kind(kind::subscribed), &seen);
  int failures = 0;
  for (const auto& e : seen) {
    if (e.type == kind::disconnected) {
      ++failures;
      EXPECT_NE(e.message.find("503"), std::string::npos) << e.message;
    }
  }
  EXPECT_EQ(failures, 3);
}

TEST_P(Client, ResubscribesAfterAStreamCutMidRecord) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  auto first = wait_for(events, is_kind(kind::subscribed));
  sim_->cut_streams_mid_record();
  auto lost = wait_for(events, is_kind(kind::disconnected));
  EXPECT_TRUE(lost.error == error::recordio_truncated || lost.error == error::connection_lost ||
              lost.error.category() != mesoshttp::error_category())
      << lost.error.message();
  auto again = wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(again.framework_id, first.framework_id);
  // Nothing from the old connection after the new one started.
  auto next = wait_for(events, is_kind(kind::event));
  EXPECT_EQ(next.generation, again.generation);
}

TEST_P(Client, HeartbeatWatchdogReconnectsAStalledStream) {
  start_sim();
  auto cfg = config();
  cfg.heartbeat_tolerance = 2;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  sim_->pause_heartbeats(true);
  auto lost = wait_for(events, is_kind(kind::disconnected));
  EXPECT_EQ(lost.error, error::heartbeat_timeout) << lost.message;
  sim_->pause_heartbeats(false);
  wait_for(events, is_kind(kind::subscribed));
}

TEST_P(Client, SurvivesAMasterRestart) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  auto first = wait_for(events, is_kind(kind::subscribed));
  sim_->restart(0, 300ms);
  wait_for(events, is_kind(kind::disconnected));
  auto again = wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(again.framework_id, first.framework_id);
}

TEST_P(Client, ErrorEventIsDeliveredThenTheClientResubscribes) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  sim_->send_error_event("simulated trouble");
  auto err = wait_for(events, is_event(Event::ERROR));
  EXPECT_EQ(err.event->error().message(), "simulated trouble");
  auto lost = wait_for(events, is_kind(kind::disconnected));
  EXPECT_EQ(lost.error, error::framework_error);
  EXPECT_NE(lost.message.find("simulated trouble"), std::string::npos);
  wait_for(events, is_kind(kind::subscribed));
}

TEST_P(Client, GarbageOnTheStreamIsAClearErrorAndAReconnect) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  sim_->send_garbage();
  auto lost = wait_for(events, is_kind(kind::disconnected));
  EXPECT_FALSE(lost.message.empty());
  EXPECT_NE(lost.message.find("127.0.0.1"), std::string::npos) << lost.message;
  wait_for(events, is_kind(kind::subscribed));
}

}  // namespace
