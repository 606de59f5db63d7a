// What the head of a subscription's answer means, decided without sockets:
// take the event stream, follow a redirect, ask for fresh authorization once,
// or read a refusal's body to quote it (not when it announces too much) and
// then retry or stop. The same for every API that subscribes (scheduler,
// executor, operator): none of this looks inside a message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mesoshttp/codec.hpp"

namespace mesoshttp::detail {

// The parts of the answer's head that decide.
struct subscribe_head {
  unsigned status = 0;
  std::string_view content_type;
  std::string_view stream_id;  // Mesos-Stream-Id; the operator API's stream has none
  bool chunked = false;
  std::optional<std::uint64_t> content_length;
  // A provider is configured and has not been asked again since the last
  // successful subscription: a 401 may mean an expired token.
  bool can_refresh_authorization = false;
  // Whether a 200 must carry Mesos-Stream-Id (the scheduler's and executor's
  // streams do; calls quote it back).
  bool stream_id_required = true;
};

enum class subscribe_action {
  stream,                 // 200 with a chunked body, a known Content-Type (and a stream id)
  follow_redirect,        // 307: leader_fsm::on_redirect(Location), then subscribe there at once
  refresh_authorization,  // 401: ask the provider again, then subscribe again at once
  read_refusal,           // anything else: read the body (up to refusal_body_limit), then refusal_outcome()
  refusal_unread,         // a refusal announcing more than refusal_body_limit: do not read it; refusal_outcome()
  malformed,              // a 200 that is no event stream: a failed attempt, `reason` says why
};

struct subscribe_decision {
  subscribe_action action = subscribe_action::malformed;
  encoding wire = encoding::protobuf;  // for stream
  std::string reason;                  // for malformed
};

// A refusal's body is read only to quote it. The head is parsed without a body
// limit (a 200 is the endless stream), so nothing else stops a hostile
// "Content-Length: 2505150515050" from being allocated.
inline constexpr std::uint64_t refusal_body_limit = 64 * 1024;

subscribe_decision classify_subscribe_head(const subscribe_head& head);

enum class refusal_outcome {
  retry,  // the master is starting, recovering, not the leader yet or overloaded: elsewhere, later
  stop,   // 400, 401, 403, ...: the request itself is refused; trying again changes nothing
};
refusal_outcome classify_subscribe_refusal(unsigned status);

}  // namespace mesoshttp::detail
