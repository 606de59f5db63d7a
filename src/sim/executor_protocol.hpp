// The executor API's request checks, as a real Mesos 1.11 agent makes them
// (executor-answers.md), without sockets: a request in, either an answer or
// a parsed executor Call out. The checks that need the agent's state
// (unknown framework or executor, not subscribed) are the model's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mesoshttp/sim/protocol.hpp"
#include "mesos/v1/executor/executor.pb.h"

namespace mesoshttp::sim::executor_protocol {

inline constexpr std::string_view path = "/api/v1/executor";
inline constexpr std::string_view executor_not_found = "Executor cannot be found";
inline constexpr std::string_view executor_not_subscribed = "Executor is not subscribed";

struct parsed_call {
  mesos::v1::executor::Call call;
  // SUBSCRIBE: the stream's encoding (from Accept).
  encoding response_encoding = encoding::json;
};

bool is_executor_path(std::string_view target);

// Method, Content-Type, body, validation and (SUBSCRIBE) Accept.
std::variant<protocol::answer, parsed_call> parse_request(const protocol::request_view& request);

// "Failed to validate Executor::Call: ..." for a decoded call, or nullopt.
std::optional<std::string> validate_call(const mesos::v1::executor::Call& call);

// A duration in Mesos's text form: the largest unit that keeps the value at
// least 1 ("1mins" for 60 s, "5secs", "300ms").
std::string mesos_duration(std::chrono::nanoseconds d);

}  // namespace mesoshttp::sim::executor_protocol
