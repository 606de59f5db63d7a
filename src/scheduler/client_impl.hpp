// The scheduler client's internals (the public face is scheduler_client in
// include/mesoshttp/client.hpp, src/client.cpp). Threading: every piece of
// client state lives on one strand (client_impl::strand_); public methods
// post to it. The hub (hub/event_hub.hpp) is the one exception: consumers
// read it from any thread.
//
// Data flow:
//   session/subscription (attempts, redirects, watchdog, reconnects) ->
//     stream/event_stream_reader (HTTP chunks, RecordIO) -> on_record() here:
//     Event decode (once) -> publish() -> hub/event_hub: one ring, read by
//     every consumer at its own cursor, in order
//   send() -> calls/call_pool: queue (waits for SUBSCRIBED) -> a keep-alive
//     connection to the leader -> call_result to the caller's handler
//
// What is the scheduler API's alone stays here (its messages' own rules in
// scheduler/scheduler_messages): the SUBSCRIBE call and the
// framework id, SUBSCRIBED and ERROR, which calls are idempotent, the
// Response of a 200, TEARDOWN; and what consumers are told as the stream
// comes and goes. Connections open through transport/connector (TLS:
// transport/tls_client; Authorization: transport/authorizer).
#pragma once

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"
#include "calls/call_pool.hpp"
#include "hub/event_hub.hpp"
#include "scheduler/client_metrics.hpp"
#include "scheduler/framework_identity.hpp"
#include "scheduler/scheduler_messages.hpp"
#include "session/subscription.hpp"
#include "stream/arena_message.hpp"

namespace mesoshttp::detail {

namespace asio = boost::asio;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

// ------------------------------------------------------------------ client

class client_impl : public std::enable_shared_from_this<client_impl> {
 public:
  client_impl(asio::any_io_executor executor, client_config config)
      : strand_(asio::make_strand(executor)),
        config_(std::move(config)),
        log_{.write = config_.logger, .min_level = config_.min_log_level},
        tls_(config_.tls),
        auth_(config_.authorization, config_.credentials),
        masters_(parse_masters()),
        identity_(config_.framework_id_store, config_.framework.has_id()
                                                  ? std::optional<mesos::v1::FrameworkID>(config_.framework.id())
                                                  : std::nullopt),
        registry_(config_.metrics ? config_.metrics : std::make_shared<metrics_registry>()),
        metrics_(config_.record_metrics ? registry_ : nullptr) {
    // Built eagerly only when a configured master needs it (loading the
    // system's CA store is not free); a redirect to https builds it later.
    const auto& masters = masters_;
    if (std::any_of(masters.begin(), masters.end(), [](const master_endpoint& m) { return m.tls(); })) {
      if (const auto& why = tls_.build(); !why.empty() && config_error_.empty()) {
        config_error_code_ = make_error_code(error::invalid_configuration);
        config_error_ = why;
      }
    }
  }

  client_impl(const client_impl&) = delete;
  client_impl& operator=(const client_impl&) = delete;
  // Events still held by consumers are freed by them from now on: the
  // executor may go with this client.
  ~client_impl() { recycler_->close(); }

  // After construction: the hub's and the pool's callbacks hold a weak
  // pointer to this.
  void wire_up() {
    hub_ = std::make_shared<hub::event_hub<client_event>>(hub_options());
    pool_ = std::make_shared<call_pool>(strand_, pool_settings(), pool_hooks(), tls_, auth_, log_);
    session_ = std::make_shared<subscription>(strand_, session_settings(), session_hooks(),
                                              leader_fsm(std::move(masters_), config_.max_redirects), config_.reconnect,
                                              tls_, auth_, log_);
    metrics_.watch_queue_depth([weak = std::weak_ptr(hub_)]() -> std::size_t {
      auto hub = weak.lock();
      return hub ? hub->max_unread() : 0;
    });
  }

  const std::shared_ptr<metrics_registry>& registry() const noexcept { return registry_; }

  asio::any_io_executor executor() const { return strand_; }

  // For a client on its own thread: that thread's io_context is destroyed when
  // its run() returns, and a consumer's handle on another thread may still
  // reach this client (and post to its strand) after the scheduler_client is
  // gone. Holding outstanding work keeps run() going, and so the io_context
  // alive, for exactly as long as this object exists.
  void keep_running(asio::any_io_executor executor) {
    keeps_own_thread_running_ = asio::prefer(std::move(executor), asio::execution::outstanding_work.tracked);
  }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (self->started_ || self->closed_) return;
      self->started_ = true;
      if (!self->config_error_.empty()) {
        self->close(self->config_error_code_, self->config_error_);
        return;
      }
      std::string why;
      if (auto ec = self->identity_.load(why)) return self->close(ec, why);
      if (self->identity_.from_store()) {
        self->set_public_info();
        self->log(log_level::info, [&] { return "failing over to framework " + self->identity_.id()->value(); });
      }
      if (self->config_.detector) {
        std::weak_ptr<client_impl> weak = self;
        self->config_.detector->start(self->strand_,
                                      [weak](std::error_code ec, std::optional<std::string> url, std::string reason) {
                                        if (auto me = weak.lock())
                                          me->on_detected(ec, std::move(url), std::move(reason));
                                      });
      }
      self->session_->start();
    });
  }

  void shutdown(std::error_code reason, std::string message) {
    asio::post(strand_, [self = shared_from_this(), reason, message = std::move(message)]() mutable {
      self->close(reason, std::move(message));
    });
  }

  void teardown() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->closed_) return;
      if (!self->identity_.id()) {
        self->log(log_level::info, "teardown: no framework id yet; shutting down");
        self->close({}, "torn down");
        return;
      }
      Call call;
      call.set_type(Call::TEARDOWN);
      self->submit(std::move(call), asio::bind_executor(self->strand_, [self](call_result result) {
                     if (!result) self->log(log_level::warning, [&] { return "TEARDOWN failed: " + result.message; });
                     self->close({}, "torn down");
                   }));
    });
  }

  void submit(Call call, asio::any_completion_handler<void(call_result)> handler, bool fire_and_forget = false) {
    const auto type = call.type();
    // Sent as it is at the time it goes out, with the framework id known then.
    auto encoder = [weak = weak_from_this(), call = std::move(call)](encoding wire, std::string& body,
                                                                     std::string& why) mutable {
      if (auto self = weak.lock(); self && self->identity_.id()) *call.mutable_framework_id() = *self->identity_.id();
      return encode(call, wire, body, &why);
    };
    auto pc = std::make_shared<pending_call>(Call::Type_Name(type), type, is_idempotent(type), std::move(encoder),
                                             std::move(handler));
    pc->fire_and_forget = fire_and_forget;
    pc->submitted = std::chrono::steady_clock::now();
    if (type == Call::UNKNOWN) pc->invalid = "call has no type";
    if (type == Call::SUBSCRIBE) pc->invalid = "SUBSCRIBE is sent by the client itself";
    pool_->submit(std::move(pc));
  }

  std::shared_ptr<consumer> attach(std::size_t queue_size, std::function<void(const client_event&)> callback) {
    return hub_->attach(queue_size, std::move(callback));
  }

  connection_state state() const noexcept { return state_.load(); }

  std::optional<mesos::v1::FrameworkID> framework_id() const {
    std::lock_guard lock(info_mutex_);
    return framework_id_public_;
  }

  std::string master() const {
    std::lock_guard lock(info_mutex_);
    return master_public_;
  }

 private:
  // ---------------------------------------------------------------- helpers
  std::vector<master_endpoint> parse_masters() {
    std::vector<master_endpoint> out;
    if (config_.detector) return out;  // the detector names the leader
    for (const auto& url : config_.masters) {
      if (url.rfind("zk://", 0) == 0) {
        config_error_code_ = make_error_code(error::invalid_configuration);
        config_error_ =
            "zk:// master URLs are resolved by mesoshttp::zk: link mesoshttp::zk and call "
            "mesoshttp::zk::use_zookeeper(config) before constructing the client";
        continue;
      }
      master_endpoint ep;
      std::string why;
      if (parse_master_url(url, ep, &why)) {
        config_error_code_ = make_error_code(error::invalid_master_url);
        config_error_ = why;
        continue;
      }
      out.push_back(std::move(ep));
    }
    if (out.empty() && config_error_.empty()) {
      config_error_code_ = make_error_code(error::invalid_configuration);
      config_error_ = "no master configured";
    }
    return out;
  }

  // log(level, text), or log(level, [&] { return text; }) for a line built
  // only when it will be printed.
  template <class Text>
  void log(log_level level, Text&& text) const {
    log_(level, std::forward<Text>(text));
  }

  void set_state(connection_state s) { state_.store(s); }

  void set_public_info() {
    std::lock_guard lock(info_mutex_);
    framework_id_public_ = identity_.id();
    master_public_ = session_->leader().url();
  }

  std::error_code end_error() const { return closed_reason_ ? closed_reason_ : make_error_code(error::shut_down); }

  // ---------------------------------------------------------------- fan-out
  // Events wait in the hub until what one socket read carried is parsed: a
  // blocked consumer is woken once for all of them. Anything else wakes it now.
  // By reference: every move of a client_event is three strings again.
  void publish(client_event&& item) {
    const bool wake = item.type != client_event::kind::event;
    hub_->publish(std::move(item), wake);
  }

  // Backpressure: a pull consumer has a full queue's worth unread.
  bool any_consumer_full() const { return hub_->full(); }

  hub::event_hub<client_event>::options hub_options() {
    hub::event_hub<client_event>::options o;
    o.default_capacity = config_.event_queue_size;
    o.overflow = config_.overflow;
    o.log = [weak = weak_from_this()](log_level level, const std::string& line) {
      if (auto self = weak.lock()) self->log(level, line);
    };
    // From a consumer's thread: the client may be gone, and the reader runs
    // on the strand.
    o.on_room = [weak = weak_from_this()] {
      if (auto self = weak.lock()) asio::post(self->strand_, [self] { self->session_->resume(); });
    };
    o.on_overflow = [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->metrics_.overflow();
    };
    o.copy = &copy_for_reader;
    return o;
  }

  // A consumer's copy of an item another consumer also reads. An event item
  // has no strings: a fresh item and its four other fields cost less than
  // copying three empty strings (a fifth of a 16-consumer flood).
  // One named result: built where the caller wants it, not moved there
  // (a move is three strings again).
  static client_event copy_for_reader(const client_event& from) {
    client_event to;
    to.type = from.type;
    to.generation = from.generation;
    to.event = from.event;
    to.error = from.error;
    if (!from.master.empty()) to.master = from.master;
    if (!from.framework_id.empty()) to.framework_id = from.framework_id;
    if (!from.message.empty()) to.message = from.message;
    return to;
  }

  client_event make_item(client_event::kind kind) const {
    client_event item;
    item.type = kind;
    item.generation = session_->generation();
    item.master = session_->leader().url();
    return item;
  }

  // ---------------------------------------------------------------- subscription
  subscription::settings session_settings() const {
    return {.wire = config_.wire_encoding,
            .user_agent = config_.user_agent,
            .connect_timeout = config_.connect_timeout,
            .subscribe_timeout = config_.subscribe_timeout,
            .max_record_size = config_.max_record_size,
            .heartbeat_tolerance = config_.heartbeat_tolerance,
            .detector = static_cast<bool>(config_.detector)};
  }

  // What only the scheduler API knows about its stream: the SUBSCRIBE call,
  // the Event records, SUBSCRIBED and ERROR; and what the client's consumers
  // and calls are told as the stream comes and goes.
  subscription::hooks session_hooks() {
    subscription::hooks h;
    const auto weak = weak_from_this();
    h.request_body = [weak](encoding wire, std::string& body, std::string& why) -> std::error_code {
      auto self = weak.lock();
      if (!self) return make_error_code(error::shut_down);
      return encode(subscribe_call(self->config_, self->identity_.id()), wire, body, &why);
    };
    h.on_record = [weak](std::string_view record, encoding wire, std::string& why) -> std::error_code {
      auto self = weak.lock();
      if (!self) return make_error_code(error::shut_down);
      return self->on_record(record, wire, why);
    };
    h.on_attempt = [weak] {
      auto self = weak.lock();
      if (!self) return;
      self->metrics_.attempt();
      self->pool_->fail_in_flight(make_error_code(error::connection_lost),
                                  "the subscription was lost while the call was in flight");
      self->set_state(connection_state::connecting);
      self->set_public_info();
      self->publish(self->make_item(client_event::kind::connecting));
    };
    // Calls already on the wire keep their connections: their answers are
    // the master's and still arrive. They are failed (or retried) only when
    // the next attempt starts, so no answer of an old connection is
    // delivered after a new one started.
    h.on_down = [weak](std::error_code why, const std::string& text, bool announce) {
      auto self = weak.lock();
      if (!self) return;
      self->pool_->on_unsubscribed();
      self->metrics_.down(why, announce);
      if (self->final_end_.first) return self->close(self->final_end_.first, self->final_end_.second);
      self->set_state(connection_state::disconnected);
      if (!announce) return;
      auto item = self->make_item(client_event::kind::disconnected);
      item.error = why;
      item.message = text;
      self->publish(std::move(item));
    };
    h.on_give_up = [weak](std::error_code why, const std::string& text) {
      if (auto self = weak.lock()) self->close(why, text);
    };
    h.consumers_full = [weak] {
      auto self = weak.lock();
      if (!self) return false;
      const bool full = self->hub_->full();
      self->metrics_.consumers_full(full);
      return full;
    };
    h.flush = [weak](bool wake) {
      auto self = weak.lock();
      if (!self) return;
      self->hub_->flush(wake);
      if (wake) self->metrics_.data();  // once per socket read: bytes arrived
    };
    return h;
  }

  // Each record of the stream, in order, from inside the reader: decodes and
  // publishes. An error stops the stream with `why`.
  std::error_code on_record(std::string_view record, encoding wire, std::string& why) {
    auto event = make_arena_event(record.size(), recycler_);
    std::string detail;
    if (auto err = decode(record, wire, *event, &detail)) {
      why = "undecodable event from " + session_->leader().url() + ": " + detail;
      return err;
    }
    metrics_.event(event->type());
    if (event->type() == Event::SUBSCRIBED) {
      if (auto ec = on_subscribed_event(*event, why)) return end_for_good(ec, why);
    }
    client_event item;  // no `master`: a string copy per consumer per event is not free
    item.type = client_event::kind::event;
    item.event = event;
    item.generation = session_->generation();
    publish(std::move(item));
    if (event->type() == Event::ERROR) {
      why = "master " + session_->leader().url() + " sent ERROR: " + event->error().message();
      switch (classify_error_event(event->error().message())) {
        case error_event_meaning::resubscribe: return error::framework_error;
        case error_event_meaning::failed_over: return end_for_good(error::framework_failed_over, why);
        case error_event_meaning::removed:
          if (std::string failed; identity_.removed(failed)) log(log_level::error, failed);
          return end_for_good(error::framework_removed, why);
      }
    }
    return {};
  }

  // Ends the stream and, when the session reports it down, the client.
  std::error_code end_for_good(std::error_code ec, const std::string& why) {
    final_end_ = {ec, why};
    return ec;
  }

  std::error_code on_subscribed_event(const Event& event, std::string& why) {
    const auto& s = event.subscribed();
    if (auto ec = identity_.subscribed(s.framework_id(), why)) return ec;
    // A confused master's NaN, zero or negative interval means the default;
    // an absurd one (inf) is capped at a day, so the conversion cannot overflow.
    const double given = s.heartbeat_interval_seconds();
    const double interval = s.has_heartbeat_interval_seconds() && given > 0 ? std::min(given, 86400.0) : 15.0;
    session_->subscribed(std::chrono::milliseconds(static_cast<std::int64_t>(interval * 1000.0)));
    metrics_.subscribed(interval);
    set_state(connection_state::subscribed);
    set_public_info();
    log(log_level::info,
        [&] { return "subscribed at " + session_->leader().url() + " as framework " + s.framework_id().value(); });
    auto item = make_item(client_event::kind::subscribed);
    item.framework_id = s.framework_id().value();
    publish(std::move(item));
    pool_->on_subscribed(session_->leader(), session_->stream_id(), session_->generation());
    return {};
  }

  // ---------------------------------------------------------------- calls
  call_pool::settings pool_settings() const {
    return {.wire = config_.wire_encoding,
            .user_agent = config_.user_agent,
            .connect_timeout = config_.connect_timeout,
            .call_timeout = config_.call_timeout,
            .queue_limit = config_.call_queue_size,
            .connections = config_.call_connections,
            .idempotent_retries = config_.idempotent_retries};
  }

  // What only the scheduler API knows about its calls: the Response of a 200,
  // TEARDOWN ending the framework, what a lost subscription means here.
  call_pool::hooks pool_hooks() {
    call_pool::hooks h;
    h.decode_response = [](call_result& result, encoding wire) -> std::string {
      auto response = std::make_shared<mesos::v1::scheduler::Response>();
      std::string why;
      if (decode(result.body, wire, *response, &why)) return why;
      result.response = std::move(response);
      return {};
    };
    h.on_sent = [weak = weak_from_this()](const pending_call& call) {
      if (auto self = weak.lock(); self && call.type == Call::TEARDOWN) self->session_->expect_end(true);
    };
    h.on_completed = [weak = weak_from_this()](const pending_call& call, const call_result& result) {
      auto self = weak.lock();
      if (!self) return;
      self->metrics_.call_completed(call.name, call.type, result, call.submitted, call.sent);
      if (call.type == Call::TEARDOWN && call.sent) self->after_teardown(result);
    };
    h.on_subscription_gone = [weak = weak_from_this()](unsigned status) {
      if (auto self = weak.lock()) {
        self->session_->lost(make_error_code(error::not_subscribed),
                             "a call was answered " + std::to_string(status) + ": the subscription is no longer valid");
      }
    };
    return h;
  }

  // ---------------------------------------------------------------- detector
  void on_detected(std::error_code ec, std::optional<std::string> url, const std::string& reason) {
    if (closed_) return;
    if (ec) return close(ec, "master detector: " + reason);
    session_->detector_report(url, reason, scheduler_target, config_.max_redirects);
    if (!url && state_.load() != connection_state::subscribed) {
      // Otherwise a client waiting for a leader (ZooKeeper unreachable,
      // no master registered) would be silent about why.
      auto item = make_item(client_event::kind::disconnected);
      item.error = make_error_code(error::no_leader);
      item.message = "no leading master known: " + reason;
      publish(std::move(item));
    }
  }

  void after_teardown(const call_result& result) {
    session_->expect_end(false);
    if (result.ok()) {
      // The framework is gone: a next run must not fail over to it.
      if (std::string why; identity_.removed(why)) log(log_level::error, why);
      asio::post(strand_, [self = shared_from_this()] { self->close({}, "framework torn down"); });
    } else if (!closed_) {
      // If the stream ended while the TEARDOWN was in flight, and it failed,
      // the framework is still there: subscribe again.
      session_->resubscribe_if_down();
    }
  }

  // ---------------------------------------------------------------- closing
  void close(std::error_code reason, std::string message) {
    if (closed_) return;
    if (config_.detector) config_.detector->stop();
    if (reason) {
      log(log_level::error, [&] { return "closing: " + message; });
    } else {
      log(log_level::info, [&] { return "shut down" + (message.empty() ? "" : ": " + message); });
    }
    closed_ = true;
    closed_reason_ = reason;
    set_state(connection_state::closed);
    recycler_->close();  // events let go of from now on are freed where that happens
    session_->close();
    pool_->close(reason, message);

    client_event item = make_item(client_event::kind::closed);
    item.error = reason;
    item.message = message;
    hub_->close(item, end_error());
  }

  // ---------------------------------------------------------------- state
  // First, so that it is released last: every socket and timer below is gone
  // before the io_context that serves them may stop (see keep_running()).
  asio::any_io_executor keeps_own_thread_running_;
  asio::strand<asio::any_io_executor> strand_;
  // Decoded events come back here to be freed on this client's thread.
  std::shared_ptr<arena_recycler> recycler_ = std::make_shared<arena_recycler>(strand_);
  client_config config_;
  log_sink log_;
  tls_client tls_;
  authorizer auth_;
  std::string config_error_;  // set: start() closes the client with it
  std::error_code config_error_code_;
  std::vector<master_endpoint> masters_;  // until wire_up() hands them to the session

  bool started_ = false;
  bool closed_ = false;
  std::error_code closed_reason_;
  std::atomic<connection_state> state_{connection_state::idle};
  framework_identity identity_;
  // An end the client does not come back from (the framework was removed or
  // taken over, its id could not be stored): closes it once the stream is down.
  std::pair<std::error_code, std::string> final_end_;

  // Made by wire_up(): they call back into this object, which cannot hand
  // out weak pointers to itself from its constructor.
  std::shared_ptr<hub::event_hub<client_event>> hub_;
  std::shared_ptr<call_pool> pool_;
  std::shared_ptr<subscription> session_;

  mutable std::mutex info_mutex_;
  std::optional<mesos::v1::FrameworkID> framework_id_public_;
  std::string master_public_;

  std::shared_ptr<metrics_registry> registry_;  // the configured one, or the client's own
  client_metrics metrics_;                      // records into registry_ (or nothing: record_metrics off)
};

}  // namespace mesoshttp::detail
