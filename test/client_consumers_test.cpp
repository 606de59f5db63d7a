// The scheduler client's consumers: streams and callbacks sharing one
// subscription, backpressure and the detach policy for a slow one, callbacks
// that throw or detach themselves, and a coroutine consumer. Over real sockets
// on 127.0.0.1, in both encodings.
#include "mesoshttp/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/client_fixture.hpp"

namespace {

using namespace mesoshttp::test;

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

}  // namespace
