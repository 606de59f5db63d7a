#include "session/subscribe_answer.hpp"

namespace mesoshttp::detail {

subscribe_decision classify_subscribe_head(const subscribe_head& head) {
  subscribe_decision d;
  if (head.status == 307) {
    d.action = subscribe_action::follow_redirect;
    return d;
  }
  if (head.status == 401 && head.can_refresh_authorization) {
    d.action = subscribe_action::refresh_authorization;
    return d;
  }
  if (head.status != 200) {
    const bool too_large = head.content_length && *head.content_length > refusal_body_limit;
    d.action = too_large ? subscribe_action::refusal_unread : subscribe_action::read_refusal;
    return d;
  }
  const auto wire = encoding_from_content_type(head.content_type);
  if (!wire) {
    d.reason = "an unsupported Content-Type '" + std::string(head.content_type) + "'";
  } else if (head.stream_id_required && head.stream_id.empty()) {
    d.reason = "no Mesos-Stream-Id header";
  } else if (!head.chunked) {
    d.reason = "a body that is not chunked";
  } else {
    d.action = subscribe_action::stream;
    d.wire = *wire;
    return d;
  }
  d.action = subscribe_action::malformed;
  return d;
}

refusal_outcome classify_subscribe_refusal(unsigned status) {
  // 404 while a master starts (its HTTP routes come up before the API's), 408
  // and 429 from proxies, 5xx while recovering or without a leader.
  const bool retryable = status == 404 || status == 408 || status == 429 || status >= 500;
  return retryable ? refusal_outcome::retry : refusal_outcome::stop;
}

}  // namespace mesoshttp::detail
