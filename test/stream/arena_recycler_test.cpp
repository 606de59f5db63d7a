// Decoded events freed on the client's strand, whichever thread lets go of
// them last; freed in place once the recycler is closed or when let go of on
// the strand itself. Without a socket: an io_context run by the test.
#include "stream/arena_message.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <memory>
#include <thread>

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::detail {
namespace {

using Event = mesos::v1::scheduler::Event;

// Records where it was destroyed.
struct probe final : recyclable {
  explicit probe(std::atomic<int>& freed, std::thread::id* where = nullptr) : freed_(freed), where_(where) {}
  ~probe() override {
    if (where_) *where_ = std::this_thread::get_id();
    ++freed_;
  }
  std::atomic<int>& freed_;
  std::thread::id* where_;
};

struct ArenaRecyclerTest : testing::Test {
  // Before the io_context: a reclaim it still holds at the end may free probes.
  std::atomic<int> freed{0};
  std::thread::id where;
  boost::asio::io_context io;
  arena_recycler::strand_type strand = boost::asio::make_strand(io.get_executor());
  std::shared_ptr<arena_recycler> recycler = std::make_shared<arena_recycler>(strand);
  // As a client does when it goes: the strand is let go of before the io_context.
  ~ArenaRecyclerTest() override { recycler->close(); }
};

TEST_F(ArenaRecyclerTest, WhatAnotherThreadRetiresIsFreedOnTheStrand) {
  std::thread([&] {
    recycler->retire(new probe(freed, &where));
    recycler->retire(new probe(freed, &where));
  }).join();
  EXPECT_EQ(freed.load(), 0);
  EXPECT_EQ(recycler->retired_count(), 2u);
  io.poll();
  EXPECT_EQ(freed.load(), 2);
  EXPECT_EQ(where, std::this_thread::get_id());
  EXPECT_EQ(recycler->retired_count(), 0u);
}

TEST_F(ArenaRecyclerTest, WhatIsRetiredOnTheStrandIsFreedByTheNextReclaim) {
  boost::asio::post(strand, [&] { recycler->retire(new probe(freed, &where)); });
  io.poll();
  io.restart();
  io.poll();
  EXPECT_EQ(freed.load(), 1);
  EXPECT_EQ(recycler->retired_count(), 0u);
}

TEST_F(ArenaRecyclerTest, AnEventOutlivingItsClientsIoContextIsFreedWhereItIsLetGoOf) {
  std::shared_ptr<Event> kept;
  {
    auto own_io = std::make_unique<boost::asio::io_context>();
    auto own = std::make_shared<arena_recycler>(boost::asio::make_strand(own_io->get_executor()));
    kept = make_arena_message<Event>(100, own);
    kept->set_type(Event::HEARTBEAT);
    own->close();  // as the client does when it closes or goes
    own.reset();
    own_io.reset();  // the strand's io_context is gone; the event still holds the recycler
  }
  EXPECT_EQ(kept->type(), Event::HEARTBEAT);
  kept.reset();  // freed here; the recycler goes with it, without its strand
}

TEST_F(ArenaRecyclerTest, ClosingFreesWhatWaitsAndLaterRetirementsInPlace) {
  std::thread([&] { recycler->retire(new probe(freed, &where)); }).join();
  recycler->close();
  EXPECT_EQ(freed.load(), 1);
  std::thread::id retiring;
  std::thread([&] {
    retiring = std::this_thread::get_id();
    recycler->retire(new probe(freed, &where));
  }).join();
  EXPECT_EQ(freed.load(), 2);
  EXPECT_EQ(where, retiring);
  io.poll();  // the reclaim posted before the close finds nothing
  EXPECT_EQ(freed.load(), 2);
}

TEST_F(ArenaRecyclerTest, AnArenaEventLetGoOfElsewhereComesBackToTheStrand) {
  auto event = make_arena_message<Event>(100, recycler);
  event->set_type(Event::HEARTBEAT);
  std::weak_ptr<Event> watch = event;
  std::thread([e = std::move(event)]() mutable { e.reset(); }).join();
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(recycler->retired_count(), 0u) << "a weak reference keeps the control block";
  watch.reset();
  EXPECT_EQ(recycler->retired_count(), 1u);
  io.poll();
  EXPECT_EQ(recycler->retired_count(), 0u);
}

TEST_F(ArenaRecyclerTest, ALargeEventIsFreedWhereItIsLetGoOf) {
  auto event = make_arena_message<Event>(max_recycled_wire_size + 1, recycler);
  std::thread([e = std::move(event)]() mutable { e.reset(); }).join();
  EXPECT_EQ(recycler->retired_count(), 0u);
  auto small = make_arena_message<Event>(max_recycled_wire_size, recycler);
  std::thread([e = std::move(small)]() mutable { e.reset(); }).join();
  EXPECT_EQ(recycler->retired_count(), 1u);
  io.poll();
}

TEST_F(ArenaRecyclerTest, AnArenaEventWithoutARecyclerIsFreedWhereItIsLetGoOf) {
  auto event = make_arena_message<Event>(100);
  event->set_type(Event::HEARTBEAT);
  auto copy = event;
  event.reset();
  EXPECT_EQ(copy->type(), Event::HEARTBEAT);
  copy.reset();
  EXPECT_EQ(recycler->retired_count(), 0u);
}

TEST_F(ArenaRecyclerTest, ManyThreadsRetiringAtOnceLoseNothing) {
  constexpr int per_thread = 5000;
  std::thread runner([&] {
    auto work = boost::asio::make_work_guard(io);
    io.run();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) recycler->retire(new probe(freed));
    });
  }
  for (auto& t : threads) t.join();
  recycler->close();  // frees what the strand has not reached yet
  io.stop();
  runner.join();
  EXPECT_EQ(recycler->retired_count(), 0u);
  EXPECT_EQ(freed.load(), 4 * per_thread);
}

}  // namespace
}  // namespace mesoshttp::detail
