// The I/O of operator calls: one connection per call, opened with the shared
// transport (transport/connector: TLS, TCP_NODELAY), one request in one
// write, the answer read whole (no body limit) and inflated when gzipped;
// redirects, retries and the deadline as operator_call_rules and leader_fsm
// decide. The API layers (master_client, agent_client) encode the call and
// decode the Response; this part never looks inside a message.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/operator/operator_client.hpp"
#include "transport/authorizer.hpp"
#include "transport/tls_client.hpp"

namespace mesoshttp::operator_api::detail {

// What came back, before the API layer decodes it.
struct raw_answer {
  std::error_code error;
  unsigned status = 0;
  std::string message;
  std::string endpoint;
  unsigned attempts = 0;
  std::string body;                       // inflated
  std::optional<encoding> body_encoding;  // from Content-Type; empty with no body or no type
};

// Target path of the operator API on masters and agents.
inline constexpr std::string_view operator_target = "/api/v1";

class operator_caller : public std::enable_shared_from_this<operator_caller> {
 public:
  operator_caller(boost::asio::any_io_executor executor, operator_config config);

  // `call_type`: the call's type name (for 404 handling and messages);
  // `body`: the encoded call. `done` runs once, on the executor.
  void async_call(std::string call_type, std::string body, std::function<void(raw_answer)> done);

  // Runs `f` on the executor, never inline: a call refused before it is sent
  // still completes the way every other call does.
  void post(std::function<void()> f);

  const operator_config& config() const noexcept { return config_; }
  const std::string& config_error() const noexcept { return config_error_; }

 private:
  struct call_op;

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  operator_config config_;
  std::vector<mesoshttp::detail::master_endpoint> endpoints_;
  std::string config_error_;
  // Shared by this caller's calls, used on the strand only.
  mesoshttp::detail::tls_client tls_;
  mesoshttp::detail::authorizer authorization_;
  std::atomic<std::uint64_t> seed_;
};

}  // namespace mesoshttp::operator_api::detail
