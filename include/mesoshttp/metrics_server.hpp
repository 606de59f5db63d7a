// A small HTTP server for a registry's metrics: GET /metrics answers with the
// Prometheus text format (see metrics.hpp). For the `mesoshttp` command's
// --metrics-address, and for any framework that wants the same.
//
//   asio::io_context io;
//   mesoshttp::metrics_server server(io.get_executor(), client.metrics(), "127.0.0.1:9100");
//   ... io.run() ...
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "mesoshttp/metrics.hpp"

namespace mesoshttp {

class metrics_server {
 public:
  // Listens at once on `address`, "HOST:PORT" (an IP address or a name that
  // resolves; "[::1]:9100" for IPv6; port 0 takes any free port: see
  // local_endpoint()), and serves on `executor`. Throws std::invalid_argument
  // for an address it cannot read and boost::system::system_error if it
  // cannot listen there.
  metrics_server(boost::asio::any_io_executor executor, std::shared_ptr<metrics_registry> registry,
                 std::string_view address);
  // Stops (see stop()).
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  // Where it listens (the port chosen, for port 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Closes the listening socket and every open connection, so that the
  // executor's run() can return. Idempotent; call it on the executor's thread
  // (or once that executor no longer runs).
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

// "HOST:PORT" -> host and port; false if it is not of that form.
bool split_host_port(std::string_view address, std::string& host, std::string& port);

}  // namespace mesoshttp
