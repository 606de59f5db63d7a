// The call path's decisions without sockets: admission, what each answer
// means, when a failed call goes out again, and what the pool does next.
#include "calls/call_rules.hpp"

#include <gtest/gtest.h>

namespace mesoshttp::detail {
namespace {

call_answer answer(unsigned status, std::string_view body = {}, bool can_refresh = false) {
  return {.status = status, .body = body, .can_refresh_authorization = can_refresh};
}

TEST(CallAdmission, RefusesWhenClosedOrFullAndSaysWhy) {
  EXPECT_TRUE(admit_call({.closed = false, .queued = 0, .queue_limit = 2}).admitted);
  EXPECT_TRUE(admit_call({.closed = false, .queued = 1, .queue_limit = 2}).admitted);
  const auto full = admit_call({.closed = false, .queued = 2, .queue_limit = 2});
  EXPECT_FALSE(full.admitted);
  EXPECT_FALSE(full.closed);
  EXPECT_EQ(full.reason, "2 calls already waiting");
  const auto closed = admit_call({.closed = true, .queued = 0, .queue_limit = 2});
  EXPECT_FALSE(closed.admitted);
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.reason, "client is closed");
  EXPECT_FALSE(admit_call({.closed = false, .queued = 0, .queue_limit = 0}).admitted) << "a zero limit admits none";
}

TEST(CallAnswer, EveryTwoHundredCompletesTheCall) {
  for (unsigned s : {200u, 202u, 204u, 299u}) EXPECT_EQ(classify_call_answer(answer(s)), call_verdict::completed);
}

TEST(CallAnswer, A401IsRefreshedOncePerCallAndOnlyWithAProvider) {
  EXPECT_EQ(classify_call_answer(answer(401, {}, true)), call_verdict::refresh_and_resend);
  EXPECT_EQ(classify_call_answer(answer(401, {}, false)), call_verdict::rejected);
}

TEST(CallAnswer, NotTheLeaderNotSubscribedOrAWrongStreamIdMeanTheSubscriptionIsGone) {
  EXPECT_EQ(classify_call_answer(answer(307)), call_verdict::subscription_gone);
  EXPECT_EQ(classify_call_answer(answer(403)), call_verdict::subscription_gone);
  // The texts a real master sends (see the facts' scheduler answers).
  EXPECT_EQ(classify_call_answer(answer(400, "The stream ID 'abc' included in this request didn't match")),
            call_verdict::subscription_gone);
  EXPECT_EQ(classify_call_answer(answer(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header")),
            call_verdict::subscription_gone);
}

TEST(CallAnswer, OtherRefusalsAreTheCallersToHear) {
  EXPECT_EQ(classify_call_answer(answer(400, "Failed to validate scheduler::Call: Expecting 'accept' to be present")),
            call_verdict::rejected);
  for (unsigned s : {404u, 409u, 415u, 500u, 503u}) EXPECT_EQ(classify_call_answer(answer(s)), call_verdict::rejected);
  EXPECT_FALSE(is_stream_id_rejection(500, "stream ID"));
}

TEST(CallFailure, OnlyAnIdempotentCallWithRetriesLeftOnAnOpenClientGoesOutAgain) {
  EXPECT_EQ(after_call_failure({.closed = false, .idempotent = true, .attempts = 1, .retries = 2}),
            failure_action::resend);
  EXPECT_EQ(after_call_failure({.closed = false, .idempotent = true, .attempts = 2, .retries = 2}),
            failure_action::resend);
  EXPECT_EQ(after_call_failure({.closed = false, .idempotent = true, .attempts = 3, .retries = 2}),
            failure_action::complete);
  EXPECT_EQ(after_call_failure({.closed = false, .idempotent = false, .attempts = 1, .retries = 2}),
            failure_action::complete)
      << "ACCEPT and the like are never sent twice";
  EXPECT_EQ(after_call_failure({.closed = true, .idempotent = true, .attempts = 1, .retries = 2}),
            failure_action::complete);
  EXPECT_EQ(after_call_failure({.closed = false, .idempotent = true, .attempts = 1, .retries = 0}),
            failure_action::complete);
}

TEST(CallPool, SendsOnAnIdleConnectionFirst) {
  EXPECT_EQ(next_pool_action({.queued = 3, .idle = 1, .connecting = 0, .open = 4, .limit = 4}),
            pool_action::send_on_idle);
}

TEST(CallPool, OpensConnectionsUpToTheLimitWhileMoreCallsWaitThanAreOnTheirWay) {
  EXPECT_EQ(next_pool_action({.queued = 2, .idle = 0, .connecting = 0, .open = 0, .limit = 4}),
            pool_action::open_connection);
  EXPECT_EQ(next_pool_action({.queued = 2, .idle = 0, .connecting = 1, .open = 1, .limit = 4}),
            pool_action::open_connection);
  EXPECT_EQ(next_pool_action({.queued = 2, .idle = 0, .connecting = 2, .open = 2, .limit = 4}), pool_action::wait)
      << "each connection being opened will take one";
  EXPECT_EQ(next_pool_action({.queued = 9, .idle = 0, .connecting = 0, .open = 4, .limit = 4}), pool_action::wait)
      << "all busy, the pool is full";
  EXPECT_EQ(next_pool_action({.queued = 1, .idle = 0, .connecting = 0, .open = 0, .limit = 0}),
            pool_action::open_connection)
      << "a limit of 0 still allows one";
}

TEST(CallPool, NothingQueuedNothingToDo) {
  EXPECT_EQ(next_pool_action({.queued = 0, .idle = 2, .connecting = 0, .open = 2, .limit = 4}), pool_action::wait);
}

}  // namespace
}  // namespace mesoshttp::detail
