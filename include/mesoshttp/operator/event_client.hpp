// The master's operator event stream (`POST /api/v1` SUBSCRIBE): SUBSCRIBED
// with the whole cluster state, then TASK_ADDED, TASK_UPDATED, AGENT_ADDED,
// AGENT_REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED and HEARTBEAT, delivered to
// any number of consumers, and optionally kept in a cluster_mirror.
//
// Built on the scheduler client's transport, unchanged: the session
// (src/session/subscription: connect, TLS, redirects to the leader, 503 and
// start-up 404 retried, the heartbeat watchdog, reconnects with backoff) and
// the hub (src/hub/event_hub: fan-out, backpressure or detach). This file
// alone knows the operator API: the SUBSCRIBE call, decoding each
// mesos.v1.master.Event, what SUBSCRIBED says.
//
//   mesoshttp::operator_api::event_client events(io.get_executor(), {.masters = {"http://m1:5050"}});
//   auto reader = events.events();
//   events.start();
//   while (auto item = reader.next(std::chrono::seconds(30))) { ... }
//
// A broken stream is not the end: the client subscribes again (to the new
// leader, if it changed), and the next SUBSCRIBED carries the whole state
// again. A mirror given in the configuration is marked stale when the stream
// breaks and replaced by that next SUBSCRIBED.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "mesos/v1/master/master.pb.h"
#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/config.hpp"
#include "mesoshttp/master_detector.hpp"
#include "mesoshttp/operator/cluster_mirror.hpp"

namespace mesoshttp::operator_api {

// What a consumer receives, in order.
struct stream_item {
  enum class kind {
    connecting,    // an attempt to subscribe starts; `master` is where
    subscribed,    // SUBSCRIBED arrived from `master`; the SUBSCRIBED event follows as kind::event
    event,         // a master event, in `event`
    disconnected,  // the stream was lost; `error` and `message` say why. The client subscribes again.
    closed,        // the last item: shut down (no error) or gave up (`error`, `message`)
  };
  kind type = kind::event;
  // Counts subscription attempts; events of an old stream are never
  // delivered after a newer one started.
  std::uint64_t generation = 0;
  // Decoded once, shared by all consumers.
  std::shared_ptr<const mesos::v1::master::Event> event;
  std::string master;  // the master concerned (not set on kind::event)
  std::error_code error;
  std::string message;
};

struct event_client_config {
  // The masters of one cluster: "http://host:5050", "https://host", "host:port".
  // A non-leader answers 307 and the client follows it. No default.
  std::vector<std::string> masters;
  // When set, the leader comes from this detector (ZooKeeper:
  // mesoshttp::zk::make_master_detector) and `masters` is not used; every
  // leader change it reports is followed, as by the scheduler client.
  std::shared_ptr<master_detector> detector;
  // protobuf is smaller and faster to decode; json is readable on the wire.
  encoding wire = encoding::protobuf;
  // Each connection attempt (and its TLS handshake).
  std::chrono::milliseconds connect_timeout{5'000};
  // From the request to SUBSCRIBED. Longer than the scheduler's: SUBSCRIBED
  // carries the whole cluster state, which a large master takes a while to
  // build and send.
  std::chrono::milliseconds subscribe_timeout{60'000};
  // Silent heartbeat intervals (15 s on a real master) after which the stream
  // counts as lost.
  unsigned heartbeat_tolerance = 5;
  // The largest event accepted. SUBSCRIBED holds every agent, framework and
  // task: 100,000 tasks are about 230 MB in protobuf and three times that in
  // JSON, so the limit is far above the scheduler's 64 MiB; it still stops a
  // hostile length prefix from taking all memory.
  std::size_t max_record_size = std::size_t{1} << 30;
  // Redirects followed per attempt (a non-leader names the leader in one hop).
  unsigned max_redirects = 8;
  // Waits between attempts, and when to give up (never, by default: an
  // operator's view should outlive any leader change).
  reconnect_config reconnect;
  // Items buffered per consumer before `overflow` applies.
  std::size_t event_queue_size = 1024;
  overflow_policy overflow = overflow_policy::backpressure;
  std::string user_agent = "mesoshttp-operator";
  // TLS for https:// masters, as for the scheduler client.
  tls_config tls;
  // HTTP Basic credentials, or a provider of the Authorization value (asked
  // again once after a 401). A provider wins when both are set.
  std::optional<credentials> basic_credentials;
  authorization_provider authorization;
  // If set, every event is applied to it before any consumer sees the event
  // (so a consumer that asks the mirror sees the event's effect), it is
  // marked stale when the stream breaks, and each SUBSCRIBED replaces it.
  std::shared_ptr<cluster_mirror> mirror;
  mesoshttp::logger logger;
  log_level min_log_level = log_level::info;
};

namespace detail {
class event_client_impl;
using item_consumer = hub::consumer<stream_item>;
}  // namespace detail

// A pulling consumer; detaches when destroyed.
class event_reader {
 public:
  event_reader() = default;
  event_reader(event_reader&&) noexcept = default;
  event_reader& operator=(event_reader&& other) noexcept;
  ~event_reader();

  // Completes with the next item, or with an error once the stream is over
  // (after the `closed` item: error::shut_down or what ended the client;
  // error::consumer_overflow if it fell behind with overflow_policy::detach).
  // One wait at a time.
  template <class CompletionToken>
  auto async_next(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(std::error_code, stream_item)>(
        [this](auto handler) { initiate_next(std::move(handler)); }, token);
  }
  // Blocks up to `timeout`; nothing, and error::wait_timeout, when it passed
  // (the stream goes on).
  std::optional<stream_item> next(std::chrono::milliseconds timeout, std::error_code* ec = nullptr);

  void detach();
  bool attached() const noexcept { return static_cast<bool>(consumer_); }

 private:
  friend class event_client;
  explicit event_reader(std::shared_ptr<detail::item_consumer> consumer) : consumer_(std::move(consumer)) {}
  void initiate_next(boost::asio::any_completion_handler<void(std::error_code, stream_item)> handler);
  std::shared_ptr<detail::item_consumer> consumer_;
};

// A callback consumer; detaches when destroyed. Once a detach from another
// thread returns, the callback is not running and never runs again.
class [[nodiscard]] event_callback {
 public:
  event_callback() = default;
  event_callback(event_callback&&) noexcept = default;
  event_callback& operator=(event_callback&& other) noexcept;
  ~event_callback();
  void detach();
  bool attached() const noexcept { return static_cast<bool>(consumer_); }

 private:
  friend class event_client;
  explicit event_callback(std::shared_ptr<detail::item_consumer> consumer) : consumer_(std::move(consumer)) {}
  std::shared_ptr<detail::item_consumer> consumer_;
};

class event_client {
 public:
  // Runs on `executor` (serialised on a strand of it); the caller runs it.
  event_client(boost::asio::any_io_executor executor, event_client_config config);
  // Shuts down if still running.
  ~event_client();
  event_client(const event_client&) = delete;
  event_client& operator=(const event_client&) = delete;

  // Starts subscribing, and keeps subscribed until shut down. Idempotent.
  void start();
  // Attach before start() to see everything from the first item on.
  event_reader events(std::size_t queue_size = 0);
  // The callback runs on the client's executor, in order; a slow one slows
  // the stream (backpressure). Throws std::invalid_argument if empty.
  event_callback on_event(std::function<void(const stream_item&)> callback, std::size_t queue_size = 0);
  // Ends the stream: consumers get `closed` and then error::shut_down.
  void shutdown();

  connection_state state() const noexcept;
  // The master of the current or last stream (a URL), empty before the first.
  std::string master() const;
  // A configuration error (no master, a URL that is not one, a zk:// URL,
  // unusable TLS settings); start() then closes with it at once.
  const std::string& config_error() const;

 private:
  std::shared_ptr<detail::event_client_impl> impl_;
};

}  // namespace mesoshttp::operator_api
