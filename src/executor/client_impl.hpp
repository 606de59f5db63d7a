// The executor client's internals (the public face is executor_client in
// include/mesoshttp/executor/executor_client.hpp, src/executor/executor_client.cpp).
// Every piece of state lives on one strand; public methods post to it. The
// hub is the exception: consumers read it from any thread.
//
//   session/subscription (POST <agent>/api/v1/executor, no stream id, no
//     watchdog after SUBSCRIBED; what follows a loss is decided here, by
//     executor_session_fsm, through the subscription's after_loss hook) ->
//     on_record(): Event decode -> update_tracker (LAUNCH, LAUNCH_GROUP,
//     ACKNOWLEDGED) -> hub/event_hub -> consumers
//   update()/message() -> calls/call_pool (waits for SUBSCRIBED; the ids are
//     in the body, the executor API has no Mesos-Stream-Id) -> the agent
//
// The call pool fits the executor API as it is: the executor's identity
// (framework and executor id) is in every call's body, written by the
// builders, and the pool sends no Mesos-Stream-Id when it has none.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <random>

#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/executor/executor_client.hpp"
#include "mesoshttp/executor/update_tracker.hpp"
#include "calls/call_pool.hpp"
#include "executor/session_fsm.hpp"
#include "hub/event_hub.hpp"
#include "session/subscription.hpp"

namespace mesoshttp::executor::detail {

namespace asio = boost::asio;
using mesoshttp::detail::authorizer;
using mesoshttp::detail::call_pool;
using mesoshttp::detail::leader_fsm;
using mesoshttp::detail::log_sink;
using mesoshttp::detail::master_endpoint;
using mesoshttp::detail::pending_call;
using mesoshttp::detail::subscription;
using mesoshttp::detail::tls_client;

// The agent's executor endpoint from MESOS_AGENT_ENDPOINT ("host:port"; a
// URL with a scheme is taken as it is). Empty `why` on success.
inline master_endpoint agent_endpoint_of(const executor_config& config, std::string& why) {
  master_endpoint ep;
  if (config.agent_endpoint.empty()) {
    why = "no agent endpoint (MESOS_AGENT_ENDPOINT) configured";
    return ep;
  }
  const std::string url = config.agent_endpoint.find("://") == std::string::npos ? "http://" + config.agent_endpoint
                                                                                 : config.agent_endpoint;
  if (mesoshttp::detail::parse_master_url(url, ep, &why)) {
    why = "agent endpoint '" + config.agent_endpoint + "': " + why;
    return ep;
  }
  ep.target = "/api/v1/executor";
  return ep;
}

class executor_client_impl : public std::enable_shared_from_this<executor_client_impl> {
 public:
  executor_client_impl(asio::any_io_executor executor, executor_config config, executor_client_options options)
      : strand_(asio::make_strand(executor)),
        config_(std::move(config)),
        options_(std::move(options)),
        log_{.write = options_.logger, .min_level = options_.min_log_level},
        tls_(tls_config{}),
        auth_(bearer(config_.authentication_token), std::nullopt),
        ids_(ids_of(config_)),
        fsm_(config_, options_.seed ? options_.seed : std::random_device{}()),
        grace_timer_(strand_) {
    endpoint_ = agent_endpoint_of(config_, config_error_);
    if (config_error_.empty() && (ids_.framework_id.empty() || ids_.executor_id.empty()))
      config_error_ = "the framework id and the executor id are both required (MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID)";
  }

  // After construction: the hooks hold weak pointers to this.
  void wire_up() {
    hub_ = std::make_shared<hub::event_hub<executor_event>>(hub_options());
    pool_ = std::make_shared<call_pool>(strand_, pool_settings(), pool_hooks(), tls_, auth_, log_);
    session_ = std::make_shared<subscription>(strand_, session_settings(), session_hooks(), leader_fsm({endpoint_}, 0),
                                              reconnect_, tls_, auth_, log_);
  }

  asio::any_io_executor executor() const { return strand_; }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (self->started_ || self->closed_) return;
      self->started_ = true;
      if (!self->config_error_.empty())
        return self->close(make_error_code(error::invalid_argument), self->config_error_);
      const auto first = self->fsm_.on_start(clock::now());
      self->log(log_level::info, first.reason);
      self->session_->start();
    });
  }

  void close_from_outside(std::error_code reason, std::string message) {
    asio::post(strand_, [self = shared_from_this(), reason, message = std::move(message)]() mutable {
      self->close(reason, std::move(message));
    });
  }

  std::shared_ptr<executor_consumer> attach(std::size_t queue_size, std::function<void(const executor_event&)> cb) {
    return hub_->attach(queue_size, std::move(cb));
  }

  // On the strand: keep the update, then send it.
  void submit_update(Call call, asio::any_completion_handler<void(call_result)> handler, bool fire_and_forget) {
    asio::dispatch(strand_, [self = shared_from_this(), call = std::move(call), handler = std::move(handler),
                             fire_and_forget]() mutable {
      if (self->closed_) return self->submit(std::move(call), std::move(handler), fire_and_forget);
      self->tracker_.on_update_sent(call.update());
      self->unacknowledged_.store(self->tracker_.unacknowledged_updates().size());
      update_key key{call.update().status().task_id(), call.update().status().uuid()};
      self->submit(std::move(call), std::move(handler), fire_and_forget, std::move(key));
    });
  }

  // An UPDATE's task id and uuid.
  using update_key = std::pair<mesos::v1::TaskID, std::string>;

  // `key`: an UPDATE kept by the tracker (on the strand only), watched until
  // it completes. MESSAGE: from any thread.
  void submit(Call call, asio::any_completion_handler<void(call_result)> handler, bool fire_and_forget,
              std::optional<update_key> key = std::nullopt) {
    const auto type = call.type();
    auto encoder = [call = std::move(call)](encoding wire, std::string& body, std::string& why) {
      return encode(call, wire, body, &why);
    };
    // An UPDATE sent twice carries the same uuid: the agent takes it once.
    // A MESSAGE sent twice would be delivered twice.
    auto pc = std::make_shared<pending_call>(Call::Type_Name(type), type, type == Call::UPDATE, std::move(encoder),
                                             std::move(handler));
    pc->fire_and_forget = fire_and_forget;
    pc->submitted = clock::now();
    // Before the pool sees it: on the strand, the pool admits (or refuses) it at once.
    if (key) updates_in_flight_[pc.get()] = std::move(*key);
    pool_->submit(std::move(pc));
  }

  // A log line from outside the strand.
  void warn(std::string text) {
    asio::post(strand_, [self = shared_from_this(), text = std::move(text)] { self->log(log_level::warning, text); });
  }

  connection_state state() const noexcept { return state_.load(); }
  std::size_t unacknowledged() const noexcept { return unacknowledged_.load(); }
  const executor_ids& ids() const noexcept { return ids_; }

 private:
  using clock = std::chrono::steady_clock;

  static authorization_provider bearer(const std::string& token) {
    if (token.empty()) return {};
    return [value = "Bearer " + token](bool) -> std::optional<std::string> { return value; };
  }

  template <class Text>
  void log(log_level level, Text&& text) const {
    log_(level, std::forward<Text>(text));
  }

  executor_event make_item(executor_event::kind kind) const {
    executor_event item;
    item.type = kind;
    item.generation = session_->generation();
    return item;
  }

  void publish(executor_event&& item) {
    const bool wake = item.type != executor_event::kind::event;
    hub_->publish(std::move(item), wake);
  }

  hub::event_hub<executor_event>::options hub_options() {
    hub::event_hub<executor_event>::options o;
    o.default_capacity = options_.event_queue_size;
    o.overflow = options_.overflow;
    o.log = [weak = weak_from_this()](log_level level, const std::string& line) {
      if (auto self = weak.lock()) self->log(level, line);
    };
    o.on_room = [weak = weak_from_this()] {
      if (auto self = weak.lock()) asio::post(self->strand_, [self] { self->session_->resume(); });
    };
    return o;
  }

  // ---------------------------------------------------------------- subscription
  subscription::settings session_settings() const {
    return {.wire = options_.wire_encoding,
            .user_agent = options_.user_agent,
            .connect_timeout = options_.connect_timeout,
            .subscribe_timeout = options_.subscribe_timeout,
            .max_record_size = options_.max_record_size,
            .heartbeat_tolerance = 1,
            .detector = false,
            .stream_id_required = false};
  }

  subscription::hooks session_hooks() {
    subscription::hooks h;
    const auto weak = weak_from_this();
    // Every attempt carries what the agent has not acknowledged: nothing on
    // the first, the unacknowledged tasks and updates on a resubscription.
    h.request_body = [weak](encoding wire, std::string& body, std::string& why) -> std::error_code {
      auto self = weak.lock();
      if (!self) return make_error_code(error::shut_down);
      return encode(self->tracker_.resubscribe_call(self->ids_), wire, body, &why);
    };
    h.on_record = [weak](std::string_view record, encoding wire, std::string& why) -> std::error_code {
      auto self = weak.lock();
      if (!self) return make_error_code(error::shut_down);
      return self->on_record(record, wire, why);
    };
    h.on_attempt = [weak] {
      auto self = weak.lock();
      if (!self) return;
      self->pool_->fail_in_flight(make_error_code(error::connection_lost),
                                  "the subscription was lost while the call was in flight");
      self->state_.store(connection_state::connecting);
      self->publish(self->make_item(executor_event::kind::connecting));
    };
    h.on_down = [weak](std::error_code why, const std::string& text, bool announce) {
      auto self = weak.lock();
      if (!self) return;
      self->pool_->on_unsubscribed();
      self->state_.store(connection_state::disconnected);
      if (!announce) return;
      auto item = self->make_item(executor_event::kind::disconnected);
      item.error = why;
      item.message = text;
      self->publish(std::move(item));
    };
    h.on_give_up = [weak](std::error_code why, const std::string& text) {
      if (auto self = weak.lock()) self->close(why, text);
    };
    h.consumers_full = [weak] {
      auto self = weak.lock();
      return self && self->hub_->full();
    };
    h.flush = [weak](bool wake) {
      if (auto self = weak.lock()) self->hub_->flush(wake);
    };
    h.after_loss = [weak](std::error_code, const std::string& text,
                          unsigned refusal_status) -> std::optional<std::chrono::milliseconds> {
      auto self = weak.lock();
      if (!self) return std::nullopt;
      const auto now = clock::now();
      return self->follow(refusal_status ? self->fsm_.on_subscribe_rejected(now, static_cast<int>(refusal_status), text)
                                         : self->fsm_.on_disconnected(now, text));
    };
    return h;
  }

  std::error_code on_record(std::string_view record, encoding wire, std::string& why) {
    auto event = std::make_shared<Event>();
    std::string detail;
    if (auto err = decode(record, wire, *event, &detail)) {
      why = "undecodable event from the agent at " + endpoint_.url() + ": " + detail;
      return err;
    }
    const auto now = clock::now();
    switch (event->type()) {
      case Event::SUBSCRIBED: {
        fsm_.on_subscribed(now);
        // No watchdog: an agent sends its executors no HEARTBEAT.
        session_->subscribed(std::chrono::hours(24));
        state_.store(connection_state::subscribed);
        log(log_level::info, [&] { return "subscribed to the agent at " + endpoint_.url(); });
        publish(make_item(executor_event::kind::subscribed));
        pool_->on_subscribed(endpoint_, {}, session_->generation());
        break;
      }
      case Event::LAUNCH:
        if (!tracker_.on_launch(event->launch().task())) warn_incomplete("LAUNCH", 0, 1);
        break;
      case Event::LAUNCH_GROUP: {
        const auto received = static_cast<std::size_t>(event->launch_group().task_group().tasks_size());
        const auto kept = tracker_.on_launch_group(event->launch_group().task_group());
        if (received == 0 || kept < received) warn_incomplete("LAUNCH_GROUP", kept, received);
        break;
      }
      case Event::ACKNOWLEDGED:
        if (tracker_.on_acknowledged(event->acknowledged()) == update_tracker::ack_result::unknown) {
          log(log_level::warning, [&] {
            return "ACKNOWLEDGED for an update not waiting for it (task " + event->acknowledged().task_id().value() +
                   ")";
          });
        }
        unacknowledged_.store(tracker_.unacknowledged_updates().size());
        break;
      default: break;
    }
    executor_event item;
    item.type = executor_event::kind::event;
    item.event = event;
    item.generation = session_->generation();
    publish(std::move(item));
    if (event->type() == Event::SHUTDOWN) follow(fsm_.on_shutdown_event(now));
    if (event->type() == Event::ERROR) follow(fsm_.on_error_event(now, event->error().message()));
    return {};
  }

  // A real agent never sends a launch without its task; one that does is
  // broken or hostile. The event still reaches the consumers (it is what was
  // received), but its task is not kept for a resubscription, which could not
  // carry it.
  void warn_incomplete(const char* type, std::size_t kept, std::size_t received) {
    log(log_level::warning, [&] {
      const std::string from = std::string(type) + " from the agent at " + endpoint_.url();
      if (received == 0) return from + " with no task";
      return from + " with " + std::to_string(received - kept) + " of " + std::to_string(received) +
             " task(s) lacking required fields; those are not kept for a resubscription";
    });
  }

  // Does what the executor's session decided; the wait before subscribing
  // again, or nullopt for none.
  std::optional<std::chrono::milliseconds> follow(const executor_session_fsm::action& next) {
    using kind = executor_session_fsm::action::kind;
    switch (next.what) {
      case kind::none: return std::nullopt;
      case kind::subscribe:
        log(log_level::warning, next.reason);
        return std::chrono::ceil<std::chrono::milliseconds>(next.wait);
      case kind::shut_down: begin_shutdown(next); return std::nullopt;
    }
    return std::nullopt;
  }

  // The end is decided: consumers are told which tasks to kill by when; the
  // client closes at that deadline (or earlier, at shutdown()).
  void begin_shutdown(const executor_session_fsm::action& end) {
    if (closed_) return;
    log(end.error ? log_level::error : log_level::info, end.reason);
    auto item = make_item(executor_event::kind::shutdown);
    for (auto& id : tracker_.live_task_ids()) {
      if (end.kill_tasks && !tracker_.terminal_update_sent(id)) item.tasks_to_kill.push_back(std::move(id));
    }
    item.deadline = end.deadline;
    item.error = end.error;
    item.message = end.reason;
    publish(std::move(item));
    grace_timer_.expires_at(end.deadline);
    grace_timer_.async_wait(
        [self = shared_from_this(), error = end.error, reason = end.reason](boost::system::error_code ec) {
          if (!ec) self->close(error, reason);
        });
  }

  // ---------------------------------------------------------------- calls
  call_pool::settings pool_settings() const {
    return {.wire = options_.wire_encoding,
            .user_agent = options_.user_agent,
            .connect_timeout = options_.connect_timeout,
            .call_timeout = options_.call_timeout,
            .queue_limit = 65'536,
            .connections = options_.call_connections,
            .idempotent_retries = 3};
  }

  call_pool::hooks pool_hooks() {
    call_pool::hooks h;
    // The agent answers executor calls 202 without a body; a 200's body is
    // not an executor API message and is left in call_result::body.
    h.decode_response = [](call_result&, encoding) { return std::string(); };
    // An UPDATE the agent refused (400: it failed the agent's checks) will
    // never be acknowledged: a resubscription must not carry it. 401 and
    // 403 are about the client, not the update (403: not subscribed; the
    // pool sends it again after resubscribing).
    h.on_completed = [weak = weak_from_this()](const pending_call& call, const call_result& result) {
      auto self = weak.lock();
      if (!self) return;
      const auto it = self->updates_in_flight_.find(&call);
      if (it == self->updates_in_flight_.end()) return;
      const auto refused = result.status >= 400 && result.status < 500 && result.status != 401 && result.status != 403;
      if (refused && self->tracker_.on_update_refused(it->second.first, it->second.second)) {
        self->log(log_level::warning, [&] {
          return "the agent refused the UPDATE of task " + it->second.first.value() +
                 "; it is not kept: " + result.message;
        });
        self->unacknowledged_.store(self->tracker_.unacknowledged_updates().size());
      }
      self->updates_in_flight_.erase(it);
    };
    h.on_subscription_gone = [weak = weak_from_this()](unsigned status) {
      if (auto self = weak.lock()) {
        self->session_->lost(make_error_code(error::not_subscribed), "a call was answered " + std::to_string(status) +
                                                                         ": the agent no longer has us subscribed");
      }
    };
    return h;
  }

  // ---------------------------------------------------------------- closing
  void close(std::error_code reason, std::string message) {
    if (closed_) return;
    closed_ = true;
    if (reason) {
      log(log_level::error, [&] { return "closing: " + message; });
    } else {
      log(log_level::info, [&] { return "shut down" + (message.empty() ? "" : ": " + message); });
    }
    grace_timer_.cancel();
    state_.store(connection_state::closed);
    session_->close();
    pool_->close(reason, message);
    auto item = make_item(executor_event::kind::closed);
    item.error = reason;
    item.message = message;
    hub_->close(item, reason ? reason : make_error_code(error::shut_down));
  }

  asio::strand<asio::any_io_executor> strand_;
  executor_config config_;
  executor_client_options options_;
  log_sink log_;
  tls_client tls_;
  authorizer auth_;
  executor_ids ids_;
  master_endpoint endpoint_;
  std::string config_error_;    // set: start() closes the client with it
  reconnect_config reconnect_;  // the subscription's own reconnect_fsm is not consulted (after_loss)
  executor_session_fsm fsm_;
  update_tracker tracker_;
  // UPDATEs in the pool: their task id and uuid, by the pool's call.
  std::map<const pending_call*, update_key> updates_in_flight_;
  asio::steady_timer grace_timer_;

  bool started_ = false;
  bool closed_ = false;
  std::atomic<connection_state> state_{connection_state::idle};
  std::atomic<std::size_t> unacknowledged_{0};

  std::shared_ptr<hub::event_hub<executor_event>> hub_;
  std::shared_ptr<call_pool> pool_;
  std::shared_ptr<subscription> session_;
};

}  // namespace mesoshttp::executor::detail
