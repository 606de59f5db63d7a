// The session's reactions to the end of a stream, to a detector's reports and
// to a called-off expected end, without sockets. The same reactions over real
// sockets: client tests (teardown, ERROR, leader changes) and the ZooKeeper
// detector's client tests.
#include "session/session_rules.hpp"

#include <gtest/gtest.h>

namespace {

using mesoshttp::detail::classify_stream_end;
using mesoshttp::detail::leader_report;
using mesoshttp::detail::react_to_leader_report;
using mesoshttp::detail::resubscribe_after_cancelled_end;
using mesoshttp::detail::stream_end_meaning;

TEST(SessionRules, AnExpectedEndIsNeitherALossNorAFailedAttempt) {
  EXPECT_EQ(classify_stream_end(/*end_expected=*/true, /*was_subscribed=*/true), stream_end_meaning::expected);
  // Even a stream cut before SUBSCRIBED while TEARDOWN is on the wire: its
  // answer decides (close, or subscribe again).
  EXPECT_EQ(classify_stream_end(true, false), stream_end_meaning::expected);
}

TEST(SessionRules, AStreamThatHadItsSubscribedIsALostSubscription) {
  // A cut stream, an ERROR event, a heartbeat timeout, a 403 on a call: all
  // end a subscription the same way.
  EXPECT_EQ(classify_stream_end(false, true), stream_end_meaning::subscription_lost);
}

TEST(SessionRules, AStreamBrokenBeforeSubscribedIsAFailedAttempt) {
  EXPECT_EQ(classify_stream_end(false, false), stream_end_meaning::attempt_failed);
}

TEST(SessionRules, NoLeaderKeepsALiveStreamAndWaits) {
  for (const bool up : {false, true}) {
    const auto r = react_to_leader_report({.leader_named = false, .known_before = true, .stream_up = up});
    EXPECT_FALSE(r.leader_known);
    EXPECT_FALSE(r.drop_stream) << "stream up: " << up;
    EXPECT_FALSE(r.subscribe_now);
  }
}

TEST(SessionRules, TheFirstLeaderNamedIsSubscribedToAtOnce) {
  const auto r = react_to_leader_report({.leader_named = true, .known_before = false, .stream_up = false});
  EXPECT_TRUE(r.leader_known);
  EXPECT_FALSE(r.drop_stream);
  EXPECT_TRUE(r.subscribe_now);
}

TEST(SessionRules, ANewLeaderEndsTheOldStreamOrAttemptAndSubscribesAtOnce) {
  auto r =
      react_to_leader_report({.leader_named = true, .known_before = true, .same_as_current = false, .stream_up = true});
  EXPECT_TRUE(r.leader_known);
  EXPECT_TRUE(r.drop_stream);
  EXPECT_TRUE(r.subscribe_now);
  // Waiting for the next attempt: no stream to end, but no backoff either.
  r = react_to_leader_report(
      {.leader_named = true, .known_before = true, .same_as_current = false, .stream_up = false});
  EXPECT_FALSE(r.drop_stream);
  EXPECT_TRUE(r.subscribe_now);
}

TEST(SessionRules, TheSameLeaderAgainChangesNothing) {
  for (const bool up : {false, true}) {
    const auto r =
        react_to_leader_report({.leader_named = true, .known_before = true, .same_as_current = true, .stream_up = up});
    EXPECT_TRUE(r.leader_known);
    EXPECT_FALSE(r.drop_stream);
    EXPECT_FALSE(r.subscribe_now) << "stream up: " << up;
  }
}

TEST(SessionRules, TheSameLeaderAfterAGapIsSubscribedToAgain) {
  // ZooKeeper lost the node, then the same master was elected again: the
  // session waited without attempting, so it must start now.
  const auto r = react_to_leader_report(
      {.leader_named = true, .known_before = false, .same_as_current = true, .stream_up = false});
  EXPECT_TRUE(r.subscribe_now);
}

TEST(SessionRules, ACalledOffEndSubscribesAgainOnlyIfNothingRuns) {
  EXPECT_TRUE(resubscribe_after_cancelled_end(/*closed=*/false, /*subscribed=*/false, /*attempt_running=*/false));
  EXPECT_FALSE(resubscribe_after_cancelled_end(false, true, false));  // the stream never ended
  EXPECT_FALSE(resubscribe_after_cancelled_end(false, false, true));  // an attempt is already under way
  EXPECT_FALSE(resubscribe_after_cancelled_end(true, false, false));  // closed
}

}  // namespace
