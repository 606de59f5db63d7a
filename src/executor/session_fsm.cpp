#include "executor/session_fsm.hpp"

#include <algorithm>

#include "mesoshttp/error.hpp"

namespace mesoshttp::executor::detail {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

reconnect_config backoff_settings(const executor_config& config) {
  reconnect_config out;
  const auto cap = std::max(duration_cast<milliseconds>(config.subscription_backoff_max), milliseconds(1));
  out.max_wait = cap;
  out.initial_wait =
      std::min(cap, std::max(duration_cast<milliseconds>(config.subscription_backoff_initial), milliseconds(1)));
  out.jitter = config.subscription_backoff_jitter;
  return out;
}

// "2.5 s", "900 ms": a duration for a log line.
std::string text(nanoseconds d) {
  const auto ms = duration_cast<milliseconds>(d).count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  const auto tenths = ms / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

std::string_view to_string(executor_session_fsm::state s) noexcept {
  switch (s) {
    case executor_session_fsm::state::idle: return "idle";
    case executor_session_fsm::state::subscribing: return "subscribing";
    case executor_session_fsm::state::subscribed: return "subscribed";
    case executor_session_fsm::state::ended: return "ended";
  }
  return "unknown";
}

executor_session_fsm::executor_session_fsm(const executor_config& config, std::uint64_t seed)
    : config_(config), backoff_config_(backoff_settings(config)), backoff_(backoff_config_, seed) {}

executor_session_fsm::action executor_session_fsm::on_start(clock::time_point now) {
  if (state_ != state::idle) return {};
  state_ = state::subscribing;
  without_agent_since_ = now;
  return {
      action::kind::subscribe, nanoseconds(0), false, {}, {}, "subscribing to the agent at " + config_.agent_endpoint};
}

executor_session_fsm::action executor_session_fsm::on_subscribed(clock::time_point now) {
  if (state_ == state::ended) return {};
  state_ = state::subscribed;
  backoff_.reset();
  failed_ = 0;
  without_agent_since_ = now;
  return {};
}

executor_session_fsm::action executor_session_fsm::on_disconnected(clock::time_point now, std::string_view what) {
  if (state_ == state::ended || state_ == state::idle) return {};
  if (state_ == state::subscribed) without_agent_since_ = now;  // the time without the agent starts now
  state_ = state::subscribing;
  ++failed_;
  if (!config_.checkpoint) {
    return end(now, make_error_code(error::agent_lost),
               "lost the agent (" + std::string(what) +
                   ") and the framework does not checkpoint: no agent recovery can bring it back; killing the "
                   "tasks and exiting within the shutdown grace period of " +
                   text(config_.shutdown_grace_period));
  }
  const auto without = now - without_agent_since_;
  if (without >= config_.recovery_timeout) {
    return end(now, make_error_code(error::agent_recovery_timed_out),
               "no agent for " + text(without) + " (" + std::string(what) + "), the recovery timeout of " +
                   text(config_.recovery_timeout) + " has passed after " + std::to_string(failed_) +
                   " failed attempts; killing the tasks and exiting within the shutdown grace period");
  }
  // The last wait ends at the deadline, so the last attempt is not lost to a
  // long backoff.
  const nanoseconds left = config_.recovery_timeout - duration_cast<nanoseconds>(without);
  const nanoseconds wait = std::min<nanoseconds>(backoff_.next(), left);
  return {action::kind::subscribe,
          wait,
          false,
          {},
          {},
          "lost the agent (" + std::string(what) + "); subscribing again in " + text(wait) + " (attempt " +
              std::to_string(failed_ + 1) + ", " + text(left) + " of the recovery timeout left)"};
}

executor_session_fsm::action executor_session_fsm::on_subscribe_rejected(clock::time_point now, int status,
                                                                         std::string_view body) {
  if (state_ == state::ended || state_ == state::idle) return {};
  const std::string what =
      "SUBSCRIBE answered " + std::to_string(status) + (body.empty() ? "" : " ") + std::string(body.substr(0, 200));
  // A 5xx is the agent (or a proxy) failing, not a verdict on the call.
  if (status >= 500) return on_disconnected(now, what);
  return end(now, make_error_code(error::subscribe_rejected),
             what +
                 ": the agent refuses this executor; killing the tasks and exiting within the shutdown grace "
                 "period");
}

executor_session_fsm::action executor_session_fsm::on_shutdown_event(clock::time_point now) {
  if (state_ == state::ended) return {};
  return end(now, {},
             "the agent sent SHUTDOWN: killing the tasks and exiting within the shutdown grace period of " +
                 text(config_.shutdown_grace_period));
}

executor_session_fsm::action executor_session_fsm::on_error_event(clock::time_point now, std::string_view message) {
  if (state_ == state::ended) return {};
  return end(now, make_error_code(error::agent_error_event),
             "the agent sent ERROR '" + std::string(message.substr(0, 500)) +
                 "': killing the tasks and exiting within the shutdown grace period");
}

executor_session_fsm::action executor_session_fsm::end(clock::time_point now, std::error_code error,
                                                       std::string reason) {
  state_ = state::ended;
  return {action::kind::shut_down,
          nanoseconds(0),
          true,
          now + duration_cast<clock::duration>(config_.shutdown_grace_period),
          error,
          std::move(reason)};
}

}  // namespace mesoshttp::executor::detail
