// The executor's connection decisions, without sockets or clocks: time is an
// input. Each rule of executor/session_fsm.hpp has a test here.
#include "executor/session_fsm.hpp"

#include <gtest/gtest.h>

#include "mesoshttp/error.hpp"

namespace {

using namespace std::chrono_literals;
using mesoshttp::executor::executor_config;
using mesoshttp::executor::detail::executor_session_fsm;
using kind = executor_session_fsm::action::kind;
using state = executor_session_fsm::state;
using clock_type = executor_session_fsm::clock;

const clock_type::time_point t0{};

executor_config checkpointing() {
  executor_config c;
  c.agent_endpoint = "127.0.0.1:5051";
  c.checkpoint = true;
  c.recovery_timeout = 10s;
  c.subscription_backoff_initial = 100ms;
  c.subscription_backoff_max = 1s;
  c.subscription_backoff_jitter = 0.0;
  c.shutdown_grace_period = 5s;
  return c;
}

executor_config not_checkpointing() {
  auto c = checkpointing();
  c.checkpoint = false;
  return c;
}

TEST(ExecutorSessionFsm, StartSubscribesAtOnce) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  EXPECT_EQ(fsm.current(), state::idle);
  const auto a = fsm.on_start(t0);
  EXPECT_EQ(a.what, kind::subscribe);
  EXPECT_EQ(a.wait, 0ns);
  EXPECT_NE(a.reason.find("127.0.0.1:5051"), std::string::npos) << a.reason;
  EXPECT_EQ(fsm.current(), state::subscribing);
  EXPECT_EQ(fsm.on_start(t0).what, kind::none);  // once
}

TEST(ExecutorSessionFsm, WithCheckpointingALostAgentIsRetriedWithGrowingCappedWaits) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0 + 1s);
  EXPECT_EQ(fsm.current(), state::subscribed);
  auto now = t0 + 2s;
  const std::chrono::milliseconds expected[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto wait : expected) {
    const auto a = fsm.on_disconnected(now, "connection refused");
    ASSERT_EQ(a.what, kind::subscribe) << a.reason;
    EXPECT_EQ(a.wait, wait) << a.reason;
    EXPECT_FALSE(a.kill_tasks);
    EXPECT_NE(a.reason.find("connection refused"), std::string::npos) << a.reason;
    now += a.wait;
  }
  EXPECT_EQ(fsm.failed_attempts(), 6u);
}

TEST(ExecutorSessionFsm, JitterVariesTheWaitWithinTheCeilingAndFollowsTheSeed) {
  auto config = checkpointing();
  config.subscription_backoff_jitter = 1.0;
  config.subscription_backoff_initial = 1s;
  config.recovery_timeout = 1h;
  executor_session_fsm a(config, 7), b(config, 7), c(config, 8);
  for (auto* fsm : {&a, &b, &c}) fsm->on_start(t0);
  bool differs = false;
  for (int i = 0; i < 20; ++i) {
    const auto now = t0 + std::chrono::seconds(i);
    const auto wa = a.on_disconnected(now, "x").wait;
    const auto wb = b.on_disconnected(now, "x").wait;
    const auto wc = c.on_disconnected(now, "x").wait;
    EXPECT_EQ(wa, wb);  // same seed, same waits: reproducible
    EXPECT_LE(wa, 1s);
    EXPECT_GE(wa, 0s);
    differs = differs || wa != wc;
  }
  EXPECT_TRUE(differs);
}

TEST(ExecutorSessionFsm, GivesUpOnceTheRecoveryTimeoutSinceTheLossHasPassed) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  const auto lost = t0 + 100s;  // the clock starts at the loss, not at the subscription
  auto a = fsm.on_disconnected(lost, "stream ended");
  ASSERT_EQ(a.what, kind::subscribe);
  a = fsm.on_disconnected(lost + 9s, "connection refused");
  ASSERT_EQ(a.what, kind::subscribe) << a.reason;
  a = fsm.on_disconnected(lost + 10s, "connection refused");
  ASSERT_EQ(a.what, kind::shut_down) << a.reason;
  EXPECT_TRUE(a.kill_tasks);
  EXPECT_EQ(a.error, mesoshttp::error::agent_recovery_timed_out);
  EXPECT_EQ(a.deadline, lost + 10s + 5s);  // the shutdown grace period
  EXPECT_NE(a.reason.find("recovery timeout"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("10.0 s"), std::string::npos) << a.reason;
  EXPECT_EQ(fsm.current(), state::ended);
}

TEST(ExecutorSessionFsm, TheLastWaitIsCutToTheRecoveryDeadline) {
  auto config = checkpointing();
  config.subscription_backoff_initial = 1s;
  config.subscription_backoff_max = 1s;
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  fsm.on_disconnected(t0, "x");
  const auto a = fsm.on_disconnected(t0 + 9500ms, "x");
  ASSERT_EQ(a.what, kind::subscribe);
  EXPECT_EQ(a.wait, 500ms);
}

TEST(ExecutorSessionFsm, ASubscriptionResetsTheBackoffAndTheRecoveryClock) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  fsm.on_disconnected(t0 + 1s, "x");
  fsm.on_disconnected(t0 + 2s, "x");
  EXPECT_EQ(fsm.on_disconnected(t0 + 3s, "x").wait, 400ms);
  fsm.on_subscribed(t0 + 8s);  // the agent is back
  EXPECT_EQ(fsm.failed_attempts(), 0u);
  // Lost again 9 s after the first loss: a fresh 10 s and a fresh backoff.
  auto a = fsm.on_disconnected(t0 + 10s, "x");
  EXPECT_EQ(a.wait, 100ms);
  a = fsm.on_disconnected(t0 + 19s, "x");
  EXPECT_EQ(a.what, kind::subscribe) << a.reason;
}

TEST(ExecutorSessionFsm, BeforeTheFirstSubscriptionTheRecoveryClockStartsAtStart) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  EXPECT_EQ(fsm.on_disconnected(t0 + 9s, "connection refused").what, kind::subscribe);
  EXPECT_EQ(fsm.on_disconnected(t0 + 10s, "connection refused").what, kind::shut_down);
}

TEST(ExecutorSessionFsm, WithoutCheckpointingALostAgentEndsAtOnce) {
  const auto config = not_checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  const auto a = fsm.on_disconnected(t0 + 3s, "stream ended");
  ASSERT_EQ(a.what, kind::shut_down);
  EXPECT_TRUE(a.kill_tasks);
  EXPECT_EQ(a.error, mesoshttp::error::agent_lost);
  EXPECT_EQ(a.deadline, t0 + 3s + 5s);
  EXPECT_NE(a.reason.find("does not checkpoint"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("stream ended"), std::string::npos) << a.reason;
  EXPECT_EQ(fsm.current(), state::ended);
}

TEST(ExecutorSessionFsm, WithoutCheckpointingAFailedFirstAttemptEndsToo) {
  const auto config = not_checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  EXPECT_EQ(fsm.on_disconnected(t0, "connection refused").what, kind::shut_down);
}

TEST(ExecutorSessionFsm, ShutdownEndsAfterTheGracePeriodKillingTheTasks) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  const auto a = fsm.on_shutdown_event(t0 + 7s);
  ASSERT_EQ(a.what, kind::shut_down);
  EXPECT_TRUE(a.kill_tasks);
  EXPECT_FALSE(a.error);  // asked for, not a failure
  EXPECT_EQ(a.deadline, t0 + 12s);
  EXPECT_NE(a.reason.find("SHUTDOWN"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("5.0 s"), std::string::npos) << a.reason;
}

TEST(ExecutorSessionFsm, ShutdownAnsweringAResubscriptionEndsToo) {
  // An agent answers a resubscription that leaves out a task launched before
  // any update with SHUTDOWN and no SUBSCRIBED (executor-answers.md).
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  ASSERT_EQ(fsm.on_disconnected(t0 + 1s, "stream ended").what, kind::subscribe);
  EXPECT_EQ(fsm.current(), state::subscribing);
  const auto a = fsm.on_shutdown_event(t0 + 2s);
  ASSERT_EQ(a.what, kind::shut_down);
  EXPECT_TRUE(a.kill_tasks);
  EXPECT_EQ(a.deadline, t0 + 7s);
}

TEST(ExecutorSessionFsm, AfterTheEndEveryInputIsIgnored) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  ASSERT_EQ(fsm.on_shutdown_event(t0).what, kind::shut_down);
  // The stream the agent closes after SHUTDOWN is not a loss to recover from.
  EXPECT_EQ(fsm.on_disconnected(t0 + 1s, "stream ended").what, kind::none);
  EXPECT_EQ(fsm.on_shutdown_event(t0 + 1s).what, kind::none);
  EXPECT_EQ(fsm.on_error_event(t0 + 1s, "x").what, kind::none);
  EXPECT_EQ(fsm.on_subscribe_rejected(t0 + 1s, 400, "x").what, kind::none);
  EXPECT_EQ(fsm.on_subscribed(t0 + 1s).what, kind::none);
  EXPECT_EQ(fsm.current(), state::ended);
}

TEST(ExecutorSessionFsm, ErrorEndsWithTheAgentsMessage) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  fsm.on_start(t0);
  fsm.on_subscribed(t0);
  const auto a = fsm.on_error_event(t0 + 1s, "Framework has been removed");
  ASSERT_EQ(a.what, kind::shut_down);
  EXPECT_TRUE(a.kill_tasks);
  EXPECT_EQ(a.error, mesoshttp::error::agent_error_event);
  EXPECT_EQ(a.deadline, t0 + 6s);
  EXPECT_NE(a.reason.find("'Framework has been removed'"), std::string::npos) << a.reason;
}

TEST(ExecutorSessionFsm, ARefusedSubscribeEndsButA5xxIsRetried) {
  const auto config = checkpointing();
  executor_session_fsm refused(config, 1);
  refused.on_start(t0);
  auto a = refused.on_subscribe_rejected(t0, 400, "Executor cannot be found");
  ASSERT_EQ(a.what, kind::shut_down);
  EXPECT_EQ(a.error, mesoshttp::error::subscribe_rejected);
  EXPECT_NE(a.reason.find("400 Executor cannot be found"), std::string::npos) << a.reason;

  executor_session_fsm unavailable(config, 1);
  unavailable.on_start(t0);
  a = unavailable.on_subscribe_rejected(t0, 503, "Agent is recovering");
  ASSERT_EQ(a.what, kind::subscribe) << a.reason;
  EXPECT_EQ(a.wait, 100ms);
  EXPECT_NE(a.reason.find("503"), std::string::npos) << a.reason;
}

TEST(ExecutorSessionFsm, InputsBeforeStartDoNothing) {
  const auto config = checkpointing();
  executor_session_fsm fsm(config, 1);
  EXPECT_EQ(fsm.on_disconnected(t0, "x").what, kind::none);
  EXPECT_EQ(fsm.on_subscribe_rejected(t0, 400, "x").what, kind::none);
  EXPECT_EQ(fsm.current(), state::idle);
}

TEST(ExecutorSessionFsm, StatesHaveNames) {
  EXPECT_EQ(mesoshttp::executor::detail::to_string(state::subscribed), "subscribed");
  EXPECT_EQ(mesoshttp::executor::detail::to_string(state::ended), "ended");
}

}  // namespace
