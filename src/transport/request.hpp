// What goes on the wire for one request, and how an answer is quoted in a
// message. Shared by every API: the endpoint path comes with the master.
#pragma once

#include <string>
#include <string_view>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"

namespace mesoshttp::detail {

struct post_request {
  const master_endpoint& master;
  encoding wire = encoding::protobuf;
  std::string_view user_agent;
  // Mesos-Stream-Id; empty for a subscription (it is the answer's, not ours).
  std::string_view stream_id;
  // The Authorization header value; empty for none. A secret: never logged.
  std::string_view authorization;
  std::string_view body;
  // Accept-Encoding: gzip (the operator API's large answers; never for an
  // event stream, which a master does not compress anyway).
  bool accept_gzip = false;
};

// One HTTP/1.1 POST, head and body in one buffer so it goes out in one write
// (with TCP_NODELAY: no 40 ms delayed-ACK stall between head and body).
std::string build_post(const post_request& request);

// "503 Service Unavailable: <the body, trimmed and cut at 512 bytes>".
std::string status_text(unsigned status, std::string_view body);

}  // namespace mesoshttp::detail
