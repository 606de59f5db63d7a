// Automatic acknowledgements over real sockets against the simulated master,
// in both encodings: an update is acknowledged only once its consumer has
// handled it (a callback returned; a pulling consumer asked for the next item
// or said so), never one without a uuid, and a task's updates, each
// acknowledged, leave the master holding nothing.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "../support/client_fixture.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace {

using namespace mesoshttp::test;
using namespace std::chrono_literals;
using mesoshttp::auto_acknowledge;

std::size_t unacknowledged(const mesoshttp::sim::cluster& sim) {
  std::size_t n = 0;
  for (const auto& t : sim.tasks()) n += t.unacknowledged;
  return n;
}

// Acknowledgements come at once: 10 s is plenty.
template <class Pred>
bool soon(Pred pred) {
  return eventually(pred, 10s);
}

// Launches one task from the first offer `offers` sees.
void launch_one(scheduler_client& client, event_stream& offers, const std::string& id) {
  auto offer = wait_for(offers, is_event(Event::OFFERS)).event->offers().offers(0);
  auto task = mesoshttp::calls::task_from_offer(offer, id, "true", 0.1, 16, 0);
  ASSERT_TRUE(task);
  auto r = send_and_wait(client, mesoshttp::calls::accept(std::vector<mesos::v1::OfferID>{offer.id()},
                                                          {mesoshttp::calls::ops::launch({*task})}));
  ASSERT_TRUE(r) << r.message;
}

// (A callback runs on the client's executor, so the order "callback, then
// acknowledgement" is what the next test proves: a throwing callback's
// update is never acknowledged.)
TEST_P(Client, ACallbackConsumersUpdatesAreAcknowledgedOnceHandled) {
  start_sim();
  scheduler_client client(config());
  auto offers = client.events();
  std::mutex m;
  std::set<int> states;
  auto sub = client.on_event(
      [&](const client_event& item) {
        if (item.type != kind::event || item.event->type() != Event::UPDATE) return;
        std::lock_guard lock(m);
        states.insert(item.event->update().status().state());
      },
      auto_acknowledge::after_handling);
  client.start();
  launch_one(client, offers, "t1");
  // Each update acknowledged in turn (the master sends a task's next update
  // only then), up to the terminal one.
  EXPECT_TRUE(soon([&] {
    std::lock_guard lock(m);
    return states.count(mesos::v1::TASK_FINISHED) > 0;
  }));
  EXPECT_TRUE(soon([&] { return unacknowledged(*sim_) == 0; }));
  EXPECT_GE(calls_of(*sim_, "ACKNOWLEDGE", 202), 3u);  // STARTING, RUNNING, FINISHED
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE", 400), 0u);
}

TEST_P(Client, ACallbackThatThrowsHasNotHandledItsUpdate) {
  start_sim();
  scheduler_client client(config());
  auto offers = client.events();
  auto watcher = client.events();
  auto sub = client.on_event(
      [&](const client_event& item) {
        if (item.type == kind::event && item.event->type() == Event::UPDATE) throw std::runtime_error("handler bug");
      },
      auto_acknowledge::after_handling);
  client.start();
  launch_one(client, offers, "t1");
  wait_for(watcher, is_event(Event::UPDATE));
  // The master resends it (status_update_retry); still nobody acknowledges.
  wait_for(watcher, is_event(Event::UPDATE));
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE"), 0u);
  EXPECT_GE(unacknowledged(*sim_), 1u);
}

TEST_P(Client, APullingConsumersUpdateIsAcknowledgedWhenItAsksForTheNextOrSaysSo) {
  start_sim();
  scheduler_client client(config());
  auto offers = client.events();
  auto events = client.events(0, auto_acknowledge::after_handling);
  client.start();
  launch_one(client, offers, "t1");
  auto first = wait_for(events, is_event(Event::UPDATE));
  EXPECT_EQ(first.event->update().status().state(), mesos::v1::TASK_STARTING);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE"), 0u) << "taken, not yet handled";
  events.acknowledge();
  EXPECT_TRUE(soon([&] { return calls_of(*sim_, "ACKNOWLEDGE", 202) == 1; }));
  events.acknowledge();  // twice is once
  // Asking for the next item acknowledges the one before: RUNNING, then
  // FINISHED arrive, each only after the previous was acknowledged.
  auto running = wait_for(events, is_event(Event::UPDATE));
  EXPECT_EQ(running.event->update().status().state(), mesos::v1::TASK_RUNNING);
  auto finished = wait_for(events, is_event(Event::UPDATE));
  EXPECT_EQ(finished.event->update().status().state(), mesos::v1::TASK_FINISHED);
  EXPECT_TRUE(soon([&] { return calls_of(*sim_, "ACKNOWLEDGE", 202) == 2; }));
  EXPECT_EQ(unacknowledged(*sim_), 1u) << "the last one is taken, not handled";
  events.acknowledge();
  EXPECT_TRUE(soon([&] { return unacknowledged(*sim_) == 0; }));
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE", 400), 0u);
}

TEST_P(Client, AsyncNextAcknowledgesAsNextDoes) {
  start_sim();
  scheduler_client client(config());
  auto offers = client.events();
  auto events = client.events(0, auto_acknowledge::after_handling);
  client.start();
  launch_one(client, offers, "t1");
  auto next_update = [&] {
    for (;;) {
      auto future = events.async_next(boost::asio::use_future);
      EXPECT_EQ(future.wait_for(deadline), std::future_status::ready);
      auto [ec, item] = future.get();
      if (ec) {
        ADD_FAILURE() << ec.message();
        return mesos::v1::TASK_ERROR;
      }
      if (item.type == kind::event && item.event->type() == Event::UPDATE) return item.event->update().status().state();
    }
  };
  EXPECT_EQ(next_update(), mesos::v1::TASK_STARTING);
  // RUNNING comes only once STARTING is acknowledged, which asking did.
  EXPECT_EQ(next_update(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(next_update(), mesos::v1::TASK_FINISHED);
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE", 202), 2u);
}

TEST_P(Client, AnOperationsStatusUpdatesAreAcknowledgedOnceHandled) {
  start_sim();
  auto cfg = config();
  cfg.framework.add_roles("dev");
  cfg.framework.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
  scheduler_client client(cfg);
  auto offers = client.events();
  auto events = client.events(0, auto_acknowledge::after_handling);
  client.start();
  auto offer = wait_for(offers, is_event(Event::OFFERS)).event->offers().offers(0);
  // RESERVE with an id: the framework asks for reliable status updates.
  auto disk = mesoshttp::calls::scalar("disk", 100, "dev");
  auto* reservation = disk.add_reservations();
  reservation->set_type(mesos::v1::Resource::ReservationInfo::DYNAMIC);
  reservation->set_role("dev");
  auto reserve = mesoshttp::calls::ops::reserve({disk});
  reserve.mutable_id()->set_value("reserve-1");
  auto r = send_and_wait(client, mesoshttp::calls::accept(std::vector<mesos::v1::OfferID>{offer.id()}, {reserve}));
  ASSERT_TRUE(r) << r.message;
  auto update = wait_for(events, is_event(Event::UPDATE_OPERATION_STATUS));
  const auto& status = update.event->update_operation_status().status();
  EXPECT_EQ(status.operation_id().value(), "reserve-1");
  EXPECT_EQ(status.state(), mesos::v1::OPERATION_FINISHED) << status.message();
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE_OPERATION_STATUS"), 0u) << "taken, not yet handled";
  events.acknowledge();
  EXPECT_TRUE(soon([&] { return calls_of(*sim_, "ACKNOWLEDGE_OPERATION_STATUS", 202) == 1; }));
  // The master stops resending it, and forgets a finished operation.
  EXPECT_TRUE(soon([&] {
    for (const auto& op : sim_->operations())
      if (op.operation_id == "reserve-1" && op.unacknowledged) return false;
    return true;
  }));
}

TEST_P(Client, UpdatesWithoutAUuidAreNeverAcknowledged) {
  start_sim();
  scheduler_client client(config());
  auto offers = client.events();
  auto events = client.events(0, auto_acknowledge::after_handling);
  client.start();
  launch_one(client, offers, "t1");
  for (int i = 0; i < 3; ++i) wait_for(events, is_event(Event::UPDATE));  // STARTING, RUNNING, FINISHED
  events.acknowledge();
  EXPECT_TRUE(soon([&] { return unacknowledged(*sim_) == 0; }));
  const auto acks = calls_of(*sim_, "ACKNOWLEDGE");
  // Explicit reconciliation: the master answers with the task's state as it
  // knows it (or that it does not), without a uuid.
  mesos::v1::TaskID t1;
  t1.set_value("t1");
  auto r = send_and_wait(client, mesoshttp::calls::reconcile({{t1, std::nullopt}}));
  ASSERT_TRUE(r) << r.message;
  auto answer = wait_for(events, is_event(Event::UPDATE));
  EXPECT_FALSE(answer.event->update().status().has_uuid());
  events.acknowledge();
  // Had an ACKNOWLEDGE been sent, it would have been queued before this
  // call; give it time to arrive anyway: nothing more was acknowledged.
  ASSERT_TRUE(send_and_wait(client, mesoshttp::calls::revive()));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE"), acks);
  EXPECT_EQ(calls_of(*sim_, "ACKNOWLEDGE", 400), 0u);
}

}  // namespace
