// The scheduler client. Threading: every piece of client state lives on one
// strand (client_impl::strand_); public methods post to it. The hub
// (hub/event_hub.hpp) is the one exception: consumers read it from any thread.
//
// Data flow:
//   subscription socket -> stream/event_stream_reader (HTTP chunks, RecordIO)
//     -> on_record(): Event decode (once) -> publish() -> hub/event_hub: one
//        ring, read by every consumer at its own cursor, in order
//   send() -> calls/call_pool: queue (waits for SUBSCRIBED) -> a keep-alive
//     connection to the leader -> call_result to the caller's handler
//
// What is the scheduler API's alone stays here: the SUBSCRIBE body and the
// framework id, SUBSCRIBED and ERROR, which calls are idempotent, the
// Response of a 200, TEARDOWN. Connections open through transport/connector
// (TLS: transport/tls_client; Authorization: transport/authorizer).
#include "mesoshttp/client.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <google/protobuf/arena.h>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/detail/maybe_tls_stream.hpp"
#include "mesoshttp/recordio.hpp"
#include "calls/call_pool.hpp"
#include "hub/event_hub.hpp"
#include "session/reconnect_fsm.hpp"
#include "session/subscribe_answer.hpp"
#include "stream/event_stream_reader.hpp"
#include "transport/connector.hpp"
#include "transport/request.hpp"

namespace mesoshttp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// Bytes asked of the socket per read of the event stream.
constexpr std::size_t stream_read_size = 64 * 1024;
// Bytes parsed between two checks for a full consumer queue.
constexpr std::size_t parse_slice_size = 4 * 1024;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

std::string_view to_string(connection_state state) noexcept {
  switch (state) {
    case connection_state::idle: return "idle";
    case connection_state::connecting: return "connecting";
    case connection_state::subscribed: return "subscribed";
    case connection_state::disconnected: return "disconnected";
    case connection_state::closed: return "closed";
  }
  return "unknown";
}

namespace detail {

namespace {

// Calls that can be sent twice without changing the outcome. Everything else
// (ACCEPT above all: it would launch tasks twice) is never retried.
bool is_idempotent(Call::Type type) {
  switch (type) {
    case Call::DECLINE:
    case Call::DECLINE_INVERSE_OFFERS:
    case Call::REVIVE:
    case Call::SUPPRESS:
    case Call::RECONCILE:
    case Call::RECONCILE_OPERATIONS:
    case Call::ACKNOWLEDGE:
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
    case Call::KILL:
    case Call::SHUTDOWN:
    case Call::UPDATE_FRAMEWORK:
    case Call::REQUEST: return true;
    default: return false;
  }
}

}  // namespace

// ------------------------------------------------------------------ client

class client_impl : public std::enable_shared_from_this<client_impl> {
 public:
  client_impl(asio::any_io_executor executor, client_config config)
      : strand_(asio::make_strand(executor)),
        config_(std::move(config)),
        log_{.write = config_.logger, .min_level = config_.min_log_level},
        tls_(config_.tls),
        auth_(config_.authorization, config_.credentials),
        leader_(parse_masters(), config_.max_redirects),
        reconnect_(config_.reconnect, std::random_device{}()),
        resolver_(strand_),
        retry_timer_(strand_) {
    if (config_.framework.has_id()) framework_id_ = config_.framework.id();
    leader_known_ = !config_.detector;
    // Built eagerly only when a configured master needs it (loading the
    // system's CA store is not free); a redirect to https builds it later.
    const auto& masters = leader_.masters();
    if (std::any_of(masters.begin(), masters.end(), [](const master_endpoint& m) { return m.tls(); })) {
      if (const auto& why = tls_.build(); !why.empty() && config_error_.empty()) {
        config_error_code_ = make_error_code(error::invalid_configuration);
        config_error_ = why;
      }
    }
  }

  // After construction: the hub's and the pool's callbacks hold a weak
  // pointer to this.
  void wire_up() {
    hub_ = std::make_shared<hub::event_hub<client_event>>(hub_options());
    pool_ = std::make_shared<call_pool>(strand_, pool_settings(), pool_hooks(), tls_, auth_, log_);
  }

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
      self->reconnect_.on_start(std::chrono::steady_clock::now());
      if (!self->config_error_.empty()) {
        self->close(self->config_error_code_, self->config_error_);
        return;
      }
      if (self->config_.detector) {
        std::weak_ptr<client_impl> weak = self;
        self->config_.detector->start(self->strand_,
                                      [weak](std::error_code ec, std::optional<std::string> url, std::string reason) {
                                        if (auto me = weak.lock())
                                          me->on_detected(ec, std::move(url), std::move(reason));
                                      });
      }
      self->attempt();
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
      if (!self->framework_id_) {
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
      if (auto self = weak.lock(); self && self->framework_id_) *call.mutable_framework_id() = *self->framework_id_;
      return encode(call, wire, body, &why);
    };
    auto pc = std::make_shared<pending_call>(Call::Type_Name(type), type, is_idempotent(type), std::move(encoder),
                                             std::move(handler));
    pc->fire_and_forget = fire_and_forget;
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
    framework_id_public_ = framework_id_;
    master_public_ = leader_.current().url();
  }

  std::error_code end_error() const { return closed_reason_ ? closed_reason_ : make_error_code(error::shut_down); }

  // ---------------------------------------------------------------- fan-out
  // Events wait in the hub until what one socket read carried is parsed: a
  // blocked consumer is woken once for all of them. Anything else wakes it now.
  void publish(const client_event& item) { hub_->publish(item, item.type != client_event::kind::event); }

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
      if (auto self = weak.lock()) asio::post(self->strand_, [self] { self->maybe_resume(); });
    };
    return o;
  }

  client_event make_item(client_event::kind kind) const {
    client_event item;
    item.type = kind;
    item.generation = generation_;
    item.master = leader_.current().url();
    return item;
  }

  // ---------------------------------------------------------------- subscription
  // One attempt's connection: the socket, what it read, and the reader that
  // turns those bytes into records.
  struct subscription {
    subscription(const asio::strand<asio::any_io_executor>& ex, std::size_t max_record, asio::ssl::context* tls)
        : stream(beast::tcp_stream(ex), tls), reader(max_record) {}
    beast::tcp_stream& tcp() noexcept { return stream.next_layer(); }
    http::response_parser<http::string_body>& parser() noexcept { return reader.head_parser(); }
    master_stream stream;
    beast::flat_buffer buffer;
    event_stream_reader reader;
    std::string request;
    encoding wire = encoding::protobuf;
  };

  bool stale(std::uint64_t generation) const { return closed_ || generation != generation_; }

  void attempt() {
    if (closed_) return;
    if (!leader_known_) {
      // The detector knows no leader: wait for it to name one.
      set_state(connection_state::disconnected);
      return;
    }
    pool_->fail_in_flight(make_error_code(error::connection_lost),
                          "the subscription was lost while the call was in flight");
    ++generation_;
    const auto generation = generation_;
    set_state(connection_state::connecting);
    set_public_info();
    publish(make_item(client_event::kind::connecting));
    log(log_level::info, [&] { return "subscribing at " + leader_.current().url(); });
    sub_ = std::make_shared<subscription>(strand_, config_.max_record_size, tls_.context_for(leader_.current()));
    async_open({.resolver = resolver_,
                .stream = sub_->stream,
                .master = leader_.current(),
                .tls = tls_,
                .timeout = config_.connect_timeout,
                .abandoned = [self = shared_from_this(), generation] { return self->stale(generation); }},
               [self = shared_from_this(), sub = sub_, generation](open_result opened) {
                 if (opened.error) return self->attempt_failed(opened.error, opened.text, opened.unreachable);
                 self->send_subscribe(generation);
               });
  }

  void send_subscribe(std::uint64_t generation) {
    Call subscribe;
    subscribe.set_type(Call::SUBSCRIBE);
    auto* info = subscribe.mutable_subscribe()->mutable_framework_info();
    *info = config_.framework;
    // Mesos refuses a framework whose principal differs from the one it
    // authenticated; with Basic credentials there is only one right answer.
    if (config_.credentials && !config_.authorization && !info->has_principal()) {
      info->set_principal(config_.credentials->principal);
    }
    if (framework_id_) {
      *info->mutable_id() = *framework_id_;
      *subscribe.mutable_framework_id() = *framework_id_;
    }
    std::string body;
    std::string why;
    if (auto err = encode(subscribe, config_.wire_encoding, body, &why)) {
      return close(err, "cannot encode SUBSCRIBE: " + why);
    }
    sub_->request = build_post({.master = leader_.current(),
                                .wire = config_.wire_encoding,
                                .user_agent = config_.user_agent,
                                .stream_id = {},
                                .authorization = auth_.value(),
                                .body = body});
    sub_->tcp().expires_after(config_.subscribe_timeout);
    asio::async_write(sub_->stream, asio::buffer(sub_->request),
                      [self = shared_from_this(), sub = sub_, generation](beast::error_code err, std::size_t) {
                        if (self->stale(generation)) return;
                        if (err) {
                          return self->attempt_failed(
                              err, "cannot send SUBSCRIBE to " + self->leader_.current().url() + ": " + err.message());
                        }
                        http::async_read_header(self->sub_->stream, self->sub_->buffer, self->sub_->parser(),
                                                [self, sub, generation](beast::error_code e, std::size_t) {
                                                  self->on_subscribe_header(generation, e);
                                                });
                      });
  }

  void on_subscribe_header(std::uint64_t generation, beast::error_code ec) {
    if (stale(generation)) return;
    const std::string where = leader_.current().url();
    if (ec) return attempt_failed(ec, "no answer to SUBSCRIBE from " + where + ": " + ec.message());
    const auto& res = sub_->parser().get();
    const unsigned status = res.result_int();
    const auto decision = classify_subscribe_head({
        .status = status,
        .content_type = res[http::field::content_type],
        .stream_id = res["Mesos-Stream-Id"],
        .chunked = sub_->parser().chunked(),
        .content_length = sub_->parser().content_length()
                              ? std::optional<std::uint64_t>(*sub_->parser().content_length())
                              : std::nullopt,
        .can_refresh_authorization = auth_.can_refresh() && !authorization_refreshed_,
    });
    switch (decision.action) {
      case subscribe_action::follow_redirect: {
        const std::string location(res[http::field::location]);
        close_subscription();
        std::string why;
        if (auto err = leader_.on_redirect(location, &why)) return attempt_failed(err, why);
        log(log_level::info, [&] { return where + " is not the leader; redirected to " + leader_.current().url(); });
        return attempt();
      }
      case subscribe_action::refresh_authorization:
        // The token may have expired: ask the provider once more, then retry.
        authorization_refreshed_ = true;
        close_subscription();
        auth_.value(true);
        log(log_level::info,
            [&] { return where + " answered SUBSCRIBE with 401; retrying with refreshed authorization"; });
        return attempt();
      case subscribe_action::refusal_unread:
        return subscribe_rejected(status, where + " answered SUBSCRIBE with " + status_text(status, {}) +
                                              " and a body of " + std::to_string(*sub_->parser().content_length()) +
                                              " bytes (not read)");
      case subscribe_action::read_refusal:
        sub_->parser().body_limit(refusal_body_limit);
        http::async_read(
            sub_->stream, sub_->buffer, sub_->parser(),
            [self = shared_from_this(), sub = sub_, generation, status, where](beast::error_code, std::size_t) {
              if (self->stale(generation)) return;
              const std::string body = self->sub_->parser().get().body();
              self->subscribe_rejected(status, where + " answered SUBSCRIBE with " + status_text(status, body));
            });
        return;
      case subscribe_action::malformed:
        return attempt_failed(make_error_code(error::unexpected_response),
                              where + " answered SUBSCRIBE with 200 but " + decision.reason);
      case subscribe_action::stream: break;
    }
    sub_->wire = decision.wire;
    stream_id_ = std::string(res["Mesos-Stream-Id"]);
    sub_->reader.start(
        [this, generation](std::string_view record, std::string& why) { return on_record(generation, record, why); });
    read_stream(generation);
  }

  void subscribe_rejected(unsigned status, const std::string& text) {
    if (classify_subscribe_refusal(status) == refusal_outcome::retry) {
      return attempt_failed(make_error_code(error::subscribe_rejected), text);
    }
    close(make_error_code(error::subscribe_rejected), text);
  }

  // Each record of the stream, in order, from inside the reader: decodes and
  // publishes. An error stops the stream with `why`.
  std::error_code on_record(std::uint64_t generation, std::string_view record, std::string& why) {
    if (stale(generation)) return std::make_error_code(std::errc::operation_canceled);
    auto event = make_arena_event(record.size());
    std::string detail;
    if (auto err = decode(record, sub_->wire, *event, &detail)) {
      why = "undecodable event from " + leader_.current().url() + ": " + detail;
      return err;
    }
    if (event->type() == Event::SUBSCRIBED) on_subscribed_event(*event);
    client_event item;  // no `master`: a string copy per consumer per event is not free
    item.type = client_event::kind::event;
    item.event = event;
    item.generation = generation;
    publish(item);
    if (event->type() == Event::ERROR) {
      why = "master " + leader_.current().url() + " sent ERROR: " + event->error().message();
      return error::framework_error;
    }
    return {};
  }

  // The event and all its parts live in one arena, freed in one go when the
  // last consumer lets go: a heap-allocated OFFERS event costs a malloc and a
  // free per offer, resource and string, which profiled as a third of ingest.
  static std::shared_ptr<Event> make_arena_event(std::size_t wire_size) {
    struct arena_event {
      explicit arena_event(const google::protobuf::ArenaOptions& options) : arena(options) {}
      google::protobuf::Arena arena;
    };
    google::protobuf::ArenaOptions options;
    // Decoded messages take a few times their wire size; one block is enough
    // for most events, and small ones do not reserve much.
    options.start_block_size = std::clamp<std::size_t>(wire_size * 4, 256, 1u << 20);
    options.max_block_size = 4u << 20;
    auto holder = std::make_shared<arena_event>(options);
    Event* event = google::protobuf::Arena::CreateMessage<Event>(&holder->arena);
    return std::shared_ptr<Event>(std::move(holder), event);
  }

  void on_subscribed_event(const Event& event) {
    const auto& s = event.subscribed();
    framework_id_ = s.framework_id();
    // A confused master's NaN, zero or negative interval means the default;
    // an absurd one (inf) is capped at a day, so the conversion cannot overflow.
    const double given = s.heartbeat_interval_seconds();
    const double interval = s.has_heartbeat_interval_seconds() && given > 0 ? std::min(given, 86400.0) : 15.0;
    heartbeat_interval_ = std::chrono::milliseconds(static_cast<std::int64_t>(interval * 1000.0));
    subscribed_ = true;
    authorization_refreshed_ = false;
    reconnect_.on_subscribed(std::chrono::steady_clock::now(), heartbeat_interval_);
    leader_.on_subscribed();
    set_state(connection_state::subscribed);
    set_public_info();
    log(log_level::info,
        [&] { return "subscribed at " + leader_.current().url() + " as framework " + framework_id_->value(); });
    auto item = make_item(client_event::kind::subscribed);
    item.framework_id = framework_id_->value();
    publish(std::move(item));
    pool_->on_subscribed(leader_.current(), stream_id_, generation_);
  }

  std::chrono::milliseconds watchdog_timeout() const {
    if (!subscribed_) return config_.subscribe_timeout;
    return heartbeat_interval_ * std::max(1u, config_.heartbeat_tolerance);
  }

  // Parses what is buffered: the reader frames, on_record decodes and
  // publishes. Returns false once the stream is over (lost() was called).
  bool parse_buffered(std::uint64_t generation) {
    auto& sub = *sub_;
    event_stream_reader::state state;
    do {
      state = sub.reader.parse(sub.buffer, parse_slice_size, [&] {
        // Into the ring, so that a consumer that fills up stops the parsing
        // within a slice's worth of events; waiting consumers are woken once
        // for the whole read, below.
        hub_->flush(false);
        return stale(generation) || any_consumer_full();
      });
      hub_->flush();
      if (stale(generation)) return false;
      // Paused for a full consumer that has made room since (it was woken
      // just above): parse on, or the rest would wait in the buffer for
      // bytes that may not come before the next heartbeat.
    } while (state == event_stream_reader::state::paused && !any_consumer_full());
    if (state != event_stream_reader::state::ended) return true;
    lost(sub.reader.error(), stream_end_text(sub.reader));
    return false;
  }

  std::string stream_end_text(const event_stream_reader& reader) const {
    const std::string url = leader_.current().url();
    switch (reader.what()) {
      case event_stream_reader::cause::framing: return "broken event stream from " + url + ": " + reader.reason();
      case event_stream_reader::cause::record: return reader.reason();
      case event_stream_reader::cause::http: return "malformed HTTP from " + url + ": " + reader.reason();
      case event_stream_reader::cause::none:
      case event_stream_reader::cause::end: break;
    }
    return "event stream from " + url + " ended: " + reader.reason();
  }

  // One socket read per turn, however many events it carries: the watchdog
  // is re-armed and backpressure checked once per read, not per event.
  void read_stream(std::uint64_t generation) {
    if (stale(generation)) return;
    if (!parse_buffered(generation)) return;
    if (any_consumer_full()) {
      // Backpressure: stop reading (and watching the heartbeat, since the
      // silence is ours) until the slow consumer makes room.
      paused_ = true;
      sub_->tcp().expires_never();
      return;
    }
    paused_ = false;
    // "No bytes for tolerance x interval" is exactly a read that times out.
    sub_->tcp().expires_after(watchdog_timeout());
    sub_->stream.async_read_some(sub_->buffer.prepare(stream_read_size),
                                 [self = shared_from_this(), sub = sub_, generation](
                                     beast::error_code ec, std::size_t n) { self->on_stream_read(generation, ec, n); });
  }

  void maybe_resume() {
    if (closed_ || !paused_ || !sub_) return;
    if (any_consumer_full()) return;
    read_stream(generation_);
  }

  void on_stream_read(std::uint64_t generation, beast::error_code ec, std::size_t n) {
    if (stale(generation)) return;
    auto& sub = *sub_;
    sub.buffer.commit(n);
    if (ec == beast::error::timeout) {
      return lost(make_error_code(error::heartbeat_timeout), "no data from " + leader_.current().url() + " for " +
                                                                 std::to_string(watchdog_timeout().count()) + " ms");
    }
    if (ec) {
      // Deliver what arrived before the end, then say how it ended: inside a
      // record is a truncated stream, between records a closed connection.
      if (!parse_buffered(generation)) return;
      const bool clean_end = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      sub.reader.end_of_input(ec, clean_end);
      return lost(sub.reader.error(), stream_end_text(sub.reader));
    }
    read_stream(generation);
  }

  void close_subscription() {
    if (!sub_) return;
    beast::error_code ignored;
    sub_->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    sub_->tcp().close();
  }

  // An established (or establishing) subscription broke: resubscribe with
  // the framework id, the last leader first.
  void lost(std::error_code why, const std::string& text) {
    if (closed_) return;
    if (teardown_in_flight_) {
      // The master ends the stream as it accepts TEARDOWN: expected, not a
      // loss. The TEARDOWN's answer closes the client.
      log(log_level::debug, [&] { return "event stream ended during TEARDOWN: " + text; });
      close_subscription();
      subscribed_ = false;
      pool_->on_unsubscribed();
      ++generation_;
      return;
    }
    log(log_level::warning, text);
    const bool was_subscribed = subscribed_;
    drop_connection(why, text);
    const auto now = std::chrono::steady_clock::now();
    // Broken before SUBSCRIBED, it counts against this master.
    follow(was_subscribed ? reconnect_.on_lost(now) : reconnect_.on_attempt_failed(now, leader_.on_failure(), false));
  }

  // An attempt to subscribe failed before a stream was established.
  // `unreachable`: the connection itself failed (resolve, connect).
  void attempt_failed(std::error_code why, const std::string& text, bool unreachable = false) {
    if (closed_) return;
    log(log_level::warning, text);
    drop_connection(why, text);
    // A leader named by the detector or by a 307 that cannot be reached is
    // "leader unknown" (see reconnect_fsm), not a failure of the budget's.
    const bool named_leader = unreachable && (config_.detector || leader_.hops() > 0);
    follow(reconnect_.on_attempt_failed(std::chrono::steady_clock::now(), leader_.on_failure(), named_leader));
  }

  // Calls already on the wire keep their connections: their answers are the
  // master's and still arrive. They are failed (or retried) only when the
  // next attempt starts, so no answer of an old connection is delivered
  // after a new one started.
  void drop_connection(std::error_code why, const std::string& text) {
    close_subscription();
    subscribed_ = false;
    pool_->on_unsubscribed();
    paused_ = false;
    stream_id_.clear();
    set_state(connection_state::disconnected);
    auto item = make_item(client_event::kind::disconnected);
    item.error = why;
    item.message = text;
    publish(std::move(item));
    ++generation_;  // nothing of the old stream is delivered from now on
  }

  void follow(const reconnect_fsm::action& next) {
    if (closed_) return;
    if (next.what == reconnect_fsm::action::kind::give_up) {
      return close(make_error_code(error::reconnect_attempts_exhausted), next.reason);
    }
    retry_after(next.wait);
  }

  void retry_after(std::chrono::milliseconds wait) {
    if (closed_) return;
    if (wait.count() > 0)
      log(log_level::info, [&] { return "next attempt in " + std::to_string(wait.count()) + " ms"; });
    retry_timer_.expires_after(wait);
    retry_timer_.async_wait([self = shared_from_this(), generation = generation_](beast::error_code ec) {
      if (ec || self->stale(generation)) return;
      self->attempt();
    });
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
      if (auto self = weak.lock(); self && call.type == Call::TEARDOWN) self->teardown_in_flight_ = true;
    };
    h.on_completed = [weak = weak_from_this()](const pending_call& call, const call_result& result) {
      if (auto self = weak.lock(); self && call.type == Call::TEARDOWN && call.sent) self->after_teardown(result);
    };
    h.on_subscription_gone = [weak = weak_from_this()](unsigned status) {
      if (auto self = weak.lock()) {
        self->lost(make_error_code(error::not_subscribed),
                   "a call was answered " + std::to_string(status) + ": the subscription is no longer valid");
      }
    };
    return h;
  }

  // ---------------------------------------------------------------- detector
  void on_detected(std::error_code ec, std::optional<std::string> url, const std::string& reason) {
    if (closed_) return;
    if (ec) return close(ec, "master detector: " + reason);
    if (!url) {
      // Keep a live subscription: the old leader may still serve (ZooKeeper
      // only lost its node). Without one, wait for a leader to be named.
      leader_known_ = false;
      log(log_level::warning, [&] { return "no leading master known: " + reason; });
      if (state_.load() != connection_state::subscribed) {
        // Otherwise a client waiting for a leader (ZooKeeper unreachable,
        // no master registered) would be silent about why.
        auto item = make_item(client_event::kind::disconnected);
        item.error = make_error_code(error::no_leader);
        item.message = "no leading master known: " + reason;
        publish(std::move(item));
      }
      return;
    }
    master_endpoint leader;
    std::string why;
    if (parse_master_url(*url, leader, &why)) {
      leader_known_ = false;
      log(log_level::error, [&] { return "the detector named an unusable leader: " + why; });
      return;
    }
    const bool changed = !leader_known_ || !leader_.current().same_master(leader);
    leader_ = leader_fsm({leader}, config_.max_redirects);
    leader_known_ = true;
    if (!changed) return;
    log(log_level::info, [&] { return "leading master is now " + leader.url(); });
    if (state_.load() == connection_state::subscribed || state_.load() == connection_state::connecting) {
      drop_connection(make_error_code(error::no_leader), "the leader changed to " + leader.url());
    }
    retry_timer_.cancel();
    retry_after(std::chrono::milliseconds(0));
  }

  void after_teardown(const call_result& result) {
    teardown_in_flight_ = false;
    if (result.ok()) {
      asio::post(strand_, [self = shared_from_this()] { self->close({}, "framework torn down"); });
    } else if (!closed_ && !subscribed_ && state_.load() != connection_state::connecting) {
      // The stream ended while the TEARDOWN was in flight, and it failed:
      // the framework is still there, so subscribe again.
      follow(reconnect_.on_lost(std::chrono::steady_clock::now()));
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
    retry_timer_.cancel();
    resolver_.cancel();
    close_subscription();
    subscribed_ = false;
    pool_->close(reason, message);

    client_event item = make_item(client_event::kind::closed);
    item.error = reason;
    item.message = message;
    hub_->close(item, end_error());
    sub_.reset();
  }

  // ---------------------------------------------------------------- state
  // First, so that it is released last: every socket and timer below is gone
  // before the io_context that serves them may stop (see keep_running()).
  asio::any_io_executor keeps_own_thread_running_;
  asio::strand<asio::any_io_executor> strand_;
  client_config config_;
  log_sink log_;
  tls_client tls_;
  authorizer auth_;
  std::string config_error_;  // set: start() closes the client with it
  std::error_code config_error_code_;
  leader_fsm leader_;
  reconnect_fsm reconnect_;
  tcp::resolver resolver_;
  asio::steady_timer retry_timer_;

  bool started_ = false;
  bool closed_ = false;
  std::error_code closed_reason_;
  std::atomic<connection_state> state_{connection_state::idle};

  std::uint64_t generation_ = 0;
  // Shared with the handlers of its pending operations: a subscription that
  // is replaced or closed must outlive the completions it still owes.
  std::shared_ptr<subscription> sub_;
  bool subscribed_ = false;
  bool paused_ = false;
  std::string stream_id_;
  std::optional<mesos::v1::FrameworkID> framework_id_;
  std::chrono::milliseconds heartbeat_interval_{15'000};

  bool teardown_in_flight_ = false;
  bool leader_known_ = true;              // false while a detector names no leader
  bool authorization_refreshed_ = false;  // one refresh per subscription after a 401

  // Made by wire_up(): they call back into this object, which cannot hand
  // out weak pointers to itself from its constructor.
  std::shared_ptr<hub::event_hub<client_event>> hub_;
  std::shared_ptr<call_pool> pool_;

  mutable std::mutex info_mutex_;
  std::optional<mesos::v1::FrameworkID> framework_id_public_;
  std::string master_public_;
};

}  // namespace detail

// ------------------------------------------------------------------ public API

namespace {
struct own_thread_state {
  asio::io_context io{1};
  std::thread thread;
};
}  // namespace

struct scheduler_client::own_thread {
  std::shared_ptr<own_thread_state> state;
};

scheduler_client::scheduler_client(client_config config) {
  auto own = std::make_shared<own_thread_state>();
  impl_ = std::make_shared<detail::client_impl>(own->io.get_executor(), std::move(config));
  impl_->wire_up();
  impl_->keep_running(own->io.get_executor());
  // The thread keeps its io_context alive, and runs until the client_impl is
  // gone, so the client may be destroyed from one of its own callbacks (the
  // thread then finishes by itself) while consumers on other threads still
  // hold handles to it.
  own->thread = std::thread([own] { own->io.run(); });
  thread_ = std::make_unique<own_thread>(own_thread{own});
}

scheduler_client::scheduler_client(asio::any_io_executor executor, client_config config)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(config))) {
  impl_->wire_up();
}

scheduler_client::~scheduler_client() {
  if (impl_) {
    // Released before the join: the thread runs until the client_impl is gone.
    auto impl = std::move(impl_);
    impl->shutdown(make_error_code(error::aborted), "client destroyed");
  }
  if (thread_) {
    auto own = thread_->state;
    if (own->thread.get_id() == std::this_thread::get_id()) {
      own->thread.detach();
    } else {
      own->thread.join();
    }
  }
}

void scheduler_client::start() { impl_->start(); }

event_stream scheduler_client::events(std::size_t queue_size) { return event_stream(impl_->attach(queue_size, {})); }

event_subscription scheduler_client::on_event(std::function<void(const client_event&)> callback) {
  if (!callback) throw std::invalid_argument("on_event: empty callback");
  return event_subscription(impl_->attach(0, std::move(callback)));
}

void scheduler_client::initiate_send(Call call, asio::any_completion_handler<void(call_result)> handler) {
  impl_->submit(std::move(call), std::move(handler));
}

void scheduler_client::send(Call call) {
  impl_->submit(
      std::move(call), [](call_result) {}, true);
}

void scheduler_client::shutdown() { impl_->shutdown({}, {}); }
void scheduler_client::abort(std::error_code reason) {
  impl_->shutdown(reason ? reason : make_error_code(error::aborted), "aborted: " + reason.message());
}
void scheduler_client::teardown() { impl_->teardown(); }
connection_state scheduler_client::state() const noexcept { return impl_->state(); }
std::optional<mesos::v1::FrameworkID> scheduler_client::framework_id() const { return impl_->framework_id(); }
std::string scheduler_client::master() const { return impl_->master(); }
asio::any_io_executor scheduler_client::get_executor() const noexcept { return impl_->executor(); }

event_stream& event_stream::operator=(event_stream&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}

event_stream::~event_stream() { detach(); }

namespace {
// Both consumer handles end the same way: the client drops the consumer (and
// resumes a stream it held back), or, with the client gone, it is just cut.
void release(std::shared_ptr<detail::consumer>& consumer) {
  if (!consumer) return;
  auto c = std::move(consumer);
  consumer.reset();
  c->detach(make_error_code(error::detached));
}
}  // namespace

void event_stream::detach() { release(consumer_); }

void event_stream::initiate_next(asio::any_completion_handler<void(std::error_code, client_event)> handler) {
  if (!consumer_) {
    // A detached stream has no executor of its own; the handler's associated
    // executor runs it if it has one.
    asio::post(asio::system_executor(),
               asio::append(std::move(handler), make_error_code(error::not_attached), client_event{}));
    return;
  }
  consumer_->async_pop(std::move(handler));
}

std::optional<client_event> event_stream::next(std::chrono::milliseconds timeout, std::error_code* ec) {
  if (!consumer_) {
    if (ec) *ec = make_error_code(error::not_attached);
    return std::nullopt;
  }
  return consumer_->pop_for(timeout, ec);
}

std::size_t event_stream::queued() const { return consumer_ ? consumer_->queued() : 0; }

event_subscription& event_subscription::operator=(event_subscription&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}

event_subscription::~event_subscription() { detach(); }

void event_subscription::detach() { release(consumer_); }

}  // namespace mesoshttp
