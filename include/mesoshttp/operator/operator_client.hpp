// Calls of the operator API (`POST /api/v1`) on a master or an agent: every
// call type of mesos.v1.master.Call / mesos.v1.agent.Call, built with
// protobuf or the builders in operator_calls.hpp, completed once with the
// typed Response (200), the bare status (200 with an empty body, 202), or an
// error naming the endpoint and quoting what it said.
//
// A call is sent to the configured endpoints in order until one answers;
// a non-leading master's 307 is followed to the leader (protocol-relative
// Location), 503 (recovering) and a start-up 404 are retried with backoff,
// all within the call's deadline. Answers are asked for gzip-compressed and
// inflated; a body has no size limit (a large cluster's GET_STATE is hundreds
// of MB in JSON). One connection per call: operator tools make few calls, and
// a fresh connection always finds the current leader.
//
// Built on the transport the scheduler client uses (src/transport/: opening
// connections with TLS, requests in one write, authorization) and its leader
// tracking (leader_fsm).
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "mesos/v1/agent/agent.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/config.hpp"

namespace mesoshttp::operator_api {

// Waits of 100 ms doubling up to 2 s, fully jittered.
inline reconnect_config default_retry() {
  reconnect_config r;
  r.initial_wait = std::chrono::milliseconds(100);
  r.max_wait = std::chrono::milliseconds(2'000);
  return r;
}

struct operator_config {
  // Where to send calls: any masters of one cluster (master_client) or one
  // agent (agent_client): "http://host:5050", "https://host", "host:port".
  // The path is /api/v1. No default: there is no sensible one.
  std::vector<std::string> endpoints;
  // Encoding of calls and answers. protobuf is smaller and faster to decode;
  // json is readable on the wire.
  encoding wire = encoding::protobuf;
  // The whole call, redirects and retries included. A master that recovers
  // after a restart answers 503 for a moment; 30 s rides out a leader change.
  std::chrono::milliseconds call_timeout{30'000};
  // Each connection attempt (and its TLS handshake).
  std::chrono::milliseconds connect_timeout{5'000};
  // Redirects followed within one call: a non-leader names the leader in one
  // hop; more means masters that disagree about who leads.
  unsigned max_redirects = 4;
  // Waits between retries (503, start-up 404, every endpoint unreachable):
  // short, because a recovering master answers within a fraction of a second.
  // Only initial_wait, max_wait, jitter and custom_delay apply: the deadline
  // bounds the attempts.
  reconnect_config retry = default_retry();
  // Send Accept-Encoding: gzip. Large answers (GET_STATE, GET_METRICS) are
  // several times smaller on the wire; off only to debug with a sniffer.
  bool accept_gzip = true;
  std::string user_agent = "mesoshttp-operator";
  // TLS for https:// endpoints, as for the scheduler client.
  tls_config tls;
  // HTTP Basic credentials, or a provider of the Authorization value (asked
  // again once after a 401). A provider wins when both are set.
  std::optional<credentials> basic_credentials;
  authorization_provider authorization;
  // Where the client says what it does (redirects followed, retries); none by default.
  logger log;
};

// What one call came to.
template <class Response>
struct operator_result {
  // Empty: the endpoint accepted the call (200 or 202). Else call_rejected
  // (its status and body in `message`), call_timeout, decode_failed, ...
  std::error_code error;
  unsigned status = 0;    // the HTTP status of the last answer; 0: none came
  std::string message;    // for an error: what happened, naming the endpoint
  std::string endpoint;   // the URL that answered last
  unsigned attempts = 0;  // requests sent (redirects and retries included)
  // A 200 with a body: the decoded Response. Calls that change something
  // answer 200 with an empty body (or 202): no Response.
  std::optional<Response> response;

  explicit operator bool() const noexcept { return !error; }
};

using master_result = operator_result<mesos::v1::master::Response>;
using agent_result = operator_result<mesos::v1::agent::Response>;

namespace detail {
class operator_caller;
}

// Calls on the masters of one cluster. Thread-safe; handlers run on the
// executor given.
class master_client {
 public:
  master_client(boost::asio::any_io_executor executor, operator_config config);
  ~master_client();
  master_client(const master_client&) = delete;
  master_client& operator=(const master_client&) = delete;

  void async_call(const mesos::v1::master::Call& call, std::function<void(master_result)> done);

  // The configuration error, if any (an endpoint that is not a URL, no
  // endpoint, an unusable TLS configuration); calls then fail with it.
  const std::string& config_error() const;

 private:
  std::shared_ptr<detail::operator_caller> caller_;
};

// Calls on one agent.
class agent_client {
 public:
  agent_client(boost::asio::any_io_executor executor, operator_config config);
  ~agent_client();
  agent_client(const agent_client&) = delete;
  agent_client& operator=(const agent_client&) = delete;

  void async_call(const mesos::v1::agent::Call& call, std::function<void(agent_result)> done);
  const std::string& config_error() const;

 private:
  std::shared_ptr<detail::operator_caller> caller_;
};

// One call, waited for: runs its own event loop on the calling thread (for
// command-line tools and scripts).
master_result call_master(const operator_config& config, const mesos::v1::master::Call& call);
agent_result call_agent(const operator_config& config, const mesos::v1::agent::Call& call);

}  // namespace mesoshttp::operator_api
