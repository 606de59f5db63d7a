// The scheduler client subscribing to the simulated master and sending calls
// through it: before, during and after a subscription, synchronous answers,
// and a call that cannot be encoded. Over real sockets on 127.0.0.1, in both
// encodings.
#include "mesoshttp/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/client_fixture.hpp"

namespace {

using namespace mesoshttp::test;

TEST_P(Client, SubscribesAndReceivesOffersInOrderWithConnectionState) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  EXPECT_EQ(client.state(), connection_state::idle);
  client.start();

  std::vector<client_event> seen;
  auto offers = wait_for(events, is_event(Event::OFFERS), &seen);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0].type, kind::connecting);
  EXPECT_EQ(seen[1].type, kind::subscribed);
  ASSERT_EQ(seen[2].type, kind::event);
  EXPECT_EQ(seen[2].event->type(), Event::SUBSCRIBED);
  EXPECT_EQ(seen[1].framework_id, seen[2].event->subscribed().framework_id().value());
  EXPECT_GT(offers.event->offers().offers_size(), 0);
  EXPECT_EQ(client.state(), connection_state::subscribed);
  ASSERT_TRUE(client.framework_id());
  EXPECT_EQ(client.framework_id()->value(), seen[1].framework_id);
  for (const auto& item : seen) EXPECT_EQ(item.generation, seen[0].generation);
}

TEST_P(Client, LaunchesATaskAndAcknowledgesItsUpdates) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  auto offers = wait_for(events, is_event(Event::OFFERS));
  const auto& offer = offers.event->offers().offers(0);

  auto task = mesoshttp::calls::task_from_offer(offer, "hello", "echo hello", 0.1, 32, 0);
  ASSERT_TRUE(task);
  auto launch = mesoshttp::calls::ops::launch({*task});
  auto accepted =
      send_and_wait(client, mesoshttp::calls::accept(std::vector<mesos::v1::OfferID>{offer.id()}, {launch}));
  ASSERT_TRUE(accepted) << accepted.message;
  EXPECT_EQ(accepted.status, 202u);

  std::set<int> states;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!states.count(mesos::v1::TASK_FINISHED) && std::chrono::steady_clock::now() < until) {
    auto update = wait_for(events, is_event(Event::UPDATE));
    const auto& status = update.event->update().status();
    states.insert(status.state());
    if (status.has_uuid()) {
      auto ack =
          send_and_wait(client, mesoshttp::calls::acknowledge(status.agent_id(), status.task_id(), status.uuid()));
      ASSERT_TRUE(ack) << ack.message;
      EXPECT_EQ(ack.status, 202u);
    }
  }
  EXPECT_TRUE(states.count(mesos::v1::TASK_RUNNING));
  EXPECT_TRUE(states.count(mesos::v1::TASK_FINISHED));
  // Every update acknowledged: the master holds nothing for us (a real master
  // forgets a finished task once its last update is acknowledged).
  auto unacknowledged = [&] {
    std::size_t n = 0;
    for (const auto& t : sim_->tasks()) n += t.unacknowledged;
    return n;
  };
  for (int i = 0; i < 500 && unacknowledged() != 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(unacknowledged(), 0u);
  // The client filled in the framework id and the stream id on every call.
  for (const auto& c : sim_->calls()) {
    if (c.type == "SUBSCRIBE") continue;
    EXPECT_EQ(c.framework_id, client.framework_id()->value()) << c.type;
    EXPECT_FALSE(c.stream_id.empty()) << c.type;
  }
}

TEST_P(Client, CallsSentBeforeSubscriptionWaitAndThenGoOut) {
  start_sim();
  sim_->delay_answers(100ms);
  scheduler_client client(config());
  auto events = client.events();
  // Sent before start(): they must wait for SUBSCRIBED, not fail.
  std::vector<std::future<call_result>> pending;
  for (int i = 0; i < 10; ++i)
    pending.push_back(client.async_send(mesoshttp::calls::revive(), boost::asio::use_future));
  client.start();
  for (auto& f : pending) {
    ASSERT_EQ(f.wait_for(deadline), std::future_status::ready);
    auto r = f.get();
    EXPECT_TRUE(r) << r.message;
    EXPECT_EQ(r.status, 202u);
  }
}

TEST_P(Client, SynchronousCallsCarryTheirParsedResponse) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  auto r = send_and_wait(client, mesoshttp::calls::reconcile_operations());
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 200u);
  ASSERT_TRUE(r.response);
  // By name: the enum value is deprecated upstream (Mesos 1.11), still sent.
  EXPECT_EQ(mesos::v1::scheduler::Response::Type_Name(r.response->type()), "RECONCILE_OPERATIONS");
  // UPDATE_FRAMEWORK answers 200 with an empty body: nothing to parse.
  mesos::v1::FrameworkInfo info = config().framework;
  *info.mutable_id() = *client.framework_id();
  auto u = send_and_wait(client, mesoshttp::calls::update_framework(info));
  ASSERT_TRUE(u) << u.message;
  EXPECT_EQ(u.status, 200u);
  EXPECT_FALSE(u.response);
}

// A task id that is not UTF-8 is legal protobuf but cannot be JSON: with the
// JSON encoding that call fails before it is sent, naming the field; the
// client carries on.
TEST_P(Client, ACallWithTextThatIsNotUtf8) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  auto r = send_and_wait(client, mesoshttp::calls::kill("t\xff"));
  auto kills = [&] {
    std::size_t n = 0;
    for (const auto& c : sim_->calls()) n += c.type == "KILL";
    return n;
  };
  if (GetParam() == encoding::json) {
    EXPECT_EQ(r.error, mesoshttp::error::encode_failed);
    EXPECT_EQ(r.attempts, 0u);
    EXPECT_NE(
        r.message.find("cannot encode KILL: mesos.v1.scheduler.Call.kill.task_id.value (byte 1) is not valid UTF-8"),
        std::string::npos)
        << r.message;
    EXPECT_EQ(kills(), 0u);
  } else {
    EXPECT_TRUE(r) << r.message;
    EXPECT_EQ(r.status, 202u);
    EXPECT_EQ(kills(), 1u);
  }
  auto next = send_and_wait(client, mesoshttp::calls::kill("t1"));
  EXPECT_TRUE(next) << next.message;
  EXPECT_EQ(client.state(), connection_state::subscribed);
}

TEST_P(Client, CallsDuringADisconnectWaitForTheNextSubscription) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  sim_->unelect();  // every request now gets 503 No leader elected
  sim_->reset_connections();
  wait_for(events, is_kind(kind::disconnected));
  auto during = client.async_send(mesoshttp::calls::reconcile({}), boost::asio::use_future);
  sim_->elect(0);
  wait_for(events, is_kind(kind::subscribed));
  ASSERT_EQ(during.wait_for(deadline), std::future_status::ready);
  auto r = during.get();
  EXPECT_TRUE(r) << r.message;
}

TEST_P(Client, SubscribeRejectedEndsWithTheMastersWords) {
  start_sim();
  sim_->fail_next(1, 400, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present");
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::subscribe_rejected);
  EXPECT_NE(closed.message.find("Expecting 'subscribe' to be present"), std::string::npos) << closed.message;
  EXPECT_NE(closed.message.find("400"), std::string::npos) << closed.message;
}

}  // namespace
