// The Authorization header value of every request: from the user's provider
// (asked again once after a 401: a token may have expired) or from Basic
// credentials. A secret: never logged. Shared by a client's subscription and
// its call connections, so a refresh after one's 401 serves the other.
#pragma once

#include <optional>
#include <string>

#include "mesoshttp/config.hpp"
#include "mesoshttp/detail/auth.hpp"

namespace mesoshttp::detail {

class authorizer {
 public:
  authorizer(authorization_provider provider, std::optional<credentials> basic)
      : provider_(std::move(provider)), basic_(std::move(basic)) {}

  // A refresh can help only with a provider: credentials do not change.
  bool can_refresh() const noexcept { return static_cast<bool>(provider_); }

  // The header value; empty: no header.
  const std::string& value(bool refresh = false) {
    if (provider_) {
      if (refresh || !known_) {
        value_ = provider_(refresh).value_or("");
        known_ = true;
      }
    } else if (basic_ && !known_) {
      value_ = basic_authorization(basic_->principal, basic_->secret);
      known_ = true;
    }
    return value_;
  }

 private:
  authorization_provider provider_;
  std::optional<credentials> basic_;
  std::string value_;
  bool known_ = false;
};

}  // namespace mesoshttp::detail
