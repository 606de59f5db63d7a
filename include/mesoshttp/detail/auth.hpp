// HTTP authentication helpers shared by the client and the simulator.
#pragma once

#include <string>
#include <string_view>

namespace mesoshttp::detail {

// "Basic <base64(principal:secret)>", the Authorization value Mesos's HTTP
// (basic) authenticator expects. The result is a secret: never log it.
std::string basic_authorization(std::string_view principal, std::string_view secret);

std::string base64_encode(std::string_view bytes);

}  // namespace mesoshttp::detail
