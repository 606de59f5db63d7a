// What the simulator's operator API tests share: a bare Call, one call
// through the operator client, and a raw request with chosen headers.
#pragma once

#include <optional>
#include <string>

#include "mesoshttp/operator/operator_client.hpp"
#include "sim_common.hpp"

namespace simtest {

inline mesos::v1::master::Call op(mesos::v1::master::Call::Type type) {
  mesos::v1::master::Call c;
  c.set_type(type);
  return c;
}

inline mesoshttp::operator_api::master_result send_call(std::uint16_t port, encoding enc,
                                                        const mesos::v1::master::Call& c) {
  mesoshttp::operator_api::operator_config cfg;
  cfg.endpoints = {"http://127.0.0.1:" + std::to_string(port)};
  cfg.wire = enc;
  cfg.call_timeout = std::chrono::milliseconds(10'000);
  return mesoshttp::operator_api::call_master(cfg, c);
}

inline header_list json_headers(std::string accept = "application/json") {
  header_list h{{"Content-Type", "application/json"}};
  if (!accept.empty()) h.emplace_back("Accept", std::move(accept));
  return h;
}

inline std::optional<reply> raw(std::uint16_t port, const std::string& body, const header_list& headers,
                                const std::string& target = "/api/v1", const std::string& method = "POST") {
  simtest::connection c(port);
  return c.request(method, target, body, headers);
}

}  // namespace simtest
