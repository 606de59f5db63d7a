// The demand manager over real sockets against the simulated master, in both
// encodings: a role with nothing waiting ends suppressed and its offers
// stop; a burst of work costs one REVIVE and the offers come again; a
// resubscription (master restart) re-applies the suppression, and leaves a
// role with work revived.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/client_fixture.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/demand_manager.hpp"
#include "mesoshttp/framework/offer_book.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace {

using namespace mesoshttp::test;
using namespace std::chrono_literals;
using roles = std::vector<std::string>;

roles suppressed(const mesoshttp::sim::cluster& sim) {
  const auto frameworks = sim.frameworks();
  return frameworks.empty() ? roles{"(no framework)"} : frameworks[0].suppressed_roles;
}

// Declines what the book holds until the master holds nothing outstanding
// (an offer made just before the SUPPRESS may still be on its way).
bool decline_everything(scheduler_client& client, mesoshttp::offer_book& book, const mesoshttp::sim::cluster& sim) {
  return eventually([&] {
    if (auto d = book.decline_unused(mesoshttp::calls::filters(0))) send_and_wait(client, *d);
    return sim.offers_outstanding() == 0;
  });
}

TEST_P(Client, DemandSuppressesARoleWithNothingWaitingAndABurstOfWorkCostsOneRevive) {
  start_sim();
  auto cfg = config();
  scheduler_client client(cfg);
  mesoshttp::demand_manager demand(client, mesoshttp::roles_of(cfg.framework));
  mesoshttp::offer_book book;
  auto feed = client.on_event([&](const client_event& e) {
    book.on_event(e);
    demand.on_event(e);
  });
  auto events = client.events();
  client.start();
  ASSERT_TRUE(eventually([&] { return suppressed(*sim_) == roles{"*"}; })) << "nothing waits";
  EXPECT_EQ(calls_of(*sim_, "SUPPRESS", 202), 1u);
  ASSERT_TRUE(decline_everything(client, book, *sim_));
  // Ten allocation rounds: a role that is not suppressed would be offered
  // the agent again in each (the decline had no filter).
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(sim_->offers_outstanding(), 0u) << "suppressed: the offers stop";

  // A burst of demand from two threads.
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) demand.add_work("*");
  });
  for (int i = 0; i < 50; ++i) demand.add_work("*");
  other.join();
  EXPECT_EQ(demand.waiting("*"), 100u);
  EXPECT_TRUE(eventually([&] { return sim_->offers_outstanding() > 0; })) << "offers come again";
  EXPECT_TRUE(suppressed(*sim_).empty());
  EXPECT_EQ(calls_of(*sim_, "REVIVE"), 1u);
  EXPECT_EQ(calls_of(*sim_, "REVIVE", 202), 1u);
  EXPECT_EQ(demand.counters().revive_calls, 1u);

  // All work placed: suppressed again.
  demand.work_done("*", 100);
  EXPECT_TRUE(eventually([&] { return suppressed(*sim_) == roles{"*"}; }));
  EXPECT_EQ(calls_of(*sim_, "SUPPRESS", 202), 2u);
  feed.detach();
}

TEST_P(Client, DemandReappliesTheSuppressionAfterAMasterRestart) {
  start_sim();
  auto cfg = config();
  scheduler_client client(cfg);
  mesoshttp::demand_manager demand(client, mesoshttp::roles_of(cfg.framework));
  auto feed = client.on_event([&](const client_event& e) { demand.on_event(e); });
  auto events = client.events();
  client.start();
  ASSERT_TRUE(eventually([&] { return suppressed(*sim_) == roles{"*"}; }));

  // The new SUBSCRIBE names no suppressed roles, so the master forgets the
  // suppression; the manager applies it again.
  sim_->restart(0, 300ms);
  wait_for(events, is_kind(kind::disconnected));
  wait_for(events, is_kind(kind::subscribed));
  EXPECT_TRUE(eventually([&] { return suppressed(*sim_) == roles{"*"}; }));
  EXPECT_EQ(calls_of(*sim_, "SUPPRESS", 202), 2u);

  // With work waiting, the role stays revived across the next restart.
  demand.add_work("*", 3);
  ASSERT_TRUE(eventually([&] { return suppressed(*sim_).empty(); }));
  sim_->restart(0, 300ms);
  wait_for(events, is_kind(kind::disconnected));
  wait_for(events, is_kind(kind::subscribed));
  wait_for(events, is_event(Event::OFFERS));
  EXPECT_TRUE(suppressed(*sim_).empty());
  EXPECT_EQ(calls_of(*sim_, "SUPPRESS", 202), 2u);
  EXPECT_EQ(calls_of(*sim_, "REVIVE", 202), 1u) << "the new subscription revived it; no REVIVE needed";
  feed.detach();
}

TEST_P(Client, DemandSuppressesOnlyTheRolesWithNothingWaiting) {
  start_sim();
  auto cfg = config();
  cfg.framework.add_roles("busy");
  cfg.framework.add_roles("idle");
  cfg.framework.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
  scheduler_client client(cfg);
  mesoshttp::demand_manager demand(client, mesoshttp::roles_of(cfg.framework));
  demand.add_work("busy", 2);  // before the subscription: applied once it exists
  EXPECT_THROW(demand.add_work("other"), std::invalid_argument);
  auto feed = client.on_event([&](const client_event& e) { demand.on_event(e); });
  client.start();
  ASSERT_TRUE(eventually([&] { return suppressed(*sim_) == roles{"idle"}; }));
  EXPECT_EQ(demand.state("busy"), mesoshttp::demand_fsm::role_state::revived);
  demand.work_done("busy", 2);
  EXPECT_TRUE(eventually([&] { return suppressed(*sim_) == (roles{"busy", "idle"}); }));
  EXPECT_EQ(calls_of(*sim_, "REVIVE"), 0u) << "never suppressed while work waited";
  feed.detach();
}

}  // namespace
