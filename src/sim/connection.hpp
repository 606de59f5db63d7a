// One HTTP connection to a simulated master: reads requests, writes answers
// in order, and, once a SUBSCRIBE made it an event stream, events as chunks
// of RecordIO records and heartbeats.
#pragma once

#include <boost/beast/core.hpp>

#include <array>
#include <optional>
#include <string_view>

#include "cluster_impl.hpp"
#include "mesoshttp/detail/maybe_tls_stream.hpp"

namespace mesoshttp::sim {

namespace detail {

// The current time as an HTTP Date header value.
std::string http_date();
// An answer as HTTP/1.1 response bytes (a redirect goes without Date).
std::string serialize(const protocol::answer& a, bool with_date);
// Appends one chunk of a chunked body.
void append_chunk(std::string& out, std::string_view data);
// The last chunk of a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

// A header's value, or nullopt when the request has none (a view into `req`).
std::optional<std::string_view> header_of(const http::request<http::string_body>& req, std::string_view name);
// What the APIs' request checks read (views into `req`): method, target,
// Content-Type, Accept, Mesos-Stream-Id and the body.
protocol::request_view request_view_of(const http::request<http::string_body>& req);

}  // namespace detail

struct connection : std::enable_shared_from_this<connection> {
  cluster::impl& sim;
  std::size_t master;
  std::uint64_t id;
  mesoshttp::detail::maybe_tls_stream<tcp::socket> stream;
  tcp::socket& socket;  // the TCP layer under `stream`
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  std::deque<std::string> out;
  bool writing = false;
  bool close_after_write = false;
  bool closed = false;
  std::string batch;

  // A SUBSCRIBE stream: a framework's, or, with `operator_stream`, an
  // operator API subscriber's (master::Event records, no framework).
  bool streaming = false;
  bool operator_stream = false;
  std::string framework_id;
  std::string stream_id;
  // A connection to an agent's executor endpoint: `master` is then the
  // agent's index, and a stream is an executor's (key: framework_id,
  // executor_id).
  bool agent_side = false;
  std::string executor_id;
  encoding enc = encoding::json;
  net::steady_timer heartbeat;
  std::size_t flood_left = 0;
  std::string flood_record;  // one framed record, already chunked
  std::array<char, 4096> discard{};
  net::steady_timer delay;

  connection(cluster::impl& s, std::size_t m, std::uint64_t i, tcp::socket sock, net::ssl::context* tls);

  // TLS connections shake hands before the first request.
  void start();
  void read_request();
  void on_request(beast::error_code ec);
  // Answers a request; the connection stays open unless the request said close.
  void answer(const protocol::answer& a, bool keep_alive, bool with_date = true);
  void send(std::string bytes);
  void write_next();
  // Streams keep reading only to notice the client going away.
  void watch_stream();
  // Closes the connection once everything queued so far is written.
  void close_when_written();
  // Ends an event stream the way a master does: the last chunk, then the
  // connection closes once everything queued before it is written. It no
  // longer counts as the framework's stream (its end disconnects nothing).
  void end_stream();
  // An ERROR event with `message`, then end_stream(): how a master refuses a
  // subscription or tells a framework it failed over.
  void end_stream_with_error(const std::string& message);
  void graceful_close();
  void reset();
  void close();
  // Encodes as the stream's encoding (a scheduler Event, or a master::Event
  // on an operator stream); a failure is reported and the event not sent.
  void send_event(const google::protobuf::Message& event);
  void arm_heartbeat();
};

}  // namespace mesoshttp::sim
