// Every kind of answer to SUBSCRIBE, classified without sockets. The answers
// are the ones real masters give (../shared/mesos-api/*-answers.md) and the
// ones only a broken or hostile peer gives; client_test meets the same over
// real sockets.
#include "session/subscribe_answer.hpp"

#include <gtest/gtest.h>

namespace {

using mesoshttp::encoding;
using mesoshttp::detail::classify_subscribe_head;
using mesoshttp::detail::classify_subscribe_refusal;
using mesoshttp::detail::refusal_outcome;
using mesoshttp::detail::subscribe_action;
using mesoshttp::detail::subscribe_head;

subscribe_head stream_head(std::string_view content_type) {
  subscribe_head h;
  h.status = 200;
  h.content_type = content_type;
  h.stream_id = "0b5d6b3c-91c1-4b2e-9d3c-8c1f6a7b2e11";
  h.chunked = true;
  return h;
}

TEST(SubscribeAnswer, A200ChunkedStreamInEitherEncoding) {
  auto pb = classify_subscribe_head(stream_head("application/x-protobuf"));
  EXPECT_EQ(pb.action, subscribe_action::stream);
  EXPECT_EQ(pb.wire, encoding::protobuf);
  auto json = classify_subscribe_head(stream_head("application/json; charset=utf-8"));
  EXPECT_EQ(json.action, subscribe_action::stream);
  EXPECT_EQ(json.wire, encoding::json);
}

TEST(SubscribeAnswer, A200ThatIsNoEventStreamSaysWhy) {
  auto h = stream_head("text/html");
  auto d = classify_subscribe_head(h);
  EXPECT_EQ(d.action, subscribe_action::malformed);
  EXPECT_EQ(d.reason, "an unsupported Content-Type 'text/html'");

  h = stream_head("application/json");
  h.stream_id = {};
  d = classify_subscribe_head(h);
  EXPECT_EQ(d.action, subscribe_action::malformed);
  EXPECT_EQ(d.reason, "no Mesos-Stream-Id header");
  // An API whose stream has no id (the operator API's SUBSCRIBE) takes it.
  h.stream_id_required = false;
  EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::stream);

  h = stream_head("application/json");
  h.chunked = false;
  h.content_length = 2;
  d = classify_subscribe_head(h);
  EXPECT_EQ(d.action, subscribe_action::malformed);
  EXPECT_EQ(d.reason, "a body that is not chunked");
}

TEST(SubscribeAnswer, A307IsFollowedWhateverElseItCarries) {
  subscribe_head h;
  h.status = 307;
  h.content_length = 1u << 30;  // its body is never read
  EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::follow_redirect);
}

TEST(SubscribeAnswer, A401AsksTheProviderAgainOnceThenIsARefusal) {
  subscribe_head h;
  h.status = 401;
  h.can_refresh_authorization = true;
  EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::refresh_authorization);
  h.can_refresh_authorization = false;  // asked already, or Basic credentials
  EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::read_refusal);
  EXPECT_EQ(classify_subscribe_refusal(401), refusal_outcome::stop);
}

TEST(SubscribeAnswer, RefusalsAreReadToQuoteThemUnlessTheyAnnounceTooMuch) {
  for (unsigned status : {400u, 403u, 404u, 409u, 500u, 503u}) {
    subscribe_head h;
    h.status = status;
    h.content_length = 27;
    EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::read_refusal) << status;
    h.content_length = std::nullopt;  // chunked or until EOF: read up to the limit
    EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::read_refusal) << status;
    h.content_length = mesoshttp::detail::refusal_body_limit;
    EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::read_refusal) << status;
    // Found by fuzzing: Beast's string body reserves what is announced.
    h.content_length = 2505150515050u;
    EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::refusal_unread) << status;
  }
}

TEST(SubscribeAnswer, WhichRefusalsAreWorthAnotherAttempt) {
  // A master starting (404), recovering or without a leader (503), a proxy
  // timing out or throttling (408, 429), a master failing (5xx): later, elsewhere.
  for (unsigned status : {404u, 408u, 429u, 500u, 502u, 503u, 504u}) {
    EXPECT_EQ(classify_subscribe_refusal(status), refusal_outcome::retry) << status;
  }
  // The request itself is refused: the same request would be refused again.
  for (unsigned status : {202u, 400u, 401u, 403u, 405u, 406u, 409u, 415u}) {
    EXPECT_EQ(classify_subscribe_refusal(status), refusal_outcome::stop) << status;
  }
}

TEST(SubscribeAnswer, AnOddSuccessIsARefusalToQuote) {
  subscribe_head h;
  h.status = 202;
  EXPECT_EQ(classify_subscribe_head(h).action, subscribe_action::read_refusal);
}

}  // namespace
