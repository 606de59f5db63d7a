// A small blocking HTTP client for the simulator's tests: real sockets on
// 127.0.0.1, Beast for the HTTP framing, and every wait bounded by a generous
// deadline so a broken simulator fails a test instead of hanging it.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/recordio.hpp"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace simtest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

inline constexpr auto deadline = std::chrono::seconds(20);

// Waits (polling) until `pred` holds or the deadline passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct reply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
  bool has(const std::string& name) const { return headers.count(name) != 0; }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Runs the io_context until `done` or the deadline; false on timeout.
inline bool run_until(net::io_context& ioc, const bool& done, std::chrono::steady_clock::duration limit = deadline) {
  ioc.restart();
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < end) ioc.run_one_for(50ms);
  return done;
}

// One keep-alive connection.
class connection {
 public:
  explicit connection(std::uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  // Sends raw bytes (for malformed requests).
  void send_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  std::optional<reply> request(const std::string& method, const std::string& target, const std::string& body,
                               const header_list& headers) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [n, v] : headers) req.set(n, v);
    req.body() = body;
    if (method != "GET" || !body.empty()) req.prepare_payload();
    http::write(socket_, req);
    return read_reply();
  }

  std::optional<reply> read_reply() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    bool done = false;
    beast::error_code result;
    http::async_read(socket_, buffer_, parser, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until(ioc_, done)) {
      socket_.close();
      run_until(ioc_, done, 5s);
      return std::nullopt;
    }
    if (result) return std::nullopt;
    reply r;
    r.status = parser.get().result_int();
    for (const auto& f : parser.get()) r.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    r.body = parser.get().body();
    return r;
  }

  // True if the peer closes the connection (EOF or reset) within the deadline.
  bool closed_by_peer(beast::error_code* how = nullptr) {
    char byte;
    bool done = false;
    beast::error_code result;
    socket_.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until(ioc_, done)) {
      socket_.cancel();
      run_until(ioc_, done, 5s);
      return false;
    }
    if (how) *how = result;
    return static_cast<bool>(result);
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

inline std::optional<reply> post(std::uint16_t port, const std::string& body, const header_list& headers,
                                 const std::string& target = "/api/v1/scheduler") {
  connection c(port);
  return c.request("POST", target, body, headers);
}

// A SUBSCRIBE stream: the response head, then decoded events one by one.
// Scheduler events (event_stream) or the operator API's (operator_stream,
// with the operator endpoint as `target`).
template <class Ev>
class basic_event_stream {
 public:
  basic_event_stream(std::uint16_t port, const std::string& body, mesoshttp::encoding content,
                     std::optional<std::string> accept = std::nullopt, header_list extra = {},
                     const std::string& target = "/api/v1/scheduler")
      : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, std::string(mesoshttp::content_type(content)));
    if (accept) req.set(http::field::accept, *accept);
    for (const auto& [n, v] : extra) req.set(n, v);
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
    parser_.body_limit(boost::none);
    bool done = false;
    beast::error_code result;
    http::async_read_header(socket_, buffer_, parser_, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until(ioc_, done) || result) {
      ended_ = true;
      return;
    }
    head_.status = parser_.get().result_int();
    for (const auto& f : parser_.get()) head_.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    const auto ct = head_.header("content-type");
    enc_ = mesoshttp::encoding_from_content_type(ct).value_or(mesoshttp::encoding::json);
    if (head_.status != 200) {
      // An error answer: read its body.
      if (!parser_.is_done()) read_more(deadline);
      head_.body = parser_.get().body();
      ended_ = true;
    }
  }

  const reply& head() const { return head_; }
  std::string stream_id() const { return head_.header("mesos-stream-id"); }
  mesoshttp::encoding encoding() const { return enc_; }

  // The next event, or nullopt when the stream ended (or the deadline passed).
  std::optional<Ev> next(std::chrono::steady_clock::duration limit = deadline) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (events_.empty() && !ended_ && !decoder_.failed()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= end) return std::nullopt;
      read_more(end - now);
    }
    if (events_.empty()) return std::nullopt;
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

  // The next event of `type`, skipping others (HEARTBEATs, offers...).
  std::optional<Ev> next_of(typename Ev::Type type, std::chrono::steady_clock::duration limit = deadline) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= end) return std::nullopt;
      auto e = next(end - now);
      if (!e) return std::nullopt;
      if (e->type() == type) return e;
    }
  }

  // Reads until the stream ends; true if it did within the deadline.
  bool wait_end(std::chrono::steady_clock::duration limit = deadline) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!ended_ && !decoder_.failed()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= end) return false;
      read_more(end - now);
    }
    return true;
  }

  bool ended() const { return ended_; }
  // The body bytes received so far (RecordIO records).
  const std::string& raw() const { return parser_.get().body(); }
  beast::error_code end_reason() const { return end_reason_; }
  // True when the chunked body ended with its terminating chunk.
  bool complete() const { return parser_.is_done(); }
  const mesoshttp::recordio::decoder& decoder() const { return decoder_; }
  std::size_t decode_errors() const { return decode_errors_; }
  std::uint64_t records() const { return decoder_.records(); }
  void close() {
    beast::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read_more(std::chrono::steady_clock::duration limit) {
    bool done = false;
    beast::error_code result;
    http::async_read_some(socket_, buffer_, parser_, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until(ioc_, done, limit)) {
      socket_.cancel();
      run_until(ioc_, done, 5s);
    }
    auto& body = parser_.get().body();
    if (body.size() > consumed_) {
      const std::string_view fresh(body.data() + consumed_, body.size() - consumed_);
      decoder_.feed(fresh, [&](std::string_view record) {
        Ev e;
        if (mesoshttp::decode(record, enc_, e))
          ++decode_errors_;
        else
          events_.push_back(std::move(e));
      });
      consumed_ = body.size();
    }
    if (parser_.is_done()) {
      ended_ = true;
      return;
    }
    if (result && result != net::error::operation_aborted) {
      ended_ = true;
      end_reason_ = result;
    }
  }

  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  reply head_;
  mesoshttp::encoding enc_ = mesoshttp::encoding::json;
  mesoshttp::recordio::decoder decoder_;
  std::size_t consumed_ = 0;
  std::deque<Ev> events_;
  bool ended_ = false;
  beast::error_code end_reason_;
  std::size_t decode_errors_ = 0;
};

using event_stream = basic_event_stream<mesos::v1::scheduler::Event>;
using operator_stream = basic_event_stream<mesos::v1::master::Event>;

// Encodes a Call in `e`.
inline std::string encode_call(const mesos::v1::scheduler::Call& call, mesoshttp::encoding e) {
  std::string out;
  mesoshttp::encode(call, e, out);
  return out;
}

inline mesos::v1::scheduler::Call subscribe_call(const std::string& name = "test", double failover_timeout = 0,
                                                 const std::string& id = "") {
  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("tester");
  info->set_name(name);
  if (failover_timeout > 0) info->set_failover_timeout(failover_timeout);
  if (!id.empty()) {
    info->mutable_id()->set_value(id);
    call.mutable_framework_id()->set_value(id);
  }
  return call;
}

inline header_list call_headers(mesoshttp::encoding e, const std::string& stream_id) {
  header_list h{{"Content-Type", std::string(mesoshttp::content_type(e))},
                {"Accept", std::string(mesoshttp::content_type(e))}};
  if (!stream_id.empty()) h.emplace_back("Mesos-Stream-Id", stream_id);
  return h;
}

}  // namespace simtest
