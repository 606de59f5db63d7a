// The codec's basics: content types, round trips in both encodings, JSON's
// field names and bytes, and enum values this schema does not know. Bad input
// is in codec_bad_input_test.cpp, every event type in codec_events_test.cpp.
#include "mesoshttp/codec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/codec_support.hpp"

namespace {

using namespace mesoshttp::test;

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

}  // namespace
