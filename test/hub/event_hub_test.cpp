// The hub without a client or a socket: what each consumer receives, when a
// publisher is held back or a slow consumer detached, when the ring lets go
// of an item, and how the end reaches every consumer.
#include "hub/event_hub.hpp"

#include <gtest/gtest.h>

#include <future>
#include <numeric>
#include <thread>

namespace mesoshttp::hub {
namespace {

using namespace std::chrono_literals;

struct item {
  int value = -1;
  std::shared_ptr<int> payload;  // to see when the ring lets go
};

using test_hub = event_hub<item>;
using reader = std::shared_ptr<consumer<item>>;

struct HubTest : testing::Test {
  std::shared_ptr<test_hub> make(std::size_t capacity = 1024, overflow_policy policy = overflow_policy::backpressure) {
    test_hub::options o;
    o.default_capacity = capacity;
    o.overflow = policy;
    o.log = [this](log_level, const std::string& line) {
      std::lock_guard lock(mutex);
      logged.push_back(line);
    };
    o.on_room = [this] { ++rooms; };
    return std::make_shared<test_hub>(std::move(o));
  }

  static item numbered(int n) { return item{n, std::make_shared<int>(n)}; }

  // Every item until `ec` says the stream ended or nothing comes for `wait`.
  static std::vector<int> drain(consumer<item>& c, std::error_code& ec, std::chrono::milliseconds wait = 0ms) {
    std::vector<int> seen;
    while (auto got = c.pop_for(wait, &ec)) seen.push_back(got->value);
    return seen;
  }

  std::mutex mutex;
  std::vector<std::string> logged;
  std::atomic<int> rooms{0};
};

TEST_F(HubTest, EveryReaderGetsEveryItemOnceInOrder) {
  auto hub = make();
  std::vector<reader> readers{hub->attach(0, {}), hub->attach(0, {}), hub->attach(0, {})};
  for (int i = 0; i < 200; ++i) hub->publish(numbered(i), false);
  hub->flush();
  std::vector<int> expected(200);
  std::iota(expected.begin(), expected.end(), 0);
  for (auto& r : readers) {
    EXPECT_EQ(r->queued(), 200u);
    std::error_code ec;
    EXPECT_EQ(drain(*r, ec), expected);
    EXPECT_EQ(ec, make_error_code(error::wait_timeout));
    EXPECT_EQ(r->queued(), 0u);
  }
}

TEST_F(HubTest, ItemsWaitForTheFlushUnlessPublishedToWakeNow) {
  auto hub = make();
  auto r = hub->attach(0, {});
  hub->publish(numbered(1), false);
  std::error_code ec;
  EXPECT_FALSE(r->pop_for(0ms, &ec));
  EXPECT_EQ(ec, make_error_code(error::wait_timeout));
  hub->flush();
  EXPECT_EQ(r->pop_for(0ms, &ec)->value, 1);
  hub->publish(numbered(2), true);
  EXPECT_EQ(r->pop_for(0ms, &ec)->value, 2);
}

TEST_F(HubTest, AReaderAttachedLaterSeesOnlyWhatCameAfter) {
  auto hub = make();
  auto early = hub->attach(0, {});
  hub->publish(numbered(1), true);
  auto late = hub->attach(0, {});
  hub->publish(numbered(2), true);
  std::error_code ec;
  EXPECT_EQ(drain(*early, ec), (std::vector<int>{1, 2}));
  EXPECT_EQ(drain(*late, ec), (std::vector<int>{2}));
}

TEST_F(HubTest, TheRingLetsGoOfAnItemOnceEveryReaderHasIt) {
  auto hub = make();
  auto a = hub->attach(0, {});
  auto b = hub->attach(0, {});
  auto first = numbered(7);
  std::weak_ptr<int> watch = first.payload;
  hub->publish(item{first}, true);
  first = item{};
  EXPECT_EQ(hub->ring_size(), 1u);
  std::error_code ec;
  auto got_a = a->pop_for(0ms, &ec);
  EXPECT_EQ(hub->ring_size(), 1u) << "b has not read it";
  auto got_b = b->pop_for(0ms, &ec);
  EXPECT_EQ(hub->ring_size(), 0u);
  got_a.reset();
  got_b.reset();
  EXPECT_TRUE(watch.expired()) << "nothing but the readers may hold a read item";
}

TEST_F(HubTest, NoReaderNoRing) {
  auto hub = make();
  hub->publish(numbered(1), true);
  EXPECT_EQ(hub->ring_size(), 0u);
  auto r = hub->attach(0, {});
  EXPECT_EQ(r->queued(), 0u);
}

TEST_F(HubTest, ADroppedOrDetachedReaderReleasesItsUnreadItems) {
  auto hub = make(4);
  auto reads = hub->attach(0, {});
  auto stalls = hub->attach(0, {});
  for (int i = 0; i < 4; ++i) hub->publish(numbered(i), false);
  hub->flush();
  EXPECT_TRUE(hub->full());
  std::error_code ec;
  EXPECT_EQ(drain(*reads, ec).size(), 4u);
  EXPECT_EQ(hub->ring_size(), 4u);
  EXPECT_EQ(rooms, 0) << "the stalled reader still holds the publisher back";
  stalls->detach(make_error_code(error::detached));
  EXPECT_EQ(hub->ring_size(), 0u);
  EXPECT_EQ(rooms, 1);
  EXPECT_FALSE(stalls->pop_for(0ms, &ec));
  EXPECT_EQ(ec, make_error_code(error::detached));
  EXPECT_FALSE(hub->full());

  auto dropped = hub->attach(0, {});
  hub->publish(numbered(9), true);
  EXPECT_EQ(hub->ring_size(), 1u);
  dropped.reset();
  EXPECT_EQ(hub->ring_size(), 1u) << "`reads` has not read it";
  EXPECT_EQ(reads->pop_for(0ms, &ec)->value, 9);
  EXPECT_EQ(hub->ring_size(), 0u);
}

TEST_F(HubTest, BackpressureHoldsThePublisherUntilTheSlowestReaderMakesRoom) {
  auto hub = make();
  auto fast = hub->attach(100, {});
  auto slow = hub->attach(3, {});
  for (int i = 0; i < 2; ++i) hub->publish(numbered(i), false);
  hub->flush();
  EXPECT_FALSE(hub->full());
  hub->publish(numbered(2), true);
  EXPECT_TRUE(hub->full()) << "the slow reader has its 3 unread";
  std::error_code ec;
  drain(*fast, ec);
  EXPECT_TRUE(hub->full());
  EXPECT_EQ(rooms, 0);
  EXPECT_EQ(slow->pop_for(0ms, &ec)->value, 0);  // takes a batch: all three
  EXPECT_EQ(rooms, 1);
  EXPECT_FALSE(hub->full());
  EXPECT_EQ(slow->queued(), 2u);
}

TEST_F(HubTest, ThePublisherResumesOnceTheSlowestReaderIsDownToHalfItsQueue) {
  auto hub = make(200);
  auto r = hub->attach(0, {});
  for (int i = 0; i < 200; ++i) hub->publish(numbered(i), false);
  hub->flush();
  EXPECT_TRUE(hub->full());
  std::error_code ec;
  for (int i = 0; i < 64; ++i) ASSERT_EQ(r->pop_for(0ms, &ec)->value, i);  // one batch of 64
  EXPECT_EQ(rooms, 0) << "136 unread is more than half of 200: resuming now would stop again at once";
  for (int i = 64; i < 128; ++i) ASSERT_EQ(r->pop_for(0ms, &ec)->value, i);  // the next batch
  EXPECT_EQ(rooms, 1) << "72 unread: down to half";
  EXPECT_FALSE(hub->full());
  for (int i = 128; i < 200; ++i) ASSERT_EQ(r->pop_for(0ms, &ec)->value, i);
  EXPECT_EQ(rooms, 1) << "nobody waited";
}

TEST_F(HubTest, DetachPolicyCutsTheReaderThatFellBehindAndNoOther) {
  auto hub = make(3, overflow_policy::detach);
  auto fast = hub->attach(0, {});
  auto slow = hub->attach(0, {});
  std::error_code ec;
  for (int i = 0; i < 5; ++i) {
    hub->publish(numbered(i), true);
    EXPECT_FALSE(hub->full()) << "the detach policy never holds the publisher";
    EXPECT_EQ(fast->pop_for(0ms, &ec)->value, i);
  }
  EXPECT_FALSE(slow->pop_for(0ms, &ec));
  EXPECT_EQ(ec, make_error_code(error::consumer_overflow));
  EXPECT_EQ(hub->ring_size(), 0u);
  std::lock_guard lock(mutex);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("fell behind"), std::string::npos);
}

TEST_F(HubTest, CloseDeliversWhatIsUnreadThenTheFinalItemThenTheError) {
  auto hub = make();
  auto r = hub->attach(0, {});
  hub->publish(numbered(1), false);  // staged, not flushed: close flushes it
  hub->close(item{99, nullptr}, make_error_code(error::shut_down));
  std::error_code ec;
  EXPECT_EQ(drain(*r, ec), (std::vector<int>{1, 99}));
  EXPECT_EQ(ec, make_error_code(error::shut_down));
  EXPECT_FALSE(r->pop_for(0ms, &ec));
  EXPECT_EQ(ec, make_error_code(error::shut_down));

  auto after = hub->attach(0, {});
  EXPECT_EQ(drain(*after, ec), (std::vector<int>{99}));
  EXPECT_EQ(ec, make_error_code(error::shut_down));
}

TEST_F(HubTest, CallbacksRunAsPublishedAndAThrowingOneIsDetachedAlone) {
  auto hub = make();
  std::vector<int> good_seen;
  int bad_calls = 0;
  auto good = hub->attach(0, [&](const item& i) { good_seen.push_back(i.value); });
  auto bad = hub->attach(0, [&](const item&) {
    ++bad_calls;
    throw std::runtime_error("boom");
  });
  hub->publish(numbered(1), false);
  EXPECT_EQ(good_seen, std::vector<int>{1}) << "callbacks do not wait for the flush";
  hub->publish(numbered(2), false);
  EXPECT_EQ(bad_calls, 1);
  EXPECT_TRUE(bad->is_cut());
  EXPECT_EQ(hub->ring_size(), 0u) << "callbacks never use the ring";
  hub->close(item{99, nullptr}, {});
  EXPECT_EQ(good_seen, (std::vector<int>{1, 2, 99}));
  EXPECT_TRUE(good->is_cut());
  std::lock_guard lock(mutex);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("boom"), std::string::npos);
}

TEST_F(HubTest, AsyncWaitIsHandedTheItemAtTheFlushAndASecondWaitIsRefused) {
  auto hub = make();
  auto r = hub->attach(0, {});
  std::promise<std::pair<std::error_code, int>> first, second;
  r->async_pop([&](std::error_code ec, item i) { first.set_value({ec, i.value}); });
  r->async_pop([&](std::error_code ec, item i) { second.set_value({ec, i.value}); });
  auto refused = second.get_future();
  ASSERT_EQ(refused.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(refused.get().first, make_error_code(error::concurrent_wait));
  auto pending = first.get_future();
  EXPECT_EQ(pending.wait_for(50ms), std::future_status::timeout);
  hub->publish(numbered(5), false);
  EXPECT_EQ(pending.wait_for(50ms), std::future_status::timeout) << "not before the flush";
  hub->flush();
  ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(pending.get(), std::make_pair(std::error_code{}, 5));
}

TEST_F(HubTest, AsyncWaitEndsWithTheDetachReason) {
  auto hub = make();
  auto r = hub->attach(0, {});
  std::promise<std::error_code> done;
  r->async_pop([&](std::error_code ec, item) { done.set_value(ec); });
  r->detach(make_error_code(error::detached));
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), make_error_code(error::detached));
}

// Many readers on their own threads, a publisher held back by the slowest:
// every reader gets every item, in order, and memory stays within bounds.
TEST_F(HubTest, ThreadedReadersUnderBackpressureGetEverythingInOrder) {
  constexpr int items = 50'000;
  constexpr std::size_t capacity = 256;
  auto hub = make(capacity);
  std::mutex room_mutex;
  std::condition_variable room;
  test_hub::options o;
  o.default_capacity = capacity;
  o.on_room = [&] {
    std::lock_guard lock(room_mutex);
    room.notify_all();
  };
  hub = std::make_shared<test_hub>(std::move(o));
  std::vector<reader> readers;
  for (int i = 0; i < 8; ++i) readers.push_back(hub->attach(0, {}));
  std::vector<std::thread> threads;
  std::vector<int> bad(readers.size(), 0);
  for (std::size_t i = 0; i < readers.size(); ++i) {
    threads.emplace_back([&, i] {
      int expected = 0;
      std::error_code ec;
      while (auto got = readers[i]->pop_for(10s, &ec)) {
        if (got->value == -2) break;  // the final item
        if (got->value != expected) ++bad[i];
        expected = got->value + 1;
      }
      if (expected != items) ++bad[i];
    });
  }
  std::size_t max_ring = 0;
  for (int i = 0; i < items; ++i) {
    hub->publish(numbered(i), i % 32 == 31);
    if (i % 32 == 31) {
      std::unique_lock lock(room_mutex);
      room.wait_for(lock, 10s, [&] { return !hub->full(); });
    }
    max_ring = std::max(max_ring, hub->ring_size());
  }
  hub->close(item{-2, nullptr}, make_error_code(error::shut_down));
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < readers.size(); ++i) EXPECT_EQ(bad[i], 0) << "reader " << i;
  // A reader's batch stays in the ring while it reads it (claimed, behind
  // its cursor), where its copies used to be held by the reader.
  EXPECT_LE(max_ring, capacity + consumer<item>::batch_size + 32)
      << "a queue's worth, a batch being read and one publishing round";
}

// The copy option: a reader that is not an item's last gets options.copy's
// copy; the last one gets the item itself (moved, not copied).
std::atomic<int> copies_made{0};
item counted_copy(const item& from) {
  ++copies_made;
  return item{from.value + 1000, from.payload};
}

TEST_F(HubTest, ReadersOtherThanTheLastGetTheCopyOptionsCopy) {
  test_hub::options o;
  o.copy = &counted_copy;
  auto hub = std::make_shared<test_hub>(std::move(o));
  auto first = hub->attach(0, {});
  auto second = hub->attach(0, {});
  copies_made = 0;
  for (int i = 0; i < 10; ++i) hub->publish(numbered(i), false);
  hub->flush();
  std::error_code ec;
  const auto a = drain(*first, ec);
  EXPECT_EQ(copies_made.load(), 10);
  const auto b = drain(*second, ec);
  EXPECT_EQ(copies_made.load(), 10);  // the last reader copies nothing
  ASSERT_EQ(a.size(), 10u);
  ASSERT_EQ(b.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a[static_cast<std::size_t>(i)], i + 1000);
    EXPECT_EQ(b[static_cast<std::size_t>(i)], i);
  }
  EXPECT_EQ(hub->ring_size(), 0u);
}

// A reader reads its batch in place: the ring keeps the batch's slots until
// the reader has read them all, and not after.
TEST_F(HubTest, AReaderHoldsTheSlotsOfTheBatchItReadsAndNoLonger) {
  auto hub = make();
  auto r = hub->attach(0, {});
  std::weak_ptr<int> first;
  for (int i = 0; i < 3; ++i) {
    auto it = numbered(i);
    if (i == 0) first = it.payload;
    hub->publish(std::move(it), false);
  }
  hub->flush();
  std::error_code ec;
  auto got = r->pop_for(0ms, &ec);
  ASSERT_TRUE(got);
  EXPECT_EQ(hub->ring_size(), 3u) << "the batch of three is being read";
  EXPECT_EQ(r->queued(), 2u);
  got.reset();
  EXPECT_TRUE(first.expired()) << "the last reader took the item itself, not a copy";
  EXPECT_EQ(r->pop_for(0ms, &ec)->value, 1);
  EXPECT_EQ(r->pop_for(0ms, &ec)->value, 2);
  EXPECT_EQ(hub->ring_size(), 0u) << "the batch read, its slots went back";
}

// A reader detached for falling behind in the middle of a batch, whose handle
// is kept but never read again, must not pin the ring's front.
TEST_F(HubTest, AReaderDetachedHalfWayThroughABatchGivesItBack) {
  auto hub = make(4, overflow_policy::detach);
  auto fast = hub->attach(0, {});
  auto slow = hub->attach(0, {});
  for (int i = 0; i < 3; ++i) hub->publish(numbered(i), false);
  hub->flush();
  std::error_code ec;
  EXPECT_EQ(slow->pop_for(0ms, &ec)->value, 0);  // claims all three
  EXPECT_EQ(drain(*fast, ec), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(hub->ring_size(), 3u) << "slow still reads that batch";
  for (int i = 3; i < 7; ++i) {
    hub->publish(numbered(i), true);  // at the fourth, slow has 4 unread: detached
    EXPECT_EQ(fast->pop_for(0ms, &ec)->value, i);
  }
  EXPECT_EQ(hub->ring_size(), 0u);
  EXPECT_FALSE(slow->pop_for(0ms, &ec)) << "nothing of its batch is handed out after its detach";
  EXPECT_EQ(ec, make_error_code(error::consumer_overflow));
}

// A detach that comes while the reader copies an item out of its batch (its
// read mutex held) cannot take the batch back under it: the next flush does.
std::atomic<bool> copy_blocks{false};
std::promise<void> copy_entered;
std::promise<void> copy_may_go;
item blocking_copy(const item& from) {
  if (copy_blocks.exchange(false)) {
    copy_entered.set_value();
    copy_may_go.get_future().wait();
  }
  return item{from.value, from.payload};
}

TEST_F(HubTest, AReaderDetachedWhileCopyingGivesItsBatchBackAtTheNextFlush) {
  copy_entered = {};
  copy_may_go = {};
  test_hub::options o;
  o.copy = &blocking_copy;
  auto hub = std::make_shared<test_hub>(std::move(o));
  auto a = hub->attach(0, {});
  auto b = hub->attach(0, {});
  for (int i = 0; i < 3; ++i) hub->publish(numbered(i), false);
  hub->flush();
  copy_blocks = true;
  std::error_code a_ec;
  auto popped = std::async(std::launch::async, [&] { return a->pop_for(0ms, &a_ec); });
  copy_entered.get_future().wait();  // a copies item 0 (b still counts in it)
  a->detach(make_error_code(error::detached));
  copy_may_go.set_value();
  auto got = popped.get();
  ASSERT_TRUE(got) << "the pop under way completes";
  EXPECT_EQ(got->value, 0);
  std::error_code ec;
  EXPECT_EQ(drain(*b, ec), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(hub->ring_size(), 3u) << "a's batch: taken back by nobody yet";
  hub->flush();
  EXPECT_EQ(hub->ring_size(), 0u) << "the flush gave a's batch back";
  EXPECT_FALSE(a->pop_for(0ms, &ec));
  EXPECT_EQ(ec, make_error_code(error::detached));
}

}  // namespace
}  // namespace mesoshttp::hub
