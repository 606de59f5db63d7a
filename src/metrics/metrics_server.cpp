// GET /metrics over HTTP/1.1 with keep-alive; every other path is a 404 and
// every other method a 405. Each connection has an idle limit, and stop()
// closes them all, so that a scraper holding a connection open cannot keep
// the executor's run() from returning.
#include "mesoshttp/metrics_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace mesoshttp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
// A scraper asks every few seconds; a connection silent for longer is gone.
constexpr std::chrono::seconds idle_limit{60};
// A GET for /metrics is a few hundred bytes.
constexpr std::uint32_t request_limit = 64 * 1024;
}  // namespace

bool split_host_port(std::string_view address, std::string& host, std::string& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == address.size()) return false;
  host = std::string(address.substr(0, colon));
  port = std::string(address.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  for (const char c : port)
    if (c < '0' || c > '9') return false;
  return port.size() <= 5 && std::stoul(port) <= 65535;
}

struct metrics_server::state : std::enable_shared_from_this<state> {
  state(asio::any_io_executor ex, std::shared_ptr<metrics_registry> r)
      : executor(ex), registry(std::move(r)), acceptor(ex) {}

  struct connection {
    explicit connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void accept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      if (self->stopped) return;
      if (!ec) {
        auto conn = std::make_shared<connection>(std::move(socket));
        self->connections.push_back(conn);
        self->read(conn);
      }
      self->accept();
    });
  }

  void read(const std::shared_ptr<connection>& conn) {
    conn->request = {};
    conn->stream.expires_after(idle_limit);
    auto parser = std::make_shared<http::request_parser<http::string_body>>();
    parser->body_limit(request_limit);
    http::async_read(conn->stream, conn->buffer, *parser,
                     [self = shared_from_this(), conn, parser](beast::error_code ec, std::size_t) {
                       if (ec || self->stopped) return self->forget(conn);
                       conn->request = parser->release();
                       self->answer(conn);
                     });
  }

  void answer(const std::shared_ptr<connection>& conn) {
    const auto& req = conn->request;
    auto& res = conn->response;
    res = {};
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "mesoshttp");
    const auto target = std::string_view(req.target().data(), req.target().size());
    const auto path = target.substr(0, target.find('?'));
    if (path != "/metrics") {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "not found: the metrics are at /metrics\n";
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "only GET\n";
    } else {
      res.result(http::status::ok);
      res.set(http::field::content_type, prometheus_content_type);
      res.body() = to_prometheus_text(registry->snapshot());
      if (req.method() == http::verb::head) {
        res.content_length(res.body().size());
        res.body().clear();
      }
    }
    if (req.method() != http::verb::head) res.prepare_payload();
    http::async_write(conn->stream, res, [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
      if (ec || self->stopped || !conn->response.keep_alive()) {
        beast::error_code ignored;
        conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return self->forget(conn);
      }
      self->read(conn);
    });
  }

  void forget(const std::shared_ptr<connection>& conn) {
    std::erase(connections, conn);
    beast::error_code ignored;
    conn->stream.socket().close(ignored);
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    for (auto& conn : connections) conn->stream.socket().close(ignored);
    connections.clear();
  }

  asio::any_io_executor executor;
  std::shared_ptr<metrics_registry> registry;
  tcp::acceptor acceptor;
  std::vector<std::shared_ptr<connection>> connections;
  bool stopped = false;
};

metrics_server::metrics_server(asio::any_io_executor executor, std::shared_ptr<metrics_registry> registry,
                               std::string_view address) {
  if (!registry) throw std::invalid_argument("metrics_server: no registry");
  std::string host;
  std::string port;
  if (!split_host_port(address, host, port))
    throw std::invalid_argument("metrics address '" + std::string(address) + "' is not HOST:PORT");
  state_ = std::make_shared<state>(executor, std::move(registry));
  tcp::endpoint endpoint;
  boost::system::error_code ec;
  if (host.empty()) {
    endpoint = tcp::endpoint(tcp::v4(), static_cast<unsigned short>(std::stoul(port)));
  } else if (auto ip = asio::ip::make_address(host, ec); !ec) {
    endpoint = tcp::endpoint(ip, static_cast<unsigned short>(std::stoul(port)));
  } else {
    tcp::resolver resolver(executor);
    auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty())
      throw std::invalid_argument("metrics address '" + std::string(address) + "': cannot resolve " + host);
    endpoint = results.begin()->endpoint();
  }
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  state_->accept();
}

metrics_server::~metrics_server() { stop(); }

tcp::endpoint metrics_server::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void metrics_server::stop() {
  if (state_) state_->stop();
}

}  // namespace mesoshttp
