// The decisions of the call path, without sockets: whether a call is admitted
// to the queue, what the master's answer to it means, whether a failed call is
// sent again, and what the pool of call connections does next. The same for
// every API that sends calls over keep-alive connections (scheduler, executor,
// operator): none of this looks inside a message. Which call types may be sent
// twice is the API layer's to say (`idempotent` below).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace mesoshttp::detail {

// ---- admission
struct call_admission {
  bool closed = false;          // the client has shut down
  std::size_t queued = 0;       // calls waiting now
  std::size_t queue_limit = 0;  // client_config::call_queue_size
};
// Empty when admitted; else the error (error::queue_full, or the client's end
// error when closed) is the caller's to fill in; `reason` says why.
struct admission_verdict {
  bool admitted = true;
  bool closed = false;  // refused because the client is closed
  std::string reason;
};
admission_verdict admit_call(const call_admission& in);

// ---- the answer
enum class call_verdict {
  completed,           // 2xx: the call's result (a 200's body is the API layer's to decode)
  refresh_and_resend,  // 401, a provider configured and not asked again for this call: ask, then resend first
  subscription_gone,   // 307, 403, or a 400 naming the stream id: the subscription was replaced or lost
  rejected,            // any other status: the master's refusal, quoted to the caller
};
struct call_answer {
  unsigned status = 0;
  std::string_view body;
  bool can_refresh_authorization = false;  // a provider is set and this call has not had its refresh
};
call_verdict classify_call_answer(const call_answer& answer);

// A 400 that names the stream id: our subscription was replaced.
bool is_stream_id_rejection(unsigned status, std::string_view body);

// ---- after a failure (no answer, a lost connection, a lost subscription)
enum class failure_action {
  resend,    // back to the front of the queue: it goes out first on the next connection
  complete,  // the caller gets the failure
};
struct call_failure {
  bool closed = false;      // the client has shut down: nothing is sent again
  bool idempotent = false;  // sending it twice changes nothing (never ACCEPT: it would launch tasks twice)
  unsigned attempts = 0;    // times it went out
  unsigned retries = 0;     // client_config::idempotent_retries
};
failure_action after_call_failure(const call_failure& in);

// ---- the pool
struct pool_view {
  std::size_t queued = 0;      // calls waiting
  std::size_t idle = 0;        // open connections with no call on them
  std::size_t connecting = 0;  // connections being opened
  std::size_t open = 0;        // all connections: idle, busy, connecting
  std::size_t limit = 1;       // client_config::call_connections (0 counts as 1)
};
enum class pool_action {
  wait,             // nothing queued, or every connection busy and no room for another
  send_on_idle,     // the front call goes out on an idle connection
  open_connection,  // one more connection: none idle, room in the pool, and more calls than connections opening
};
pool_action next_pool_action(const pool_view& view);

}  // namespace mesoshttp::detail
