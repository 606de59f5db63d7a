// Errors of the library, as a std::error_code category (Asio and Beast report
// theirs the same way, so callers handle all of them with one type).
#pragma once

#include <string>
#include <system_error>

namespace mesoshttp {

enum class error {
  // RecordIO framing (the SUBSCRIBE stream). The stream is not read past these.
  recordio_bad_length = 1,    // a byte other than a digit or the newline in a record length
  recordio_length_overflow,   // the length does not fit in 64 bits
  recordio_zero_length,       // a record of length 0 (Mesos never sends one)
  recordio_record_too_large,  // the length exceeds the configured maximum record size
  recordio_truncated,         // the stream ended inside a record

  // Codecs.
  decode_failed,             // bytes are not a valid message in the given encoding
  missing_required_fields,   // decoded, but proto2 required fields are absent
  encode_failed,             // the message could not be serialised (e.g. required fields unset)
  unsupported_content_type,  // neither application/x-protobuf nor application/json

  // Client: subscription and calls.
  invalid_argument,              // a bad configuration or call given by the caller
  invalid_master_url,            // a master URL that is not http://, https:// or zk://
  not_subscribed,                // a call needs a subscription that is not there (yet)
  call_timeout,                  // the call got no answer within its deadline
  call_rejected,                 // the master answered with a status that is not 2xx
  connection_lost,               // the connection broke while the call was in flight
  shut_down,                     // the client was shut down before the call completed
  aborted,                       // the client was aborted
  queue_full,                    // the bounded queue of pending calls is full
  subscribe_rejected,            // the master refused SUBSCRIBE (its body is in the message)
  too_many_redirects,            // more 307 hops than the configuration allows
  redirect_loop,                 // a 307 led back to a master already visited
  insecure_redirect,             // a 307 from https to http, which is never followed
  bad_redirect,                  // a 307 without a usable Location
  heartbeat_timeout,             // no bytes from the master for tolerance x heartbeat interval
  framework_error,               // the master sent an ERROR event (e.g. framework failed over)
  unexpected_response,           // an answer the API does not define (content type, missing header)
  no_master_reachable,           // every master was tried and none could be subscribed to
  reconnect_attempts_exhausted,  // the configured maximum of reconnect attempts was reached
  consumer_overflow,             // a consumer fell behind with the "detach" overflow policy
  stream_closed,                 // the master closed the event stream between records
  no_leader,                     // the master detector knows no leader at the moment
  invalid_configuration,  // a client_config the client cannot use (TLS files, no master, zk:// without mesoshttp::zk)
  wait_timeout,           // event_stream::next(timeout) returned with no item (the stream goes on)
  detached,               // the consumer was detached by its owner (its handle dropped or detach())
  not_attached,           // an event_stream that holds no consumer (default-constructed, moved from, detached)
  concurrent_wait,        // a second async_next while one is pending on the same event_stream
  // The production-framework toolkit (include/mesoshttp/framework/).
  framework_id_store,     // the framework-id store cannot be read or written, is corrupt or another framework's
  framework_removed,      // the master removed the framework (torn down, or its failover_timeout expired): final
  framework_failed_over,  // another scheduler subscribed with this framework id and took over: final
  // The executor API (include/mesoshttp/executor/).
  invalid_executor_environment,  // a MESOS_* variable an executor needs is missing or malformed
  agent_error_event,             // the agent sent the executor an ERROR event: final
  agent_recovery_timed_out,      // the agent was not back within the recovery timeout: final
  agent_lost,                    // the connection to the agent broke and nothing will recover it: final
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace mesoshttp

template <>
struct std::is_error_code_enum<mesoshttp::error> : std::true_type {};
