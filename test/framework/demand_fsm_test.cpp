// The suppress/revive decisions without a client: every rule, the one batch
// in flight, the debounce of REVIVE, resubscription and failed calls.
#include "mesoshttp/framework/demand_fsm.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using mesoshttp::demand_config;
using mesoshttp::demand_fsm;
using state = demand_fsm::role_state;
using roles = std::vector<std::string>;

const demand_fsm::clock::time_point t0{std::chrono::hours(1)};

demand_config window(std::chrono::milliseconds w) {
  demand_config c;
  c.revive_window = w;
  c.retry_after = 500ms;
  return c;
}

// Reports both calls of a batch as answered.
demand_fsm::actions answer(demand_fsm& fsm, const demand_fsm::actions& a, demand_fsm::clock::time_point now,
                           bool ok = true) {
  demand_fsm::actions last;
  last.epoch = a.epoch;
  if (!a.suppress.empty()) last = fsm.completed(a.epoch, a.suppress, ok, now);
  if (!a.revive.empty()) last = fsm.completed(a.epoch, a.revive, ok, now);
  return last;
}

TEST(DemandFsm, NothingIsSentBeforeTheSubscription) {
  demand_fsm fsm({"a", "b"});
  EXPECT_FALSE(fsm.add("a", 3, t0).calls());
  EXPECT_FALSE(fsm.set_waiting("b", 0, t0).calls());
  EXPECT_EQ(fsm.state("a"), state::unknown);
  EXPECT_EQ(fsm.waiting("a"), 3u);
}

TEST(DemandFsm, OnSubscriptionRolesWithNothingWaitingAreSuppressed) {
  demand_fsm fsm({"a", "b", "c"});
  fsm.add("b", 1, t0);
  auto a = fsm.subscribed(t0);
  EXPECT_EQ(a.suppress, (roles{"a", "c"}));
  EXPECT_TRUE(a.revive.empty()) << "a fresh subscription has no role suppressed";
  EXPECT_EQ(fsm.state("a"), state::suppressed);
  EXPECT_EQ(fsm.state("b"), state::revived);
  EXPECT_EQ(fsm.counters().suppress_calls, 1u);
}

TEST(DemandFsm, RolesTheSubscribeSuppressedAreRevivedIfWorkWaits) {
  demand_fsm fsm({"a", "b"});
  fsm.add("a", 1, t0);
  auto a = fsm.subscribed(t0, {"a", "b"});
  EXPECT_EQ(a.revive, (roles{"a"}));
  EXPECT_TRUE(a.suppress.empty());
}

TEST(DemandFsm, WorkArrivingRevivesARoleAtOnceAndNothingWaitingSuppressesIt) {
  demand_fsm fsm({"a"});
  answer(fsm, fsm.subscribed(t0), t0);
  auto r = fsm.add("a", 1, t0 + 1ms);
  EXPECT_EQ(r.revive, (roles{"a"}));
  answer(fsm, r, t0 + 2ms);
  EXPECT_FALSE(fsm.add("a", 5, t0 + 3ms).calls()) << "already revived";
  EXPECT_FALSE(fsm.remove("a", 5, t0 + 4ms).calls()) << "one still waits";
  auto s = fsm.remove("a", 1, t0 + 5ms);
  EXPECT_EQ(s.suppress, (roles{"a"}));
  EXPECT_EQ(fsm.state("a"), state::suppressed);
}

TEST(DemandFsm, ABurstOfWorkCostsOneRevive) {
  demand_fsm fsm({"a"});
  answer(fsm, fsm.subscribed(t0), t0);
  std::size_t revives = 0;
  std::vector<demand_fsm::actions> sent;
  for (int i = 0; i < 100; ++i) {
    auto a = fsm.add("a", 1, t0 + std::chrono::milliseconds(i));
    revives += a.revive.size();
    if (a.calls()) sent.push_back(a);
  }
  for (const auto& a : sent) answer(fsm, a, t0 + 200ms);
  EXPECT_EQ(revives, 1u);
  EXPECT_EQ(fsm.counters().revive_calls, 1u);
  EXPECT_EQ(fsm.waiting("a"), 100u);
}

TEST(DemandFsm, ReviveIsDebouncedOncePerWindowFoldingEverythingInside) {
  demand_fsm fsm({"a"}, window(1000ms));
  answer(fsm, fsm.subscribed(t0), t0);
  auto r = fsm.add("a", 1, t0);
  ASSERT_EQ(r.revive, (roles{"a"}));
  answer(fsm, r, t0);
  // The role flaps: nothing, something, nothing, something... inside the window.
  for (int i = 1; i <= 5; ++i) {
    auto now = t0 + std::chrono::milliseconds(100 * i);
    auto s = fsm.remove("a", 1, now);
    if (i == 1) {
      EXPECT_EQ(s.suppress, (roles{"a"}));
    }
    answer(fsm, s, now);
    auto again = fsm.add("a", 1, now);
    EXPECT_TRUE(again.revive.empty()) << "inside the window: folded";
    ASSERT_TRUE(again.wake_at);
    EXPECT_EQ(*again.wake_at, t0 + 1000ms);
  }
  EXPECT_EQ(fsm.counters().revives_deferred, 1u);
  EXPECT_FALSE(fsm.tick(t0 + 999ms).calls()) << "an early tick is harmless";
  auto late = fsm.tick(t0 + 1000ms);
  EXPECT_EQ(late.revive, (roles{"a"}));
  EXPECT_EQ(fsm.counters().revive_calls, 2u);
}

TEST(DemandFsm, AFoldedReviveIsDroppedIfTheWorkWentAway) {
  demand_fsm fsm({"a"}, window(1000ms));
  answer(fsm, fsm.subscribed(t0), t0);
  answer(fsm, fsm.add("a", 1, t0), t0);
  answer(fsm, fsm.remove("a", 1, t0 + 10ms), t0 + 10ms);
  EXPECT_TRUE(fsm.add("a", 1, t0 + 20ms).wake_at);
  fsm.remove("a", 1, t0 + 30ms);
  EXPECT_FALSE(fsm.tick(t0 + 1000ms).calls());
  EXPECT_EQ(fsm.state("a"), state::suppressed);
}

TEST(DemandFsm, OneBatchInFlightChangesMeanwhileFollowWhenItIsAnswered) {
  demand_fsm fsm({"a", "b"}, window(0ms));
  auto first = fsm.subscribed(t0);
  ASSERT_EQ(first.suppress, (roles{"a", "b"}));
  // While the SUPPRESS is on its way, work arrives: a REVIVE now could
  // overtake it on another connection.
  EXPECT_FALSE(fsm.add("a", 1, t0).calls());
  auto next = fsm.completed(first.epoch, first.suppress, true, t0 + 1ms);
  EXPECT_EQ(next.revive, (roles{"a"}));
  EXPECT_TRUE(next.suppress.empty());
}

TEST(DemandFsm, ResubscriptionReappliesTheSuppression) {
  demand_fsm fsm({"a", "b"});
  fsm.add("a", 1, t0);
  auto first = fsm.subscribed(t0);
  answer(fsm, first, t0);
  fsm.lost();
  EXPECT_EQ(fsm.state("b"), state::unknown);
  EXPECT_FALSE(fsm.set_waiting("a", 2, t0 + 1ms).calls()) << "not subscribed";
  auto again = fsm.subscribed(t0 + 2ms);
  EXPECT_EQ(again.suppress, (roles{"b"}));
  EXPECT_TRUE(again.revive.empty());
  EXPECT_NE(again.epoch, first.epoch);
}

TEST(DemandFsm, AnswersOfAnEarlierSubscriptionAreIgnored) {
  demand_fsm fsm({"a"});
  auto first = fsm.subscribed(t0);
  fsm.lost();
  auto second = fsm.subscribed(t0 + 1ms);
  ASSERT_EQ(second.suppress, (roles{"a"}));
  // The old SUPPRESS failing says nothing about the new subscription, and
  // does not end the new batch's flight.
  EXPECT_FALSE(fsm.completed(first.epoch, first.suppress, false, t0 + 2ms).calls());
  EXPECT_EQ(fsm.state("a"), state::suppressed);
  EXPECT_EQ(fsm.counters().failed_calls, 0u);
  fsm.add("a", 1, t0 + 3ms);
  EXPECT_EQ(fsm.completed(second.epoch, second.suppress, true, t0 + 4ms).revive, (roles{"a"}));
}

TEST(DemandFsm, AFailedCallIsRetriedAfterADelay) {
  demand_fsm fsm({"a"}, window(0ms));
  auto s = fsm.subscribed(t0);
  auto after = fsm.completed(s.epoch, s.suppress, false, t0 + 1ms);
  EXPECT_FALSE(after.calls());
  EXPECT_EQ(fsm.state("a"), state::unknown);
  ASSERT_TRUE(after.wake_at);
  EXPECT_EQ(*after.wake_at, t0 + 501ms);
  EXPECT_FALSE(fsm.tick(t0 + 100ms).calls());
  EXPECT_EQ(fsm.tick(t0 + 501ms).suppress, (roles{"a"}));
  EXPECT_EQ(fsm.counters().failed_calls, 1u);
}

TEST(DemandFsm, AFailedReviveIsRetriedAsARevive) {
  demand_fsm fsm({"a"}, window(0ms));
  answer(fsm, fsm.subscribed(t0), t0);
  auto r = fsm.add("a", 1, t0);
  ASSERT_EQ(r.revive, (roles{"a"}));
  answer(fsm, r, t0, false);
  EXPECT_EQ(fsm.tick(t0 + 500ms).revive, (roles{"a"}));
}

TEST(DemandFsm, WorkIsCountedAndSaturatesAtZero) {
  demand_fsm fsm({"a"});
  fsm.add("a", 2, t0);
  fsm.remove("a", 5, t0);
  EXPECT_EQ(fsm.waiting("a"), 0u);
  fsm.set_waiting("a", 7, t0);
  EXPECT_EQ(fsm.waiting("a"), 7u);
}

TEST(DemandFsm, WorkForARoleTheFrameworkDoesNotHaveIsAProgrammingError) {
  demand_fsm fsm({"a"});
  EXPECT_THROW(fsm.add("z", 1, t0), std::invalid_argument);
  EXPECT_THROW(demand_fsm(std::vector<std::string>{}), std::invalid_argument);
}

TEST(DemandFsm, RolesOfAFramework) {
  mesos::v1::FrameworkInfo info;
  EXPECT_EQ(mesoshttp::roles_of(info), (roles{"*"}));
  info.add_roles("x");
  info.add_roles("y");
  EXPECT_EQ(mesoshttp::roles_of(info), (roles{"x", "y"}));
}

}  // namespace
