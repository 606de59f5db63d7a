// Decodes the byte-exact recordings of real Mesos 1.11.0 sessions
// (../shared/mesos-api/captures) and checks every event against the
// recording's own listing of them.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include "support/quiet_protobuf_warnings.hpp"

#include <cstdio>

#include <filesystem>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mesos/v1/scheduler/scheduler.pb.h"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/recordio.hpp"

namespace {

using google::protobuf::util::MessageDifferencer;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::encoding;

const std::filesystem::path kCaptures = std::filesystem::path(MESOSHTTP_SHARED_DIR) / "captures";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `.events.txt`: each record's text followed by a line "---".
std::vector<std::string> listed_records(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (line == "---") {
      out.push_back(current);
      current.clear();
      first = true;
      continue;
    }
    if (!first) current += '\n';
    current += line;
    first = false;
  }
  EXPECT_TRUE(current.empty()) << "text after the last ---: " << current;
  return out;
}

struct session {
  const char* name;
  encoding enc;
};

class Captures : public ::testing::TestWithParam<session> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kCaptures / (std::string(GetParam().name) + ".body")))
      GTEST_SKIP() << "../shared/mesos-api not found: no " << GetParam().name << " capture in " << kCaptures;
    body_ = read_file(path(".body"));
    listed_ = listed_records(read_file(path(".events.txt")));
    ASSERT_FALSE(body_.empty());
    ASSERT_GE(listed_.size(), 5u);
  }

  std::filesystem::path path(const std::string& suffix) const { return kCaptures / (GetParam().name + suffix); }

  // The record listing parsed without our codec.
  Event expected_event(const std::string& text) const {
    Event e;
    if (GetParam().enc == encoding::protobuf) {
      EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &e)) << text;
    } else {
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &e, options).ok()) << text;
    }
    return e;
  }

  // RecordIO-decodes the body fed in chunks of `chunk` bytes.
  std::vector<std::string> records_in_chunks(size_t chunk) const {
    mesoshttp::recordio::decoder decoder;
    std::vector<std::string> out;
    for (size_t at = 0; at < body_.size(); at += chunk) {
      const auto ec =
          decoder.feed(std::string_view(body_).substr(at, chunk), [&](std::string_view r) { out.emplace_back(r); });
      EXPECT_FALSE(ec) << ec.message() << " at " << at;
    }
    EXPECT_FALSE(decoder.finish());
    EXPECT_TRUE(decoder.at_record_boundary());
    return out;
  }

  std::string body_;
  std::vector<std::string> listed_;
};

TEST_P(Captures, HeadersNameTheContentTypeAndAStreamId) {
  const std::string headers = read_file(path(".headers"));
  EXPECT_EQ(headers.rfind("HTTP/1.1 200 OK", 0), 0u) << headers;
  std::string content_type, stream_id;
  std::istringstream in(headers);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
    if (name == "content-type") content_type = value;
    if (name == "mesos-stream-id") stream_id = value;
  }
  EXPECT_EQ(mesoshttp::encoding_from_content_type(content_type), GetParam().enc) << content_type;
  // A UUID: 36 characters, dashes at 8, 13, 18, 23.
  ASSERT_EQ(stream_id.size(), 36u) << stream_id;
  for (size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(stream_id[i], '-') << stream_id;
}

TEST_P(Captures, BodyHoldsExactlyTheListedRecordsInAnyChunking) {
  for (size_t chunk :
       {body_.size(), size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, size_t{431}, size_t{1000}}) {
    SCOPED_TRACE("chunks of " + std::to_string(chunk));
    const auto records = records_in_chunks(chunk);
    ASSERT_EQ(records.size(), listed_.size());
    for (size_t i = 0; i < records.size(); ++i) {
      SCOPED_TRACE("record " + std::to_string(i));
      Event got;
      std::string why;
      ASSERT_FALSE(mesoshttp::decode(records[i], GetParam().enc, got, &why)) << why;
      const Event expected = expected_event(listed_[i]);
      std::string diff;
      MessageDifferencer differ;
      differ.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differ.Compare(expected, got)) << diff;
      if (GetParam().enc == encoding::json) {
        EXPECT_EQ(records[i], listed_[i]);  // the raw JSON record, byte for byte
      } else {
        // The master's serialisation is the canonical one: re-encoding gives the same bytes.
        std::string again;
        ASSERT_FALSE(mesoshttp::encode(got, encoding::protobuf, again));
        EXPECT_EQ(again, records[i]);
      }
    }
  }
}

TEST_P(Captures, SessionHasTheExpectedShape) {
  std::vector<Event> events;
  for (const auto& r : records_in_chunks(body_.size())) {
    Event e;
    ASSERT_FALSE(mesoshttp::decode(r, GetParam().enc, e));
    events.push_back(e);
  }
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events[0].type(), Event::SUBSCRIBED);
  const auto& subscribed = events[0].subscribed();
  EXPECT_FALSE(subscribed.framework_id().value().empty());
  EXPECT_EQ(subscribed.heartbeat_interval_seconds(), 15);
  EXPECT_EQ(subscribed.master_info().version(), "1.11.0");
  // Three capabilities; the third is one 1.11.0's own schema did not know
  // (QUOTA_V2): the JSON master wrote it as {}, the protobuf one as a number.
  ASSERT_EQ(subscribed.master_info().capabilities_size(), 3);
  EXPECT_EQ(subscribed.master_info().capabilities(0).type(), mesos::v1::MasterInfo::Capability::AGENT_UPDATE);
  if (GetParam().enc == encoding::protobuf) {
    EXPECT_EQ(subscribed.master_info().capabilities(2).type(), mesos::v1::MasterInfo::Capability::QUOTA_V2);
  } else {
    EXPECT_FALSE(subscribed.master_info().capabilities(2).has_type());
  }

  int offers = 0, updates = 0, heartbeats = 0;
  std::vector<std::string> states;
  for (const auto& e : events) {
    offers += e.type() == Event::OFFERS;
    heartbeats += e.type() == Event::HEARTBEAT;
    if (e.type() == Event::UPDATE) {
      ++updates;
      states.push_back(mesos::v1::TaskState_Name(e.update().status().state()));
    }
  }
  EXPECT_GE(offers, 1);
  EXPECT_GE(heartbeats, 1);
  EXPECT_EQ(states, (std::vector<std::string>{"TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED", "TASK_LOST"}));
}

// The session's ACKNOWLEDGE calls, as the client would build them from the
// UPDATE events, are the ones the master accepted in `.calls.txt`.
TEST_P(Captures, AcknowledgementsBuiltFromUpdatesMatchTheRecordedCalls) {
  std::vector<Call> recorded;
  std::istringstream in(read_file(path(".calls.txt")));
  std::string line;
  while (std::getline(in, line)) {
    const auto arrow = line.rfind(" -> ");
    ASSERT_NE(arrow, std::string::npos) << line;
    Call c;
    std::string why;
    ASSERT_FALSE(mesoshttp::decode(line.substr(0, arrow), encoding::json, c, &why)) << why;
    if (c.type() == Call::ACKNOWLEDGE) {
      EXPECT_EQ(line.substr(arrow + 4, 3), "202");
      c.clear_framework_id();
      recorded.push_back(c);
    }
  }
  std::vector<Call> built;
  for (const auto& r : records_in_chunks(body_.size())) {
    Event e;
    ASSERT_FALSE(mesoshttp::decode(r, GetParam().enc, e));
    // Reconciliation answers carry no uuid and are not acknowledged.
    if (e.type() == Event::UPDATE && e.update().status().has_uuid())
      built.push_back(mesoshttp::calls::acknowledge(e.update().status()));
  }
  ASSERT_EQ(built.size(), 3u);
  ASSERT_EQ(recorded.size(), built.size());
  for (size_t i = 0; i < built.size(); ++i)
    EXPECT_TRUE(MessageDifferencer::Equals(recorded[i], built[i])) << built[i].ShortDebugString();
  for (const auto& c : built) EXPECT_EQ(c.acknowledge().uuid().size(), 16u);
}

INSTANTIATE_TEST_SUITE_P(Sessions, Captures,
                         ::testing::Values(session{"session-protobuf", encoding::protobuf},
                                           session{"session-json", encoding::json}),
                         [](const auto& param_info) {
                           return param_info.param.enc == encoding::json ? "json" : "protobuf";
                         });

}  // namespace
