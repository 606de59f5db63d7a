// What the codec tests share: messages from protobuf text format, their bytes,
// and a readable difference between two messages.
#pragma once

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "mesos/v1/scheduler/scheduler.pb.h"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/error.hpp"

namespace mesoshttp::test {

using google::protobuf::util::MessageDifferencer;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::encoding;
using mesoshttp::error;

inline constexpr encoding kBoth[] = {encoding::protobuf, encoding::json};

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

inline std::string serialized(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(m.SerializePartialToString(&out));
  return out;
}

inline std::string diff(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  std::string report;
  MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  return d.Compare(a, b) ? std::string() : report;
}

inline Call subscribe_call() {
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

}  // namespace mesoshttp::test
