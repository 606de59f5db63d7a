#include "mesoshttp/error.hpp"

namespace mesoshttp {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "mesoshttp"; }

  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::recordio_bad_length: return "RecordIO: invalid character in record length";
      case error::recordio_length_overflow: return "RecordIO: record length overflows 64 bits";
      case error::recordio_zero_length: return "RecordIO: record of length zero";
      case error::recordio_record_too_large: return "RecordIO: record larger than the maximum record size";
      case error::recordio_truncated: return "RecordIO: stream ended inside a record";
      case error::decode_failed: return "message could not be decoded";
      case error::missing_required_fields: return "message lacks required fields";
      case error::encode_failed: return "message could not be encoded";
      case error::unsupported_content_type: return "unsupported content type";
      case error::invalid_argument: return "invalid argument";
      case error::invalid_master_url: return "invalid master URL";
      case error::not_subscribed: return "not subscribed";
      case error::call_timeout: return "call timed out";
      case error::call_rejected: return "call rejected by the master";
      case error::connection_lost: return "connection lost while the call was in flight";
      case error::shut_down: return "client shut down";
      case error::aborted: return "client aborted";
      case error::queue_full: return "call queue full";
      case error::subscribe_rejected: return "SUBSCRIBE rejected by the master";
      case error::too_many_redirects: return "too many redirects";
      case error::redirect_loop: return "redirect loop";
      case error::insecure_redirect: return "redirect from https to http refused";
      case error::bad_redirect: return "redirect without a usable Location";
      case error::heartbeat_timeout: return "no heartbeat from the master";
      case error::framework_error: return "the master sent an ERROR event";
      case error::unexpected_response: return "unexpected response from the master";
      case error::no_master_reachable: return "no master reachable";
      case error::reconnect_attempts_exhausted: return "reconnect attempts exhausted";
      case error::consumer_overflow: return "event consumer fell behind and was detached";
      case error::stream_closed: return "the master closed the event stream";
      case error::no_leader: return "no leading master known";
      case error::invalid_configuration: return "invalid client configuration";
      case error::wait_timeout: return "no event within the wait";
      case error::detached: return "the consumer was detached";
      case error::not_attached: return "the event stream has no consumer";
      case error::concurrent_wait: return "another wait is pending on this event stream";
      case error::framework_id_store: return "the framework id store failed";
      case error::framework_removed: return "the master removed the framework";
      case error::framework_failed_over: return "another scheduler took over the framework";
      case error::invalid_executor_environment: return "the executor's environment is missing or malformed";
      case error::agent_error_event: return "the agent sent the executor an ERROR event";
      case error::agent_recovery_timed_out: return "the agent did not come back within the recovery timeout";
      case error::agent_lost: return "the connection to the agent broke and the framework does not checkpoint";
    }
    return "unknown mesoshttp error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace mesoshttp
