#include "calls/call_pool.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <optional>

#include "calls/call_rules.hpp"
#include "transport/connector.hpp"
#include "transport/request.hpp"

namespace mesoshttp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// An answer bigger than this is not a Mesos answer to a call.
constexpr std::uint64_t call_answer_limit = 16u * 1024u * 1024u;

struct call_pool::connection {
  enum class state { connecting, idle, busy, dead };
  connection(const asio::strand<asio::any_io_executor>& ex, asio::ssl::context* tls)
      : stream(beast::tcp_stream(ex), tls) {}
  beast::tcp_stream& tcp() noexcept { return stream.next_layer(); }
  // Closes the socket (its pending operations end with operation_aborted,
  // which the handlers ignore once `st` is dead) and hands back the call that
  // was on it, if any.
  std::shared_ptr<pending_call> kill() {
    st = state::dead;
    beast::error_code ignored;
    tcp().socket().close(ignored);
    return std::move(current);
  }
  master_stream stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::string request;
  state st = state::connecting;
  std::uint64_t generation = 0;
  master_endpoint master;
  std::shared_ptr<pending_call> current;
};

call_pool::call_pool(asio::strand<asio::any_io_executor> strand, settings config, hooks api, tls_client& tls,
                     authorizer& authorization, log_sink log)
    : strand_(std::move(strand)),
      settings_(std::move(config)),
      hooks_(std::move(api)),
      tls_(tls),
      authorization_(authorization),
      log_(std::move(log)),
      resolver_(strand_),
      deadline_timer_(strand_) {}

call_result call_pool::failure(std::error_code ec, std::string message) {
  call_result r;
  r.error = ec;
  r.message = std::move(message);
  return r;
}

void call_pool::submit(std::shared_ptr<pending_call> call) {
  asio::dispatch(strand_, [self = shared_from_this(), pc = std::move(call)] { self->enqueue(pc); });
}

void call_pool::on_subscribed(const master_endpoint& master, std::string stream_id, std::uint64_t generation) {
  subscribed_ = true;
  master_ = master;
  stream_id_ = std::move(stream_id);
  generation_ = generation;
  pump();
}

void call_pool::on_unsubscribed() {
  subscribed_ = false;
  stream_id_.clear();
}

void call_pool::enqueue(const std::shared_ptr<pending_call>& pc) {
  const auto admission = admit_call({.closed = closed_, .queued = queue_.size(), .queue_limit = settings_.queue_limit});
  if (admission.closed) {
    const auto reason = closed_reason_ ? closed_reason_ : make_error_code(error::shut_down);
    return complete(pc, failure(reason, admission.reason + (closed_message_.empty() ? "" : ": " + closed_message_)));
  }
  if (!pc->invalid.empty()) return complete(pc, failure(make_error_code(error::invalid_argument), pc->invalid));
  if (!admission.admitted) return complete(pc, failure(make_error_code(error::queue_full), admission.reason));
  pc->deadline = std::chrono::steady_clock::now() + settings_.call_timeout;
  // Every call gets the same timeout, so submission order is deadline
  // order: one timer for the oldest unfinished call serves them all.
  deadlines_.push_back(pc);
  arm_deadline_timer();
  queue_.push_back(pc);
  pump();
}

void call_pool::complete(const std::shared_ptr<pending_call>& pc, call_result result) {
  if (pc->done) return;
  pc->done = true;
  if (hooks_.on_completed) hooks_.on_completed(*pc, result);
  while (!deadlines_.empty() && deadlines_.front()->done) deadlines_.pop_front();
  result.attempts = pc->attempts;
  if (result.error) {
    // Nobody else hears of a fire-and-forget call's failure.
    log_(pc->fire_and_forget ? log_level::warning : log_level::debug,
         [&] { return std::string(pc->name) + " failed: " + result.message; });
  }
  // Runs on the handler's associated executor (a coroutine's, a bound
  // strand), or on ours; never inline, so a handler may submit again.
  asio::post(strand_, asio::append(std::move(pc->handler), std::move(result)));
  // The call may wait in deadlines_ behind an older one: keep it small.
  pc->encode = nullptr;
}

void call_pool::arm_deadline_timer() {
  while (!deadlines_.empty() && deadlines_.front()->done) deadlines_.pop_front();
  if (deadlines_.empty() || deadline_armed_ || closed_) return;
  deadline_armed_ = true;
  deadline_timer_.expires_at(deadlines_.front()->deadline);
  deadline_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    self->deadline_armed_ = false;
    if (ec || self->closed_) return;
    const auto now = std::chrono::steady_clock::now();
    while (!self->deadlines_.empty() && self->deadlines_.front()->deadline <= now) {
      auto pc = std::move(self->deadlines_.front());
      self->deadlines_.pop_front();
      if (!pc->done) self->on_call_timeout(pc);
    }
    self->arm_deadline_timer();
  });
}

void call_pool::on_call_timeout(const std::shared_ptr<pending_call>& pc) {
  if (pc->done) return;
  queue_.erase(std::remove(queue_.begin(), queue_.end(), pc), queue_.end());
  for (auto& conn : connections_) {
    if (conn->current == pc) retire(conn);  // the answer can no longer be matched
  }
  const std::string where = subscribed_ ? " from " + master_.url() : " (not subscribed)";
  complete(pc, failure(make_error_code(error::call_timeout), std::string(pc->name) + ": no answer within " +
                                                                 std::to_string(settings_.call_timeout.count()) +
                                                                 " ms" + where));
  pump();
}

// Requeues an idempotent call that may be sent again, or completes it.
void call_pool::retry_or_fail(const std::shared_ptr<pending_call>& pc, call_result result) {
  if (pc->done) return;
  const auto next = after_call_failure({.closed = closed_,
                                        .idempotent = pc->idempotent,
                                        .attempts = pc->attempts,
                                        .retries = settings_.idempotent_retries});
  if (next == failure_action::resend) {
    log_(log_level::debug, [&] { return std::string(pc->name) + " will be retried: " + result.message; });
    queue_.push_front(pc);
    return;
  }
  complete(pc, std::move(result));
}

void call_pool::fail_in_flight(std::error_code ec, const std::string& text) {
  auto conns = std::move(connections_);
  connections_.clear();
  for (auto& conn : conns) {
    if (auto pc = conn->kill()) retry_or_fail(pc, failure(ec, text));
  }
}

void call_pool::retire(const std::shared_ptr<connection>& conn) {
  conn->kill();
  connections_.erase(std::remove(connections_.begin(), connections_.end(), conn), connections_.end());
}

void call_pool::pump() {
  if (closed_ || !subscribed_) return;
  for (;;) {
    pool_view view{.queued = queue_.size(), .open = connections_.size(), .limit = settings_.connections};
    std::shared_ptr<connection> idle;
    for (const auto& c : connections_) {
      if (c->st == connection::state::connecting) ++view.connecting;
      if (c->st == connection::state::idle) {
        ++view.idle;
        if (!idle) idle = c;
      }
    }
    switch (next_pool_action(view)) {
      case pool_action::wait: return;
      case pool_action::open_connection: open_connection(); break;
      case pool_action::send_on_idle: {
        auto pc = queue_.front();
        queue_.pop_front();
        send_on(idle, pc);
        break;
      }
    }
  }
}

void call_pool::open_connection() {
  auto conn = std::make_shared<connection>(strand_, tls_.context_for(master_));
  conn->generation = generation_;
  conn->master = master_;
  connections_.push_back(conn);
  async_open({.resolver = resolver_,
              .stream = conn->stream,
              .master = conn->master,
              .tls = tls_,
              .timeout = settings_.connect_timeout,
              .abandoned = [conn] { return conn->st == connection::state::dead; }},
             [self = shared_from_this(), conn](open_result opened) {
               if (opened.error) return self->connection_failed(conn, opened.text);
               conn->st = connection::state::idle;
               self->pump();
             });
}

void call_pool::connection_failed(const std::shared_ptr<connection>& conn, const std::string& text) {
  log_(log_level::warning, [&] { return "cannot open a call connection: " + text; });
  retire(conn);
  // The subscription connection reached this master a moment ago; if calls
  // cannot, the queued calls wait for their deadline or the next attempt,
  // and the pool tries again shortly.
  if (connections_.empty() && !queue_.empty()) {
    auto timer = std::make_shared<asio::steady_timer>(strand_, std::chrono::milliseconds(100));
    timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->pump(); });
  }
}

void call_pool::send_on(const std::shared_ptr<connection>& conn, const std::shared_ptr<pending_call>& pc) {
  std::string body;
  std::string why;
  if (auto err = pc->encode(settings_.wire, body, why)) {
    complete(pc, failure(err, "cannot encode " + std::string(pc->name) + ": " + why));
    return pump();
  }
  conn->st = connection::state::busy;
  conn->current = pc;
  pc->sent = true;
  if (hooks_.on_sent) hooks_.on_sent(*pc);
  ++pc->attempts;
  conn->request = build_post({.master = conn->master,
                              .wire = settings_.wire,
                              .user_agent = settings_.user_agent,
                              .stream_id = stream_id_,
                              .authorization = authorization_.value(),
                              .body = body});
  conn->parser.emplace();
  conn->parser->body_limit(call_answer_limit);
  const auto left = pc->deadline - std::chrono::steady_clock::now();
  conn->tcp().expires_after(std::max<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(1)));
  asio::async_write(
      conn->stream, asio::buffer(conn->request), [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
        if (conn->st == connection::state::dead) return;
        if (ec) return self->on_answer(conn, ec);
        http::async_read(conn->stream, conn->buffer, *conn->parser, [self, conn](beast::error_code e, std::size_t) {
          if (conn->st == connection::state::dead) return;
          self->on_answer(conn, e);
        });
      });
}

void call_pool::on_answer(const std::shared_ptr<connection>& conn, beast::error_code ec) {
  auto pc = std::move(conn->current);
  conn->current.reset();
  const std::string where = conn->master.url();
  if (!pc) {
    retire(conn);
    return pump();
  }
  const std::string type(pc->name);
  if (ec) {
    retire(conn);
    retry_or_fail(pc, failure(make_error_code(error::connection_lost),
                              type + ": connection to " + where + " failed: " + ec.message()));
    return pump();
  }
  auto& res = conn->parser->get();
  call_result result;
  result.status = res.result_int();
  result.body = std::move(res.body());
  if (res.keep_alive()) {
    conn->st = connection::state::idle;
  } else {
    retire(conn);
  }

  const auto verdict =
      classify_call_answer({.status = result.status,
                            .body = result.body,
                            .can_refresh_authorization = authorization_.can_refresh() && !pc->authorization_retried});
  if (verdict == call_verdict::completed) {
    if (result.status == 200 && !result.body.empty() && hooks_.decode_response) {
      const auto wire = encoding_from_content_type(res[http::field::content_type]).value_or(settings_.wire);
      if (auto why = hooks_.decode_response(result, wire); !why.empty()) {
        result.error = make_error_code(error::unexpected_response);
        result.message = type + ": undecodable 200 answer from " + where + ": " + why;
      }
    }
    complete(pc, std::move(result));
    return pump();
  }

  if (verdict == call_verdict::refresh_and_resend) {
    pc->authorization_retried = true;
    authorization_.value(true);
    queue_.push_front(pc);
    return pump();
  }

  result.error = make_error_code(error::call_rejected);
  result.message = type + " rejected by " + where + ": " + status_text(result.status, result.body);
  if (verdict == call_verdict::subscription_gone && subscribed_ && conn->generation == generation_) {
    const unsigned status = result.status;
    retry_or_fail(pc, std::move(result));
    if (hooks_.on_subscription_gone) hooks_.on_subscription_gone(status);
    return;
  }
  complete(pc, std::move(result));
  pump();
}

void call_pool::close(std::error_code reason, const std::string& message) {
  if (closed_) return;
  closed_ = true;
  closed_reason_ = reason;
  closed_message_ = message;
  subscribed_ = false;
  deadline_timer_.cancel();
  resolver_.cancel();
  const auto call_error = reason ? reason : make_error_code(error::shut_down);
  auto conns = std::move(connections_);
  connections_.clear();
  for (auto& conn : conns) {
    if (auto pc = conn->kill()) {
      complete(pc, failure(call_error,
                           "client closed while the call was in flight" + (message.empty() ? "" : ": " + message)));
    }
  }
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& pc : queued) {
    complete(pc,
             failure(call_error, "client closed before the call was sent" + (message.empty() ? "" : ": " + message)));
  }
}

}  // namespace mesoshttp::detail
