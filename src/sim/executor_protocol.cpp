#include "executor_protocol.hpp"

#include "mesoshttp/error.hpp"

#include <chrono>
#include <cstdio>
#include <limits>

namespace mesoshttp::sim::executor_protocol {

namespace {

using mesos::v1::executor::Call;

protocol::answer bad_request(std::string body) { return protocol::text(400, std::move(body)); }

}  // namespace

bool is_executor_path(std::string_view target) { return target.substr(0, target.find('?')) == path; }

std::optional<std::string> validate_call(const Call& call) {
  const auto fail = [](std::string why) -> std::optional<std::string> {
    return "Failed to validate Executor::Call: " + why;
  };
  const auto expect = [&](bool present, const char* name) -> std::optional<std::string> {
    if (present) return std::nullopt;
    return fail(std::string("Expecting '") + name + "' to be present");
  };
  if (!call.has_type() || call.type() == Call::UNKNOWN) return expect(false, "type");
  const std::string who = "executor " + call.executor_id().value() + " of framework " + call.framework_id().value();
  switch (call.type()) {
    case Call::SUBSCRIBE: return expect(call.has_subscribe(), "subscribe");
    case Call::MESSAGE: return expect(call.has_message(), "message");
    case Call::UPDATE: {
      if (auto e = expect(call.has_update(), "update")) return e;
      const auto& status = call.update().status();
      if (!status.has_uuid()) return expect(false, "uuid");
      if (status.uuid().size() != 16) return fail("Not a valid UUID");
      if (status.state() == mesos::v1::TASK_STAGING)
        return fail("Received TASK_STAGING from " + who + " which is not allowed");
      if (status.source() != mesos::v1::TaskStatus::SOURCE_EXECUTOR)
        return fail("Received Call from " + who + " with invalid source, expecting 'SOURCE_EXECUTOR'");
      return std::nullopt;
    }
    default: return std::nullopt;  // HEARTBEAT carries nothing
  }
}

std::variant<protocol::answer, parsed_call> parse_request(const protocol::request_view& request) {
  if (request.method != "POST") return protocol::only_post_allowed(request.method);
  if (!request.content_type) return bad_request("Expecting 'Content-Type' to be present");
  const auto enc = encoding_from_content_type(*request.content_type);
  if (!enc) return protocol::text(415, "Expecting 'Content-Type' of application/json or application/x-protobuf");

  parsed_call parsed;
  Call& call = parsed.call;
  if (*enc == encoding::json) {
    // The library's decoder tells a missing required field (the executor
    // Call has two) from bad JSON, as the agent's texts do; protobuf's own
    // JSON parser reports both alike.
    std::string why;
    const auto ec = decode(request.body, encoding::json, call, &why);
    if (ec == error::missing_required_fields) {
      const std::string_view marker = "lacks required fields: ";
      const auto at = why.find(marker);
      return bad_request("Failed to convert JSON into Call protobuf: Missing required fields: " +
                         (at == std::string::npos ? why : why.substr(at + marker.size())));
    }
    if (ec) {
      const std::string prefix = "not a valid JSON " + call.GetTypeName() + ": ";
      if (why.starts_with(prefix)) why.erase(0, prefix.size());
      return bad_request("Failed to parse body into JSON: " + why);
    }
  } else if (request.body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
             !call.ParsePartialFromArray(request.body.data(), static_cast<int>(request.body.size())) ||
             !call.IsInitialized()) {
    return bad_request("Failed to parse body into Call protobuf");
  }
  if (auto why = validate_call(call)) return bad_request(std::move(*why));
  if (call.type() == Call::SUBSCRIBE) {
    const auto accept = protocol::negotiate_accept(request.accept);
    if (!accept)
      return protocol::text(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    parsed.response_encoding = *accept;
  }
  return parsed;
}

std::string mesos_duration(std::chrono::nanoseconds d) {
  struct unit {
    const char* name;
    double ns;
  };
  static constexpr unit units[] = {{"weeks", 604800e9}, {"days", 86400e9}, {"hrs", 3600e9}, {"mins", 60e9},
                                   {"secs", 1e9},       {"ms", 1e6},       {"us", 1e3},     {"ns", 1}};
  const double ns = static_cast<double>(d.count());
  for (const auto& u : units) {
    if (ns >= u.ns || u.ns == 1) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g%s", ns / u.ns, u.name);
      return buf;
    }
  }
  return "0ns";
}

}  // namespace mesoshttp::sim::executor_protocol
