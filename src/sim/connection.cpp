#include "connection.hpp"

#include <ctime>

#include "mesoshttp/recordio.hpp"

namespace mesoshttp::sim {

namespace detail {

std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<std::string_view> header_of(const http::request<http::string_body>& req, std::string_view name) {
  const auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

protocol::request_view request_view_of(const http::request<http::string_body>& req) {
  protocol::request_view view;
  view.method = std::string_view(req.method_string().data(), req.method_string().size());
  view.target = std::string_view(req.target().data(), req.target().size());
  view.content_type = header_of(req, "Content-Type");
  view.accept = header_of(req, "Accept");
  view.stream_id = header_of(req, "Mesos-Stream-Id");
  view.body = req.body();
  return view;
}

std::string serialize(const protocol::answer& a, bool with_date) {
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(a.status))) + "\r\n";
  if (with_date) out += "Date: " + http_date() + "\r\n";
  for (const auto& [name, value] : a.headers) out += name + ": " + value + "\r\n";
  if (!a.content_type.empty()) out += "Content-Type: " + a.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n";
  out += a.body;
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out += size;
  out.append(data.data(), data.size());
  out += "\r\n";
}

}  // namespace detail

namespace {

// Protobuf's JSON printer quotes 64-bit integers; a real master prints range
// bounds as plain numbers ("begin":31000), and a client with its own JSON
// reader may depend on that.
void unquote_ranges(std::string& json) {
  for (const std::string_view key : {"\"begin\":\"", "\"end\":\""}) {
    std::size_t pos = 0;
    while ((pos = json.find(key, pos)) != std::string::npos) {
      const std::size_t quote = pos + key.size() - 1;
      std::size_t end = quote + 1;
      while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
      if (end < json.size() && json[end] == '"' && end > quote + 1) {
        json.erase(end, 1);
        json.erase(quote, 1);
      }
      pos = quote;
    }
  }
}

}  // namespace

connection::connection(cluster::impl& s, std::size_t m, std::uint64_t i, tcp::socket sock, net::ssl::context* tls)
    : sim(s),
      master(m),
      id(i),
      stream(std::move(sock), tls),
      socket(stream.next_layer()),
      heartbeat(s.ioc),
      delay(s.ioc) {}

void connection::start() {
  if (!stream.tls()) return read_request();
  stream.tls()->async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->close();
    self->read_request();
  });
}

void connection::read_request() {
  if (closed) return;
  parser.emplace();
  parser->body_limit(sim.cfg.max_body_size);
  parser->header_limit(64 * 1024);
  http::async_read(stream, buffer, *parser,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
}

void connection::on_request(beast::error_code ec) {
  if (closed) return;
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset) {
    close();
    return;
  }
  if (ec == http::error::body_limit) {
    send(detail::serialize(
        protocol::text(413, "Request body is larger than " + std::to_string(sim.cfg.max_body_size) + " bytes"), true));
    close_after_write = true;
    return;
  }
  if (ec) {
    if (ec.category() == beast::error_code(http::error::bad_method).category() || ec == http::error::header_limit) {
      send(detail::serialize(protocol::text(400, "Malformed HTTP request: " + ec.message()), true));
      close_after_write = true;
    } else {
      close();
    }
    return;
  }
  if (agent_side)
    sim.handle_agent_request(shared_from_this(), parser->release());
  else
    sim.handle_request(shared_from_this(), parser->release());
}

void connection::answer(const protocol::answer& a, bool keep_alive, bool with_date) {
  send(detail::serialize(a, with_date));
  if (keep_alive)
    read_request();
  else
    close_after_write = true;
}

void connection::send(std::string bytes) {
  if (closed) return;
  out.push_back(std::move(bytes));
  write_next();
}

void connection::write_next() {
  if (writing || closed) return;
  batch.clear();
  while (!out.empty() && batch.size() < 256 * 1024) {
    batch += out.front();
    out.pop_front();
  }
  while (flood_left > 0 && batch.size() < 256 * 1024) {
    batch += flood_record;
    --flood_left;
  }
  if (batch.empty()) {
    if (close_after_write) graceful_close();
    return;
  }
  writing = true;
  net::async_write(stream, net::buffer(batch), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing = false;
    if (ec) {
      self->close();
      return;
    }
    self->write_next();
  });
}

void connection::watch_stream() {
  stream.async_read_some(net::buffer(discard), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->close();
      return;
    }
    self->watch_stream();
  });
}

void connection::close_when_written() {
  close_after_write = true;
  write_next();
}

void connection::end_stream() {
  streaming = false;
  heartbeat.cancel();
  send(std::string(detail::last_chunk));
  close_when_written();
}

void connection::end_stream_with_error(const std::string& message) {
  Event e;
  e.set_type(Event::ERROR);
  e.mutable_error()->set_message(message);
  send_event(e);
  end_stream();
}

void connection::graceful_close() {
  if (closed) return;
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  close();
}

void connection::reset() {
  if (closed) return;
  beast::error_code ignored;
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  close();
}

void connection::close() {
  if (closed) return;
  closed = true;
  beast::error_code ignored;
  socket.close(ignored);
  heartbeat.cancel();
  delay.cancel();
  out.clear();
  flood_left = 0;
  if (agent_side) {
    sim.agents[master].connections.erase(id);
    if (streaming) sim.executor_stream_closed(*this);
    return;
  }
  sim.masters[master]->connections.erase(id);
  if (streaming && !operator_stream) sim.stream_closed(*this);
}

void connection::send_event(const google::protobuf::Message& event) {
  // Text a framework sent in protobuf may hold bytes that are not UTF-8 (a
  // task name, a label). A real master's JSON writer passes them through
  // raw, and JSON readers reject the whole event; here they go out as '?'
  // (as in the RECONCILE_OPERATIONS answer).
  std::string record;
  std::string why;
  if (encode_coercing_utf8(event, enc, record, &why)) {
    sim.report_encode_failure(event, why);
    return;
  }
  if (enc == encoding::json) unquote_ranges(record);
  std::string framed;
  recordio::encode(record, framed);
  std::string chunk;
  detail::append_chunk(chunk, framed);
  send(std::move(chunk));
}

void connection::arm_heartbeat() {
  heartbeat.expires_after(sim.cfg.heartbeat_interval);
  heartbeat.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed) return;
    if (!self->sim.heartbeats_paused) {
      if (self->operator_stream) {
        mesos::v1::master::Event e;
        e.set_type(mesos::v1::master::Event::HEARTBEAT);
        self->send_event(e);
      } else {
        Event e;
        e.set_type(Event::HEARTBEAT);
        self->send_event(e);
      }
    }
    self->arm_heartbeat();
  });
}

}  // namespace mesoshttp::sim
