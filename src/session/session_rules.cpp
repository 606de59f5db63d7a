#include "session/session_rules.hpp"

namespace mesoshttp::detail {

stream_end_meaning classify_stream_end(bool end_expected, bool was_subscribed) {
  if (end_expected) return stream_end_meaning::expected;
  return was_subscribed ? stream_end_meaning::subscription_lost : stream_end_meaning::attempt_failed;
}

leader_reaction react_to_leader_report(const leader_report& report) {
  if (!report.leader_named) return {.leader_known = false, .drop_stream = false, .subscribe_now = false};
  const bool changed = !report.known_before || !report.same_as_current;
  return {.leader_known = true, .drop_stream = changed && report.stream_up, .subscribe_now = changed};
}

bool resubscribe_after_cancelled_end(bool closed, bool subscribed, bool attempt_running) {
  return !closed && !subscribed && !attempt_running;
}

}  // namespace mesoshttp::detail
