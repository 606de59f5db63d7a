// The task tracker and the reconciliation decisions, without sockets.
#include <gtest/gtest.h>

#include "mesoshttp/framework/reconciler.hpp"
#include "mesoshttp/framework/task_tracker.hpp"

namespace {

using namespace std::chrono_literals;
using mesos::v1::TaskStatus;
using mesoshttp::reconcile_fsm;
using mesoshttp::task_tracker;
using mesoshttp::tracked_task;
using kind = task_tracker::update_kind;

TaskStatus status(const std::string& id, mesos::v1::TaskState state, const std::string& agent = "a1") {
  TaskStatus s;
  s.mutable_task_id()->set_value(id);
  s.set_state(state);
  if (!agent.empty()) s.mutable_agent_id()->set_value(agent);
  return s;
}

TEST(TaskTracker, KeepsTheLatestStateOfEachTask) {
  task_tracker tracker;
  tracker.launching("t1");
  EXPECT_EQ(tracker.find("t1")->state, mesos::v1::TASK_STAGING);
  EXPECT_EQ(tracker.on_update(status("t1", mesos::v1::TASK_STARTING)), kind::changed);
  EXPECT_EQ(tracker.on_update(status("t1", mesos::v1::TASK_RUNNING)), kind::changed);
  EXPECT_EQ(tracker.find("t1")->state, mesos::v1::TASK_RUNNING);
  EXPECT_EQ(tracker.find("t1")->agent_id, "a1");
  // Repeated updates of one task do not grow it.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(tracker.on_update(status("t1", mesos::v1::TASK_RUNNING)), kind::duplicate);
  EXPECT_EQ(tracker.size(), 1u);
  EXPECT_EQ(tracker.duplicates(), 100u);
  EXPECT_EQ(tracker.counts_by_state().at(mesos::v1::TASK_RUNNING), 1u);
}

TEST(TaskTracker, ATerminalTaskIsForgottenUnlessKept) {
  task_tracker tracker;
  tracker.launching("t1");
  tracker.on_update(status("t1", mesos::v1::TASK_FINISHED));
  EXPECT_FALSE(tracker.find("t1"));
  EXPECT_EQ(tracker.size(), 0u);

  task_tracker keeping(true);
  keeping.launching("t1");
  keeping.on_update(status("t1", mesos::v1::TASK_FAILED));
  EXPECT_EQ(keeping.find("t1")->state, mesos::v1::TASK_FAILED);
  EXPECT_TRUE(keeping.live_tasks().empty());
  keeping.forget("t1");
  EXPECT_EQ(keeping.size(), 0u);
}

TEST(TaskTracker, AnUpdateOfATaskNeverLaunchedIsCountedAndRecorded) {
  task_tracker tracker;
  EXPECT_EQ(tracker.on_update(status("stranger", mesos::v1::TASK_RUNNING)), kind::unknown_task);
  EXPECT_EQ(tracker.unknown_tasks(), 1u);
  EXPECT_EQ(tracker.find("stranger")->state, mesos::v1::TASK_RUNNING);
}

std::vector<tracked_task> live(std::initializer_list<const char*> ids) {
  std::vector<tracked_task> out;
  for (const char* id : ids) {
    tracked_task t;
    t.task_id = id;
    t.agent_id = "a1";
    out.push_back(t);
  }
  return out;
}

TEST(ReconcileFsm, AsksAboutEachLiveTaskThenAboutAll) {
  reconcile_fsm fsm({.first_wait = 1000ms, .max_wait = 8000ms});
  auto a = fsm.on_subscribed(live({"t1", "t2"}));
  ASSERT_TRUE(a.call);
  EXPECT_EQ(a.call->reconcile().tasks_size(), 2);
  EXPECT_EQ(a.call->reconcile().tasks(0).agent_id().value(), "a1");
  EXPECT_EQ(a.wait, 1000ms);
  EXPECT_FALSE(fsm.on_update(status("t1", mesos::v1::TASK_RUNNING)).call);
  EXPECT_FALSE(fsm.on_update(status("other", mesos::v1::TASK_RUNNING)).call) << "not asked about";
  auto last = fsm.on_update(status("t2", mesos::v1::TASK_LOST));
  ASSERT_TRUE(last.call);
  EXPECT_EQ(last.call->reconcile().tasks_size(), 0) << "implicit, once all answered";
  EXPECT_FALSE(last.wait);
  EXPECT_FALSE(fsm.running());
  EXPECT_FALSE(fsm.on_update(status("t2", mesos::v1::TASK_LOST)).call);
}

TEST(ReconcileFsm, AsksAgainWithBackoffAboutThoseWithoutAnAnswer) {
  reconcile_fsm fsm({.first_wait = 1000ms, .max_wait = 3000ms});
  fsm.on_subscribed(live({"t1", "t2", "t3"}));
  fsm.on_update(status("t2", mesos::v1::TASK_RUNNING));
  auto again = fsm.on_timeout();
  ASSERT_TRUE(again.call);
  ASSERT_EQ(again.call->reconcile().tasks_size(), 2);
  EXPECT_EQ(again.call->reconcile().tasks(0).task_id().value(), "t1");
  EXPECT_EQ(again.call->reconcile().tasks(1).task_id().value(), "t3");
  EXPECT_EQ(again.wait, 2000ms);
  EXPECT_EQ(fsm.on_timeout().wait, 3000ms);
  EXPECT_EQ(fsm.on_timeout().wait, 3000ms) << "capped";
  EXPECT_EQ(fsm.rounds(), 4u);
}

TEST(ReconcileFsm, NothingKnownMeansImplicitAtOnce) {
  reconcile_fsm fsm;
  auto a = fsm.on_subscribed({});
  ASSERT_TRUE(a.call);
  EXPECT_EQ(a.call->reconcile().tasks_size(), 0);
  EXPECT_FALSE(a.wait);
}

TEST(ReconcileFsm, ALostSubscriptionStopsItUntilTheNext) {
  reconcile_fsm fsm;
  fsm.on_subscribed(live({"t1"}));
  fsm.on_lost();
  EXPECT_FALSE(fsm.on_timeout().call);
  EXPECT_FALSE(fsm.on_update(status("t1", mesos::v1::TASK_RUNNING)).call);
  auto a = fsm.on_subscribed(live({"t1"}));
  ASSERT_TRUE(a.call);
  EXPECT_EQ(a.call->reconcile().tasks_size(), 1);
}

TEST(ReconcileFsm, UnknownToTheMasterMeansAReconciliationAnswerOfAGoneTask) {
  auto lost = status("t1", mesos::v1::TASK_LOST);
  EXPECT_FALSE(mesoshttp::is_unknown_to_master(lost)) << "a task that was lost while running is not this";
  lost.set_reason(TaskStatus::REASON_RECONCILIATION);
  EXPECT_TRUE(mesoshttp::is_unknown_to_master(lost));
  auto unknown = status("t1", mesos::v1::TASK_UNKNOWN);
  unknown.set_reason(TaskStatus::REASON_RECONCILIATION);
  EXPECT_TRUE(mesoshttp::is_unknown_to_master(unknown));
  auto running = status("t1", mesos::v1::TASK_RUNNING);
  running.set_reason(TaskStatus::REASON_RECONCILIATION);
  EXPECT_FALSE(mesoshttp::is_unknown_to_master(running));
}

}  // namespace
