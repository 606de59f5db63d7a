// The scheduler client against the simulated master, over real sockets on
// 127.0.0.1, in both encodings. Answers the simulator never gives are in
// client_scripted_test.cpp.
#include "mesoshttp/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/recordio.hpp"
#include "support/client_support.hpp"
#include "support/scripted_master.hpp"

namespace {

using namespace mesoshttp::test;

class Client : public ::testing::TestWithParam<encoding> {
 protected:
  void start_sim(std::size_t masters = 1) {
    sim_ = std::make_unique<mesoshttp::sim::cluster>(sim_config(masters));
    sim_->start();
  }
  mesoshttp::client_config config() { return base_config(GetParam(), sim_->urls()); }

  std::unique_ptr<mesoshttp::sim::cluster> sim_;
};

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

TEST_P(Client, ManyProducersAndConsumersShareOneSubscription) {
  start_sim();
  scheduler_client client(config());
  constexpr int consumers = 6;
  std::vector<event_stream> streams;
  for (int i = 0; i < consumers; ++i) streams.push_back(client.events());
  std::atomic<int> callback_events{0};
  auto sub = client.on_event([&](const client_event& e) {
    if (e.type == kind::event) ++callback_events;
  });
  client.start();
  for (auto& s : streams) wait_for(s, is_kind(kind::subscribed));

  constexpr int producers = 8, per_producer = 40;
  std::atomic<int> ok{0}, completions{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      std::vector<std::future<call_result>> futures;
      for (int i = 0; i < per_producer; ++i) {
        futures.push_back(client.async_send(mesoshttp::calls::suppress(), boost::asio::use_future));
      }
      for (auto& f : futures) {
        if (f.wait_for(deadline) != std::future_status::ready) continue;
        ++completions;
        if (f.get().status == 202) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(completions.load(), producers * per_producer);
  EXPECT_EQ(ok.load(), producers * per_producer);
  // One subscription for everyone.
  std::size_t subscribes = 0;
  for (const auto& c : sim_->calls()) subscribes += c.type == "SUBSCRIBE";
  EXPECT_EQ(subscribes, 1u);
  EXPECT_EQ(sim_->subscribers(), 1u);

  // Every consumer sees the same events in the same order.
  ASSERT_EQ(sim_->flood(200, mesoshttp::sim::flood_shape::heartbeat), 1u);
  std::vector<std::vector<int>> orders(consumers);
  for (int i = 0; i < consumers; ++i) {
    int heartbeats = 0;
    wait_for(streams[static_cast<std::size_t>(i)], [&](const client_event& e) {
      if (e.type == kind::event) orders[static_cast<std::size_t>(i)].push_back(e.event->type());
      return e.type == kind::event && e.event->type() == Event::HEARTBEAT && ++heartbeats >= 200;
    });
  }
  for (int i = 1; i < consumers; ++i) {
    const auto n = std::min(orders[0].size(), orders[static_cast<std::size_t>(i)].size());
    EXPECT_GE(n, 200u);
    EXPECT_TRUE(std::equal(orders[0].begin(), orders[0].begin() + static_cast<long>(n),
                           orders[static_cast<std::size_t>(i)].begin()));
  }
  EXPECT_GE(callback_events.load(), 200);
}

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

TEST_P(Client, SlowConsumerGetsBackpressureNotLossAndMemoryStaysBounded) {
  start_sim();
  scheduler_client client(config());
  constexpr std::size_t capacity = 16;
  auto slow = client.events(capacity);
  auto fast = client.events(1'000'000);
  client.start();
  wait_for(slow, is_kind(kind::subscribed));
  constexpr int flood = 3000;
  ASSERT_EQ(sim_->flood(flood, mesoshttp::sim::flood_shape::update), 1u);
  int updates = 0;
  std::size_t max_queued = 0;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (updates < flood && std::chrono::steady_clock::now() < until) {
    max_queued = std::max(max_queued, slow.queued());
    auto item = slow.next(1s);
    if (!item) continue;
    if (item->type == kind::event && item->event->type() == Event::UPDATE) ++updates;
    if (updates % 500 == 0) std::this_thread::sleep_for(50ms);  // be slow now and then
  }
  EXPECT_EQ(updates, flood);  // nothing lost
  // Bounded: the queue never grows past its capacity plus the events of one
  // parse slice (4 KiB: a few dozen UPDATEs).
  EXPECT_LE(max_queued, capacity + 64);
  std::cout << "slow consumer: max queued " << max_queued << " (capacity " << capacity << ")\n";
}

TEST_P(Client, DetachPolicyCutsOnlyTheSlowConsumer) {
  start_sim();
  auto cfg = config();
  cfg.overflow = mesoshttp::overflow_policy::detach;
  scheduler_client client(cfg);
  auto slow = client.events(4);
  auto fast = client.events(100'000);
  client.start();
  wait_for(fast, is_kind(kind::subscribed));
  ASSERT_EQ(sim_->flood(500, mesoshttp::sim::flood_shape::heartbeat), 1u);
  int heartbeats = 0;
  wait_for(fast, [&](const client_event& e) { return e.type == kind::event && ++heartbeats >= 500; });
  std::error_code ec;
  while (slow.next(2s, &ec)) {
  }
  EXPECT_EQ(ec, error::consumer_overflow);
}

TEST_P(Client, AThrowingCallbackIsDetachedAndOthersGoOn) {
  start_sim();
  scheduler_client client(config());
  std::atomic<int> calls{0};
  auto bad = client.on_event([&](const client_event&) {
    ++calls;
    throw std::runtime_error("consumer bug");
  });
  auto events = client.events();
  client.start();
  wait_for(events, is_event(Event::HEARTBEAT));
  wait_for(events, is_event(Event::HEARTBEAT));
  EXPECT_EQ(calls.load(), 1);
}

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

TEST_P(Client, DetachingASubscriptionWaitsForItsCallbackInProgress) {
  start_sim();
  scheduler_client client(config());
  std::promise<void> entered;
  std::atomic<bool> once{false}, finished{false};
  auto sub = client.on_event([&](const client_event& e) {
    if (e.type == kind::event && !once.exchange(true)) {
      entered.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      finished = true;
    }
  });
  client.start();
  ASSERT_EQ(entered.get_future().wait_for(deadline), std::future_status::ready);
  sub.detach();
  EXPECT_TRUE(finished) << "detach() returned while the callback was still running";
}

TEST_P(Client, ASubscriptionDetachesItselfFromInsideItsCallback) {
  start_sim();
  scheduler_client client(config());
  std::promise<void> detached;
  std::atomic<int> calls{0};
  std::optional<mesoshttp::event_subscription> sub;
  std::promise<void> stored;
  auto stored_future = stored.get_future();
  sub.emplace(client.on_event([&](const client_event& e) {
    ++calls;
    if (e.type != kind::event) return;
    stored_future.wait();
    sub->detach();  // does not wait for itself
    detached.set_value();
  }));
  stored.set_value();
  client.start();
  ASSERT_EQ(detached.get_future().wait_for(deadline), std::future_status::ready);
  const int seen = calls.load();
  // The next events (offers, heartbeats) go to a second consumer only.
  auto events = client.events();
  wait_for(events, is_event(Event::HEARTBEAT));
  EXPECT_EQ(calls.load(), seen);
  EXPECT_FALSE(sub->attached());
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

TEST_P(Client, CoroutineConsumerAndProducer) {
  start_sim();
  boost::asio::io_context io;
  scheduler_client client(io.get_executor(), config());
  auto events = client.events();
  client.start();
  int offers = 0;
  unsigned revive_status = 0;
  // No captures in the coroutine lambda (gcc 12): state goes in as arguments.
  boost::asio::co_spawn(
      io,
      [](scheduler_client& c, event_stream& stream, int& n, unsigned& status) -> boost::asio::awaitable<void> {
        for (;;) {
          auto [ec, item] = co_await stream.async_next(boost::asio::as_tuple(boost::asio::use_awaitable));
          if (ec) co_return;
          if (item.type == kind::event && item.event->type() == Event::OFFERS) {
            ++n;
            auto result = co_await c.async_send(mesoshttp::calls::revive(), boost::asio::use_awaitable);
            status = result.status;
            c.shutdown();
          }
        }
      }(client, events, offers, revive_status),
      boost::asio::detached);
  io.run_for(deadline);
  EXPECT_EQ(offers, 1);
  EXPECT_EQ(revive_status, 202u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, Client, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
