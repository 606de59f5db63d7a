// What each answer to an operator call means, without sockets.
#include <gtest/gtest.h>

#include "operator/operator_call_rules.hpp"

namespace {

using namespace mesoshttp::detail;

operator_verdict verdict(unsigned status, bool not_found_answers = false, bool can_refresh = false) {
  return classify_operator_answer(
      {.status = status, .not_found_is_an_answer = not_found_answers, .can_refresh_authorization = can_refresh});
}

TEST(OperatorCallRules, SuccessesComplete) {
  EXPECT_EQ(verdict(200), operator_verdict::completed);  // a Response, or empty for a change
  EXPECT_EQ(verdict(202), operator_verdict::completed);  // RESERVE/UNRESERVE_RESOURCES
}

TEST(OperatorCallRules, ANonLeaderIsFollowedAndARecoveringMasterWaitedFor) {
  EXPECT_EQ(verdict(307), operator_verdict::follow_redirect);
  EXPECT_EQ(verdict(503), operator_verdict::retry_later);
  EXPECT_EQ(verdict(404), operator_verdict::retry_later);  // a master still starting
}

TEST(OperatorCallRules, A404IsTheAnswerOfTheCallsThatLookSomethingUp) {
  EXPECT_TRUE(not_found_is_an_answer("LIST_FILES"));
  EXPECT_TRUE(not_found_is_an_answer("READ_FILE"));
  EXPECT_TRUE(not_found_is_an_answer("MARK_AGENT_GONE"));
  EXPECT_FALSE(not_found_is_an_answer("GET_STATE"));
  EXPECT_FALSE(not_found_is_an_answer("TEARDOWN"));
  EXPECT_EQ(verdict(404, true), operator_verdict::rejected);
}

TEST(OperatorCallRules, A401IsRetriedOnceWithAFreshAuthorization) {
  EXPECT_EQ(verdict(401, false, true), operator_verdict::refresh_and_resend);
  EXPECT_EQ(verdict(401, false, false), operator_verdict::rejected);
}

TEST(OperatorCallRules, EveryOtherStatusIsARefusal) {
  for (unsigned s : {400u, 403u, 405u, 406u, 409u, 415u, 500u, 501u, 302u})
    EXPECT_EQ(verdict(s), operator_verdict::rejected) << s;
}

}  // namespace
