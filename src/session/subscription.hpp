// One API's subscription to its master: the long-lived event stream with its
// attempts (connect, SUBSCRIBE-style POST, the answer's head), redirects, the
// authorization refresh after a 401, the heartbeat watchdog, pauses for
// backpressure, losses and reconnects with backoff, and the leader a detector
// names. Knows nothing of the API's messages: the API layer supplies the
// request body and takes each record (hooks), and says when its stream is
// subscribed (subscribed()). The decisions are session/subscribe_answer's and
// session/reconnect_fsm's; this is the I/O around them. Lives on the API
// client's strand.
//
//   attempt -> transport/connector -> POST -> head (subscribe_answer) ->
//   reads of 64 KiB -> stream/event_stream_reader -> hooks.on_record ->
//   ... -> lost -> reconnect_fsm -> attempt
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"
#include "log_sink.hpp"
#include "session/reconnect_fsm.hpp"
#include "transport/authorizer.hpp"
#include "transport/tls_client.hpp"

namespace mesoshttp::detail {

class subscription : public std::enable_shared_from_this<subscription> {
 public:
  struct settings {
    encoding wire = encoding::protobuf;
    std::string user_agent;
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds subscribe_timeout{10'000};  // also the watchdog before the API's SUBSCRIBED
    std::size_t max_record_size = 0;
    unsigned heartbeat_tolerance = 5;  // silent heartbeat intervals before the stream counts as lost
    bool detector = false;             // a detector names the leader (it may name none)
    // Whether a 200 must carry Mesos-Stream-Id: the scheduler's does; an
    // agent's answer to an executor's SUBSCRIBE has none (executor-answers.md).
    bool stream_id_required = true;
  };

  // How the API layer takes part. Called on the strand.
  struct hooks {
    // The body of this attempt's request (the API's SUBSCRIBE call).
    std::function<std::error_code(encoding wire, std::string& body, std::string& why)> request_body;
    // Each record of the current stream, in order. An error ends the stream,
    // `why` saying what happened.
    std::function<std::error_code(std::string_view record, encoding wire, std::string& why)> on_record;
    // An attempt starts (calls of the old stream's connections are the
    // API's to fail now).
    std::function<void()> on_attempt;
    // The stream, or an attempt, is gone; calls wait. `announce` is false for
    // an end the API expected (see expect_end()).
    std::function<void(std::error_code why, const std::string& text, bool announce)> on_down;
    // The session gives up (a refusal that will not change, the reconnect
    // budget spent, the request unencodable): the API closes with this.
    std::function<void(std::error_code why, const std::string& text)> on_give_up;
    // Backpressure: a consumer has a full queue; flush what was parsed
    // (waking waiting readers or not).
    std::function<bool()> consumers_full;
    std::function<void(bool wake)> flush;
    // Optional: the API decides what follows a loss, instead of
    // reconnect_fsm (the executor API: its recovery timeout, no reconnect
    // without checkpointing). Called after on_down for a broken stream, a
    // failed attempt or a refused SUBSCRIBE (`refusal_status`: its HTTP
    // status; 0 otherwise). Returns the wait before the next attempt, or
    // nullopt for none: the API ends itself (or already has).
    std::function<std::optional<std::chrono::milliseconds>(std::error_code why, const std::string& text,
                                                           unsigned refusal_status)>
        after_loss;
  };

  subscription(boost::asio::strand<boost::asio::any_io_executor> strand, settings config, hooks api, leader_fsm leader,
               const reconnect_config& reconnect, tls_client& tls, authorizer& authorization, log_sink log);

  void start();
  // The API's stream says it is subscribed (the scheduler's SUBSCRIBED), with
  // the heartbeat interval it announced: the watchdog, a healthy stream.
  void subscribed(std::chrono::milliseconds heartbeat_interval);
  // The subscription is known to be gone (a call was answered 307/403/...):
  // resubscribe as after a broken stream.
  void lost(std::error_code why, const std::string& text);
  // The master is expected to end the stream (the scheduler's TEARDOWN is on
  // the wire): its end is not a loss and is not announced.
  void expect_end(bool expected) { end_expected_ = expected; }
  // After an expected end that did not come to pass (TEARDOWN failed): if
  // no attempt runs, subscribe again.
  void resubscribe_if_down();
  // A consumer made room: read on if the stream was paused for it.
  void resume();
  // What the detector says (settings.detector): the leader's URL, whose API
  // is at `target`, or nullopt while none is known (`reason` says why). No
  // leader: keep a live stream (the old leader may still serve: ZooKeeper
  // only lost its node), else wait for one. A leader: a new one ends the
  // stream and is subscribed to at once. A URL that is not a master's counts
  // as no leader. Each report is logged; what it means is session_rules'.
  void detector_report(const std::optional<std::string>& url, const std::string& reason, std::string_view target,
                       unsigned max_redirects);
  void close();

  const master_endpoint& leader() const noexcept { return leader_.current(); }
  std::uint64_t generation() const noexcept { return generation_; }
  const std::string& stream_id() const noexcept { return stream_id_; }

 private:
  struct connection;

  void leader_unknown();
  void leader_named(const master_endpoint& leader, unsigned max_redirects);

  bool stale(std::uint64_t generation) const { return closed_ || generation != generation_; }
  void attempt();
  void send_request(std::uint64_t generation);
  void on_head(std::uint64_t generation, boost::system::error_code ec);
  void refused(unsigned status, const std::string& text);
  std::chrono::milliseconds watchdog_timeout() const;
  bool parse_buffered(std::uint64_t generation);
  std::string end_text() const;
  void read(std::uint64_t generation);
  void on_read(std::uint64_t generation, boost::system::error_code ec, std::size_t n);
  void close_connection();
  void attempt_failed(std::error_code why, const std::string& text, bool unreachable = false);
  void drop(std::error_code why, const std::string& text, bool announce = true);
  void follow(const reconnect_fsm::action& next);
  void api_decides(std::error_code why, const std::string& text, unsigned refusal_status);
  void retry_after(std::chrono::milliseconds wait);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  settings settings_;
  hooks hooks_;
  leader_fsm leader_;
  reconnect_fsm reconnect_;
  tls_client& tls_;
  authorizer& authorization_;
  log_sink log_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer retry_timer_;

  bool closed_ = false;
  std::uint64_t generation_ = 0;
  // Shared with the handlers of its pending operations: a connection that is
  // replaced or closed must outlive the completions it still owes.
  std::shared_ptr<connection> conn_;
  bool connecting_ = false;  // an attempt runs and has no stream yet
  bool subscribed_ = false;
  bool paused_ = false;
  bool end_expected_ = false;
  bool leader_known_ = true;
  bool authorization_refreshed_ = false;  // one refresh per subscription after a 401
  std::string stream_id_;
  std::chrono::milliseconds heartbeat_interval_{15'000};
};

}  // namespace mesoshttp::detail
