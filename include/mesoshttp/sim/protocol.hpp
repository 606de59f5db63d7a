// The scheduler API's request checks, as a real Mesos 1.11 master makes them,
// without sockets: request in, either an answer (status + body) or a parsed
// Call out. Kept apart from the server so each rule is testable directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::sim::protocol {

inline constexpr std::string_view text_plain = "text/plain; charset=utf-8";

// An HTTP answer that is not an event stream.
struct answer {
  unsigned status = 200;
  std::string body;
  std::string content_type;                                  // empty = no Content-Type header
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

answer text(unsigned status, std::string body);
answer empty(unsigned status);
// 404 with the text a real master gives (unknown paths, and while it starts).
answer not_found();
// 405 for a method other than POST, with `Allow: POST`, as a real master's and
// agent's API endpoints answer it.
answer only_post_allowed(std::string_view method);

// What the checks need from a request; absent headers are nullopt.
struct request_view {
  std::string_view method;
  std::string_view target;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> accept;
  std::optional<std::string_view> stream_id;
  std::string_view body;
};

struct parsed_call {
  mesos::v1::scheduler::Call call;
  encoding request_encoding = encoding::json;
  // SUBSCRIBE: the stream's encoding (from Accept); other calls: the
  // encoding of a response body (RECONCILE_OPERATIONS).
  encoding response_encoding = encoding::json;
};

// True for the paths a master serves the scheduler API on (query ignored).
bool is_scheduler_path(std::string_view target);

// Method, Content-Type, body and Call validation, Accept and the stream id
// header rule of SUBSCRIBE. Framework-dependent checks (unknown framework,
// stream id mismatch) are the master's, as they need its state.
std::variant<answer, parsed_call> parse_scheduler_request(const request_view& request);

// "Failed to validate scheduler::Call: ..." reason for a decoded Call, or
// nullopt when it is valid.
std::optional<std::string> validate_call(const mesos::v1::scheduler::Call& call);

// The encoding an Accept header asks for: nullopt = none acceptable. Absent
// or "*/*" means JSON, as a real master streams JSON then.
std::optional<encoding> negotiate_accept(std::optional<std::string_view> accept);

// A 307 to `path` on another master, protocol-relative ("//host:port/path"),
// as a real master redirects: the client keeps its own scheme.
answer redirect(std::string_view host, unsigned port, std::string_view path);

// The 307 a non-leading master gives: protocol-relative Location to the
// leader's internal scheduler path, query string kept.
answer redirect_to_leader(std::string_view leader_host, unsigned leader_port, std::string_view target);

// Messages with the exact wording of a real master.
std::string stream_id_mismatch(std::string_view stream_id, std::string_view framework_id);
inline constexpr std::string_view missing_stream_id =
    "All non-subscribe calls should include the 'Mesos-Stream-Id' header";
inline constexpr std::string_view framework_not_found = "Framework cannot be found";
inline constexpr std::string_view framework_not_subscribed = "Framework is not subscribed";
inline constexpr std::string_view no_leader = "No leader elected";
inline constexpr std::string_view not_recovered = "Master has not finished recovery";
inline constexpr std::string_view not_found_body = "404 Not Found.";

// A random RFC 4122 version 4 UUID: 16 bytes, and its text form.
std::string random_uuid_bytes();
std::string uuid_to_string(std::string_view bytes);
std::string random_uuid();

}  // namespace mesoshttp::sim::protocol
