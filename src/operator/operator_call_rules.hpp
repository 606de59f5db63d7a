// The decisions of one operator call (master or agent /api/v1), without
// sockets: what an answer means, and what to do after it or after a
// connection that failed. operator_call.cpp does the I/O they ask for.
//
// From how real masters answered (../shared/mesos-api/operator-answers.md):
// - 200 (a read call's Response, or an empty body for a call that changes
//   something) and 202 (RESERVE/UNRESERVE_RESOURCES) complete the call.
// - 307 from a master that is not the leader: follow Location (protocol-
//   relative) at once.
// - 503 while a master recovers ("Master has not finished recovery"), and 404
//   while a master starts: retried after a backoff until the call's deadline.
//   But 404 is also a real answer to LIST_FILES, READ_FILE (no such file) and
//   MARK_AGENT_GONE (no such agent): for those it is the refusal, not retried.
// - 401 with an authorization provider: ask it again once and resend.
// - Anything else (400, 403, 405, 406, 409, 415, 501, ...) is the master's
//   refusal, quoted to the caller.
// A connection that cannot be opened or breaks before the answer moves on to
// the next configured endpoint; once every one has failed in a round, the
// next round waits a backoff.
#pragma once

#include <string_view>

namespace mesoshttp::detail {

enum class operator_verdict {
  completed,           // 2xx
  follow_redirect,     // 307: to Location, at once
  retry_later,         // 503, or a start-up 404: same endpoint after a backoff
  refresh_and_resend,  // 401 and the provider not yet asked again for this call
  rejected,            // the refusal, quoted (a 404 that is the call's answer too)
};

struct operator_answer {
  unsigned status = 0;
  bool not_found_is_an_answer = false;     // LIST_FILES, READ_FILE, MARK_AGENT_GONE
  bool can_refresh_authorization = false;  // a provider is set and this call has not had its refresh
};

operator_verdict classify_operator_answer(const operator_answer& answer);

// Call types (mesos.v1.master.Call.Type and mesos.v1.agent.Call.Type numbers
// by name) for which a 404 is an answer, not a master still starting.
bool not_found_is_an_answer(std::string_view call_type_name);

}  // namespace mesoshttp::detail
