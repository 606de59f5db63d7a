// What an executor needs to reach its agent, and how to read it from the
// environment the agent gives the executor's process.
//
// A Mesos 1.11.0 agent builds that environment from scratch (executor-answers.md,
// "Launch and environment"): always MESOS_AGENT_ENDPOINT, MESOS_FRAMEWORK_ID,
// MESOS_EXECUTOR_ID, MESOS_SLAVE_ID, MESOS_DIRECTORY, MESOS_SANDBOX,
// MESOS_CHECKPOINT and MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD; with checkpointing
// also MESOS_RECOVERY_TIMEOUT and MESOS_SUBSCRIPTION_BACKOFF_MAX (absent
// without it); MESOS_EXECUTOR_AUTHENTICATION_TOKEN only when the agent
// authenticates executors. Reading is a pure function of a lookup, so every
// malformed variable is tested without touching the process environment.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace mesoshttp::executor {

struct executor_config {
  // host:port of the agent, no scheme and no path, as MESOS_AGENT_ENDPOINT
  // gives it ("127.0.0.1:5051"); the executor API is at
  // http://<it>/api/v1/executor (executor_api_url). Empty: not configured.
  std::string agent_endpoint;
  // The ids every executor call carries (both proto2 required fields).
  std::string framework_id;
  std::string executor_id;
  // The agent's id (MESOS_SLAVE_ID; a 1.11 agent sets no MESOS_AGENT_ID). Not
  // needed by any call; kept for logs. Empty when unknown.
  std::string agent_id;
  // The run's sandbox on the agent's file system; also the working directory
  // the agent starts the executor in.
  std::string directory;
  // The sandbox as the executor sees it: MESOS_DIRECTORY unless the task runs
  // in a container image, where it is the path inside the container.
  std::string sandbox;
  // The framework checkpoints: the agent can restart and recover its
  // executors, so a lost connection is worth reconnecting over. Off: a lost
  // agent ends the executor (nothing would recover it). Off by default, as
  // for a framework that does not ask for it.
  bool checkpoint = false;
  // With checkpoint: how long after losing the agent the executor keeps
  // trying to resubscribe (an agent restart) before it gives up. 15 minutes
  // is what a 1.11 agent with default flags passes.
  std::chrono::nanoseconds recovery_timeout = std::chrono::minutes(15);
  // With checkpoint: the largest wait between resubscription attempts. 2
  // seconds is what a 1.11 agent with default flags passes.
  std::chrono::nanoseconds subscription_backoff_max = std::chrono::seconds(2);
  // The first wait between resubscription attempts; it doubles up to
  // subscription_backoff_max. Not in the environment: short, since an agent
  // restart usually takes seconds.
  std::chrono::nanoseconds subscription_backoff_initial = std::chrono::milliseconds(100);
  // Fraction of each wait that is random (1.0: full jitter, 0.0: exactly the
  // ceiling, for tests). Full by default so that the executors of a
  // restarted agent do not all come back at the same instant.
  double subscription_backoff_jitter = 1.0;
  // How long the executor has, after SHUTDOWN, to kill its tasks before the
  // agent kills it. 5 seconds is what a 1.11 agent with default flags passes.
  std::chrono::nanoseconds shutdown_grace_period = std::chrono::seconds(5);
  // Bearer token for the executor API when the agent authenticates
  // executors; empty when it does not (the common case, and the captures').
  std::string authentication_token;
  // The agent started this executor as the HTTP command executor. Kept
  // because it is there; custom executors see 0.
  bool http_command_executor = false;
};

// http://<agent_endpoint>/api/v1/executor.
std::string executor_api_url(const executor_config& config);

// The result of reading the environment. C++20 has no std::expected; this is
// the smallest shape that carries both the library's usual std::error_code
// (error::invalid_executor_environment) and a message naming the variable and
// its value, without exceptions (an executor usually just prints the message
// and exits).
struct environment_result {
  std::optional<executor_config> config;  // set exactly when `error` is not
  std::error_code error;
  std::string message;  // e.g. "MESOS_CHECKPOINT is 'yes': expected 0 or 1"

  explicit operator bool() const noexcept { return config.has_value(); }
};

// A variable's value, or nullopt if it is not set.
using environment_lookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads an executor_config from `lookup`. Required: MESOS_AGENT_ENDPOINT,
// MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_DIRECTORY, MESOS_SANDBOX,
// MESOS_CHECKPOINT, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD; with
// MESOS_CHECKPOINT=1 also MESOS_RECOVERY_TIMEOUT and
// MESOS_SUBSCRIPTION_BACKOFF_MAX. Optional: MESOS_SLAVE_ID,
// MESOS_EXECUTOR_AUTHENTICATION_TOKEN, MESOS_HTTP_COMMAND_EXECUTOR. Any
// variable that is present is checked, needed or not. The first problem found
// is reported.
environment_result executor_config_from_environment(const environment_lookup& lookup);

// The same, from this process' environment (getenv).
environment_result executor_config_from_environment();

// A duration as Mesos writes it: a non-negative decimal number and a unit, no
// space: ns, us, ms, secs, mins, hrs, days, weeks ("15mins", "5secs",
// "100ms", "1days", "2.5secs"). Exact: the fraction is read in decimal, not
// through a double. nullopt for anything else, including an overflow of
// 64-bit nanoseconds.
std::optional<std::chrono::nanoseconds> parse_mesos_duration(std::string_view text);

}  // namespace mesoshttp::executor
