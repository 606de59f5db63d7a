// The session's reconnect decisions, without sockets or clocks: time is an
// input. Each rule of reconnect_fsm.hpp has a test here; the same rules over
// real sockets are in client_test (ClientScripted.*Broken*).
#include "session/reconnect_fsm.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using mesoshttp::detail::reconnect_fsm;
using kind = reconnect_fsm::action::kind;
using clock_type = reconnect_fsm::clock;

mesoshttp::reconnect_config deterministic(std::size_t max_attempts) {
  mesoshttp::reconnect_config cfg;
  cfg.initial_wait = 100ms;
  cfg.max_wait = 1000ms;
  cfg.jitter = 0.0;
  cfg.max_attempts = max_attempts;
  return cfg;
}

const clock_type::time_point t0{};

TEST(Backoff, GrowsExponentiallyUpToTheCapWithoutJitter) {
  mesoshttp::reconnect_config cfg;
  cfg.initial_wait = std::chrono::milliseconds(100);
  cfg.max_wait = std::chrono::milliseconds(1000);
  cfg.jitter = 0.0;
  mesoshttp::detail::backoff b(cfg, 1);
  EXPECT_EQ(b.next().count(), 100);
  EXPECT_EQ(b.next().count(), 200);
  EXPECT_EQ(b.next().count(), 400);
  EXPECT_EQ(b.next().count(), 800);
  EXPECT_EQ(b.next().count(), 1000);
  EXPECT_EQ(b.next().count(), 1000);
  b.reset();
  EXPECT_EQ(b.next().count(), 100);
}

TEST(Backoff, FullJitterStaysWithinTheCeilingAndVaries) {
  mesoshttp::reconnect_config cfg;
  cfg.initial_wait = std::chrono::milliseconds(1000);
  cfg.max_wait = std::chrono::milliseconds(1000);
  mesoshttp::detail::backoff b(cfg, 42);
  long lo = 1000000, hi = -1;
  for (int i = 0; i < 200; ++i) {
    const long w = static_cast<long>(b.next().count());
    ASSERT_GE(w, 0);
    ASSERT_LE(w, 1000);
    lo = std::min(lo, w);
    hi = std::max(hi, w);
  }
  EXPECT_LT(lo, 300);
  EXPECT_GT(hi, 700);
}

TEST(Backoff, CustomDelayIsAskedWithTheAttemptNumber) {
  mesoshttp::reconnect_config cfg;
  cfg.custom_delay = [](std::size_t attempt) { return std::chrono::milliseconds(7 * (attempt + 1)); };
  mesoshttp::detail::backoff b(cfg, 1);
  EXPECT_EQ(b.next().count(), 7);
  EXPECT_EQ(b.next().count(), 14);
  EXPECT_EQ(b.attempts(), 2u);
  b.reset();
  EXPECT_EQ(b.next().count(), 7);
}

TEST(Backoff, ManyAttemptsStayAtTheCap) {
  mesoshttp::reconnect_config cfg;
  cfg.jitter = 0.0;
  mesoshttp::detail::backoff b(cfg, 1);
  for (int i = 0; i < 1000; ++i) b.next();
  EXPECT_EQ(b.next(), cfg.max_wait);
}

TEST(ReconnectFsm, FailedRoundsBackOffAndGiveUpAfterMaxAttempts) {
  const auto cfg = deterministic(3);
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  // The first failure is the attempt itself; three reconnect attempts follow.
  for (auto expected : {100ms, 200ms, 400ms}) {
    const auto a = fsm.on_attempt_failed(t0, true, false);
    ASSERT_EQ(a.what, kind::retry);
    EXPECT_EQ(a.wait, expected);
  }
  const auto last = fsm.on_attempt_failed(t0, true, false);
  EXPECT_EQ(last.what, kind::give_up);
  EXPECT_EQ(last.reason, "gave up after 3 reconnect attempts");
}

TEST(ReconnectFsm, AFailureWithinARoundTriesTheNextMasterAtOnceAndDoesNotCount) {
  const auto cfg = deterministic(1);
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  for (int i = 0; i < 10; ++i) {
    const auto a = fsm.on_attempt_failed(t0, false, false);
    ASSERT_EQ(a.what, kind::retry);
    EXPECT_EQ(a.wait, 0ms);
  }
  EXPECT_EQ(fsm.failed_attempts(), 0u);
}

TEST(ReconnectFsm, AHealthySubscriptionResetsTheBackoffAndTheCount) {
  const auto cfg = deterministic(2);
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  fsm.on_attempt_failed(t0, true, false);
  fsm.on_attempt_failed(t0, true, false);
  EXPECT_EQ(fsm.failed_attempts(), 2u);
  fsm.on_subscribed(t0 + 1s, 15s);
  EXPECT_TRUE(fsm.subscribed());
  // Lasted one heartbeat interval: a leader change, not a failure.
  const auto a = fsm.on_lost(t0 + 16s);
  EXPECT_EQ(a.what, kind::retry);
  EXPECT_EQ(a.wait, 100ms);
  EXPECT_EQ(fsm.failed_attempts(), 0u);
  EXPECT_FALSE(fsm.subscribed());
  // And the budget is whole again.
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 17s, true, false).what, kind::retry);
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 17s, true, false).what, kind::retry);
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 17s, true, false).what, kind::give_up);
}

// The defect this machine fixes: a master that breaks every stream right after
// SUBSCRIBED was resubscribed about 8 times a second for ever, since each
// SUBSCRIBED reset the budget.
TEST(ReconnectFsm, AStreamBrokenSoonAfterSubscribedIsAFailedAttempt) {
  const auto cfg = deterministic(3);
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  auto now = t0;
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 10; ++i) {
    fsm.on_subscribed(now, 15s);
    now += 5ms;
    const auto a = fsm.on_lost(now);
    if (a.what == kind::give_up) {
      EXPECT_EQ(a.reason, "gave up after 3 reconnect attempts");
      break;
    }
    waits.push_back(a.wait);
    now += a.wait;
  }
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms}));
}

TEST(ReconnectFsm, HealthyAfterIsConfigurable) {
  auto cfg = deterministic(1);
  cfg.healthy_after = 2s;
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0, 15s);
  EXPECT_EQ(fsm.on_lost(t0 + 1999ms).what, kind::retry);  // counted: 1 failure
  EXPECT_EQ(fsm.failed_attempts(), 1u);
  fsm.on_subscribed(t0 + 3s, 15s);
  EXPECT_EQ(fsm.on_lost(t0 + 5s).what, kind::retry);  // lasted 2 s: healthy
  EXPECT_EQ(fsm.failed_attempts(), 0u);
}

TEST(ReconnectFsm, AnUnreachableNamedLeaderWaitsButDoesNotUseTheBudget) {
  const auto cfg = deterministic(2);
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  // ZooKeeper names the dead leader until its session expires: many refusals.
  std::chrono::milliseconds last{};
  for (int i = 0; i < 50; ++i) {
    const auto a = fsm.on_attempt_failed(t0, true, true);
    ASSERT_EQ(a.what, kind::retry) << i;
    last = a.wait;
  }
  EXPECT_EQ(last, 1000ms);  // it still backs off
  EXPECT_EQ(fsm.failed_attempts(), 0u);
  // Other failures still count.
  fsm.on_attempt_failed(t0, true, false);
  fsm.on_attempt_failed(t0, true, false);
  EXPECT_EQ(fsm.on_attempt_failed(t0, true, false).what, kind::give_up);
}

TEST(ReconnectFsm, GiveUpAfterBoundsTheTimeWithoutAHealthySubscription) {
  auto cfg = deterministic(0);
  cfg.give_up_after = 30s;
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 29s, true, true).what, kind::retry);
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 29s, false, false).what, kind::retry);
  // A short-lived subscription does not stop the clock.
  fsm.on_subscribed(t0 + 29s, 15s);
  const auto a = fsm.on_lost(t0 + 30s);
  ASSERT_EQ(a.what, kind::give_up);
  EXPECT_NE(a.reason.find("no subscription for 30.0 s"), std::string::npos) << a.reason;
  // Not even the next master of a round is tried after the time is up.
  reconnect_fsm other(cfg, 1);
  other.on_start(t0);
  EXPECT_EQ(other.on_attempt_failed(t0 + 31s, false, false).what, kind::give_up);
}

TEST(ReconnectFsm, AHealthySubscriptionRestartsTheClock) {
  auto cfg = deterministic(0);
  cfg.give_up_after = 30s;
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0 + 1s, 15s);
  EXPECT_EQ(fsm.on_lost(t0 + 100s).what, kind::retry);
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 129s, true, false).what, kind::retry);
  EXPECT_EQ(fsm.on_attempt_failed(t0 + 130s, true, false).what, kind::give_up);
}

TEST(ReconnectFsm, NeverGivesUpByDefault) {
  const mesoshttp::reconnect_config cfg;
  reconnect_fsm fsm(cfg, 1);
  fsm.on_start(t0);
  for (int i = 0; i < 10000; ++i)
    ASSERT_EQ(fsm.on_attempt_failed(t0 + std::chrono::hours(i), true, false).what, kind::retry);
}

}  // namespace
