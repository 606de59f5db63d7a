// The executor call builders and the TaskStatus helper: what they fill, that
// both encodings carry it, and that they build what the captured executor
// sent a real agent (captures/executor-session-json.calls.txt).
#include "mesoshttp/executor/calls.hpp"

#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"

namespace {

using mesoshttp::encoding;
using mesoshttp::executor::Call;
using mesoshttp::executor::executor_ids;
namespace v1 = mesos::v1;
namespace exec = mesoshttp::executor;

const executor_ids ids{"1b80bc45-8655-43a3-bd13-1c9d2f689cc9-0056", "cap-exec-session"};

// Encodes and decodes `call` in `e`; the result must equal the original.
void expect_round_trip(const Call& call, encoding e) {
  std::string bytes, why;
  ASSERT_FALSE(mesoshttp::encode(call, e, bytes, &why)) << why;
  Call back;
  ASSERT_FALSE(mesoshttp::decode(bytes, e, back, &why)) << why;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(call, back)) << mesoshttp::to_string(e) << ":\n"
                                                                              << call.DebugString() << "\nvs\n"
                                                                              << back.DebugString();
}

std::string json_of(const Call& call) {
  std::string out, why;
  EXPECT_FALSE(mesoshttp::encode(call, encoding::json, out, &why)) << why;
  return out;
}

// The captured calls, each decoded from the JSON before " -> ".
std::vector<Call> captured_calls() {
  std::ifstream in(std::string(MESOSHTTP_SHARED_DIR) + "/captures/executor-session-json.calls.txt");
  std::vector<Call> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    Call call;
    std::string why;
    EXPECT_FALSE(mesoshttp::decode(line.substr(0, arrow), encoding::json, call, &why)) << why;
    out.push_back(call);
  }
  return out;
}

TEST(ExecutorCalls, SubscribeCarriesTheIdsAndAnEmptySubscribe) {
  const Call call = exec::subscribe(ids);
  EXPECT_EQ(call.type(), Call::SUBSCRIBE);
  EXPECT_EQ(call.framework_id().value(), ids.framework_id);
  EXPECT_EQ(call.executor_id().value(), ids.executor_id);
  EXPECT_TRUE(call.has_subscribe());  // the agent answers 400 without it
  EXPECT_EQ(call.subscribe().unacknowledged_tasks_size(), 0);
  // As the captured executor sent it: "subscribe": {} present.
  EXPECT_NE(json_of(call).find("\"subscribe\":{}"), std::string::npos) << json_of(call);
  expect_round_trip(call, encoding::protobuf);
  expect_round_trip(call, encoding::json);
}

TEST(ExecutorCalls, SubscribeCarriesUnacknowledgedTasksAndUpdatesInOrder) {
  v1::TaskInfo a, b;
  a.set_name("a");
  a.mutable_task_id()->set_value("task-a");
  a.mutable_agent_id()->set_value("S0");
  b.set_name("b");
  b.mutable_task_id()->set_value("task-b");
  b.mutable_agent_id()->set_value("S0");
  Call::Update u1, u2;
  *u1.mutable_status() = exec::task_status("task-a", v1::TASK_RUNNING, ids.executor_id);
  *u2.mutable_status() = exec::task_status("task-a", v1::TASK_FINISHED, ids.executor_id);
  const Call call = exec::subscribe(ids, {a, b}, {u1, u2});
  ASSERT_EQ(call.subscribe().unacknowledged_tasks_size(), 2);
  EXPECT_EQ(call.subscribe().unacknowledged_tasks(0).task_id().value(), "task-a");
  EXPECT_EQ(call.subscribe().unacknowledged_tasks(1).task_id().value(), "task-b");
  ASSERT_EQ(call.subscribe().unacknowledged_updates_size(), 2);
  EXPECT_EQ(call.subscribe().unacknowledged_updates(0).status().uuid(), u1.status().uuid());
  EXPECT_EQ(call.subscribe().unacknowledged_updates(1).status().uuid(), u2.status().uuid());
  expect_round_trip(call, encoding::protobuf);
  expect_round_trip(call, encoding::json);
  // Proto field names in JSON, as the agent looks them up.
  EXPECT_NE(json_of(call).find("\"unacknowledged_tasks\":["), std::string::npos);
  EXPECT_NE(json_of(call).find("\"unacknowledged_updates\":["), std::string::npos);
}

TEST(ExecutorCalls, TaskStatusFillsWhatTheAgentChecks) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'068'269'650));
  exec::status_details details;
  details.message = "executor says running";
  details.data = std::string("payload-1\0\xff", 11);  // opaque bytes
  details.healthy = false;
  details.reason = v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED;
  const v1::TaskStatus s = exec::task_status("cap-task-session", v1::TASK_RUNNING, "cap-exec-session", details, now);
  EXPECT_EQ(s.task_id().value(), "cap-task-session");
  EXPECT_EQ(s.state(), v1::TASK_RUNNING);
  EXPECT_EQ(s.source(), v1::TaskStatus::SOURCE_EXECUTOR);           // anything else: 400
  ASSERT_EQ(s.uuid().size(), 16u);                                  // anything else: 400 "Not a valid UUID"
  EXPECT_EQ(static_cast<unsigned char>(s.uuid()[6]) >> 4, 4);       // version 4
  EXPECT_EQ(static_cast<unsigned char>(s.uuid()[8]) & 0xc0, 0x80);  // RFC 4122 variant
  EXPECT_EQ(s.executor_id().value(), "cap-exec-session");           // the agent does not add it
  EXPECT_DOUBLE_EQ(s.timestamp(), 1'796'068'269.65);
  EXPECT_EQ(s.message(), "executor says running");
  EXPECT_EQ(s.data(), std::string("payload-1\0\xff", 11));
  ASSERT_TRUE(s.has_healthy());
  EXPECT_FALSE(s.healthy());
  EXPECT_EQ(s.reason(), v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
}

TEST(ExecutorCalls, TaskStatusLeavesUnsetDetailsUnset) {
  const v1::TaskStatus s = exec::task_status("t", v1::TASK_FINISHED, "e");
  EXPECT_FALSE(s.has_message());
  EXPECT_FALSE(s.has_data());
  EXPECT_FALSE(s.has_healthy());
  EXPECT_FALSE(s.has_reason());  // none sent, none reported (executor-answers.md)
  EXPECT_TRUE(s.has_timestamp());
  EXPECT_GT(s.timestamp(), 1.6e9);  // now, not the epoch
}

TEST(ExecutorCalls, EachStatusGetsAFreshUuid) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto s = exec::task_status("t", v1::TASK_RUNNING, "e");
    EXPECT_TRUE(seen.insert(s.uuid()).second) << "uuid repeated after " << i;
  }
  EXPECT_EQ(exec::random_uuid_bytes().size(), 16u);
}

TEST(ExecutorCalls, UpdateAndMessageRoundTripInBothEncodings) {
  exec::status_details details;
  details.message = "msg";
  details.data = std::string("\x00\x01\x02", 3);
  const Call update = exec::update(ids, exec::task_status("t", v1::TASK_RUNNING, ids.executor_id, details));
  EXPECT_EQ(update.type(), Call::UPDATE);
  EXPECT_EQ(update.update().status().task_id().value(), "t");
  const Call message = exec::message(ids, std::string("\xde\xad\xbe\xef", 4));
  EXPECT_EQ(message.type(), Call::MESSAGE);
  EXPECT_EQ(message.message().data(), std::string("\xde\xad\xbe\xef", 4));
  const Call heartbeat = exec::heartbeat(ids);
  EXPECT_EQ(heartbeat.type(), Call::HEARTBEAT);
  for (const Call* call : {&update, &message, &heartbeat}) {
    EXPECT_TRUE(call->IsInitialized()) << call->InitializationErrorString();
    expect_round_trip(*call, encoding::protobuf);
    expect_round_trip(*call, encoding::json);
  }
  // Bytes go into JSON as base64: the uuid, data and message data.
  EXPECT_NE(json_of(message).find("\"data\":\"3q2+7w==\""), std::string::npos) << json_of(message);
  EXPECT_NE(json_of(update).find("\"source\":\"SOURCE_EXECUTOR\""), std::string::npos) << json_of(update);
}

TEST(ExecutorCalls, UpdateRefusalFollowsTheAgentsChecks) {
  const auto good = exec::task_status("t", v1::TASK_RUNNING, "e");
  EXPECT_EQ(exec::update_refusal(good), std::nullopt);
  // Every state an executor reports, except STAGING, is taken.
  for (auto state : {v1::TASK_STARTING, v1::TASK_FINISHED, v1::TASK_FAILED, v1::TASK_KILLING, v1::TASK_KILLED,
                     v1::TASK_ERROR, v1::TASK_LOST}) {
    EXPECT_EQ(exec::update_refusal(exec::task_status("t", state, "e")), std::nullopt) << v1::TaskState_Name(state);
  }

  auto s = good;
  s.clear_uuid();
  EXPECT_NE(exec::update_refusal(s).value_or("").find("no uuid"), std::string::npos);
  s = good;
  s.set_uuid("7Snp6cPwSiaeQGkOCmpkyw==");  // the base64 text instead of the bytes
  EXPECT_NE(exec::update_refusal(s).value_or("").find("24 bytes, not 16"), std::string::npos);
  s = good;
  s.set_source(v1::TaskStatus::SOURCE_MASTER);
  EXPECT_NE(exec::update_refusal(s).value_or("").find("SOURCE_EXECUTOR"), std::string::npos);
  s = good;
  s.clear_source();
  EXPECT_NE(exec::update_refusal(s).value_or("").find("SOURCE_EXECUTOR"), std::string::npos);
  s = good;
  s.set_state(v1::TASK_STAGING);
  EXPECT_NE(exec::update_refusal(s).value_or("").find("TASK_STAGING"), std::string::npos);
  s = good;
  s.clear_task_id();
  EXPECT_NE(exec::update_refusal(s).value_or("").find("no task id"), std::string::npos);
}

TEST(ExecutorCalls, IdsComeFromTheConfig) {
  exec::executor_config config;
  config.framework_id = "fw";
  config.executor_id = "ex";
  const auto got = exec::ids_of(config);
  EXPECT_EQ(got.framework_id, "fw");
  EXPECT_EQ(got.executor_id, "ex");
}

// The builders make, field for field, what the captured executor sent a real
// agent and got 200/202 for (uuids copied: they are random).
TEST(ExecutorCalls, BuildWhatTheCapturedExecutorSent) {
  const auto calls = captured_calls();
  if (calls.empty()) GTEST_SKIP() << "captures not found under " << MESOSHTTP_SHARED_DIR;
  ASSERT_EQ(calls.size(), 4u);

  using google::protobuf::util::MessageDifferencer;
  EXPECT_TRUE(MessageDifferencer::Equals(exec::subscribe(ids), calls[0])) << calls[0].DebugString();

  exec::status_details running;
  running.message = "executor says running";
  running.data = "payload-1";
  auto status = exec::task_status("cap-task-session", v1::TASK_RUNNING, ids.executor_id, running);
  // The capture's executor set neither executor_id nor timestamp; ours does
  // (both are allowed; see task_status). Compare the rest.
  status.clear_executor_id();
  status.clear_timestamp();
  status.set_uuid(calls[1].update().status().uuid());
  EXPECT_TRUE(MessageDifferencer::Equals(exec::update(ids, status), calls[1])) << calls[1].DebugString();

  exec::status_details finished;
  finished.message = "executor says finished";
  status = exec::task_status("cap-task-session", v1::TASK_FINISHED, ids.executor_id, finished);
  status.clear_executor_id();
  status.clear_timestamp();
  status.set_uuid(calls[2].update().status().uuid());
  EXPECT_TRUE(MessageDifferencer::Equals(exec::update(ids, status), calls[2])) << calls[2].DebugString();

  EXPECT_TRUE(MessageDifferencer::Equals(exec::message(ids, "echo:hello-executor"), calls[3]))
      << calls[3].DebugString();
}

}  // namespace
