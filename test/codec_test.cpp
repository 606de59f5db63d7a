#include "mesoshttp/codec.hpp"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "mesos/v1/scheduler/scheduler.pb.h"
#include "mesoshttp/error.hpp"

namespace {

using google::protobuf::util::MessageDifferencer;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::encoding;
using mesoshttp::error;

constexpr encoding kBoth[] = {encoding::protobuf, encoding::json};

template <class M>
M from_text(const std::string& text) {
  M m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// For messages that lack required fields on purpose.
template <class M>
M from_text_partial(const std::string& text) {
  M m;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  EXPECT_TRUE(parser.ParseFromString(text, &m)) << text;
  return m;
}

std::string serialized(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(m.SerializePartialToString(&out));
  return out;
}

std::string diff(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  std::string report;
  MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  return d.Compare(a, b) ? std::string() : report;
}

Call subscribe_call() {
  return from_text<Call>(R"pb(
    type: SUBSCRIBE
    subscribe {
      framework_info {
        user: "root"
        name: "codec"
        roles: "*"
        capabilities { type: MULTI_ROLE }
        failover_timeout: 0
      }
    })pb");
}

// ---------------------------------------------------------------- basics

TEST(Codec, ContentTypesAndNames) {
  EXPECT_EQ(mesoshttp::content_type(encoding::protobuf), "application/x-protobuf");
  EXPECT_EQ(mesoshttp::content_type(encoding::json), "application/json");
  EXPECT_EQ(mesoshttp::to_string(encoding::protobuf), "protobuf");
  EXPECT_EQ(mesoshttp::to_string(encoding::json), "json");
}

TEST(Codec, ContentTypeParsing) {
  using mesoshttp::encoding_from_content_type;
  EXPECT_EQ(encoding_from_content_type("application/json"), encoding::json);
  EXPECT_EQ(encoding_from_content_type("application/json; charset=utf-8"), encoding::json);
  EXPECT_EQ(encoding_from_content_type("application/json;charset=utf-8"), encoding::json);
  EXPECT_EQ(encoding_from_content_type("Application/JSON"), encoding::json);
  EXPECT_EQ(encoding_from_content_type("  application/json"), encoding::json);
  EXPECT_EQ(encoding_from_content_type("application/x-protobuf"), encoding::protobuf);
  EXPECT_EQ(encoding_from_content_type("APPLICATION/X-PROTOBUF"), encoding::protobuf);
  EXPECT_EQ(encoding_from_content_type("application/x-protobuf; foo=bar"), encoding::protobuf);
  // Not the same type, only a common prefix.
  EXPECT_EQ(encoding_from_content_type("application/jsonx"), std::nullopt);
  EXPECT_EQ(encoding_from_content_type("application/x-protobuffer"), std::nullopt);
  EXPECT_EQ(encoding_from_content_type("text/plain; charset=utf-8"), std::nullopt);
  EXPECT_EQ(encoding_from_content_type("application/x-www-form-urlencoded"), std::nullopt);
  EXPECT_EQ(encoding_from_content_type("application/js"), std::nullopt);
  EXPECT_EQ(encoding_from_content_type("*/*"), std::nullopt);
  EXPECT_EQ(encoding_from_content_type(""), std::nullopt);
}

TEST(Codec, RoundTripInBothEncodings) {
  const Call call = subscribe_call();
  for (auto e : kBoth) {
    std::string bytes, why;
    ASSERT_FALSE(mesoshttp::encode(call, e, bytes, &why)) << why;
    Call back;
    ASSERT_FALSE(mesoshttp::decode(bytes, e, back, &why)) << why;
    EXPECT_EQ(diff(call, back), "") << mesoshttp::to_string(e);
  }
  std::string pb;
  ASSERT_FALSE(mesoshttp::encode(call, encoding::protobuf, pb));
  EXPECT_EQ(pb, serialized(call));  // the plain protobuf wire format
}

TEST(Codec, JsonUsesProtoFieldNames) {
  std::string json;
  ASSERT_FALSE(mesoshttp::encode(subscribe_call(), encoding::json, json));
  EXPECT_NE(json.find("\"framework_info\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"failover_timeout\""), std::string::npos) << json;
  EXPECT_EQ(json.find("frameworkInfo"), std::string::npos) << json;
  EXPECT_EQ(json.find("failoverTimeout"), std::string::npos) << json;
  // Enums by name, as the master reads them.
  EXPECT_NE(json.find("\"type\":\"SUBSCRIBE\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"type\":\"MULTI_ROLE\""), std::string::npos) << json;
}

TEST(Codec, UnknownJsonFieldsAreIgnored) {
  Event e;
  std::string why;
  ASSERT_FALSE(mesoshttp::decode(
      R"({"type":"SUBSCRIBED","brand_new":{"x":[1,2,{"y":null}]},
          "subscribed":{"framework_id":{"value":"F","extra":"z"},"later_field":true,
                        "heartbeat_interval_seconds":15.0}})",
      encoding::json, e, &why))
      << why;
  EXPECT_EQ(e.type(), Event::SUBSCRIBED);
  EXPECT_EQ(e.subscribed().framework_id().value(), "F");
  EXPECT_EQ(e.subscribed().heartbeat_interval_seconds(), 15.0);
}

TEST(Codec, BytesAreBase64InJson) {
  const std::string uuid("\x34\x0c\xa8\xe4\x0e\x88\x4b\xbe\x89\x2e\x51\xcb\x09\x50\x66\xfe", 16);
  auto call = from_text_partial<Call>(R"pb(type: ACKNOWLEDGE
                                           acknowledge {
                                             agent_id { value: "S0" }
                                             task_id { value: "t" }
                                           })pb");
  call.mutable_acknowledge()->set_uuid(uuid);
  std::string json;
  ASSERT_FALSE(mesoshttp::encode(call, encoding::json, json));
  EXPECT_NE(json.find("\"uuid\":\"NAyo5A6IS76JLlHLCVBm/g==\""), std::string::npos) << json;
  Call back;
  ASSERT_FALSE(mesoshttp::decode(json, encoding::json, back));
  EXPECT_EQ(back.acknowledge().uuid(), uuid);
  // What a master sends in an UPDATE: the status uuid in base64.
  Event ev;
  std::string why;
  ASSERT_FALSE(mesoshttp::decode(
      R"({"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING",
          "uuid":"Zy1djZKAQ/CQS1OP1jmuZg==","data":"aGk="}}})",
      encoding::json, ev, &why))
      << why;
  EXPECT_EQ(ev.update().status().uuid(),
            std::string("\x67\x2d\x5d\x8d\x92\x80\x43\xf0\x90\x4b\x53\x8f\xd6\x39\xae\x66", 16));
  EXPECT_EQ(ev.update().status().data(), "hi");
}

// ---------------------------------------------------------------- unknown enum values

TEST(Codec, UnknownEnumValueInJsonDoesNotFailTheMessage) {
  Event e;
  std::string why;
  ASSERT_FALSE(mesoshttp::decode(
      R"({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"F"},
          "master_info":{"id":"M","ip":1,"port":5050,
          "capabilities":[{"type":"AGENT_UPDATE"},{"type":"SOME_FUTURE_CAPABILITY"}]}}})",
      encoding::json, e, &why))
      << why;
  EXPECT_EQ(e.type(), Event::SUBSCRIBED);
  ASSERT_EQ(e.subscribed().master_info().capabilities_size(), 2);
  EXPECT_EQ(e.subscribed().master_info().capabilities(0).type(), mesos::v1::MasterInfo::Capability::AGENT_UPDATE);
  EXPECT_FALSE(e.subscribed().master_info().capabilities(1).has_type());

  // A future event type: the message still decodes, the type reads as unset.
  Event future;
  ASSERT_FALSE(mesoshttp::decode(R"({"type":"SOMETHING_NEW","heartbeat_extra":{}})", encoding::json, future, &why))
      << why;
  EXPECT_FALSE(future.has_type());
  EXPECT_EQ(future.type(), Event::UNKNOWN);
}

TEST(Codec, UnknownEnumNumberInProtobufDoesNotFailTheMessage) {
  auto e = from_text<Event>(R"pb(type: SUBSCRIBED
                                 subscribed {
                                   framework_id { value: "F" }
                                   master_info {
                                     id: "M"
                                     ip: 1
                                     port: 5050
                                     capabilities { type: AGENT_UPDATE }
                                   }
                                 })pb");
  // Capability.type = 99 appended to the second capability on the wire.
  auto* cap = e.mutable_subscribed()->mutable_master_info()->add_capabilities();
  ASSERT_TRUE(cap->ParseFromString("\x08\x63"));  // field 1, varint 99
  std::string bytes = serialized(e);
  Event back;
  std::string why;
  ASSERT_FALSE(mesoshttp::decode(bytes, encoding::protobuf, back, &why)) << why;
  ASSERT_EQ(back.subscribed().master_info().capabilities_size(), 2);
  EXPECT_FALSE(back.subscribed().master_info().capabilities(1).has_type());
  // Kept as an unknown field, so it is forwarded intact if re-encoded.
  EXPECT_EQ(serialized(back), bytes);

  // An Event whose type is a number this schema does not know.
  Event future;
  ASSERT_FALSE(mesoshttp::decode(std::string("\x08\x2a", 2), encoding::protobuf, future, &why)) << why;
  EXPECT_FALSE(future.has_type());
}

// ---------------------------------------------------------------- bad input

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

// ---------------------------------------------------------------- every event type

struct event_case {
  Event::Type type;
  const char* text;  // protobuf text format: the expected message
  const char* json;  // what a master sends for it
};

const std::vector<event_case>& event_cases() {
  static const std::vector<event_case> cases = {
      {Event::SUBSCRIBED,
       R"pb(type: SUBSCRIBED
            subscribed {
              framework_id { value: "F-0001" }
              heartbeat_interval_seconds: 15
              master_info {
                id: "M"
                ip: 16777343
                port: 5050
                pid: "master@127.0.0.1:5050"
                hostname: "127.0.0.1"
                version: "1.11.0"
                address { hostname: "127.0.0.1" ip: "127.0.0.1" port: 5050 }
                capabilities { type: AGENT_UPDATE }
              }
            })pb",
       R"({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"F-0001"},"heartbeat_interval_seconds":15.0,"master_info":{"id":"M","ip":16777343,"port":5050,"pid":"master@127.0.0.1:5050","hostname":"127.0.0.1","version":"1.11.0","address":{"hostname":"127.0.0.1","ip":"127.0.0.1","port":5050},"capabilities":[{"type":"AGENT_UPDATE"}]}}})"},
      {Event::OFFERS,
       R"pb(type: OFFERS
            offers {
              offers {
                id { value: "O1" }
                framework_id { value: "F" }
                agent_id { value: "S0" }
                hostname: "h"
                resources {
                  name: "cpus"
                  type: SCALAR
                  scalar { value: 2 }
                  allocation_info { role: "*" }
                }
                resources {
                  name: "ports"
                  type: RANGES
                  ranges { range { begin: 31000 end: 32000 } }
                }
                attributes {
                  name: "rack"
                  type: TEXT
                  text { value: "r1" }
                }
                allocation_info { role: "*" }
              }
            })pb",
       R"({"type":"OFFERS","offers":{"offers":[{"id":{"value":"O1"},"framework_id":{"value":"F"},"agent_id":{"value":"S0"},"hostname":"h","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":2.0},"allocation_info":{"role":"*"}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":32000}]}}],"attributes":[{"name":"rack","type":"TEXT","text":{"value":"r1"}}],"allocation_info":{"role":"*"}}]}})"},
      {Event::INVERSE_OFFERS,
       R"pb(type: INVERSE_OFFERS
            inverse_offers {
              inverse_offers {
                id { value: "I1" }
                framework_id { value: "F" }
                agent_id { value: "S0" }
                unavailability {
                  start { nanoseconds: 1700000000000000000 }
                  duration { nanoseconds: 3600000000000 }
                }
              }
            })pb",
       R"({"type":"INVERSE_OFFERS","inverse_offers":{"inverse_offers":[{"id":{"value":"I1"},"framework_id":{"value":"F"},"agent_id":{"value":"S0"},"unavailability":{"start":{"nanoseconds":1700000000000000000},"duration":{"nanoseconds":3600000000000}}}]}})"},
      {Event::RESCIND, R"pb(type: RESCIND
                            rescind { offer_id { value: "O1" } })pb",
       R"({"type":"RESCIND","rescind":{"offer_id":{"value":"O1"}}})"},
      {Event::RESCIND_INVERSE_OFFER, R"pb(type: RESCIND_INVERSE_OFFER
                                          rescind_inverse_offer { inverse_offer_id { value: "I1" } })pb",
       R"({"type":"RESCIND_INVERSE_OFFER","rescind_inverse_offer":{"inverse_offer_id":{"value":"I1"}}})"},
      {Event::UPDATE,
       R"pb(type: UPDATE
            update {
              status {
                task_id { value: "t1" }
                state: TASK_FINISHED
                message: "Command exited with status 0"
                source: SOURCE_EXECUTOR
                reason: REASON_COMMAND_EXECUTOR_FAILED
                agent_id { value: "S0" }
                executor_id { value: "t1" }
                timestamp: 1763957539.5
                uuid: "4\014\250\344\016\210K\276\211.Q\313\tPf\376"
                healthy: true
              }
            })pb",
       R"({"type":"UPDATE","update":{"status":{"task_id":{"value":"t1"},"state":"TASK_FINISHED","message":"Command exited with status 0","source":"SOURCE_EXECUTOR","reason":"REASON_COMMAND_EXECUTOR_FAILED","agent_id":{"value":"S0"},"executor_id":{"value":"t1"},"timestamp":1763957539.5,"uuid":"NAyo5A6IS76JLlHLCVBm/g==","healthy":true}}})"},
      {Event::UPDATE_OPERATION_STATUS,
       R"pb(type: UPDATE_OPERATION_STATUS
            update_operation_status {
              status {
                operation_id { value: "op1" }
                state: OPERATION_FINISHED
                message: "done"
                uuid { value: "0123456789abcdef" }
                agent_id { value: "S0" }
                resource_provider_id { value: "RP" }
              }
            })pb",
       R"({"type":"UPDATE_OPERATION_STATUS","update_operation_status":{"status":{"operation_id":{"value":"op1"},"state":"OPERATION_FINISHED","message":"done","uuid":{"value":"MDEyMzQ1Njc4OWFiY2RlZg=="},"agent_id":{"value":"S0"},"resource_provider_id":{"value":"RP"}}}})"},
      {Event::MESSAGE, R"pb(type: MESSAGE
                            message {
                              agent_id { value: "S0" }
                              executor_id { value: "E" }
                              data: "\000hello\377"
                            })pb",
       R"({"type":"MESSAGE","message":{"agent_id":{"value":"S0"},"executor_id":{"value":"E"},"data":"AGhlbGxv/w=="}})"},
      {Event::FAILURE, R"pb(type: FAILURE
                            failure {
                              agent_id { value: "S0" }
                              executor_id { value: "E" }
                              status: 137
                            })pb",
       R"({"type":"FAILURE","failure":{"agent_id":{"value":"S0"},"executor_id":{"value":"E"},"status":137}})"},
      {Event::ERROR, R"pb(type: ERROR
                          error { message: "Framework failed over" })pb",
       R"({"type":"ERROR","error":{"message":"Framework failed over"}})"},
      {Event::HEARTBEAT, R"pb(type: HEARTBEAT)pb", R"({"type":"HEARTBEAT"})"},
  };
  return cases;
}

TEST(CodecEvents, EveryEventTypeHasACase) {
  std::set<int> covered;
  for (const auto& c : event_cases()) covered.insert(c.type);
  const auto* d = Event::Type_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    if (d->value(i)->number() == Event::UNKNOWN) continue;
    EXPECT_EQ(covered.count(d->value(i)->number()), 1u) << d->value(i)->name();
  }
}

TEST(CodecEvents, DecodeEveryEventTypeFromProtobuf) {
  for (const auto& c : event_cases()) {
    SCOPED_TRACE(Event::Type_Name(c.type));
    const auto expected = from_text<Event>(c.text);
    ASSERT_EQ(expected.type(), c.type);
    Event got;
    std::string why;
    ASSERT_FALSE(mesoshttp::decode(serialized(expected), encoding::protobuf, got, &why)) << why;
    EXPECT_EQ(diff(expected, got), "");
  }
}

TEST(CodecEvents, DecodeEveryEventTypeFromJson) {
  for (const auto& c : event_cases()) {
    SCOPED_TRACE(Event::Type_Name(c.type));
    const auto expected = from_text<Event>(c.text);
    Event got;
    std::string why;
    ASSERT_FALSE(mesoshttp::decode(c.json, encoding::json, got, &why)) << why;
    EXPECT_EQ(diff(expected, got), "");
    EXPECT_EQ(got.type(), c.type);
  }
}

TEST(CodecEvents, EncodeEveryEventTypeBackToTheSameBytes) {
  // The simulated master encodes events: protobuf must be the wire format,
  // JSON must decode back to the same message (number formatting may differ).
  for (const auto& c : event_cases()) {
    SCOPED_TRACE(Event::Type_Name(c.type));
    const auto event = from_text<Event>(c.text);
    std::string pb, json, why;
    ASSERT_FALSE(mesoshttp::encode(event, encoding::protobuf, pb, &why)) << why;
    EXPECT_EQ(pb, serialized(event));
    ASSERT_FALSE(mesoshttp::encode(event, encoding::json, json, &why)) << why;
    Event back;
    ASSERT_FALSE(mesoshttp::decode(json, encoding::json, back, &why)) << why;
    EXPECT_EQ(diff(event, back), "");
  }
}

}  // namespace
