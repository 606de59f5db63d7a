// The call path's I/O: a bounded queue of calls, their deadlines, and a pool
// of keep-alive connections to the leader that carries them (one call per
// connection at a time, each request one write). The decisions are
// call_rules'; what a call is and what its answer means are the API layer's
// (hooks below). Lives on the API client's strand.
//
//   submit -> queue (admission; deadline) -> pump -> a connection (opened via
//   transport/connector) -> answer -> classify: complete, resend (idempotent
//   calls only), refresh authorization, or "the subscription is gone".
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mesoshttp/client.hpp"
#include "log_sink.hpp"
#include "transport/authorizer.hpp"
#include "transport/tls_client.hpp"

namespace mesoshttp::detail {

// One call from its submission to its result. The pool never looks inside
// the message: `encode` writes its body for each attempt (the API layer fills
// in what it learnt since, such as the framework id).
struct pending_call {
  using encoder = std::function<std::error_code(encoding wire, std::string& body, std::string& why)>;
  // Constructed, never assigned: Boost 1.81's any_completion_handler move
  // assignment recurses without end.
  pending_call(std::string_view call_name, int call_type, bool may_resend, encoder body_encoder,
               boost::asio::any_completion_handler<void(call_result)> on_result)
      : name(call_name),
        type(call_type),
        idempotent(may_resend),
        encode(std::move(body_encoder)),
        handler(std::move(on_result)) {}

  std::string_view name;  // the call type's name, for messages (static storage: the enum's name)
  int type;               // the API's call type number, for its hooks
  bool idempotent;        // may be sent again after a failure (never ACCEPT: it would launch twice)
  encoder encode;         // emptied when the call completes: it holds the message
  boost::asio::any_completion_handler<void(call_result)> handler;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::steady_clock::time_point submitted;  // set by the API layer, for its latency metric
  unsigned attempts = 0;
  bool done = false;
  bool fire_and_forget = false;  // send(): a failure is logged at warning, nobody else hears of it
  bool sent = false;             // went out at least once
  bool authorization_retried = false;
  // Set by the API layer for a call it will not send (no type, a type only
  // it may send): refused with error::invalid_argument and this reason.
  std::string invalid;
};

class call_pool : public std::enable_shared_from_this<call_pool> {
 public:
  struct settings {
    encoding wire = encoding::protobuf;
    std::string user_agent;
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds call_timeout{30'000};
    std::size_t queue_limit = 65'536;
    std::size_t connections = 4;
    unsigned idempotent_retries = 3;
  };

  // How the API layer takes part. Called on the strand.
  struct hooks {
    // A 200 with a body: decode the API's Response from result.body into
    // `result`. Returns why it cannot be read (the call then fails with
    // error::unexpected_response), empty on success.
    std::function<std::string(call_result& result, encoding wire)> decode_response;
    // The call goes out now (the scheduler watches TEARDOWN).
    std::function<void(const pending_call& call)> on_sent;
    // The call is complete, before its handler runs.
    std::function<void(const pending_call& call, const call_result& result)> on_completed;
    // A call of the current subscription was answered 307, 403 or a 400
    // naming the stream id: the subscription was replaced or lost.
    std::function<void(unsigned status)> on_subscription_gone;
  };

  call_pool(boost::asio::strand<boost::asio::any_io_executor> strand, settings config, hooks api, tls_client& tls,
            authorizer& authorization, log_sink log);

  // From any thread: admitted (or refused) on the strand.
  void submit(std::shared_ptr<pending_call> call);

  // Calls go out once a subscription stands: to its master, with its stream
  // id (Mesos-Stream-Id; empty for APIs without one). `generation` tells an
  // answer of this subscription's connections from one of an older one.
  void on_subscribed(const master_endpoint& master, std::string stream_id, std::uint64_t generation);
  // Calls wait (until their deadline) for the next subscription. Calls on
  // the wire keep their connections: their answers are still the master's.
  void on_unsubscribed();
  // A new attempt to subscribe starts: calls still on the wire of the old
  // connections are failed, or sent again if idempotent, so that no answer of
  // an old connection arrives after a new subscription started.
  void fail_in_flight(std::error_code ec, const std::string& text);
  // Every call, queued or on the wire, completes with `reason`; later
  // submissions are refused with it.
  void close(std::error_code reason, const std::string& message);

 private:
  struct connection;

  static call_result failure(std::error_code ec, std::string message);
  void enqueue(const std::shared_ptr<pending_call>& pc);
  void complete(const std::shared_ptr<pending_call>& pc, call_result result);
  void arm_deadline_timer();
  void on_call_timeout(const std::shared_ptr<pending_call>& pc);
  void retry_or_fail(const std::shared_ptr<pending_call>& pc, call_result result);
  void retire(const std::shared_ptr<connection>& conn);
  void pump();
  void open_connection();
  void connection_failed(const std::shared_ptr<connection>& conn, const std::string& text);
  void send_on(const std::shared_ptr<connection>& conn, const std::shared_ptr<pending_call>& pc);
  void on_answer(const std::shared_ptr<connection>& conn, boost::beast::error_code ec);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  settings settings_;
  hooks hooks_;
  tls_client& tls_;
  authorizer& authorization_;
  log_sink log_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_timer_;
  bool deadline_armed_ = false;

  bool closed_ = false;
  std::error_code closed_reason_;
  std::string closed_message_;
  bool subscribed_ = false;
  master_endpoint master_;
  std::string stream_id_;
  std::uint64_t generation_ = 0;

  std::deque<std::shared_ptr<pending_call>> queue_;
  std::vector<std::shared_ptr<connection>> connections_;
  std::deque<std::shared_ptr<pending_call>> deadlines_;  // unfinished calls, oldest first
};

}  // namespace mesoshttp::detail
