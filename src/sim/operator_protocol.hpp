// The operator API's (POST /api/v1) request checks and answer encoding, as a
// real Mesos 1.11 master makes them (operator-answers.md), without sockets:
// request in, either an answer or a parsed master::Call out; a Response in,
// the HTTP answer (encoding by Accept, gzip by Accept-Encoding) out. Kept
// apart from the server so each rule is testable directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/protocol.hpp"
#include "mesos/v1/master/master.pb.h"

namespace mesoshttp::sim::operator_protocol {

// "/api/v1" and "/master/api/v1" (query ignored): one endpoint on a master.
bool is_operator_path(std::string_view target);

struct parsed_call {
  mesos::v1::master::Call call;
  encoding answer_encoding = encoding::json;  // from Accept, not from Content-Type
  bool gzip = false;                          // Accept-Encoding allows gzip
};

// Method, Content-Type, body parsing, Call validation, Accept, in a real
// master's order, with its texts. `UNKNOWN` passes: the caller answers 501
// as the master does when it dispatches the call.
std::variant<protocol::answer, parsed_call> parse_request(const protocol::request_view& request,
                                                          std::optional<std::string_view> accept_encoding);

// "Failed to validate master::Call: ..." for a decoded Call, or nullopt.
std::optional<std::string> validate_call(const mesos::v1::master::Call& call);

// Where a JSON text stops being JSON (byte offset), or nullopt when it is one
// well-formed value. The master's parser reports this place ("near: ...").
std::optional<std::size_t> json_syntax_error(std::string_view text);

// Accept-Encoding allows gzip: "gzip" or "*" with a non-zero weight.
bool accepts_gzip(std::optional<std::string_view> accept_encoding);

// Bodies of this size or more are compressed when the client allows it.
inline constexpr std::size_t gzip_threshold = 1024;

// A gzip member (RFC 1952) holding `data`.
std::string gzip(std::string_view data);

// 200 with the Response in `enc`, gzip-compressed (Content-Encoding header
// first, as a master orders it) when `gzip_ok` and the body is big enough.
protocol::answer respond(const mesos::v1::master::Response& response, encoding enc, bool gzip_ok);

// The 307 of a non-leading master: protocol-relative Location to the
// leader's /master/api/v1, query kept.
protocol::answer redirect_to_leader(std::string_view leader_host, unsigned leader_port, std::string_view target);

inline constexpr std::string_view not_implemented = "501 Not Implemented.";
// Calls a real master serves but the simulator has no model for (documented
// in docs/architecture.md): 501 with this text and the call's type.
std::string unsupported(std::string_view type);

}  // namespace mesoshttp::sim::operator_protocol
