#include "transport/connector.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>

namespace mesoshttp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// What the steps share: the request's references stay valid (the caller's
// promise), the callbacks are held once.
struct open_operation {
  master_stream& stream;
  master_endpoint master;
  tls_client& tls;
  std::chrono::milliseconds timeout;
  std::function<bool()> abandoned;
  std::function<void(open_result)> done;

  bool gone() const { return abandoned && abandoned(); }
  void fail(beast::error_code ec, std::string text, bool unreachable) {
    done(open_result{.error = ec, .text = std::move(text), .unreachable = unreachable});
  }
};

void handshake(const std::shared_ptr<open_operation>& op) {
  auto* tls = op->stream.tls();
  if (!tls) return op->done(open_result{});
  op->tls.prepare(*tls, op->master);
  op->stream.next_layer().expires_after(op->timeout);
  tls->async_handshake(asio::ssl::stream_base::client, [op](beast::error_code ec) {
    if (op->gone()) return;
    if (ec) return op->fail(ec, tls_client::failure_text(*op->stream.tls(), op->master, ec), false);
    op->done(open_result{});
  });
}

}  // namespace

void async_open(const open_request& request, std::function<void(open_result)> done) {
  auto op = std::make_shared<open_operation>(open_operation{.stream = request.stream,
                                                            .master = request.master,
                                                            .tls = request.tls,
                                                            .timeout = request.timeout,
                                                            .abandoned = request.abandoned,
                                                            .done = std::move(done)});
  if (op->master.tls() && !op->stream.tls()) {
    // Never plain text to an https:// master, whatever the configuration.
    const std::string why = request.tls.error().empty() ? "no TLS context" : request.tls.error();
    asio::post(op->stream.get_executor(), [op, why] {
      if (!op->gone()) op->fail(make_error_code(beast::errc::protocol_not_supported), why, false);
    });
    return;
  }
  request.resolver.async_resolve(
      op->master.host, op->master.port, [op](beast::error_code ec, tcp::resolver::results_type results) {
        if (op->gone()) return;
        if (ec) return op->fail(ec, "cannot resolve " + op->master.host + ": " + ec.message(), true);
        op->stream.next_layer().expires_after(op->timeout);
        op->stream.next_layer().async_connect(results, [op](beast::error_code err, const tcp::endpoint&) {
          if (op->gone()) return;
          if (err) return op->fail(err, "cannot connect to " + op->master.url() + ": " + err.message(), true);
          beast::error_code ignored;
          op->stream.next_layer().socket().set_option(tcp::no_delay(true), ignored);
          handshake(op);
        });
      });
}

}  // namespace mesoshttp::detail
