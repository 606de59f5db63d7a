// The session's reactions that are not about timing, sans-I/O: what the end
// of a stream means (the end the API expected, a lost subscription, a failed
// attempt), what a detector's report means (wait for a leader, nothing, or
// move to a new one), and whether to subscribe again after an expected end
// that did not come to pass. When the next attempt starts is
// reconnect_fsm's. session/subscription does what these say; each rule has
// a test in test/session/session_rules_test.cpp.
#pragma once

namespace mesoshttp::detail {

enum class stream_end_meaning {
  expected,           // the API asked for it (the scheduler's TEARDOWN is on the wire): not a loss, not announced
  subscription_lost,  // a stream that had its SUBSCRIBED ended: resubscribe (reconnect_fsm::on_lost)
  attempt_failed,     // ended before SUBSCRIBED: counts against this master (reconnect_fsm::on_attempt_failed)
};
// An ERROR event ends the stream like any other break: the master will not
// send more on it, and a framework that is still registered gets a new one.
stream_end_meaning classify_stream_end(bool end_expected, bool was_subscribed);

struct leader_report {
  bool leader_named = false;     // false: the detector knows no leader now
  bool known_before = false;     // a leader was known until now
  bool same_as_current = false;  // the named leader is the master of the current (or last) stream
  bool stream_up = false;        // subscribed, or an attempt is under way
};
struct leader_reaction {
  bool leader_known = false;   // from now on
  bool drop_stream = false;    // end the current stream or attempt, announced as "the leader changed"
  bool subscribe_now = false;  // cancel any wait and subscribe to the named leader at once
};
// No leader named: keep a live stream (ZooKeeper may only have lost the
// leader's node; the old leader may still serve), and attempt nothing until
// one is named. A new leader: leave the old one at once, and subscribe
// without backoff. The same leader again: nothing.
leader_reaction react_to_leader_report(const leader_report& report);

// The expected end was called off (TEARDOWN failed): if the stream ended
// meanwhile and no attempt runs, the framework is still there: subscribe.
bool resubscribe_after_cancelled_end(bool closed, bool subscribed, bool attempt_running);

}  // namespace mesoshttp::detail
