#include "calls/call_rules.hpp"

#include <algorithm>

namespace mesoshttp::detail {

admission_verdict admit_call(const call_admission& in) {
  if (in.closed) return {false, true, "client is closed"};
  if (in.queued >= in.queue_limit) return {false, false, std::to_string(in.queued) + " calls already waiting"};
  return {};
}

bool is_stream_id_rejection(unsigned status, std::string_view body) {
  return status == 400 &&
         (body.find("stream ID") != std::string_view::npos || body.find("Mesos-Stream-Id") != std::string_view::npos);
}

call_verdict classify_call_answer(const call_answer& answer) {
  const unsigned s = answer.status;
  if (s >= 200 && s < 300) return call_verdict::completed;
  if (s == 401 && answer.can_refresh_authorization) return call_verdict::refresh_and_resend;
  // A 307 to a call says this master is not the leader: the subscription
  // must move, and the call with it. A 403 is "not subscribed".
  if (s == 307 || s == 403 || is_stream_id_rejection(s, answer.body)) return call_verdict::subscription_gone;
  return call_verdict::rejected;
}

failure_action after_call_failure(const call_failure& in) {
  if (!in.closed && in.idempotent && in.attempts <= in.retries) return failure_action::resend;
  return failure_action::complete;
}

pool_action next_pool_action(const pool_view& v) {
  if (v.queued == 0) return pool_action::wait;
  if (v.idle > 0) return pool_action::send_on_idle;
  // A connection being opened will take a call; open another only while
  // more calls wait than connections are on their way.
  if (v.open < std::max<std::size_t>(1, v.limit) && v.connecting < v.queued) return pool_action::open_connection;
  return pool_action::wait;
}

}  // namespace mesoshttp::detail
