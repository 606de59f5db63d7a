// The metrics server over real sockets on 127.0.0.1: GET /metrics answers the
// registry's text with Prometheus' content type on a kept-alive connection,
// other paths and methods are refused, a bad address is refused, and stop()
// closes an open connection so that the io_context's run() returns.
#include "mesoshttp/metrics_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <future>
#include <stdexcept>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

http::response<http::string_body> request(beast::tcp_stream& stream, http::verb verb, const std::string& target) {
  http::request<http::empty_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  if (verb == http::verb::head) parser.skip(true);
  http::read(stream, buffer, parser);
  return parser.release();
}

TEST(MetricsServer, ServesTheRegistryAsPrometheusTextOnAKeptAliveConnection) {
  auto registry = std::make_shared<mesoshttp::metrics_registry>();
  auto events = registry->counter("mesoshttp_events_total", "Events", {{"type", "UPDATE"}});
  asio::io_context io;
  mesoshttp::metrics_server server(io.get_executor(), registry, "127.0.0.1:0");
  const auto endpoint = server.local_endpoint();
  ASSERT_NE(endpoint.port(), 0);
  std::thread runner([&] { io.run(); });

  asio::io_context client_io;
  beast::tcp_stream stream(client_io);
  stream.connect(endpoint);
  events.inc(3);
  auto res = request(stream, http::verb::get, "/metrics");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(res.body(), mesoshttp::to_prometheus_text(registry->snapshot()));
  EXPECT_NE(res.body().find("mesoshttp_events_total{type=\"UPDATE\"} 3\n"), std::string::npos);

  // The same connection, a later value; a query string is ignored.
  events.inc();
  res = request(stream, http::verb::get, "/metrics?x=1");
  EXPECT_NE(res.body().find("mesoshttp_events_total{type=\"UPDATE\"} 4\n"), std::string::npos) << res.body();

  res = request(stream, http::verb::head, "/metrics");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_TRUE(res.body().empty());
  res = request(stream, http::verb::get, "/");
  EXPECT_EQ(res.result(), http::status::not_found);
  res = request(stream, http::verb::post, "/metrics");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);

  // The connection is still open: stop() must close it for run() to return.
  asio::post(io, [&] { server.stop(); });
  runner.join();
  beast::flat_buffer buffer;
  http::response<http::string_body> none;
  beast::error_code ec;
  http::read(stream, buffer, none, ec);
  EXPECT_TRUE(ec) << "the server's connection outlived stop()";
}

TEST(MetricsServer, RefusesAnAddressItCannotReadOrUse) {
  asio::io_context io;
  auto registry = std::make_shared<mesoshttp::metrics_registry>();
  EXPECT_THROW(mesoshttp::metrics_server(io.get_executor(), registry, "127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(mesoshttp::metrics_server(io.get_executor(), registry, "127.0.0.1:http"), std::invalid_argument);
  EXPECT_THROW(mesoshttp::metrics_server(io.get_executor(), registry, "127.0.0.1:70000"), std::invalid_argument);
  EXPECT_THROW(mesoshttp::metrics_server(io.get_executor(), nullptr, "127.0.0.1:0"), std::invalid_argument);
  // A port taken by another listener.
  mesoshttp::metrics_server first(io.get_executor(), registry, "127.0.0.1:0");
  const auto taken = "127.0.0.1:" + std::to_string(first.local_endpoint().port());
  EXPECT_THROW(mesoshttp::metrics_server(io.get_executor(), registry, taken), std::exception);
}

TEST(MetricsServer, SplitsHostAndPort) {
  std::string host, port;
  ASSERT_TRUE(mesoshttp::split_host_port("127.0.0.1:9100", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, "9100");
  ASSERT_TRUE(mesoshttp::split_host_port("[::1]:0", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, "0");
  ASSERT_TRUE(mesoshttp::split_host_port(":9100", host, port));
  EXPECT_EQ(host, "");
  EXPECT_FALSE(mesoshttp::split_host_port("localhost", host, port));
  EXPECT_FALSE(mesoshttp::split_host_port("localhost:", host, port));
}

}  // namespace
