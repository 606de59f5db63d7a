// Every event type a master sends, decoded from both encodings and encoded back.
#include "mesoshttp/codec.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/codec_support.hpp"

namespace {

using namespace mesoshttp::test;

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
