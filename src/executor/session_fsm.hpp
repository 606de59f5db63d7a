// The decisions of an executor's connection to its agent: when to subscribe
// (again), and when and why to end. Sans-I/O: the client feeds it what
// happened and the time, and does what the returned action says; every rule
// is unit-tested with synthetic time points.
//
// The rules:
// - Losing the agent (the stream ends, an attempt cannot connect, the agent
//   answers 5xx) with checkpointing: subscribe again after a backoff that
//   doubles from subscription_backoff_initial up to subscription_backoff_max
//   (with jitter), for as long as recovery_timeout since the agent was lost
//   allows: an agent restart recovers checkpointed executors within it. The
//   last wait is cut to end at that deadline; a failure at or after it gives
//   up. Before the first SUBSCRIBED the time counts from on_start.
// - Losing the agent without checkpointing: end. An agent does take back a
//   non-checkpointed executor that resubscribes over a broken connection
//   while it keeps running (executor-answers.md, "Subscribing again"), but
//   nothing recovers it across an agent restart, and ending is what the
//   issue (and the executor library) asks for.
// - SUBSCRIBED: the backoff and the time without the agent start again.
// - SHUTDOWN: end: kill the tasks still running, exit within the shutdown
//   grace period (after it the agent kills the executor).
// - ERROR: the agent said something is wrong that a resubscription would not
//   fix; executor-answers.md never saw one. End as for SHUTDOWN, with the
//   agent's message and error::agent_error_event.
// - The agent refusing SUBSCRIBE with a 4xx (unknown framework or executor,
//   a malformed call): end with error::subscribe_rejected; asking again
//   would get the same answer.
// Every end kills the remaining tasks within the grace period: an executor
// must not leave its tasks orphaned. Once ended, every input is ignored.
// There is no heartbeat watchdog, unlike the scheduler's session: an agent
// sends its executors no HEARTBEAT (none in 65 idle seconds,
// executor-answers.md), so silence on the stream is not a loss.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "mesoshttp/config.hpp"
#include "mesoshttp/executor/environment.hpp"
#include "session/backoff.hpp"

namespace mesoshttp::executor::detail {

class executor_session_fsm {
 public:
  using clock = std::chrono::steady_clock;

  enum class state {
    idle,         // before on_start
    subscribing,  // a SUBSCRIBE is (to be) sent
    subscribed,   // SUBSCRIBED arrived; the stream is open
    ended,        // an end was decided; nothing more happens
  };

  struct action {
    enum class kind {
      none,       // nothing to do (e.g. SUBSCRIBED, or an input after the end)
      subscribe,  // send SUBSCRIBE (with update_tracker's resubscribe_call) after `wait`
      shut_down,  // kill the remaining tasks, then exit by `deadline`
    };
    kind what = kind::none;
    std::chrono::nanoseconds wait{0};  // subscribe
    bool kill_tasks = false;           // shut_down: the tasks still running must be killed
    clock::time_point deadline{};      // shut_down: now + shutdown grace period
    std::error_code error;             // shut_down: why, when it is a failure; empty for SHUTDOWN
    std::string reason;                // a log line: what happened and what follows
  };

  executor_session_fsm(const executor_config& config, std::uint64_t seed);
  // Not copyable: backoff_ refers to backoff_config_.
  executor_session_fsm(const executor_session_fsm&) = delete;
  executor_session_fsm& operator=(const executor_session_fsm&) = delete;

  // The executor starts: subscribe at once.
  action on_start(clock::time_point now);
  // SUBSCRIBED arrived.
  action on_subscribed(clock::time_point now);
  // The agent was lost: the stream ended or broke, or an attempt could not
  // connect or was answered 5xx. `what` says which, for the reason.
  action on_disconnected(clock::time_point now, std::string_view what);
  // The agent answered SUBSCRIBE with `status` (not 200) and `body`.
  action on_subscribe_rejected(clock::time_point now, int status, std::string_view body);
  // The SHUTDOWN event.
  action on_shutdown_event(clock::time_point now);
  // The ERROR event, with its message.
  action on_error_event(clock::time_point now, std::string_view message);

  state current() const noexcept { return state_; }
  // Attempts since the last SUBSCRIBED that failed.
  std::size_t failed_attempts() const noexcept { return failed_; }

 private:
  action end(clock::time_point now, std::error_code error, std::string reason);

  const executor_config config_;
  const reconnect_config backoff_config_;  // must precede backoff_, which refers to it
  mesoshttp::detail::backoff backoff_;
  state state_ = state::idle;
  std::size_t failed_ = 0;
  clock::time_point without_agent_since_{};  // start of the time without a subscription
};

std::string_view to_string(executor_session_fsm::state s) noexcept;

}  // namespace mesoshttp::executor::detail
