// The operator event stream client (include/mesoshttp/operator/event_client.hpp):
// the operator API's layer over the shared session and hub. It supplies the
// SUBSCRIBE request, decodes each mesos.v1.master.Event into its own arena,
// tells the session when SUBSCRIBED arrived (and its heartbeat interval),
// keeps the optional mirror, and publishes items to the consumers. Everything
// else (connecting, TLS, redirects, retries, the watchdog, backpressure) is
// the session's and the hub's, as for the scheduler client.
//
//   session/subscription -> hooks.on_record -> decode (arena) -> mirror ->
//   hub/event_hub publish -> event_reader / event_callback
#include "mesoshttp/operator/event_client.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>

#include "hub/event_hub.hpp"
#include "operator/operator_call.hpp"
#include "session/subscription.hpp"
#include "stream/arena_message.hpp"

namespace mesoshttp::operator_api {

namespace asio = boost::asio;
using mesos::v1::master::Call;
using mesos::v1::master::Event;
using mesoshttp::detail::master_endpoint;

namespace detail {

class event_client_impl : public std::enable_shared_from_this<event_client_impl> {
 public:
  event_client_impl(asio::any_io_executor executor, event_client_config config)
      : strand_(asio::make_strand(std::move(executor))),
        config_(std::move(config)),
        log_{.write = config_.logger, .min_level = config_.min_log_level},
        tls_(config_.tls),
        auth_(config_.authorization, config_.basic_credentials) {
    std::vector<master_endpoint> masters;
    // A detector names the leader; the URLs are not used.
    if (config_.detector) config_.masters.clear();
    for (const auto& url : config_.masters) {
      master_endpoint ep;
      std::string why;
      if (url.rfind("zk://", 0) == 0) {
        config_error_ =
            "zk:// master URLs are resolved by a detector: set event_client_config::detector to "
            "mesoshttp::zk::make_master_detector({.url = ...})";
        break;
      }
      if (mesoshttp::detail::parse_master_url(url, ep, &why)) {
        config_error_ = "master " + why;
        break;
      }
      ep.target = std::string(operator_target);
      masters.push_back(std::move(ep));
    }
    if (config_error_.empty() && masters.empty() && !config_.detector)
      config_error_ = "no master configured (event_client_config::masters or ::detector)";
    if (config_error_.empty() && std::any_of(masters.begin(), masters.end(), [](const auto& m) { return m.tls(); })) {
      config_error_ = tls_.build();
    }
    masters_ = std::move(masters);
  }

  event_client_impl(const event_client_impl&) = delete;
  event_client_impl& operator=(const event_client_impl&) = delete;
  // Events still held by consumers are freed by them from now on: the
  // executor may go with this client.
  ~event_client_impl() { recycler_->close(); }

  // Called once, right after construction (the hooks need weak_from_this()).
  void wire_up() {
    hub::event_hub<stream_item>::options o;
    o.default_capacity = config_.event_queue_size;
    o.overflow = config_.overflow;
    o.log = [weak = weak_from_this()](log_level level, const std::string& line) {
      if (auto self = weak.lock()) self->log_(level, line);
    };
    o.on_room = [weak = weak_from_this()] {
      if (auto self = weak.lock()) asio::post(self->strand_, [self] { self->session_->resume(); });
    };
    hub_ = std::make_shared<hub::event_hub<stream_item>>(std::move(o));
    session_ = std::make_shared<mesoshttp::detail::subscription>(
        strand_,
        mesoshttp::detail::subscription::settings{.wire = config_.wire,
                                                  .user_agent = config_.user_agent,
                                                  .connect_timeout = config_.connect_timeout,
                                                  .subscribe_timeout = config_.subscribe_timeout,
                                                  .max_record_size = config_.max_record_size,
                                                  .heartbeat_tolerance = config_.heartbeat_tolerance,
                                                  .detector = static_cast<bool>(config_.detector),
                                                  // The operator stream has no Mesos-Stream-Id: calls
                                                  // are not tied to it.
                                                  .stream_id_required = false},
        session_hooks(), mesoshttp::detail::leader_fsm(std::move(masters_), config_.max_redirects), config_.reconnect,
        tls_, auth_, log_);
  }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (self->started_ || self->closed_) return;
      self->started_ = true;
      if (!self->config_error_.empty()) {
        return self->close(make_error_code(error::invalid_configuration), self->config_error_);
      }
      if (self->config_.detector) {
        std::weak_ptr<event_client_impl> weak = self;
        self->config_.detector->start(self->strand_,
                                      [weak](std::error_code ec, std::optional<std::string> url, std::string reason) {
                                        if (auto me = weak.lock()) me->on_detected(ec, std::move(url), reason);
                                      });
      }
      self->session_->start();
    });
  }

  void shutdown() {
    asio::post(strand_, [self = shared_from_this()] { self->close({}, "shut down"); });
  }

  std::shared_ptr<item_consumer> attach(std::size_t queue_size, std::function<void(const stream_item&)> callback) {
    return hub_->attach(queue_size, std::move(callback));
  }

  connection_state state() const noexcept { return state_.load(); }
  std::string master() const {
    std::lock_guard lock(info_mutex_);
    return master_public_;
  }
  const std::string& config_error() const noexcept { return config_error_; }

 private:
  mesoshttp::detail::subscription::hooks session_hooks() {
    mesoshttp::detail::subscription::hooks h;
    const auto weak = weak_from_this();
    h.request_body = [](encoding wire, std::string& body, std::string& why) -> std::error_code {
      Call call;
      call.set_type(Call::SUBSCRIBE);
      return encode(call, wire, body, &why);
    };
    h.on_record = [weak](std::string_view record, encoding wire, std::string& why) -> std::error_code {
      auto self = weak.lock();
      if (!self) return make_error_code(error::shut_down);
      return self->on_record(record, wire, why);
    };
    h.on_attempt = [weak] {
      auto self = weak.lock();
      if (!self) return;
      self->state_.store(connection_state::connecting);
      self->set_master();
      self->publish(self->make_item(stream_item::kind::connecting));
    };
    h.on_down = [weak](std::error_code why, const std::string& text, bool announce) {
      auto self = weak.lock();
      if (!self) return;
      // What the mirror holds is as of the broken stream's last event; the
      // next SUBSCRIBED replaces it.
      if (self->config_.mirror) self->config_.mirror->mark_stale();
      self->state_.store(connection_state::disconnected);
      if (!announce) return;
      auto item = self->make_item(stream_item::kind::disconnected);
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
    return h;
  }

  std::error_code on_record(std::string_view record, encoding wire, std::string& why) {
    auto event = mesoshttp::detail::make_arena_message<Event>(record.size(), recycler_);
    std::string detail;
    if (auto err = decode(record, wire, *event, &detail)) {
      why = "undecodable operator event from " + session_->leader().url() + ": " + detail;
      return err;
    }
    if (event->type() == Event::SUBSCRIBED) {
      const auto& s = event->subscribed();
      const double given = s.heartbeat_interval_seconds();
      const double interval = s.has_heartbeat_interval_seconds() && given > 0 ? std::min(given, 86400.0) : 15.0;
      session_->subscribed(std::chrono::milliseconds(static_cast<std::int64_t>(interval * 1000.0)));
      state_.store(connection_state::subscribed);
      set_master();
      log_(log_level::info, [&] { return "operator stream subscribed at " + session_->leader().url(); });
      publish(make_item(stream_item::kind::subscribed));
    }
    // Before the consumers see the event, so that one asking the mirror sees
    // its effect. The mirror counts and explains what it could not apply.
    if (config_.mirror) config_.mirror->apply(*event);
    stream_item item;
    item.type = stream_item::kind::event;
    item.event = std::move(event);
    item.generation = session_->generation();
    publish(std::move(item));
    return {};
  }

  // What the detector reports: a leader (subscribe there), none (keep a live
  // stream, the old leader may still serve; otherwise wait), or an error
  // that ends the client (a detector that cannot work).
  void on_detected(std::error_code ec, std::optional<std::string> url, const std::string& reason) {
    if (closed_) return;
    if (ec) return close(ec, "master detector: " + reason);
    session_->detector_report(url, reason, operator_target, config_.max_redirects);
    if (!url && state_.load() != connection_state::subscribed) {
      auto item = make_item(stream_item::kind::disconnected);
      item.error = make_error_code(error::no_leader);
      item.message = "no leading master known: " + reason;
      publish(std::move(item));
    }
  }

  void publish(stream_item&& item) {
    const bool wake = item.type != stream_item::kind::event;
    hub_->publish(std::move(item), wake);
  }

  stream_item make_item(stream_item::kind kind) const {
    stream_item item;
    item.type = kind;
    item.generation = session_->generation();
    item.master = session_->leader().url();
    return item;
  }

  void set_master() {
    std::lock_guard lock(info_mutex_);
    master_public_ = session_->leader().url();
  }

  void close(std::error_code reason, std::string message) {
    if (closed_) return;
    closed_ = true;
    if (config_.detector) config_.detector->stop();
    if (reason) {
      log_(log_level::error, [&] { return "operator stream closing: " + message; });
    }
    state_.store(connection_state::closed);
    recycler_->close();  // events let go of from now on are freed where that happens
    session_->close();
    if (config_.mirror) config_.mirror->mark_stale();
    auto item = make_item(stream_item::kind::closed);
    item.error = reason;
    item.message = std::move(message);
    hub_->close(item, reason ? reason : make_error_code(error::shut_down));
  }

  asio::strand<asio::any_io_executor> strand_;
  // Decoded events come back here to be freed on this client's thread.
  std::shared_ptr<mesoshttp::detail::arena_recycler> recycler_ =
      std::make_shared<mesoshttp::detail::arena_recycler>(strand_);
  event_client_config config_;
  mesoshttp::detail::log_sink log_;
  mesoshttp::detail::tls_client tls_;
  mesoshttp::detail::authorizer auth_;
  std::string config_error_;
  std::vector<master_endpoint> masters_;  // until wire_up() hands them to the session

  bool started_ = false;
  bool closed_ = false;
  std::atomic<connection_state> state_{connection_state::idle};
  mutable std::mutex info_mutex_;
  std::string master_public_;

  std::shared_ptr<hub::event_hub<stream_item>> hub_;
  std::shared_ptr<mesoshttp::detail::subscription> session_;
};

}  // namespace detail

// ---------------------------------------------------------------- the client
event_client::event_client(asio::any_io_executor executor, event_client_config config)
    : impl_(std::make_shared<detail::event_client_impl>(std::move(executor), std::move(config))) {
  impl_->wire_up();
}

event_client::~event_client() { impl_->shutdown(); }

void event_client::start() { impl_->start(); }
void event_client::shutdown() { impl_->shutdown(); }
connection_state event_client::state() const noexcept { return impl_->state(); }
std::string event_client::master() const { return impl_->master(); }
const std::string& event_client::config_error() const { return impl_->config_error(); }

event_reader event_client::events(std::size_t queue_size) { return event_reader(impl_->attach(queue_size, nullptr)); }

event_callback event_client::on_event(std::function<void(const stream_item&)> callback, std::size_t queue_size) {
  if (!callback) throw std::invalid_argument("on_event: empty callback");
  return event_callback(impl_->attach(queue_size, std::move(callback)));
}

// ---------------------------------------------------------------- consumers
namespace {
void release(std::shared_ptr<detail::item_consumer>& consumer) {
  if (!consumer) return;
  auto c = std::move(consumer);
  consumer.reset();
  c->detach(make_error_code(error::detached));
}
}  // namespace

event_reader& event_reader::operator=(event_reader&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}
event_reader::~event_reader() { detach(); }
void event_reader::detach() { release(consumer_); }

void event_reader::initiate_next(asio::any_completion_handler<void(std::error_code, stream_item)> handler) {
  if (!consumer_) {
    asio::post(asio::system_executor(),
               asio::append(std::move(handler), make_error_code(error::not_attached), stream_item{}));
    return;
  }
  consumer_->async_pop(std::move(handler));
}

std::optional<stream_item> event_reader::next(std::chrono::milliseconds timeout, std::error_code* ec) {
  if (!consumer_) {
    if (ec) *ec = make_error_code(error::not_attached);
    return std::nullopt;
  }
  return consumer_->pop_for(timeout, ec);
}

event_callback& event_callback::operator=(event_callback&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}
event_callback::~event_callback() { detach(); }
void event_callback::detach() { release(consumer_); }

}  // namespace mesoshttp::operator_api
