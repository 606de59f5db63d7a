// What a resubscription carries: the updates without ACKNOWLEDGED and the
// launched tasks without an acknowledged update (executor-answers.md,
// "Subscribing again"), kept in order, without sockets.
#include "mesoshttp/executor/update_tracker.hpp"

#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <fstream>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"

namespace {

namespace v1 = mesos::v1;
namespace exec = mesoshttp::executor;
using exec::Call;
using exec::update_tracker;
using ack = update_tracker::ack_result;

const exec::executor_ids ids{"fw-1", "ex-1"};

v1::TaskInfo task(const std::string& id) {
  v1::TaskInfo t;
  t.set_name("name-" + id);
  t.mutable_task_id()->set_value(id);
  t.mutable_agent_id()->set_value("S0");
  return t;
}

Call::Update update(const std::string& task_id, v1::TaskState state) {
  Call::Update u;
  *u.mutable_status() = exec::task_status(task_id, state, ids.executor_id);
  return u;
}

v1::TaskID task_id(const std::string& id) {
  v1::TaskID t;
  t.set_value(id);
  return t;
}

std::vector<std::string> task_ids(const std::vector<v1::TaskInfo>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks) out.push_back(t.task_id().value());
  return out;
}

std::vector<std::string> uuids(const std::vector<Call::Update>& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates) out.push_back(u.status().uuid());
  return out;
}

using names = std::vector<std::string>;

TEST(UpdateTracker, ALaunchedTaskIsUnacknowledgedUntilAnUpdateOfItIsAcknowledged) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  EXPECT_EQ(task_ids(tracker.unacknowledged_tasks()), names{"t1"});
  const auto running = update("t1", v1::TASK_RUNNING);
  tracker.on_update_sent(running);
  // Sent is not enough: the agent may have lost it.
  EXPECT_EQ(task_ids(tracker.unacknowledged_tasks()), names{"t1"});
  EXPECT_EQ(uuids(tracker.unacknowledged_updates()), names{running.status().uuid()});
  EXPECT_EQ(tracker.on_acknowledged(task_id("t1"), running.status().uuid()), ack::acknowledged);
  EXPECT_TRUE(tracker.unacknowledged_tasks().empty());
  EXPECT_TRUE(tracker.unacknowledged_updates().empty());
  EXPECT_EQ(tracker.live_task_ids(), names{"t1"});  // running, not forgotten
}

TEST(UpdateTracker, AcknowledgedMatchesTaskIdAndUuid) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  tracker.on_launch(task("t2"));
  const auto u1 = update("t1", v1::TASK_RUNNING);
  tracker.on_update_sent(u1);
  // The right uuid with another task's id is not this update.
  EXPECT_EQ(tracker.on_acknowledged(task_id("t2"), u1.status().uuid()), ack::unknown);
  EXPECT_EQ(tracker.unacknowledged_updates().size(), 1u);
  // The right task with a uuid never sent.
  EXPECT_EQ(tracker.on_acknowledged(task_id("t1"), std::string(16, 'x')), ack::unknown);
  EXPECT_EQ(tracker.unacknowledged_updates().size(), 1u);
  EXPECT_EQ(tracker.unknown_acknowledgements(), 2u);
  EXPECT_EQ(task_ids(tracker.unacknowledged_tasks()), (names{"t1", "t2"}));
}

TEST(UpdateTracker, ASecondAcknowledgedForTheSameUpdateIsCountedAndIgnored) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  const auto u = update("t1", v1::TASK_RUNNING);
  tracker.on_update_sent(u);
  EXPECT_EQ(tracker.on_acknowledged(task_id("t1"), u.status().uuid()), ack::acknowledged);
  EXPECT_EQ(tracker.on_acknowledged(task_id("t1"), u.status().uuid()), ack::unknown);
  EXPECT_EQ(tracker.unknown_acknowledgements(), 1u);
  EXPECT_EQ(tracker.live_task_ids(), names{"t1"});
}

TEST(UpdateTracker, AcknowledgedFromTheEventIsTheSame) {
  update_tracker tracker;
  const auto u = update("t1", v1::TASK_RUNNING);
  tracker.on_update_sent(u);
  exec::Event::Acknowledged event;
  *event.mutable_task_id() = task_id("t1");
  event.set_uuid(u.status().uuid());
  EXPECT_EQ(tracker.on_acknowledged(event), ack::acknowledged);
  EXPECT_TRUE(tracker.unacknowledged_updates().empty());
}

TEST(UpdateTracker, UpdatesStayInTheOrderSentAsSomeAreAcknowledged) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  tracker.on_launch(task("t2"));
  tracker.on_launch(task("t3"));
  const auto a = update("t1", v1::TASK_RUNNING);
  const auto b = update("t2", v1::TASK_RUNNING);
  const auto c = update("t3", v1::TASK_RUNNING);
  const auto d = update("t1", v1::TASK_FAILED);
  for (const auto* u : {&a, &b, &c, &d}) tracker.on_update_sent(*u);
  EXPECT_EQ(uuids(tracker.unacknowledged_updates()),
            (names{a.status().uuid(), b.status().uuid(), c.status().uuid(), d.status().uuid()}));
  ASSERT_EQ(tracker.on_acknowledged(task_id("t2"), b.status().uuid()), ack::acknowledged);
  EXPECT_EQ(uuids(tracker.unacknowledged_updates()), (names{a.status().uuid(), c.status().uuid(), d.status().uuid()}));
  // Launch order is kept for the tasks, with t2 gone from them.
  EXPECT_EQ(task_ids(tracker.unacknowledged_tasks()), (names{"t1", "t3"}));
}

TEST(UpdateTracker, ATaskWithAnAcknowledgedTerminalUpdateIsForgotten) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  tracker.on_launch(task("t2"));
  const auto running = update("t1", v1::TASK_RUNNING);
  const auto finished = update("t1", v1::TASK_FINISHED);
  tracker.on_update_sent(running);
  EXPECT_FALSE(tracker.terminal_update_sent("t1"));
  tracker.on_update_sent(finished);
  EXPECT_TRUE(tracker.terminal_update_sent("t1"));
  ASSERT_EQ(tracker.on_acknowledged(task_id("t1"), running.status().uuid()), ack::acknowledged);
  EXPECT_EQ(tracker.live_task_ids(), (names{"t1", "t2"}));
  ASSERT_EQ(tracker.on_acknowledged(task_id("t1"), finished.status().uuid()), ack::acknowledged);
  EXPECT_EQ(tracker.live_task_ids(), names{"t2"});
  EXPECT_FALSE(tracker.terminal_update_sent("t1"));  // forgotten altogether
  EXPECT_EQ(tracker.resubscribe_call(ids).subscribe().unacknowledged_tasks_size(), 1);
}

TEST(UpdateTracker, ATerminalAcknowledgedBeforeAnEarlierUpdateKeepsTheTaskForIt) {
  // The agent acknowledges in order; if it ever did not, the earlier update
  // would still be owed and must still be resent.
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  const auto running = update("t1", v1::TASK_RUNNING);
  const auto killed = update("t1", v1::TASK_KILLED);
  tracker.on_update_sent(running);
  tracker.on_update_sent(killed);
  ASSERT_EQ(tracker.on_acknowledged(task_id("t1"), killed.status().uuid()), ack::acknowledged);
  EXPECT_EQ(tracker.live_task_ids(), names{"t1"});
  EXPECT_EQ(uuids(tracker.unacknowledged_updates()), names{running.status().uuid()});
  ASSERT_EQ(tracker.on_acknowledged(task_id("t1"), running.status().uuid()), ack::acknowledged);
  EXPECT_TRUE(tracker.live_task_ids().empty());
}

TEST(UpdateTracker, ANonTerminalAcknowledgedTaskStaysLive) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  const auto running = update("t1", v1::TASK_RUNNING);
  tracker.on_update_sent(running);
  tracker.on_acknowledged(task_id("t1"), running.status().uuid());
  EXPECT_EQ(tracker.live_task_ids(), names{"t1"});
  EXPECT_FALSE(tracker.terminal_update_sent("t1"));
}

TEST(UpdateTracker, LaunchGroupTracksEachTaskInOrder) {
  update_tracker tracker;
  v1::TaskGroupInfo group;
  *group.add_tasks() = task("g1");
  *group.add_tasks() = task("g2");
  tracker.on_launch(task("t0"));
  tracker.on_launch_group(group);
  EXPECT_EQ(task_ids(tracker.unacknowledged_tasks()), (names{"t0", "g1", "g2"}));
}

TEST(UpdateTracker, ATaskLackingRequiredFieldsIsNotKeptAndTheResubscriptionStillEncodes) {
  update_tracker tracker;
  EXPECT_FALSE(tracker.on_launch(v1::TaskInfo{}));
  v1::TaskGroupInfo group;
  *group.add_tasks() = task("g1");
  group.add_tasks()->set_name("no ids");
  EXPECT_EQ(tracker.on_launch_group(group), 1u);
  EXPECT_TRUE(tracker.on_launch(task("t1")));
  EXPECT_EQ(tracker.live_task_ids(), (std::vector<std::string>{"g1", "t1"}));
  for (auto wire : {mesoshttp::encoding::json, mesoshttp::encoding::protobuf}) {
    std::string body, why;
    EXPECT_FALSE(mesoshttp::encode(tracker.resubscribe_call(ids), wire, body, &why)) << why;
  }
}

TEST(UpdateTracker, ARepeatedLaunchReplacesTheTaskInfoInPlace) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  tracker.on_launch(task("t2"));
  auto again = task("t1");
  again.set_name("renamed");
  tracker.on_launch(again);
  const auto tasks = tracker.unacknowledged_tasks();
  ASSERT_EQ(task_ids(tasks), (names{"t1", "t2"}));
  EXPECT_EQ(tasks[0].name(), "renamed");
}

TEST(UpdateTracker, AnUpdateOfATaskNeverLaunchedIsStillKeptUntilAcknowledged) {
  // The agent forwards those too (executor-answers.md: 202 for an unknown task).
  update_tracker tracker;
  const auto u = update("no-such-task", v1::TASK_RUNNING);
  tracker.on_update_sent(u);
  EXPECT_EQ(uuids(tracker.unacknowledged_updates()), names{u.status().uuid()});
  EXPECT_TRUE(tracker.live_task_ids().empty());
  EXPECT_EQ(tracker.on_acknowledged(task_id("no-such-task"), u.status().uuid()), ack::acknowledged);
  EXPECT_TRUE(tracker.unacknowledged_updates().empty());
}

TEST(UpdateTracker, ResubscribeCarriesExactlyWhatIsOwedInBothEncodings) {
  update_tracker tracker;
  tracker.on_launch(task("acked"));
  tracker.on_launch(task("sent"));
  tracker.on_launch(task("silent"));
  const auto a = update("acked", v1::TASK_RUNNING);
  const auto s = update("sent", v1::TASK_RUNNING);
  tracker.on_update_sent(a);
  tracker.on_update_sent(s);
  tracker.on_acknowledged(task_id("acked"), a.status().uuid());

  const Call call = tracker.resubscribe_call(ids);
  EXPECT_EQ(call.type(), Call::SUBSCRIBE);
  EXPECT_EQ(call.framework_id().value(), "fw-1");
  EXPECT_EQ(call.executor_id().value(), "ex-1");
  ASSERT_EQ(call.subscribe().unacknowledged_tasks_size(), 2);
  EXPECT_EQ(call.subscribe().unacknowledged_tasks(0).task_id().value(), "sent");
  EXPECT_EQ(call.subscribe().unacknowledged_tasks(1).task_id().value(), "silent");
  ASSERT_EQ(call.subscribe().unacknowledged_updates_size(), 1);
  EXPECT_EQ(call.subscribe().unacknowledged_updates(0).status().uuid(), s.status().uuid());

  for (auto e : {mesoshttp::encoding::protobuf, mesoshttp::encoding::json}) {
    std::string bytes, why;
    ASSERT_FALSE(mesoshttp::encode(call, e, bytes, &why)) << why;
    Call back;
    ASSERT_FALSE(mesoshttp::decode(bytes, e, back, &why)) << why;
    ASSERT_EQ(back.subscribe().unacknowledged_updates_size(), 1);
    EXPECT_EQ(back.subscribe().unacknowledged_updates(0).status().uuid(), s.status().uuid());
    EXPECT_EQ(back.subscribe().unacknowledged_tasks(1).name(), "name-silent");
  }
}

// The JSON records of a capture file, one a line, "---" between them.
template <typename Message>
std::vector<Message> captured(const std::string& file) {
  std::ifstream in(std::string(MESOSHTTP_SHARED_DIR) + "/captures/" + file);
  std::vector<Message> out;
  std::string line;
  while (std::getline(in, line)) {
    auto arrow = line.find(" -> ");
    if (arrow != std::string::npos) line.resize(arrow);
    if (line.empty() || line == "---") continue;
    Message m;
    std::string why;
    EXPECT_FALSE(mesoshttp::decode(line, mesoshttp::encoding::json, m, &why)) << why;
    out.push_back(m);
  }
  return out;
}

// The captured session replayed: LAUNCH, the executor's two UPDATEs, the
// agent's two ACKNOWLEDGED (executor-answers.md, "Order of the whole session").
TEST(UpdateTracker, ReplaysTheCapturedSession) {
  const auto events = captured<exec::Event>("executor-session-json.events.txt");
  const auto calls = captured<Call>("executor-session-json.calls.txt");
  if (events.empty() || calls.empty()) GTEST_SKIP() << "captures not found under " << MESOSHTTP_SHARED_DIR;
  ASSERT_EQ(events.size(), 6u);
  ASSERT_EQ(calls.size(), 4u);
  ASSERT_EQ(events[1].type(), exec::Event::LAUNCH);
  const exec::executor_ids captured_ids{calls[0].framework_id().value(), calls[0].executor_id().value()};

  update_tracker tracker;
  tracker.on_launch(events[1].launch().task());
  // Lost now, before any update: the resubscription must carry the TaskInfo
  // from LAUNCH, which the agent took back (SUBSCRIBED, task kept).
  Call resubscribe = tracker.resubscribe_call(captured_ids);
  ASSERT_EQ(resubscribe.subscribe().unacknowledged_tasks_size(), 1);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(resubscribe.subscribe().unacknowledged_tasks(0),
                                                                 events[1].launch().task()));

  tracker.on_update_sent(calls[1].update());  // TASK_RUNNING
  tracker.on_update_sent(calls[2].update());  // TASK_FINISHED
  resubscribe = tracker.resubscribe_call(captured_ids);
  EXPECT_EQ(resubscribe.subscribe().unacknowledged_tasks_size(), 1);
  EXPECT_EQ(resubscribe.subscribe().unacknowledged_updates_size(), 2);

  ASSERT_EQ(events[2].type(), exec::Event::ACKNOWLEDGED);
  EXPECT_EQ(tracker.on_acknowledged(events[2].acknowledged()), ack::acknowledged);
  EXPECT_TRUE(tracker.unacknowledged_tasks().empty());
  EXPECT_EQ(tracker.live_task_ids(), names{"cap-task-session"});
  EXPECT_EQ(tracker.on_acknowledged(events[3].acknowledged()), ack::acknowledged);
  // TASK_FINISHED acknowledged: nothing is owed and the task is forgotten.
  EXPECT_TRUE(tracker.live_task_ids().empty());
  EXPECT_TRUE(tracker.unacknowledged_updates().empty());
  EXPECT_EQ(tracker.unknown_acknowledgements(), 0u);
}

TEST(UpdateTracker, NothingOwedGivesAPlainSubscribe) {
  update_tracker tracker;
  const Call call = tracker.resubscribe_call(ids);
  EXPECT_TRUE(call.has_subscribe());
  EXPECT_EQ(call.subscribe().unacknowledged_tasks_size(), 0);
  EXPECT_EQ(call.subscribe().unacknowledged_updates_size(), 0);
}

}  // namespace

namespace {

TEST(UpdateTracker, ARefusedUpdateIsNotKeptAndNoLongerCountsAsTerminal) {
  update_tracker tracker;
  tracker.on_launch(task("t1"));
  const auto running = update("t1", v1::TASK_RUNNING);
  const auto finished = update("t1", v1::TASK_FINISHED);
  tracker.on_update_sent(running);
  tracker.on_update_sent(finished);
  EXPECT_TRUE(tracker.terminal_update_sent("t1"));
  EXPECT_TRUE(tracker.on_update_refused(task_id("t1"), finished.status().uuid()));
  EXPECT_FALSE(tracker.on_update_refused(task_id("t1"), finished.status().uuid()));  // gone already
  EXPECT_FALSE(tracker.on_update_refused(task_id("t2"), running.status().uuid()));   // task id must match
  EXPECT_FALSE(tracker.terminal_update_sent("t1"));
  EXPECT_EQ(uuids(tracker.unacknowledged_updates()), names{running.status().uuid()});
  EXPECT_EQ(task_ids(tracker.unacknowledged_tasks()), names{"t1"});
  EXPECT_EQ(tracker.unknown_acknowledgements(), 0u);
}

}  // namespace
