// The reconciler on a scheduler client, over real sockets against the
// simulated master, in both encodings: after subscribing it asks about the
// tasks the tracker believes live, hears which the master does not know,
// then asks about all tasks once; and it starts again after a resubscription.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../support/client_fixture.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/reconciler.hpp"
#include "mesoshttp/framework/task_tracker.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace {

using namespace mesoshttp::test;
using namespace std::chrono_literals;

std::size_t reconciles(const mesoshttp::sim::cluster& sim) { return calls_of(sim, "RECONCILE", 202); }

TEST_P(Client, TheReconcilerAsksAboutLiveTasksThenAllAndReportsTheOnesTheMasterForgot) {
  start_sim();
  scheduler_client client(config());
  mesoshttp::task_tracker tracker;
  // As a restarted framework remembers them: one the master runs, one it
  // never heard of.
  tracker.launching("ghost");
  std::mutex m;
  std::vector<std::string> unknown;
  mesoshttp::reconciler reconciler(client, tracker, {.first_wait = 300ms, .max_wait = 1s},
                                   [&](const mesos::v1::TaskStatus& s) {
                                     std::lock_guard lock(m);
                                     unknown.push_back(s.task_id().value());
                                   });
  auto events = client.events();
  client.start();
  auto item = wait_for(events, [&](const client_event& e) {
    if (e.type == kind::event && e.event->type() == Event::UPDATE) tracker.on_update(e.event->update().status());
    reconciler.on_event(e);
    return e.type == kind::event && e.event->type() == Event::UPDATE;
  });
  const auto& answer = item.event->update().status();
  EXPECT_EQ(answer.task_id().value(), "ghost");
  EXPECT_EQ(answer.state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(answer.reason(), mesos::v1::TaskStatus::REASON_RECONCILIATION);
  EXPECT_FALSE(answer.has_uuid());
  {
    std::lock_guard lock(m);
    EXPECT_EQ(unknown, std::vector<std::string>{"ghost"});
  }
  EXPECT_FALSE(tracker.find("ghost")) << "a terminal answer ends the task";
  EXPECT_FALSE(reconciler.running());
  EXPECT_EQ(reconciler.unknown_answers(), 1u);
  // Explicit, then implicit once everything answered.
  for (int i = 0; i < 500 && reconciles(*sim_) < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(reconciles(*sim_), 2u);

  // A master restart: a new subscription, a new round (implicit at once:
  // nothing live is known).
  sim_->restart(0, 300ms);
  wait_for(events, [&](const client_event& e) {
    reconciler.on_event(e);
    return e.type == kind::subscribed;
  });
  for (int i = 0; i < 500 && reconciles(*sim_) < 3; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(reconciles(*sim_), 3u);
}

TEST_P(Client, TheReconcilerAsksAgainWhenAnswersDoNotCome) {
  start_sim();
  scheduler_client client(config());
  mesoshttp::task_tracker tracker;
  tracker.launching("t1");
  mesoshttp::reconciler reconciler(client, tracker, {.first_wait = 100ms, .max_wait = 200ms});
  auto events = client.events();
  client.start();
  // The framework never feeds the answers back: the reconciler keeps asking.
  wait_for(events, [&](const client_event& e) {
    if (e.type != kind::event) reconciler.on_event(e);
    return e.type == kind::subscribed;
  });
  for (int i = 0; i < 500 && reconciles(*sim_) < 4; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GE(reconciles(*sim_), 4u);
  EXPECT_TRUE(reconciler.running());
}

}  // namespace
