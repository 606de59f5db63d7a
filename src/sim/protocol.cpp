#include "mesoshttp/sim/protocol.hpp"

#include <google/protobuf/util/json_util.h>

#include <array>
#include <cctype>
#include <limits>
#include <random>

namespace mesoshttp::sim::protocol {

namespace {

using mesos::v1::scheduler::Call;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view path_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

answer bad_request(std::string body) { return text(400, std::move(body)); }

}  // namespace

answer text(unsigned status, std::string body) {
  answer a;
  a.status = status;
  a.body = std::move(body);
  a.content_type = std::string(text_plain);
  return a;
}

answer empty(unsigned status) {
  answer a;
  a.status = status;
  return a;
}

answer not_found() { return text(404, std::string(not_found_body)); }

answer only_post_allowed(std::string_view method) {
  answer a =
      text(405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" + std::string(method) + "'.");
  a.headers.emplace_back("Allow", "POST");
  return a;
}

bool is_scheduler_path(std::string_view target) {
  const auto path = path_of(target);
  return path == "/api/v1/scheduler" || path == "/master/api/v1/scheduler";
}

std::optional<encoding> negotiate_accept(std::optional<std::string_view> accept) {
  if (!accept || trim(*accept).empty()) return encoding::json;
  bool json = false;
  bool protobuf = false;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    std::string_view type = trim(item.substr(0, item.find(';')));
    // "q=0" means "not acceptable" (RFC 9110); any other weight accepts.
    const auto params = item.find(';');
    if (params != std::string_view::npos) {
      std::string_view p = item.substr(params + 1);
      const auto qpos = p.find("q=");
      if (qpos != std::string_view::npos) {
        std::string_view q = trim(p.substr(qpos + 2));
        q = q.substr(0, q.find(';'));
        if (q == "0" || q == "0.0" || q == "0.00" || q == "0.000") continue;
      }
    }
    if (type == "*/*" || iequals(type, "application/*"))
      json = protobuf = true;
    else if (iequals(type, json_content_type))
      json = true;
    else if (iequals(type, protobuf_content_type))
      protobuf = true;
  }
  // A real master checks JSON first, so "*/*" streams JSON.
  if (json) return encoding::json;
  if (protobuf) return encoding::protobuf;
  return std::nullopt;
}

std::optional<std::string> validate_call(const Call& call) {
  const auto fail = [](std::string why) -> std::optional<std::string> {
    return "Failed to validate scheduler::Call: " + why;
  };
  const auto expect = [&](bool present, const char* name) -> std::optional<std::string> {
    if (present) return std::nullopt;
    return fail(std::string("Expecting '") + name + "' to be present");
  };
  if (!call.has_type() || call.type() == Call::UNKNOWN) return expect(false, "type");
  if (call.type() == Call::SUBSCRIBE) {
    if (auto e = expect(call.has_subscribe(), "subscribe")) return e;
    const auto& info = call.subscribe().framework_info();
    if (info.has_id() && call.has_framework_id() && info.id().value() != call.framework_id().value())
      return fail("'framework_id' differs from 'subscribe.framework_info.id'");
    return std::nullopt;
  }
  if (auto e = expect(call.has_framework_id(), "framework_id")) return e;
  switch (call.type()) {
    case Call::ACCEPT: return expect(call.has_accept(), "accept");
    case Call::DECLINE: return expect(call.has_decline(), "decline");
    case Call::ACCEPT_INVERSE_OFFERS: return expect(call.has_accept_inverse_offers(), "accept_inverse_offers");
    case Call::DECLINE_INVERSE_OFFERS: return expect(call.has_decline_inverse_offers(), "decline_inverse_offers");
    case Call::KILL: return expect(call.has_kill(), "kill");
    case Call::SHUTDOWN: return expect(call.has_shutdown(), "shutdown");
    case Call::ACKNOWLEDGE:
      if (auto e = expect(call.has_acknowledge(), "acknowledge")) return e;
      if (call.acknowledge().uuid().size() != 16) return fail("Not a valid UUID");
      return std::nullopt;
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
      if (auto e = expect(call.has_acknowledge_operation_status(), "acknowledge_operation_status")) return e;
      if (call.acknowledge_operation_status().uuid().size() != 16) return fail("Not a valid UUID");
      return std::nullopt;
    case Call::RECONCILE: return expect(call.has_reconcile(), "reconcile");
    case Call::RECONCILE_OPERATIONS: return expect(call.has_reconcile_operations(), "reconcile_operations");
    case Call::MESSAGE: return expect(call.has_message(), "message");
    case Call::REQUEST: return expect(call.has_request(), "request");
    case Call::UPDATE_FRAMEWORK: return expect(call.has_update_framework(), "update_framework");
    default: return std::nullopt;  // TEARDOWN, REVIVE, SUPPRESS carry nothing required
  }
}

std::variant<answer, parsed_call> parse_scheduler_request(const request_view& request) {
  if (request.method != "POST") return only_post_allowed(request.method);
  if (!request.content_type) return bad_request("Expecting 'Content-Type' to be present");
  const auto enc = encoding_from_content_type(*request.content_type);
  if (!enc) return text(415, "Expecting 'Content-Type' of application/json or application/x-protobuf");

  parsed_call parsed;
  parsed.request_encoding = *enc;
  Call& call = parsed.call;
  if (*enc == encoding::json) {
    google::protobuf::util::JsonParseOptions options;
    // A master ignores fields it does not know (newer clients send them).
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(request.body.data(), request.body.size()), &call, options);
    if (!status.ok()) return bad_request("Failed to parse body into JSON: " + std::string(status.message()));
    if (!call.IsInitialized())
      return bad_request("Failed to convert JSON into Call protobuf: Missing required fields: " +
                         call.InitializationErrorString());
  } else {
    if (request.body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !call.ParsePartialFromArray(request.body.data(), static_cast<int>(request.body.size())) ||
        !call.IsInitialized())
      return bad_request("Failed to parse body into Call protobuf");
  }
  if (auto why = validate_call(call)) return bad_request(std::move(*why));

  if (call.type() == Call::SUBSCRIBE) {
    const auto accept = negotiate_accept(request.accept);
    if (!accept) return text(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    if (request.stream_id) return bad_request("Subscribe calls should not include the 'Mesos-Stream-Id' header");
    parsed.response_encoding = *accept;
  } else {
    parsed.response_encoding = negotiate_accept(request.accept).value_or(*enc);
  }
  return parsed;
}

answer redirect(std::string_view host, unsigned port, std::string_view path) {
  answer a = empty(307);
  a.headers.emplace_back("Location", "//" + std::string(host) + ":" + std::to_string(port) + std::string(path));
  return a;
}

answer redirect_to_leader(std::string_view leader_host, unsigned leader_port, std::string_view target) {
  const auto q = target.find('?');
  return redirect(leader_host, leader_port,
                  "/master/api/v1/scheduler" + std::string(q == std::string_view::npos ? "" : target.substr(q)));
}

std::string stream_id_mismatch(std::string_view stream_id, std::string_view framework_id) {
  return "The stream ID '" + std::string(stream_id) +
         "' included in this request didn't match the stream ID currently associated with "
         "framework ID '" +
         std::string(framework_id) + "'";
}

std::string random_uuid_bytes() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string bytes(16, '\0');
  for (std::size_t i = 0; i < 16; i += 8) {
    std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<char>((v >> (8 * j)) & 0xff);
  }
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);
  return bytes;
}

std::string uuid_to_string(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::string random_uuid() { return uuid_to_string(random_uuid_bytes()); }

}  // namespace mesoshttp::sim::protocol
