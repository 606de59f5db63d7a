#include "operator/operator_call.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <random>

#include "mesoshttp/error.hpp"
#include "operator/operator_call_rules.hpp"
#include "session/backoff.hpp"
#include "transport/connector.hpp"
#include "transport/gzip.hpp"
#include "transport/request.hpp"

namespace mesoshttp::operator_api::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using mesoshttp::detail::master_endpoint;

operator_caller::operator_caller(asio::any_io_executor executor, operator_config config)
    : strand_(asio::make_strand(std::move(executor))),
      config_(std::move(config)),
      tls_(config_.tls),
      authorization_(config_.authorization, config_.basic_credentials),
      seed_(std::random_device{}()) {
  for (const auto& url : config_.endpoints) {
    master_endpoint ep;
    std::string why;
    if (mesoshttp::detail::parse_master_url(url, ep, &why)) {
      config_error_ = "endpoint " + why;
      return;
    }
    ep.target = std::string(operator_target);
    endpoints_.push_back(std::move(ep));
  }
  if (endpoints_.empty()) {
    config_error_ = "no endpoint configured (operator_config::endpoints)";
    return;
  }
  for (const auto& ep : endpoints_)
    if (ep.tls()) {
      if (const auto& err = tls_.build(); !err.empty()) config_error_ = err;
      break;
    }
}

// One call, from its first request to its result. Lives on the caller's
// strand; each connection attempt has a generation so that the callbacks of
// an abandoned one (a redirect, the deadline) return without effect.
struct operator_caller::call_op : std::enable_shared_from_this<call_op> {
  struct connection {
    connection(const asio::strand<asio::any_io_executor>& ex, asio::ssl::context* tls)
        : stream(beast::tcp_stream(ex), tls) {}
    mesoshttp::detail::master_stream stream;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::string request;
  };

  call_op(std::shared_ptr<operator_caller> owner, std::string type, std::string call_body,
          std::function<void(raw_answer)> on_done)
      : caller(std::move(owner)),
        call_type(std::move(type)),
        body(std::move(call_body)),
        done(std::move(on_done)),
        leader(caller->endpoints_, caller->config_.max_redirects),
        waits(caller->config_.retry, caller->seed_.fetch_add(1)),
        resolver(caller->strand_),
        deadline_timer(caller->strand_),
        wait_timer(caller->strand_) {}

  std::shared_ptr<operator_caller> caller;
  std::string call_type;
  std::string body;
  std::function<void(raw_answer)> done;
  mesoshttp::detail::leader_fsm leader;
  mesoshttp::detail::backoff waits;
  asio::ip::tcp::resolver resolver;
  asio::steady_timer deadline_timer;
  asio::steady_timer wait_timer;
  std::shared_ptr<connection> conn;
  std::uint64_t generation = 0;
  unsigned attempts = 0;
  bool authorization_refreshed = false;
  bool finished = false;
  std::string last_problem;  // the latest failure, for the timeout's message

  void log(log_level level, const std::string& text) const {
    if (caller->config_.log) caller->config_.log(level, text);
  }

  void start() {
    deadline_timer.expires_after(caller->config_.call_timeout);
    deadline_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_deadline();
    });
    connect();
  }

  bool stale(std::uint64_t g) const { return finished || g != generation; }

  void drop_connection() {
    ++generation;
    if (conn) {
      beast::error_code ignored;
      conn->stream.next_layer().socket().close(ignored);
      conn.reset();
    }
  }

  void connect() {
    drop_connection();
    const auto g = generation;
    const auto& target = leader.current();
    conn = std::make_shared<connection>(caller->strand_, caller->tls_.context_for(target));
    mesoshttp::detail::async_open({.resolver = resolver,
                                   .stream = conn->stream,
                                   .master = target,
                                   .tls = caller->tls_,
                                   .timeout = caller->config_.connect_timeout,
                                   .abandoned = [self = shared_from_this(), g] { return self->stale(g); }},
                                  [self = shared_from_this(), c = conn, g](mesoshttp::detail::open_result opened) {
                                    if (self->stale(g)) return;
                                    if (opened.error) return self->on_failure(opened.text);
                                    self->send(g);
                                  });
  }

  void send(std::uint64_t g) {
    ++attempts;
    conn->request = mesoshttp::detail::build_post({.master = leader.current(),
                                                   .wire = caller->config_.wire,
                                                   .user_agent = caller->config_.user_agent,
                                                   .stream_id = {},
                                                   .authorization = caller->authorization_.value(),
                                                   .body = body,
                                                   .accept_gzip = caller->config_.accept_gzip});
    asio::async_write(conn->stream, asio::buffer(conn->request),
                      [self = shared_from_this(), c = conn, g](beast::error_code ec, std::size_t) {
                        if (self->stale(g)) return;
                        if (ec)
                          return self->on_failure("cannot send " + self->call_type + " to " +
                                                  self->leader.current().url() + ": " + ec.message());
                        c->parser.emplace();
                        // A large cluster's GET_STATE is hundreds of MB in JSON: no limit.
                        c->parser->body_limit(boost::none);
                        http::async_read(c->stream, c->buffer, *c->parser,
                                         [self, c, g](beast::error_code e, std::size_t) { self->on_answer(g, e); });
                      });
  }

  void on_answer(std::uint64_t g, beast::error_code ec) {
    if (stale(g)) return;
    const std::string where = leader.current().url();
    if (ec) return on_failure("no answer to " + call_type + " from " + where + ": " + ec.message());
    auto& res = conn->parser->get();
    const unsigned status = res.result_int();
    std::string answer_body = std::move(res.body());
    if (const auto coding = res[http::field::content_encoding]; !coding.empty()) {
      if (!beast::iequals(coding, "gzip")) {
        return finish(make_error_code(error::unexpected_response), status,
                      where + " answered " + call_type + " with Content-Encoding '" + std::string(coding) +
                          "', which this client did not ask for");
      }
      std::string inflated;
      if (auto why = mesoshttp::detail::gunzip(answer_body, inflated); !why.empty())
        return finish(make_error_code(error::unexpected_response), status,
                      where + " answered " + call_type + " with a gzip body that cannot be read: " + why);
      answer_body = std::move(inflated);
    }
    const auto verdict = mesoshttp::detail::classify_operator_answer(
        {.status = status,
         .not_found_is_an_answer = mesoshttp::detail::not_found_is_an_answer(call_type),
         .can_refresh_authorization = caller->authorization_.can_refresh() && !authorization_refreshed});
    switch (verdict) {
      case mesoshttp::detail::operator_verdict::completed: {
        raw_answer out;
        out.status = status;
        out.body = std::move(answer_body);
        if (!out.body.empty())
          out.body_encoding = encoding_from_content_type(std::string_view(res[http::field::content_type]));
        return finish(std::move(out));
      }
      case mesoshttp::detail::operator_verdict::follow_redirect: {
        std::string why;
        const auto location = std::string(res[http::field::location]);
        if (auto err = leader.on_redirect(location, &why)) return finish(err, status, why);
        log(log_level::info, where + " is not the leader; " + call_type + " goes to " + leader.current().url());
        return connect();
      }
      case mesoshttp::detail::operator_verdict::retry_later:
        last_problem = where + " answered " + mesoshttp::detail::status_text(status, answer_body);
        return wait_then_connect();
      case mesoshttp::detail::operator_verdict::refresh_and_resend:
        authorization_refreshed = true;
        caller->authorization_.value(true);
        return connect();
      case mesoshttp::detail::operator_verdict::rejected:
        return finish(make_error_code(error::call_rejected), status,
                      where + " refused " + call_type + ": " + mesoshttp::detail::status_text(status, answer_body));
    }
  }

  // The connection could not be opened, or broke before the answer.
  void on_failure(const std::string& text) {
    last_problem = text;
    drop_connection();
    if (leader.on_failure()) return wait_then_connect();  // every endpoint failed in this round
    log(log_level::info, text + "; trying " + leader.current().url());
    connect();
  }

  void wait_then_connect() {
    drop_connection();
    const auto wait = waits.next();
    log(log_level::info, last_problem + "; " + call_type + " again in " + std::to_string(wait.count()) + " ms");
    wait_timer.expires_after(wait);
    wait_timer.async_wait([self = shared_from_this(), g = generation](boost::system::error_code ec) {
      if (ec || self->stale(g)) return;
      self->connect();
    });
  }

  void on_deadline() {
    if (finished) return;
    finish(make_error_code(error::call_timeout), 0,
           call_type + " got no answer within " + std::to_string(caller->config_.call_timeout.count()) + " ms" +
               (last_problem.empty() ? "" : " (last: " + last_problem + ")"));
  }

  void finish(std::error_code ec, unsigned status, std::string message) {
    raw_answer out;
    out.error = ec;
    out.status = status;
    out.message = std::move(message);
    finish(std::move(out));
  }

  void finish(raw_answer out) {
    if (finished) return;
    out.endpoint = leader.current().url();
    out.attempts = attempts;
    drop_connection();
    finished = true;
    deadline_timer.cancel();
    wait_timer.cancel();
    resolver.cancel();
    auto handler = std::move(done);
    handler(std::move(out));
  }
};

void operator_caller::post(std::function<void()> f) { asio::post(strand_, std::move(f)); }

void operator_caller::async_call(std::string call_type, std::string body, std::function<void(raw_answer)> done) {
  asio::dispatch(strand_, [self = shared_from_this(), type = std::move(call_type), b = std::move(body),
                           d = std::move(done)]() mutable {
    if (!self->config_error_.empty()) {
      raw_answer out;
      out.error = make_error_code(error::invalid_argument);
      out.message = self->config_error_;
      return d(std::move(out));
    }
    std::make_shared<call_op>(self, std::move(type), std::move(b), std::move(d))->start();
  });
}

}  // namespace mesoshttp::operator_api::detail
