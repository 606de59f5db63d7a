// Opening a connection to a master (or agent): resolve, connect within a
// timeout, TCP_NODELAY (each request is one write: no delayed-ACK stall), and
// for https:// the TLS handshake with SNI and verification. The subscription
// and the call connections of every API open theirs here.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/detail/maybe_tls_stream.hpp"
#include "transport/tls_client.hpp"

namespace mesoshttp::detail {

using master_stream = maybe_tls_stream<boost::beast::tcp_stream>;

struct open_result {
  boost::beast::error_code error;  // empty: connected (and the handshake done)
  std::string text;                // for an error: what failed, naming the master
  bool unreachable = false;        // resolve or connect failed (not TLS): nobody answered there
};

struct open_request {
  boost::asio::ip::tcp::resolver& resolver;
  // Made with tls.context_for(master); an https:// master without a context
  // fails with the TLS configuration's error.
  master_stream& stream;
  const master_endpoint& master;
  tls_client& tls;
  std::chrono::milliseconds timeout;  // for the connect and for the handshake, each
  // Asked between the steps: true stops there, without calling `done` (the
  // caller has moved on: a newer attempt, a closed client).
  std::function<bool()> abandoned;
};

// `done` runs on the stream's executor, once, unless abandoned. The caller
// keeps the stream, the resolver and the TLS client alive until then (capture
// their owner in `done`).
void async_open(const open_request& request, std::function<void(open_result)> done);

}  // namespace mesoshttp::detail
