// The codec on bad input: garbage, truncated and malformed bytes, wrong JSON
// types, missing required fields, and text that is not UTF-8.
#include "mesoshttp/codec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/codec_support.hpp"

namespace {

using namespace mesoshttp::test;

void expect_failure(std::string_view bytes, encoding e, std::error_code expected, std::string_view why_contains) {
  SCOPED_TRACE(std::string(mesoshttp::to_string(e)) + ": " + std::string(bytes.substr(0, 60)));
  // Start from a filled message: whatever happens it must come back empty.
  Event out = from_text<Event>(R"pb(type: ERROR
                                    error { message: "stale" })pb");
  std::string why;
  EXPECT_EQ(mesoshttp::decode(bytes, e, out, &why), expected);
  EXPECT_NE(why.find(why_contains), std::string::npos) << why;
  EXPECT_EQ(out.ByteSizeLong(), 0u) << out.ShortDebugString();
  EXPECT_FALSE(out.has_type());
}

TEST(Codec, GarbageProtobuf) {
  // 0xff.. is an over-long varint tag; field 0 and wire type 7 are invalid.
  expect_failure(std::string(10, '\xff'), encoding::protobuf, error::decode_failed, "mesos.v1.scheduler.Event");
  expect_failure(std::string("\x00\x01", 2), encoding::protobuf, error::decode_failed, "not a valid protobuf");
  expect_failure("\x0f", encoding::protobuf, error::decode_failed, "not a valid protobuf");
}

TEST(Codec, TruncatedProtobufIsClearedNotHalfFilled) {
  auto e = from_text<Event>(R"pb(type: UPDATE
                                 update {
                                   status {
                                     task_id { value: "task-with-a-long-id" }
                                     state: TASK_RUNNING
                                     message: "a message long enough to be cut in the middle"
                                   }
                                 })pb");
  const std::string bytes = serialized(e);
  // Every proper prefix that ends inside a field fails; the type (first
  // field) parses before the cut and must not survive.
  int failures = 0;
  for (size_t cut = 3; cut < bytes.size(); ++cut) {
    Event out;
    std::string why;
    const auto ec = mesoshttp::decode(std::string_view(bytes).substr(0, cut), encoding::protobuf, out, &why);
    if (!ec) continue;  // a prefix may end exactly on a field boundary
    ++failures;
    EXPECT_TRUE(ec == error::decode_failed || ec == error::missing_required_fields) << ec.message();
    EXPECT_FALSE(why.empty());
    EXPECT_EQ(out.ByteSizeLong(), 0u) << "cut " << cut;
  }
  EXPECT_GT(failures, 0);
  expect_failure(std::string_view(bytes).substr(0, bytes.size() - 5), encoding::protobuf, error::decode_failed,
                 "not a valid protobuf");
}

TEST(Codec, MalformedJson) {
  expect_failure(R"({"type":"HEARTBEAT")", encoding::json, error::decode_failed, "not a valid JSON");
  expect_failure(R"({"type":)", encoding::json, error::decode_failed, "mesos.v1.scheduler.Event");
  expect_failure("not json at all", encoding::json, error::decode_failed, "not a valid JSON");
  expect_failure("", encoding::json, error::decode_failed, "not a valid JSON");
  expect_failure(R"([{"type":"HEARTBEAT"}])", encoding::json, error::decode_failed, "not a valid JSON");
}

TEST(Codec, WrongJsonTypes) {
  // A message where a string goes, a string where a number goes, an object
  // where a repeated field goes; each after a good field that must not remain.
  expect_failure(R"({"type":"ERROR","error":{"message":{"nested":1}}})", encoding::json, error::decode_failed,
                 "not a valid JSON");
  expect_failure(R"({"type":"FAILURE","failure":{"status":"one"}})", encoding::json, error::decode_failed, "status");
  expect_failure(R"({"type":"OFFERS","offers":{"offers":{"id":1}}})", encoding::json, error::decode_failed,
                 "not a valid JSON");
  // protobuf's own JSON parser reports this one as a missing framework_id
  // (its last error wins); it is a type error, and must say so.
  expect_failure(R"({"type":"SUBSCRIBED","subscribed":"yes"})", encoding::json, error::decode_failed,
                 "not a valid JSON");
  expect_failure(R"({"type":"HEARTBEAT","offers":"yes"})", encoding::json, error::decode_failed, "offers");
  expect_failure(R"({"type":true})", encoding::json, error::decode_failed, "type");
}

TEST(Codec, MissingRequiredFieldsAreNamed) {
  // SUBSCRIBED without framework_id, RESCIND without offer_id.
  auto no_fw = from_text_partial<Event>(R"pb(type: SUBSCRIBED
                                             subscribed { heartbeat_interval_seconds: 15 })pb");
  expect_failure(serialized(no_fw), encoding::protobuf, error::missing_required_fields, "subscribed.framework_id");
  expect_failure(R"({"type":"SUBSCRIBED","subscribed":{"heartbeat_interval_seconds":15}})", encoding::json,
                 error::missing_required_fields, "subscribed.framework_id");
  expect_failure(R"({"type":"UPDATE","update":{"status":{"task_id":{"value":"t"}}}})", encoding::json,
                 error::missing_required_fields, "update.status.state");
  expect_failure(R"({"type":"RESCIND","rescind":{}})", encoding::json, error::missing_required_fields,
                 "rescind.offer_id");
  // Every missing field is named, not only the first.
  const std::string partial = R"({"type":"MESSAGE","message":{"agent_id":{}}})";
  for (const char* name : {"message.agent_id.value", "message.executor_id", "message.data"})
    expect_failure(partial, encoding::json, error::missing_required_fields, name);
}

TEST(Codec, EncodeOfUninitialisedMessageFails) {
  Call call = subscribe_call();
  call.mutable_subscribe()->mutable_framework_info()->clear_user();
  for (auto e : kBoth) {
    std::string out = "previous", why;
    EXPECT_EQ(mesoshttp::encode(call, e, out, &why), error::encode_failed);
    EXPECT_NE(why.find("subscribe.framework_info.user"), std::string::npos) << why;
    EXPECT_TRUE(out.empty());
  }
  // Without `why` too.
  std::string out;
  EXPECT_EQ(mesoshttp::encode(call, encoding::protobuf, out), error::encode_failed);
}

// Proto2 strings carry any bytes, so a protobuf peer may send text that is not
// UTF-8. JSON cannot carry it: protobuf's printer passes such bytes through
// mangled and every parser rejects the result.
TEST(Codec, TextThatIsNotUtf8EncodesAsProtobufButNotJson) {
  Call call = subscribe_call();
  call.mutable_subscribe()->mutable_framework_info()->set_name("caf\xc3");  // truncated 2-byte sequence
  std::string out = "previous", why;
  EXPECT_EQ(mesoshttp::encode(call, encoding::json, out, &why), error::encode_failed);
  EXPECT_TRUE(out.empty());
  EXPECT_NE(why.find("mesos.v1.scheduler.Call.subscribe.framework_info.name (byte 3) is not valid UTF-8"),
            std::string::npos)
      << why;

  ASSERT_FALSE(mesoshttp::encode(call, encoding::protobuf, out, &why)) << why;
  Call back;
  ASSERT_FALSE(mesoshttp::decode(out, encoding::protobuf, back, &why)) << why;
  EXPECT_EQ(back.subscribe().framework_info().name(), "caf\xc3");
}

TEST(Codec, FindInvalidUtf8NamesRepeatedElements) {
  Call call = from_text<Call>(R"(
    type: ACCEPT
    framework_id { value: "f" }
    accept {
      offer_ids { value: "o1" }
      operations { type: LAUNCH launch {
        task_infos { name: "good" task_id { value: "t0" } agent_id { value: "a" } }
        task_infos { name: "bad" task_id { value: "t1" } agent_id { value: "a" } } } }
    })");
  EXPECT_EQ(mesoshttp::find_invalid_utf8(call), std::nullopt);
  call.mutable_accept()->mutable_operations(0)->mutable_launch()->mutable_task_infos(1)->set_name(
      "b\xff"
      "d\xfe");
  EXPECT_EQ(mesoshttp::find_invalid_utf8(call), "accept.operations[0].launch.task_infos[1].name (byte 1)");
  // Bytes fields are base64 in JSON: any bytes are fine there.
  Call message = from_text<Call>(R"(
    type: MESSAGE framework_id { value: "f" }
    message { agent_id { value: "a" } executor_id { value: "e" } data: "\377\376" })");
  EXPECT_EQ(mesoshttp::find_invalid_utf8(message), std::nullopt);
  std::string out, why;
  EXPECT_FALSE(mesoshttp::encode(message, encoding::json, out, &why)) << why;
}

TEST(Codec, CoerceToUtf8ReplacesOnlyTheBadBytes) {
  Call call = subscribe_call();
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_name(
      "a\xff"
      "b\xc3\xa9"
      "c");  // one bad byte, then a good "é"
  info->clear_roles();
  info->add_roles("r\x80");
  info->set_user("fine");
  EXPECT_EQ(mesoshttp::coerce_to_utf8(call), 2u);
  EXPECT_EQ(info->name(),
            "a?b\xc3\xa9"
            "c");
  EXPECT_EQ(info->roles(0), "r?");
  EXPECT_EQ(info->user(), "fine");
  EXPECT_EQ(mesoshttp::coerce_to_utf8(call), 0u);
  std::string out, why;
  ASSERT_FALSE(mesoshttp::encode(call, encoding::json, out, &why)) << why;
  Call back;
  ASSERT_FALSE(mesoshttp::decode(out, encoding::json, back, &why)) << why;
  EXPECT_TRUE(MessageDifferencer::Equals(call, back));
}

TEST(Codec, EncodeCoercingUtf8WritesQuestionMarksIntoJsonOnly) {
  Call call = subscribe_call();
  call.mutable_subscribe()->mutable_framework_info()->set_name("caf\xc3");
  const Call original = call;
  std::string out, why;
  ASSERT_FALSE(mesoshttp::encode_coercing_utf8(call, encoding::json, out, &why)) << why;
  Call back;
  ASSERT_FALSE(mesoshttp::decode(out, encoding::json, back, &why)) << why;
  EXPECT_EQ(back.subscribe().framework_info().name(), "caf?");
  EXPECT_TRUE(MessageDifferencer::Equals(call, original)) << "the message itself is left as it is";
  ASSERT_FALSE(mesoshttp::encode_coercing_utf8(call, encoding::protobuf, out, &why)) << why;
  ASSERT_FALSE(mesoshttp::decode(out, encoding::protobuf, back, &why)) << why;
  EXPECT_EQ(back.subscribe().framework_info().name(), "caf\xc3");
  // Other failures are still failures.
  call.mutable_subscribe()->mutable_framework_info()->clear_user();
  EXPECT_EQ(mesoshttp::encode_coercing_utf8(call, encoding::json, out, &why), error::encode_failed);
  EXPECT_NE(why.find("framework_info.user"), std::string::npos) << why;
}

TEST(Codec, RawBytesThatAreNotUtf8InJsonReadAsQuestionMarks) {
  // As a master's JSON writer passes them through: not valid JSON text, yet
  // the message is read, each bad byte as '?'; JSON syntax is untouched.
  // 0xC3 starts a two-byte sequence: the escaped quote after it stays a quote.
  const std::string json = "{\"type\":\"ERROR\",\"error\":{\"message\":\"a\xc3\\\" b\"}}";
  Event event;
  std::string why;
  ASSERT_FALSE(mesoshttp::decode(json, encoding::json, event, &why)) << why;
  EXPECT_EQ(event.error().message(), "a?\" b");
  // Broken JSON stays broken, whatever its bytes.
  EXPECT_EQ(mesoshttp::decode("{\"type\":\"ERROR\xff", encoding::json, event, &why), error::decode_failed);
  EXPECT_EQ(event.ByteSizeLong(), 0u);
}

TEST(Codec, ErrorCodesHaveTheLibraryCategory) {
  std::error_code ec = error::decode_failed;
  EXPECT_EQ(&ec.category(), &mesoshttp::error_category());
  EXPECT_FALSE(ec.message().empty());
}

}  // namespace
