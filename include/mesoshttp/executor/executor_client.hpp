// The executor API client: one subscription to the agent's /api/v1/executor
// (events in, fanned out to any number of consumers) and UPDATE and MESSAGE
// calls out, with the executor's rules for losing the agent (reconnect within
// the recovery timeout with checkpointing, end without it) and for SHUTDOWN.
//
//   auto env = mesoshttp::executor::executor_config_from_environment();
//   if (!env) { std::cerr << env.message << "\n"; return 1; }
//   boost::asio::io_context io;
//   mesoshttp::executor::executor_client client(io.get_executor(), *env.config);
//   auto events = client.events();  // attach before start(): see everything
//   client.start();
//   std::thread loop([&] { io.run(); });
//   while (auto item = events.next(std::chrono::hours(1))) { ... }
//
// Pieces: session/subscription (the stream, reconnects decided by
// executor_session_fsm), hub/event_hub (consumers), calls/call_pool (calls);
// update_tracker keeps what a resubscription must carry.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include "mesoshttp/client.hpp"  // call_result, connection_state
#include "mesoshttp/codec.hpp"
#include "mesoshttp/config.hpp"
#include "mesoshttp/error.hpp"
#include "mesoshttp/executor/calls.hpp"
#include "mesoshttp/executor/environment.hpp"

namespace mesoshttp::executor {

namespace detail {
class executor_client_impl;
}  // namespace detail

// What a consumer receives: the agent's events and, in order with them, the
// connection's changes and the end.
struct executor_event {
  enum class kind {
    connecting,    // an attempt to subscribe starts
    subscribed,    // SUBSCRIBED arrived (the event follows as kind::event)
    event,         // an agent event, in `event`
    disconnected,  // the stream was lost; `error`, `message` say why. With checkpointing the client resubscribes.
    // The executor must end: kill `tasks_to_kill` (and report them) before
    // `deadline` (now + the shutdown grace period), then shutdown(). After
    // SHUTDOWN `error` is empty; otherwise it says why (agent_lost,
    // agent_recovery_timed_out, agent_error_event, subscribe_rejected).
    // The client closes by itself at `deadline`. Calls still go out until
    // then while the agent's stream stands (after SHUTDOWN it does).
    shutdown,
    closed,  // the last item: `error` and `message` say why (empty error: shut down)
  };
  kind type = kind::event;
  std::uint64_t generation = 0;  // the subscription attempt this came from
  std::shared_ptr<const Event> event;
  std::vector<std::string> tasks_to_kill;          // shutdown
  std::chrono::steady_clock::time_point deadline;  // shutdown
  std::error_code error;
  std::string message;
};

namespace detail {
// A consumer of the client's hub (src/hub/event_hub.hpp).
using executor_consumer = mesoshttp::hub::consumer<executor_event>;
}  // namespace detail

struct executor_client_options {
  encoding wire_encoding = encoding::protobuf;
  std::string user_agent = "mesoshttp-executor";
  std::chrono::milliseconds connect_timeout{5'000};
  // Before SUBSCRIBED: no answer (or no SUBSCRIBED) for this long is a failed
  // attempt. After it there is no watchdog: an agent sends its executors no
  // HEARTBEAT (executor-answers.md).
  std::chrono::milliseconds subscribe_timeout{10'000};
  std::chrono::milliseconds call_timeout{30'000};
  std::size_t call_connections = 2;
  std::size_t event_queue_size = 1024;
  overflow_policy overflow = overflow_policy::backpressure;
  std::size_t max_record_size = 16 * 1024 * 1024;
  mesoshttp::logger logger;
  log_level min_log_level = log_level::info;
  // Seed of the backoff's jitter (0: random).
  std::uint64_t seed = 0;
};

// A pulling consumer with its own bounded queue. Detaches when destroyed.
class executor_event_stream {
 public:
  executor_event_stream() = default;
  executor_event_stream(executor_event_stream&&) noexcept = default;
  executor_event_stream& operator=(executor_event_stream&&) noexcept;
  ~executor_event_stream();

  // As event_stream::async_next (client.hpp): the next item, or an error once
  // the stream is over (after `closed`).
  template <class CompletionToken>
  auto async_next(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(std::error_code, executor_event)>(
        [this](auto handler) { initiate_next(std::move(handler)); }, token);
  }
  // Blocks up to `timeout`; nullopt on timeout (error::wait_timeout) or at the end.
  std::optional<executor_event> next(std::chrono::milliseconds timeout, std::error_code* ec = nullptr);
  void detach();
  bool attached() const noexcept { return static_cast<bool>(consumer_); }

 private:
  friend class executor_client;
  explicit executor_event_stream(std::shared_ptr<detail::executor_consumer> consumer)
      : consumer_(std::move(consumer)) {}
  void initiate_next(boost::asio::any_completion_handler<void(std::error_code, executor_event)> handler);
  std::shared_ptr<detail::executor_consumer> consumer_;
};

// A callback consumer (runs on the client's executor, in order); detaches
// when destroyed, waiting for a callback in progress on another thread.
class [[nodiscard]] executor_event_subscription {
 public:
  executor_event_subscription() = default;
  executor_event_subscription(executor_event_subscription&&) noexcept = default;
  executor_event_subscription& operator=(executor_event_subscription&&) noexcept;
  ~executor_event_subscription();
  void detach();
  bool attached() const noexcept { return static_cast<bool>(consumer_); }

 private:
  friend class executor_client;
  explicit executor_event_subscription(std::shared_ptr<detail::executor_consumer> consumer)
      : consumer_(std::move(consumer)) {}
  std::shared_ptr<detail::executor_consumer> consumer_;
};

class executor_client {
 public:
  // Runs on `executor` (serialised on a strand of it); the caller runs it.
  executor_client(boost::asio::any_io_executor executor, executor_config config, executor_client_options options = {});
  // Aborts if still running.
  ~executor_client();
  executor_client(const executor_client&) = delete;
  executor_client& operator=(const executor_client&) = delete;

  // Subscribes (POST <agent>/api/v1/executor). Idempotent.
  void start();

  executor_event_stream events(std::size_t queue_size = 0);
  // Throws std::invalid_argument for an empty callback.
  executor_event_subscription on_event(std::function<void(const executor_event&)> callback);

  // UPDATE with `status`: a fresh uuid is put in it (returned here), its
  // source set to SOURCE_EXECUTOR when unset, and the executor id when
  // unset; it is kept until the agent's ACKNOWLEDGED and carried by every
  // resubscription until then. A status the agent would refuse (no task id,
  // TASK_STAGING, another source) completes with error::invalid_argument
  // without being sent or kept. Completes with the agent's answer (202).
  template <class CompletionToken>
  auto async_update(mesos::v1::TaskStatus status, CompletionToken&& token) {
    std::string uuid;
    return boost::asio::async_initiate<CompletionToken, void(call_result)>(
        [this](auto handler, mesos::v1::TaskStatus s) { initiate_update(std::move(s), std::move(handler)); }, token,
        prepare(std::move(status), uuid));
  }
  // Fire and forget (failures are logged); returns the update's uuid (16 bytes).
  std::string update(mesos::v1::TaskStatus status);

  // MESSAGE to the scheduler: `data` as it is.
  template <class CompletionToken>
  auto async_message(std::string data, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(call_result)>(
        [this](auto handler, std::string d) { initiate_message(std::move(d), std::move(handler)); }, token,
        std::move(data));
  }
  void message(std::string data);

  // Closes: pending calls complete with error::shut_down, consumers get `closed`.
  void shutdown();
  void abort(std::error_code reason = error::aborted);

  connection_state state() const noexcept;
  // Updates sent and not yet acknowledged by the agent (as last seen on the strand).
  std::size_t unacknowledged_updates() const noexcept;
  const executor_config& config() const noexcept { return config_; }
  boost::asio::any_io_executor get_executor() const noexcept;

 private:
  mesos::v1::TaskStatus prepare(mesos::v1::TaskStatus status, std::string& uuid) const;
  void initiate_update(mesos::v1::TaskStatus status, boost::asio::any_completion_handler<void(call_result)> handler);
  void initiate_message(std::string data, boost::asio::any_completion_handler<void(call_result)> handler);
  executor_config config_;
  std::shared_ptr<detail::executor_client_impl> impl_;
};

}  // namespace mesoshttp::executor
