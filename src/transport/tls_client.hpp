// TLS towards masters (and agents): the client context, built once from
// tls_config, and per connection SNI and the host name check. Shared by the
// subscription and the call connections of every API.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <optional>
#include <string>

#include "mesoshttp/config.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"

namespace mesoshttp::detail {

class tls_client {
 public:
  explicit tls_client(tls_config config) : config_(std::move(config)) {}

  // The context for a connection to `master`: nullptr for http://. Built on
  // first use (loading the system's CA store is not free); for an https://
  // master whose context cannot be built, nullptr too, and error() says why.
  boost::asio::ssl::context* context_for(const master_endpoint& master);

  // Builds the context now. Returns the configuration error, empty if none
  // (an unreadable CA file, a certificate without its key, ...).
  const std::string& build();
  const std::string& error() const noexcept { return error_; }

  // SNI (names only, never addresses) and, when verifying, the host name check.
  void prepare(boost::asio::ssl::stream<boost::beast::tcp_stream>& stream, const master_endpoint& master) const;

  // "TLS handshake with <url> failed: <why> (<what the verification found>)".
  static std::string failure_text(boost::asio::ssl::stream<boost::beast::tcp_stream>& stream,
                                  const master_endpoint& master, const boost::system::error_code& ec);

 private:
  tls_config config_;
  std::optional<boost::asio::ssl::context> context_;
  std::string error_;
};

}  // namespace mesoshttp::detail
