#include "session/subscription.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>

#include "mesoshttp/error.hpp"
#include "session/session_rules.hpp"
#include "session/subscribe_answer.hpp"
#include "stream/event_stream_reader.hpp"
#include "transport/connector.hpp"
#include "transport/request.hpp"

namespace mesoshttp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Bytes asked of the socket per read of the event stream.
constexpr std::size_t stream_read_size = 64 * 1024;
// Bytes parsed between two checks for a full consumer queue.
constexpr std::size_t parse_slice_size = 4 * 1024;

// One attempt's connection: the socket, what it read, and the reader that
// turns those bytes into records.
struct subscription::connection {
  connection(const asio::strand<asio::any_io_executor>& ex, std::size_t max_record, asio::ssl::context* tls)
      : stream(beast::tcp_stream(ex), tls), reader(max_record) {}
  beast::tcp_stream& tcp() noexcept { return stream.next_layer(); }
  http::response_parser<http::string_body>& parser() noexcept { return reader.head_parser(); }
  master_stream stream;
  beast::flat_buffer buffer;
  event_stream_reader reader;
  std::string request;
  encoding wire = encoding::protobuf;
};

subscription::subscription(asio::strand<asio::any_io_executor> strand, settings config, hooks api, leader_fsm leader,
                           const reconnect_config& reconnect, tls_client& tls, authorizer& authorization, log_sink log)
    : strand_(std::move(strand)),
      settings_(std::move(config)),
      hooks_(std::move(api)),
      leader_(std::move(leader)),
      reconnect_(reconnect, std::random_device{}()),
      tls_(tls),
      authorization_(authorization),
      log_(std::move(log)),
      resolver_(strand_),
      retry_timer_(strand_) {
  leader_known_ = !settings_.detector;
}

void subscription::start() {
  reconnect_.on_start(std::chrono::steady_clock::now());
  attempt();
}

void subscription::attempt() {
  if (closed_) return;
  if (!leader_known_) {
    // The detector knows no leader: wait for it to name one.
    hooks_.on_down({}, {}, false);
    return;
  }
  ++generation_;
  const auto generation = generation_;
  connecting_ = true;
  hooks_.on_attempt();
  log_(log_level::info, [&] { return "subscribing at " + leader_.current().url(); });
  conn_ = std::make_shared<connection>(strand_, settings_.max_record_size, tls_.context_for(leader_.current()));
  async_open({.resolver = resolver_,
              .stream = conn_->stream,
              .master = leader_.current(),
              .tls = tls_,
              .timeout = settings_.connect_timeout,
              .abandoned = [self = shared_from_this(), generation] { return self->stale(generation); }},
             [self = shared_from_this(), conn = conn_, generation](open_result opened) {
               if (opened.error) return self->attempt_failed(opened.error, opened.text, opened.unreachable);
               self->send_request(generation);
             });
}

void subscription::send_request(std::uint64_t generation) {
  std::string body;
  std::string why;
  if (auto err = hooks_.request_body(settings_.wire, body, why)) {
    return hooks_.on_give_up(err, "cannot encode the subscription request: " + why);
  }
  conn_->request = build_post({.master = leader_.current(),
                               .wire = settings_.wire,
                               .user_agent = settings_.user_agent,
                               .stream_id = {},
                               .authorization = authorization_.value(),
                               .body = body});
  conn_->tcp().expires_after(settings_.subscribe_timeout);
  asio::async_write(conn_->stream, asio::buffer(conn_->request),
                    [self = shared_from_this(), conn = conn_, generation](beast::error_code err, std::size_t) {
                      if (self->stale(generation)) return;
                      if (err) {
                        return self->attempt_failed(
                            err, "cannot send SUBSCRIBE to " + self->leader_.current().url() + ": " + err.message());
                      }
                      http::async_read_header(
                          conn->stream, conn->buffer, conn->parser(),
                          [self, conn, generation](beast::error_code e, std::size_t) { self->on_head(generation, e); });
                    });
}

void subscription::on_head(std::uint64_t generation, beast::error_code ec) {
  if (stale(generation)) return;
  const std::string where = leader_.current().url();
  if (ec) return attempt_failed(ec, "no answer to SUBSCRIBE from " + where + ": " + ec.message());
  const auto& res = conn_->parser().get();
  const unsigned status = res.result_int();
  const auto decision = classify_subscribe_head({
      .status = status,
      .content_type = res[http::field::content_type],
      .stream_id = res["Mesos-Stream-Id"],
      .chunked = conn_->parser().chunked(),
      .content_length = conn_->parser().content_length()
                            ? std::optional<std::uint64_t>(*conn_->parser().content_length())
                            : std::nullopt,
      .can_refresh_authorization = authorization_.can_refresh() && !authorization_refreshed_,
      .stream_id_required = settings_.stream_id_required,
  });
  switch (decision.action) {
    case subscribe_action::follow_redirect: {
      const std::string location(res[http::field::location]);
      close_connection();
      std::string why;
      if (auto err = leader_.on_redirect(location, &why)) return attempt_failed(err, why);
      log_(log_level::info, [&] { return where + " is not the leader; redirected to " + leader_.current().url(); });
      return attempt();
    }
    case subscribe_action::refresh_authorization:
      // The token may have expired: ask the provider once more, then retry.
      authorization_refreshed_ = true;
      close_connection();
      authorization_.value(true);
      log_(log_level::info,
           [&] { return where + " answered SUBSCRIBE with 401; retrying with refreshed authorization"; });
      return attempt();
    case subscribe_action::refusal_unread:
      return refused(status, where + " answered SUBSCRIBE with " + status_text(status, {}) + " and a body of " +
                                 std::to_string(*conn_->parser().content_length()) + " bytes (not read)");
    case subscribe_action::read_refusal:
      conn_->parser().body_limit(refusal_body_limit);
      http::async_read(
          conn_->stream, conn_->buffer, conn_->parser(),
          [self = shared_from_this(), conn = conn_, generation, status, where](beast::error_code, std::size_t) {
            if (self->stale(generation)) return;
            const std::string body = conn->parser().get().body();
            self->refused(status, where + " answered SUBSCRIBE with " + status_text(status, body));
          });
      return;
    case subscribe_action::malformed:
      return attempt_failed(make_error_code(error::unexpected_response),
                            where + " answered SUBSCRIBE with 200 but " + decision.reason);
    case subscribe_action::stream: break;
  }
  conn_->wire = decision.wire;
  stream_id_ = std::string(res["Mesos-Stream-Id"]);
  conn_->reader.start([this, generation, wire = decision.wire](std::string_view record, std::string& why) {
    if (stale(generation)) return std::make_error_code(std::errc::operation_canceled);
    return hooks_.on_record(record, wire, why);
  });
  read(generation);
}

void subscription::refused(unsigned status, const std::string& text) {
  if (hooks_.after_loss) {
    log_(log_level::warning, text);
    drop(make_error_code(error::subscribe_rejected), text);
    return api_decides(make_error_code(error::subscribe_rejected), text, status);
  }
  if (classify_subscribe_refusal(status) == refusal_outcome::retry) {
    return attempt_failed(make_error_code(error::subscribe_rejected), text);
  }
  hooks_.on_give_up(make_error_code(error::subscribe_rejected), text);
}

void subscription::subscribed(std::chrono::milliseconds heartbeat_interval) {
  heartbeat_interval_ = heartbeat_interval;
  connecting_ = false;
  subscribed_ = true;
  authorization_refreshed_ = false;
  reconnect_.on_subscribed(std::chrono::steady_clock::now(), heartbeat_interval_);
  leader_.on_subscribed();
}

std::chrono::milliseconds subscription::watchdog_timeout() const {
  if (!subscribed_) return settings_.subscribe_timeout;
  return heartbeat_interval_ * std::max(1u, settings_.heartbeat_tolerance);
}

// Parses what is buffered: the reader frames, the API's hook decodes and
// publishes. Returns false once the stream is over (lost() was called).
bool subscription::parse_buffered(std::uint64_t generation) {
  auto& conn = *conn_;
  event_stream_reader::state state;
  do {
    state = conn.reader.parse(conn.buffer, parse_slice_size, [&] {
      // Into the ring, so that a consumer that fills up stops the parsing
      // within a slice's worth of events; waiting consumers are woken once
      // for the whole read, below.
      hooks_.flush(false);
      return stale(generation) || hooks_.consumers_full();
    });
    hooks_.flush(true);
    if (stale(generation)) return false;
    // Paused for a full consumer that has made room since (it was woken
    // just above): parse on, or the rest would wait in the buffer for
    // bytes that may not come before the next heartbeat.
  } while (state == event_stream_reader::state::paused && !hooks_.consumers_full());
  if (state != event_stream_reader::state::ended) return true;
  lost(conn.reader.error(), end_text());
  return false;
}

std::string subscription::end_text() const {
  const auto& reader = conn_->reader;
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
void subscription::read(std::uint64_t generation) {
  if (stale(generation)) return;
  if (!parse_buffered(generation)) return;
  if (hooks_.consumers_full()) {
    // Backpressure: stop reading (and watching the heartbeat, since the
    // silence is ours) until the slow consumer makes room.
    paused_ = true;
    conn_->tcp().expires_never();
    return;
  }
  paused_ = false;
  // "No bytes for tolerance x interval" is exactly a read that times out.
  conn_->tcp().expires_after(watchdog_timeout());
  conn_->stream.async_read_some(conn_->buffer.prepare(stream_read_size),
                                [self = shared_from_this(), conn = conn_, generation](
                                    beast::error_code ec, std::size_t n) { self->on_read(generation, ec, n); });
}

void subscription::resume() {
  if (closed_ || !paused_ || !conn_) return;
  if (hooks_.consumers_full()) return;
  read(generation_);
}

void subscription::on_read(std::uint64_t generation, beast::error_code ec, std::size_t n) {
  if (stale(generation)) return;
  auto& conn = *conn_;
  conn.buffer.commit(n);
  if (ec == beast::error::timeout) {
    return lost(make_error_code(error::heartbeat_timeout), "no data from " + leader_.current().url() + " for " +
                                                               std::to_string(watchdog_timeout().count()) + " ms");
  }
  if (ec) {
    // Deliver what arrived before the end, then say how it ended: inside a
    // record is a truncated stream, between records a closed connection.
    if (!parse_buffered(generation)) return;
    const bool clean_end = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    conn.reader.end_of_input(ec, clean_end);
    return lost(conn.reader.error(), end_text());
  }
  read(generation);
}

void subscription::close_connection() {
  if (!conn_) return;
  beast::error_code ignored;
  conn_->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  conn_->tcp().close();
}

// An established (or establishing) subscription broke: resubscribe, the last
// leader first.
void subscription::lost(std::error_code why, const std::string& text) {
  if (closed_) return;
  const auto meaning = classify_stream_end(end_expected_, subscribed_);
  if (meaning == stream_end_meaning::expected) {
    // The master ends the stream as it accepts TEARDOWN. The TEARDOWN's
    // answer closes the client (or calls the end off).
    log_(log_level::debug, [&] { return "event stream ended during TEARDOWN: " + text; });
    drop(why, text, false);
    return;
  }
  log_(log_level::warning, text);
  drop(why, text);
  if (hooks_.after_loss) return api_decides(why, text, 0);
  const auto now = std::chrono::steady_clock::now();
  follow(meaning == stream_end_meaning::subscription_lost
             ? reconnect_.on_lost(now)
             : reconnect_.on_attempt_failed(now, leader_.on_failure(), false));
}

void subscription::resubscribe_if_down() {
  if (!resubscribe_after_cancelled_end(closed_, subscribed_, connecting_)) return;
  follow(reconnect_.on_lost(std::chrono::steady_clock::now()));
}

// An attempt to subscribe failed before a stream was established.
// `unreachable`: the connection itself failed (resolve, connect).
void subscription::attempt_failed(std::error_code why, const std::string& text, bool unreachable) {
  if (closed_) return;
  log_(log_level::warning, text);
  drop(why, text);
  if (hooks_.after_loss) return api_decides(why, text, 0);
  // A leader named by the detector or by a 307 that cannot be reached is
  // "leader unknown" (see reconnect_fsm), not a failure of the budget's.
  const bool named_leader = unreachable && (settings_.detector || leader_.hops() > 0);
  follow(reconnect_.on_attempt_failed(std::chrono::steady_clock::now(), leader_.on_failure(), named_leader));
}

void subscription::drop(std::error_code why, const std::string& text, bool announce) {
  close_connection();
  connecting_ = false;
  subscribed_ = false;
  paused_ = false;
  stream_id_.clear();
  hooks_.on_down(why, text, announce);
  ++generation_;  // nothing of the old stream is delivered from now on
}

void subscription::follow(const reconnect_fsm::action& next) {
  if (closed_) return;
  if (next.what == reconnect_fsm::action::kind::give_up) {
    return hooks_.on_give_up(make_error_code(error::reconnect_attempts_exhausted), next.reason);
  }
  retry_after(next.wait);
}

void subscription::api_decides(std::error_code why, const std::string& text, unsigned refusal_status) {
  if (closed_) return;
  const auto wait = hooks_.after_loss(why, text, refusal_status);
  if (wait && !closed_) retry_after(*wait);
}

void subscription::retry_after(std::chrono::milliseconds wait) {
  if (closed_) return;
  if (wait.count() > 0)
    log_(log_level::info, [&] { return "next attempt in " + std::to_string(wait.count()) + " ms"; });
  retry_timer_.expires_after(wait);
  retry_timer_.async_wait([self = shared_from_this(), generation = generation_](beast::error_code ec) {
    if (ec || self->stale(generation)) return;
    self->attempt();
  });
}

void subscription::detector_report(const std::optional<std::string>& url, const std::string& reason,
                                   std::string_view target, unsigned max_redirects) {
  if (!url) {
    leader_unknown();
    log_(log_level::warning, [&] { return "no leading master known: " + reason; });
    return;
  }
  master_endpoint leader;
  std::string why;
  if (parse_master_url(*url, leader, &why)) {
    leader_unknown();
    log_(log_level::error, [&] { return "the detector named an unusable leader: " + why; });
    return;
  }
  leader.target = std::string(target);
  leader_named(leader, max_redirects);
}

void subscription::leader_unknown() { leader_known_ = react_to_leader_report({.leader_named = false}).leader_known; }

void subscription::leader_named(const master_endpoint& leader, unsigned max_redirects) {
  const auto reaction = react_to_leader_report({.leader_named = true,
                                                .known_before = leader_known_,
                                                .same_as_current = leader_.current().same_master(leader),
                                                .stream_up = subscribed_ || connecting_});
  leader_ = leader_fsm({leader}, max_redirects);
  leader_known_ = reaction.leader_known;
  if (closed_ || !reaction.subscribe_now) return;
  log_(log_level::info, [&] { return "leading master is now " + leader.url(); });
  if (reaction.drop_stream) drop(make_error_code(error::no_leader), "the leader changed to " + leader.url());
  retry_timer_.cancel();
  retry_after(std::chrono::milliseconds(0));
}

void subscription::close() {
  if (closed_) return;
  closed_ = true;
  retry_timer_.cancel();
  resolver_.cancel();
  close_connection();
  subscribed_ = false;
  connecting_ = false;
  conn_.reset();
}

}  // namespace mesoshttp::detail
