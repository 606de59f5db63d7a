// The simulated master's request checks: arbitrary method, headers and body
// through parse_scheduler_request; whatever it accepts must pass
// validate_call (it validates), and every refusal is a 4xx with a reason.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "mesoshttp/sim/protocol.hpp"

namespace protocol = mesoshttp::sim::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  const std::uint8_t present = in.byte();
  // Fields separated by NUL: method, target, content type, accept, stream id, body.
  std::vector<std::string_view> fields;
  auto rest = in.rest();
  for (int i = 0; i < 5; ++i) {
    const auto nul = rest.find('\0');
    fields.push_back(rest.substr(0, nul));
    rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  }
  protocol::request_view req;
  req.method = fields[0];
  req.target = fields[1];
  if (present & 1) req.content_type = fields[2];
  if (present & 2) req.accept = fields[3];
  if (present & 4) req.stream_id = fields[4];
  req.body = rest;

  (void)protocol::is_scheduler_path(req.target);
  (void)protocol::negotiate_accept(req.accept);
  const auto result = protocol::parse_scheduler_request(req);
  if (const auto* a = std::get_if<protocol::answer>(&result)) {
    if (a->status < 400 || a->status > 599) std::abort();
  } else {
    const auto& parsed = std::get<protocol::parsed_call>(result);
    if (protocol::validate_call(parsed.call)) std::abort();
  }
  // Any decodable Call goes through validation on its own too.
  mesos::v1::scheduler::Call call;
  if (!mesoshttp::decode(rest, mesoshttp::encoding::protobuf, call)) (void)protocol::validate_call(call);
  return 0;
}
