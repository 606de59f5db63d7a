// How a scheduler client ends: shutdown, abort, teardown (from a callback and
// as a call), and a client destroyed from its own callback. Over real sockets
// on 127.0.0.1, in both encodings.
#include "mesoshttp/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <system_error>
#include <thread>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/client_fixture.hpp"

namespace {

using namespace mesoshttp::test;

TEST_P(Client, ShutdownCompletesPendingCallsAndEndsConsumers) {
  start_sim();
  sim_->delay_answers(2s);
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  auto in_flight = client.async_send(mesoshttp::calls::revive(), boost::asio::use_future);
  std::this_thread::sleep_for(50ms);
  client.shutdown();
  ASSERT_EQ(in_flight.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(in_flight.get().error, error::shut_down);
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_FALSE(closed.error);
  std::error_code ec;
  EXPECT_FALSE(events.next(1s, &ec));
  EXPECT_EQ(ec, error::shut_down);
  // After shutdown: an immediate error, never a hang.
  auto after = send_and_wait(client, mesoshttp::calls::revive());
  EXPECT_EQ(after.error, error::shut_down);
  EXPECT_EQ(client.state(), connection_state::closed);
}

TEST_P(Client, AbortFailsConsumersWithTheReason) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  client.abort(std::make_error_code(std::errc::owner_dead));
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, std::errc::owner_dead);
  std::error_code ec;
  EXPECT_FALSE(events.next(1s, &ec));
  EXPECT_EQ(ec, std::errc::owner_dead);
}

TEST_P(Client, TeardownFromInsideACallbackRemovesTheFramework) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  auto sub = client.on_event([&](const client_event& e) {
    if (e.type == kind::event && e.event->type() == Event::OFFERS) client.teardown();
  });
  client.start();
  std::vector<client_event> seen;
  auto closed = wait_for(events, is_kind(kind::closed), &seen);
  EXPECT_FALSE(closed.error) << closed.message;
  // The stream's end during TEARDOWN is expected: no "disconnected" first.
  for (const auto& e : seen) EXPECT_NE(e.type, kind::disconnected) << e.message;
  bool torn_down = false;
  for (const auto& c : sim_->calls()) torn_down |= c.type == "TEARDOWN" && c.status == 202;
  EXPECT_TRUE(torn_down);
  EXPECT_TRUE(sim_->frameworks().empty());
}

TEST_P(Client, ATeardownSentAsACallGetsItsAnswerAndClosesTheClient) {
  start_sim();
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  auto r = send_and_wait(client, mesoshttp::calls::teardown());
  EXPECT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 202u);
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_FALSE(closed.error) << closed.message;
  EXPECT_TRUE(sim_->frameworks().empty());
}

// A client on its own thread that, on its first event, sends a call (so one
// is in flight) and destroys itself from that callback: its destructor runs on
// the client's own thread.
struct self_destroying_client {
  std::unique_ptr<scheduler_client> client;
  std::promise<void> destroyed, started;
  std::shared_future<void> start_returned = started.get_future().share();
  std::atomic<bool> once{false};
  std::unique_ptr<mesoshttp::event_subscription> sub;

  explicit self_destroying_client(mesoshttp::client_config cfg)
      : client(std::make_unique<scheduler_client>(std::move(cfg))) {
    sub = std::make_unique<mesoshttp::event_subscription>(client->on_event([this](const client_event& e) {
      if (e.type == kind::event && !once.exchange(true)) {
        client->send(mesoshttp::calls::revive());
        start_returned.wait();  // not while the main thread is still inside client->start()
        client.reset();
        destroyed.set_value();
      }
    }));
  }

  // Starts the client; true once it has destroyed itself.
  bool start_and_wait_until_gone() {
    client->start();
    started.set_value();
    return destroyed.get_future().wait_for(deadline) == std::future_status::ready;
  }
};

TEST_P(Client, DestroyedFromItsOwnCallbackWhileBusy) {
  start_sim();
  self_destroying_client self(config());
  ASSERT_TRUE(self.start_and_wait_until_gone());
  self.sub.reset();
}

// A race TSan found in CI: the client destroys itself from its own callback
// with a call in flight, while the main thread drops consumer handles, which
// reach the client and post to its strand. The client's own io_context must
// outlive it. The handles go after a pause of 0 to 300 microseconds, so that
// over the rounds some land as the client's thread winds down (before the fix
// TSan reported this in every run of this test).
TEST_P(Client, AConsumerLeavesWhileTheClientDestroysItselfFromACallback) {
  start_sim();
  for (int round = 0; round < 200; ++round) {
    self_destroying_client self(config());
    auto watcher = std::make_unique<mesoshttp::event_stream>(self.client->events());
    ASSERT_TRUE(self.start_and_wait_until_gone()) << "round " << round;
    std::this_thread::sleep_for(std::chrono::microseconds(20 * (round % 16)));
    watcher.reset();
    self.sub.reset();
  }
}

}  // namespace
