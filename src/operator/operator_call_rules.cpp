#include "operator/operator_call_rules.hpp"

namespace mesoshttp::detail {

operator_verdict classify_operator_answer(const operator_answer& answer) {
  const unsigned s = answer.status;
  if (s >= 200 && s < 300) return operator_verdict::completed;
  if (s == 307) return operator_verdict::follow_redirect;
  if (s == 503) return operator_verdict::retry_later;
  if (s == 404) return answer.not_found_is_an_answer ? operator_verdict::rejected : operator_verdict::retry_later;
  if (s == 401 && answer.can_refresh_authorization) return operator_verdict::refresh_and_resend;
  return operator_verdict::rejected;
}

bool not_found_is_an_answer(std::string_view call_type_name) {
  return call_type_name == "LIST_FILES" || call_type_name == "READ_FILE" || call_type_name == "MARK_AGENT_GONE";
}

}  // namespace mesoshttp::detail
