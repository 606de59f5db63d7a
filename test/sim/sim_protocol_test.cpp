// The request checks without sockets, one rule per test, texts from
// real-master-answers.md.
#include <gtest/gtest.h>

#include "mesoshttp/sim/protocol.hpp"

namespace {

using namespace mesoshttp::sim::protocol;
using mesos::v1::scheduler::Call;

request_view json_post(std::string_view body) {
  request_view r;
  r.method = "POST";
  r.target = "/api/v1/scheduler";
  r.content_type = "application/json";
  r.body = body;
  return r;
}

answer fails(const request_view& r) {
  auto result = parse_scheduler_request(r);
  EXPECT_TRUE(std::holds_alternative<answer>(result));
  return std::holds_alternative<answer>(result) ? std::get<answer>(result) : answer{};
}

constexpr std::string_view subscribe_json =
    R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}})";

TEST(SimProtocol, NotFoundSaysSoInPlainText) {
  const auto a = not_found();
  EXPECT_EQ(a.status, 404u);
  EXPECT_EQ(a.body, "404 Not Found.");
  EXPECT_EQ(a.content_type, "text/plain; charset=utf-8");
}

TEST(SimProtocol, OnlyPostIsAllowed) {
  auto r = json_post("");
  r.method = "GET";
  const auto a = fails(r);
  EXPECT_EQ(a.status, 405u);
  EXPECT_EQ(a.body, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.");
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0].first, "Allow");
  EXPECT_EQ(a.headers[0].second, "POST");
}

TEST(SimProtocol, ContentTypeRules) {
  auto r = json_post(subscribe_json);
  r.content_type.reset();
  EXPECT_EQ(fails(r).status, 400u);
  EXPECT_EQ(fails(r).body, "Expecting 'Content-Type' to be present");
  r.content_type = "text/plain";
  EXPECT_EQ(fails(r).status, 415u);
  EXPECT_EQ(fails(r).body, "Expecting 'Content-Type' of application/json or application/x-protobuf");
}

TEST(SimProtocol, MalformedBodies) {
  auto a = fails(json_post("{nope"));
  EXPECT_EQ(a.status, 400u);
  EXPECT_EQ(a.body.rfind("Failed to parse body into JSON: ", 0), 0u) << a.body;
  EXPECT_EQ(a.content_type, "text/plain; charset=utf-8");
  auto r = json_post("\x08\x01\x12\xff");
  r.content_type = "application/x-protobuf";
  EXPECT_EQ(fails(r).body, "Failed to parse body into Call protobuf");
}

TEST(SimProtocol, UnknownTypeAndMissingSubMessages) {
  EXPECT_EQ(fails(json_post(R"({"type":"NOPE"})")).body,
            "Failed to validate scheduler::Call: Expecting 'type' to be present");
  EXPECT_EQ(fails(json_post(R"({"type":"SUBSCRIBE"})")).body,
            "Failed to validate scheduler::Call: Expecting 'subscribe' to be present");
  EXPECT_EQ(fails(json_post(R"({"type":"ACCEPT","framework_id":{"value":"f"}})")).body,
            "Failed to validate scheduler::Call: Expecting 'accept' to be present");
  EXPECT_EQ(fails(json_post(R"({"type":"TEARDOWN"})")).body,
            "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
}

TEST(SimProtocol, AcknowledgeNeedsSixteenByteUuid) {
  const auto a = fails(json_post(
      R"({"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAEC"}})"));
  EXPECT_EQ(a.status, 400u);
  EXPECT_EQ(a.body, "Failed to validate scheduler::Call: Not a valid UUID");
}

TEST(SimProtocol, SubscribeAcceptAndStreamIdRules) {
  auto r = json_post(subscribe_json);
  r.accept = "text/plain";
  EXPECT_EQ(fails(r).status, 406u);
  EXPECT_EQ(fails(r).body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  r.accept = "*/*";
  r.stream_id = "abc";
  EXPECT_EQ(fails(r).body, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
  r.stream_id.reset();
  auto ok = parse_scheduler_request(r);
  ASSERT_TRUE(std::holds_alternative<parsed_call>(ok));
  EXPECT_EQ(std::get<parsed_call>(ok).call.type(), Call::SUBSCRIBE);
  EXPECT_EQ(std::get<parsed_call>(ok).response_encoding, mesoshttp::encoding::json);
}

TEST(SimProtocol, AcceptNegotiation) {
  EXPECT_EQ(negotiate_accept(std::nullopt), mesoshttp::encoding::json);
  EXPECT_EQ(negotiate_accept("*/*"), mesoshttp::encoding::json);
  EXPECT_EQ(negotiate_accept("application/x-protobuf"), mesoshttp::encoding::protobuf);
  EXPECT_EQ(negotiate_accept("text/html, application/json;q=0.5"), mesoshttp::encoding::json);
  EXPECT_EQ(negotiate_accept("application/json;q=0"), std::nullopt);
  EXPECT_EQ(negotiate_accept("text/plain"), std::nullopt);
}

TEST(SimProtocol, RedirectFormKeepsQuery) {
  const auto a = redirect_to_leader("127.0.0.1", 5062, "/api/v1/scheduler?x=1");
  EXPECT_EQ(a.status, 307u);
  EXPECT_TRUE(a.body.empty());
  EXPECT_TRUE(a.content_type.empty());
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0].second, "//127.0.0.1:5062/master/api/v1/scheduler?x=1");
}

TEST(SimProtocol, SchedulerPaths) {
  EXPECT_TRUE(is_scheduler_path("/api/v1/scheduler"));
  EXPECT_TRUE(is_scheduler_path("/master/api/v1/scheduler?a=b"));
  EXPECT_FALSE(is_scheduler_path("/api/v1/schedulerx"));
  EXPECT_FALSE(is_scheduler_path("/api/v1"));
}

TEST(SimProtocol, UuidsAreVersion4) {
  const auto bytes = random_uuid_bytes();
  ASSERT_EQ(bytes.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[6]) >> 4, 4u);
  const auto text = uuid_to_string(bytes);
  EXPECT_EQ(text.size(), 36u);
  EXPECT_EQ(text[14], '4');
  EXPECT_NE(random_uuid(), random_uuid());
}

}  // namespace
