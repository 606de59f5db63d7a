// The scheduler client: one subscription (events in, fanned out to any number
// of consumers) and calls out from any number of producers, with leader
// tracking, heartbeat watchdog, resubscription and a kill switch.
//
//   mesoshttp::client_config cfg;
//   cfg.masters = {"http://127.0.0.1:5050"};
//   cfg.framework.set_user("me");
//   cfg.framework.set_name("example");
//   mesoshttp::scheduler_client client(cfg);   // runs on its own thread
//   auto events = client.events();             // attach before start: see everything
//   client.start();
//   while (auto item = events.next(std::chrono::seconds(30))) { ... }
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include "mesoshttp/config.hpp"
#include "mesoshttp/error.hpp"
#include "mesoshttp/metrics.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp {

namespace detail {
class client_impl;
}  // namespace detail
namespace hub {
template <class Item>
class consumer;
}  // namespace hub

enum class connection_state {
  idle,          // constructed, start() not called yet
  connecting,    // looking for the leader and subscribing
  subscribed,    // SUBSCRIBED received; calls flow
  disconnected,  // lost; waiting out the backoff before resubscribing
  closed,        // shut down, aborted, or gave up; final
};
std::string_view to_string(connection_state state) noexcept;

// What a consumer receives: master events and, in order with them, changes of
// the connection, so a framework knows e.g. that offers it holds are void.
// (A field added here is also copied in client_impl::copy_for_reader.)
struct client_event {
  enum class kind {
    connecting,    // an attempt to subscribe starts; `master` is where
    subscribed,    // SUBSCRIBED arrived; `framework_id`, `master` set; the SUBSCRIBED event follows as kind::event
    event,         // a master event, in `event`
    disconnected,  // the subscription was lost; `error` and `message` say why. The client resubscribes.
    closed,        // the last item: the client shut down (no error), was aborted or gave up (error)
  };
  kind type = kind::event;
  // Counts subscription attempts. Everything a consumer receives carries the
  // generation of the connection it came from; events of an old connection
  // are never delivered after a newer one started.
  std::uint64_t generation = 0;
  // Decoded once and shared by all consumers.
  std::shared_ptr<const mesos::v1::scheduler::Event> event;
  // The master concerned, as a URL; empty on kind::event (master events come
  // from the master of the latest `subscribed` item).
  std::string master;
  std::string framework_id;
  std::error_code error;
  std::string message;
};

namespace detail {
// A consumer of the client's hub (src/hub/event_hub.hpp).
using consumer = hub::consumer<client_event>;
struct pending_acknowledgement;  // src/consumer_handles.cpp
}  // namespace detail

// The outcome of one call. Exactly one per send.
struct call_result {
  std::error_code error;  // empty when the master answered 2xx
  unsigned status = 0;    // the HTTP status, when an answer came
  std::string body;       // the answer's body (the master's error text, or a Response)
  std::string message;    // for errors: which master, what it said or what failed
  // For calls the API answers with 200 and a body (RECONCILE_OPERATIONS).
  std::shared_ptr<const mesos::v1::scheduler::Response> response;
  unsigned attempts = 0;  // how many times it was sent (retries of idempotent calls)

  bool ok() const noexcept { return !error; }
  explicit operator bool() const noexcept { return ok(); }
};

// Whether the client acknowledges status updates for a consumer. Give it to
// one consumer only (the one that acts on updates): each one asked would
// acknowledge every update again.
enum class auto_acknowledge {
  off,  // the framework sends ACKNOWLEDGE itself (calls::acknowledge, acknowledgement_for)
  // Every UPDATE / UPDATE_OPERATION_STATUS that carries a uuid is
  // acknowledged once the consumer has handled it: a callback consumer's when
  // its callback returns (not if it throws); a pulling consumer's when it
  // asks for the next item or calls acknowledge(). A framework that dies
  // before that has not acknowledged, and the master sends the update again.
  after_handling,
};

// A pulling consumer: its own bounded queue of client_events. Detaches when
// destroyed. Movable, not copyable; one reader at a time.
class event_stream {
 public:
  event_stream() = default;
  event_stream(event_stream&&) noexcept = default;
  event_stream& operator=(event_stream&&) noexcept;
  ~event_stream();

  // Completes with the next item, or with an error once the stream is over
  // (after the `closed` item: error::shut_down, error::aborted or the error
  // that ended the client; error::consumer_overflow if it was detached for
  // falling behind, error::detached if its handle detached it). One wait at a
  // time: a second one while one is pending completes at once with
  // error::concurrent_wait; on a stream with no consumer, error::not_attached.
  // Token: a callback void(std::error_code, client_event), asio::use_awaitable,
  // asio::use_future, ... The handler runs on its associated executor; a plain
  // callback with none runs on a system thread (bind_executor to choose).
  template <class CompletionToken>
  auto async_next(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(std::error_code, client_event)>(
        [this](auto handler) { initiate_next(std::move(handler)); }, token);
  }

  // Blocks the calling thread up to `timeout` (never call it on the client's
  // own executor). nullopt on timeout (`ec`, if given: error::wait_timeout;
  // the stream goes on) or once the stream is over (`ec`: as async_next).
  std::optional<client_event> next(std::chrono::milliseconds timeout, std::error_code* ec = nullptr);

  void detach();
  bool attached() const noexcept { return static_cast<bool>(consumer_); }
  // Items waiting in the queue.
  std::size_t queued() const;

  // With auto_acknowledge::after_handling: acknowledges the update taken
  // last now, rather than when the next item is asked for (the last one
  // before a detach or the end is acknowledged only this way). Without: nothing.
  void acknowledge();

 private:
  friend class scheduler_client;
  // `acknowledge` sends an acknowledgement; empty: auto_acknowledge::off.
  event_stream(std::shared_ptr<detail::consumer> consumer, std::function<void(mesos::v1::scheduler::Call)> acknowledge);
  void initiate_next(boost::asio::any_completion_handler<void(std::error_code, client_event)> handler);
  std::shared_ptr<detail::consumer> consumer_;
  // With auto_acknowledge::after_handling: the acknowledgement the item
  // taken last asks for, until it is handled; shared with a pending wait.
  std::shared_ptr<detail::pending_acknowledgement> ack_;
};

// A callback consumer; detaches when destroyed (or on detach()). Once a
// detach from another thread returns, the callback is not running and never
// runs again: a callback in progress is waited for, so whatever it captured
// may be destroyed next. (Do not hold a lock the callback takes while
// detaching.) A detach from inside the callback itself does not wait.
class [[nodiscard]] event_subscription {
 public:
  event_subscription() = default;
  event_subscription(event_subscription&&) noexcept = default;
  event_subscription& operator=(event_subscription&&) noexcept;
  ~event_subscription();
  void detach();
  bool attached() const noexcept { return static_cast<bool>(consumer_); }

 private:
  friend class scheduler_client;
  explicit event_subscription(std::shared_ptr<detail::consumer> consumer) : consumer_(std::move(consumer)) {}
  std::shared_ptr<detail::consumer> consumer_;
};

class scheduler_client {
 public:
  // Runs on a thread of its own, started here and joined by the destructor.
  explicit scheduler_client(client_config config);
  // Runs on `executor` (serialised on a strand of it); the caller runs it.
  scheduler_client(boost::asio::any_io_executor executor, client_config config);
  // Aborts if still running. Safe while busy, and from inside a callback.
  ~scheduler_client();
  scheduler_client(const scheduler_client&) = delete;
  scheduler_client& operator=(const scheduler_client&) = delete;

  // Starts subscribing (and keeps subscribed until shut down). Idempotent.
  void start();

  // Attaches a pulling consumer with a queue of `queue_size` (0: the
  // configured event_queue_size). It sees every item from now on, in order.
  event_stream events(std::size_t queue_size = 0, auto_acknowledge ack = auto_acknowledge::off);
  // Attaches a callback consumer. The callback runs on the client's executor,
  // in order, one at a time; a slow callback slows the stream (backpressure);
  // one that throws is detached (and the others go on). Throws
  // std::invalid_argument for an empty callback (a programming error, found
  // at once rather than as a consumer that never sees anything).
  event_subscription on_event(std::function<void(const client_event&)> callback,
                              auto_acknowledge ack = auto_acknowledge::off);

  // Sends a call. The client sets framework_id, waits for the subscription if
  // need be (up to call_timeout), adds Mesos-Stream-Id and POSTs to the
  // leader. Completes exactly once with the answer or an error. Safe from any
  // thread. SUBSCRIBE cannot be sent this way (the client owns it).
  // The handler runs on its associated executor (the client's unless bound to
  // another), possibly after shutdown() has returned, as the client winds
  // down: what it captures must live until it has run.
  template <class CompletionToken>
  auto async_send(mesos::v1::scheduler::Call call, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(call_result)>(
        [this](auto handler, mesos::v1::scheduler::Call c) { initiate_send(std::move(c), std::move(handler)); }, token,
        std::move(call));
  }
  // Fire-and-forget form; failures are logged.
  void send(mesos::v1::scheduler::Call call);

  // Closes the subscription, completes pending calls with error::shut_down,
  // and ends every consumer with a `closed` item. Safe from anywhere. Returns
  // without waiting: a callback consumer gets `closed` on the client's
  // executor later, so detach it only once it has (or it never will).
  void shutdown();
  // As shutdown, but pending calls and consumers end with `reason`.
  void abort(std::error_code reason = error::aborted);
  // Sends TEARDOWN (the framework and its tasks are removed), then shuts down.
  void teardown();

  connection_state state() const noexcept;
  // The framework id, once assigned (or as configured for failover).
  std::optional<mesos::v1::FrameworkID> framework_id() const;
  // The master we are subscribed to (or trying), as a URL.
  std::string master() const;
  boost::asio::any_io_executor get_executor() const noexcept;
  // The registry the client records into (client_config::metrics, or its
  // own): take snapshots of it, serve it (metrics_server), and add the
  // framework's own metrics to it. Never null.
  std::shared_ptr<metrics_registry> metrics() const;

 private:
  void initiate_send(mesos::v1::scheduler::Call call, boost::asio::any_completion_handler<void(call_result)> handler);
  struct own_thread;
  std::unique_ptr<own_thread> thread_;  // only when running on its own thread
  std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace mesoshttp
