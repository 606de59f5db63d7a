// The cluster mirror's rules, on events built here: what each event changes,
// how resources are counted, what is skipped, what is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/operator/cluster_mirror.hpp"

namespace {

using namespace mesoshttp::operator_api;
namespace master = mesos::v1::master;
using mesos::v1::TaskState;

master::Response::GetAgents::Agent agent(const std::string& id, const std::string& host, double cpus, double mem) {
  master::Response::GetAgents::Agent a;
  a.mutable_agent_info()->mutable_id()->set_value(id);
  a.mutable_agent_info()->set_hostname(host);
  a.set_active(true);
  a.set_version("1.11.0");
  *a.add_total_resources() = mesoshttp::calls::scalar("cpus", cpus);
  *a.add_total_resources() = mesoshttp::calls::scalar("mem", mem);
  return a;
}

master::Response::GetFrameworks::Framework framework(const std::string& id, const std::string& name) {
  master::Response::GetFrameworks::Framework f;
  f.mutable_framework_info()->mutable_id()->set_value(id);
  f.mutable_framework_info()->set_name(name);
  f.mutable_framework_info()->set_user("root");
  f.mutable_framework_info()->add_roles("web");
  f.set_active(true);
  f.set_connected(true);
  f.set_recovered(false);
  return f;
}

mesos::v1::Task task(const std::string& framework_id, const std::string& id, const std::string& agent_id,
                     TaskState state, double cpus, double mem) {
  mesos::v1::Task t;
  t.set_name("name-" + id);
  t.mutable_task_id()->set_value(id);
  t.mutable_framework_id()->set_value(framework_id);
  t.mutable_agent_id()->set_value(agent_id);
  t.set_state(state);
  *t.add_resources() = mesoshttp::calls::scalar("cpus", cpus);
  *t.add_resources() = mesoshttp::calls::scalar("mem", mem);
  return t;
}

master::Event subscribed(const master::Response::GetState& state) {
  master::Event e;
  e.set_type(master::Event::SUBSCRIBED);
  *e.mutable_subscribed()->mutable_get_state() = state;
  e.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  return e;
}

master::Event task_added(const mesos::v1::Task& t) {
  master::Event e;
  e.set_type(master::Event::TASK_ADDED);
  *e.mutable_task_added()->mutable_task() = t;
  return e;
}

master::Event task_updated(const std::string& framework_id, const std::string& task_id, TaskState state,
                           const std::string& message = {}) {
  master::Event e;
  e.set_type(master::Event::TASK_UPDATED);
  auto* u = e.mutable_task_updated();
  u->mutable_framework_id()->set_value(framework_id);
  u->set_state(state);
  u->mutable_status()->mutable_task_id()->set_value(task_id);
  u->mutable_status()->set_state(state);
  if (!message.empty()) u->mutable_status()->set_message(message);
  return e;
}

master::Event agent_added(const master::Response::GetAgents::Agent& a) {
  master::Event e;
  e.set_type(master::Event::AGENT_ADDED);
  *e.mutable_agent_added()->mutable_agent() = a;
  return e;
}

master::Event agent_removed(const std::string& id) {
  master::Event e;
  e.set_type(master::Event::AGENT_REMOVED);
  e.mutable_agent_removed()->mutable_agent_id()->set_value(id);
  return e;
}

master::Event framework_added(const master::Response::GetFrameworks::Framework& f) {
  master::Event e;
  e.set_type(master::Event::FRAMEWORK_ADDED);
  *e.mutable_framework_added()->mutable_framework() = f;
  return e;
}

master::Event framework_removed(const std::string& id) {
  master::Event e;
  e.set_type(master::Event::FRAMEWORK_REMOVED);
  e.mutable_framework_removed()->mutable_framework_info()->mutable_id()->set_value(id);
  e.mutable_framework_removed()->mutable_framework_info()->set_user("root");
  e.mutable_framework_removed()->mutable_framework_info()->set_name("gone");
  return e;
}

// Two agents, one live framework with a running and a finished task, one
// completed framework.
master::Response::GetState small_cluster() {
  master::Response::GetState s;
  *s.mutable_get_agents()->add_agents() = agent("S1", "b.example", 4, 8192);
  *s.mutable_get_agents()->add_agents() = agent("S0", "a.example", 2, 4096);
  *s.mutable_get_frameworks()->add_frameworks() = framework("F1", "web");
  *s.mutable_get_frameworks()->add_completed_frameworks() = framework("F0", "batch");
  *s.mutable_get_tasks()->add_tasks() = task("F1", "t1", "S0", mesos::v1::TASK_RUNNING, 0.5, 256);
  *s.mutable_get_tasks()->add_completed_tasks() = task("F1", "t0", "S0", mesos::v1::TASK_FINISHED, 1, 512);
  return s;
}

TEST(ClusterMirror, SubscribedReplacesEverythingAndMakesItCurrent) {
  cluster_mirror m;
  EXPECT_FALSE(m.current());
  EXPECT_EQ(m.apply(subscribed(small_cluster())).outcome, apply_outcome::replaced);
  EXPECT_TRUE(m.current());

  const auto agents = m.agents();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].hostname, "a.example");  // sorted by hostname
  EXPECT_EQ(agents[0].total, (scalar_resources{2, 4096, 0, 0}));
  // Only the running task uses resources; the finished one does not.
  EXPECT_EQ(agents[0].used, (scalar_resources{0.5, 256, 0, 0}));
  EXPECT_EQ(agents[0].free, (scalar_resources{1.5, 3840, 0, 0}));
  EXPECT_EQ(agents[0].active_tasks, 1u);
  EXPECT_EQ(agents[1].used, scalar_resources{});

  const auto frameworks = m.frameworks();
  ASSERT_EQ(frameworks.size(), 2u);
  EXPECT_EQ(frameworks[0].id, "F1");  // live first
  EXPECT_FALSE(frameworks[0].completed);
  EXPECT_EQ(frameworks[0].roles, std::vector<std::string>{"web"});
  EXPECT_EQ(frameworks[0].active_tasks, 1u);
  EXPECT_TRUE(frameworks[1].completed);

  EXPECT_EQ(m.tasks().size(), 2u);
  EXPECT_EQ(m.tasks(mesos::v1::TASK_RUNNING).size(), 1u);
  EXPECT_EQ(m.task_counts().at(mesos::v1::TASK_FINISHED), 1u);
  EXPECT_EQ(m.total_resources(), (scalar_resources{6, 12288, 0, 0}));
  EXPECT_EQ(m.used_resources(), (scalar_resources{0.5, 256, 0, 0}));

  // A second SUBSCRIBED (after a reconnect) replaces, it does not add.
  master::Response::GetState fresh;
  *fresh.mutable_get_agents()->add_agents() = agent("S9", "z.example", 1, 1024);
  m.mark_stale();
  EXPECT_FALSE(m.current());
  EXPECT_EQ(m.agents().size(), 2u);  // the last known state still answers
  m.apply(subscribed(fresh));
  EXPECT_TRUE(m.current());
  ASSERT_EQ(m.agents().size(), 1u);
  EXPECT_EQ(m.agents()[0].id, "S9");
  EXPECT_TRUE(m.tasks().empty());
  EXPECT_TRUE(m.frameworks().empty());
  EXPECT_EQ(m.used_resources(), scalar_resources{});
  EXPECT_EQ(m.counters().snapshots, 2u);
}

TEST(ClusterMirror, ATasksLifeMovesItsResourcesAndKeepsOnlyItsLatestStatus) {
  cluster_mirror m;
  m.apply(subscribed(small_cluster()));
  EXPECT_EQ(m.apply(task_added(task("F1", "t2", "S1", mesos::v1::TASK_STAGING, 1, 1024))).outcome,
            apply_outcome::changed);
  EXPECT_EQ(m.agent("S1")->used, (scalar_resources{1, 1024, 0, 0}));
  EXPECT_EQ(m.framework("F1")->active_tasks, 2u);

  m.apply(task_updated("F1", "t2", mesos::v1::TASK_STARTING));
  m.apply(task_updated("F1", "t2", mesos::v1::TASK_RUNNING));
  EXPECT_EQ(m.agent("S1")->used, (scalar_resources{1, 1024, 0, 0}));
  EXPECT_EQ(m.task("F1", "t2")->state(), mesos::v1::TASK_RUNNING);

  EXPECT_EQ(m.apply(task_updated("F1", "t2", mesos::v1::TASK_FAILED, "exit 3")).outcome, apply_outcome::changed);
  EXPECT_EQ(m.agent("S1")->used, scalar_resources{});
  EXPECT_EQ(m.agent("S1")->active_tasks, 0u);
  EXPECT_EQ(m.framework("F1")->active_tasks, 1u);
  const auto t = m.task("F1", "t2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->state(), mesos::v1::TASK_FAILED);
  ASSERT_EQ(t->statuses_size(), 1);
  EXPECT_EQ(t->statuses(0).message(), "exit 3");
  const auto failed = m.tasks(mesos::v1::TASK_FAILED);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].message, "exit 3");
  EXPECT_EQ(failed[0].agent_id, "S1");
  EXPECT_EQ(failed[0].name, "name-t2");
  // A later update of a terminal task (a master's reconciliation answer) moves nothing.
  m.apply(task_updated("F1", "t2", mesos::v1::TASK_LOST));
  EXPECT_EQ(m.agent("S1")->used, scalar_resources{});
  EXPECT_EQ(m.framework("F1")->active_tasks, 1u);
}

TEST(ClusterMirror, EventsNamingWhatItDoesNotKnowAreSkippedCountedAndExplained) {
  cluster_mirror m;
  m.apply(subscribed(small_cluster()));
  const auto before = m.tasks();

  auto r = m.apply(task_updated("F1", "nope", mesos::v1::TASK_RUNNING));
  EXPECT_EQ(r.outcome, apply_outcome::skipped);
  EXPECT_NE(r.skip_reason.find("nope"), std::string::npos) << r.skip_reason;
  r = m.apply(task_updated("F7", "t1", mesos::v1::TASK_KILLED));  // right task id, other framework
  EXPECT_EQ(r.outcome, apply_outcome::skipped);
  r = m.apply(agent_removed("S5"));
  EXPECT_EQ(r.outcome, apply_outcome::skipped);
  EXPECT_NE(r.skip_reason.find("S5"), std::string::npos) << r.skip_reason;
  r = m.apply(framework_removed("F9"));
  EXPECT_EQ(r.outcome, apply_outcome::skipped);
  EXPECT_NE(r.skip_reason.find("F9"), std::string::npos) << r.skip_reason;
  master::Event hollow;
  hollow.set_type(master::Event::TASK_ADDED);  // type without its field
  r = m.apply(hollow);
  EXPECT_EQ(r.outcome, apply_outcome::skipped);
  EXPECT_NE(r.skip_reason.find("TASK_ADDED"), std::string::npos) << r.skip_reason;

  EXPECT_EQ(m.counters().skipped, 5u);
  EXPECT_EQ(m.counters().events, 6u);
  EXPECT_EQ(m.tasks().size(), before.size());
  EXPECT_EQ(m.task("F1", "t1")->state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(m.agents().size(), 2u);
}

TEST(ClusterMirror, HeartbeatsAndUnknownTypesChangeNothing) {
  cluster_mirror m;
  master::Event heartbeat;
  heartbeat.set_type(master::Event::HEARTBEAT);
  EXPECT_EQ(m.apply(heartbeat).outcome, apply_outcome::ignored);
  master::Event unknown;  // what a newer master's event type decodes to
  EXPECT_EQ(m.apply(unknown).outcome, apply_outcome::ignored);
  EXPECT_EQ(m.counters().events, 2u);
  EXPECT_EQ(m.counters().skipped, 0u);
  EXPECT_FALSE(m.current());
}

TEST(ClusterMirror, ATaskOnAnAgentNotYetKnownIsCountedOnceTheAgentArrives) {
  cluster_mirror m;
  m.apply(subscribed({}));
  m.apply(task_added(task("F1", "t", "S3", mesos::v1::TASK_STAGING, 2, 100)));
  EXPECT_FALSE(m.agent("S3"));
  EXPECT_EQ(m.used_resources(), (scalar_resources{2, 100, 0, 0}));
  m.apply(agent_added(agent("S3", "c.example", 8, 1000)));
  EXPECT_EQ(m.agent("S3")->used, (scalar_resources{2, 100, 0, 0}));
  EXPECT_EQ(m.agent("S3")->free, (scalar_resources{6, 900, 0, 0}));
  // The same task announced twice is counted once.
  m.apply(task_added(task("F1", "t", "S3", mesos::v1::TASK_STAGING, 2, 100)));
  EXPECT_EQ(m.agent("S3")->used, (scalar_resources{2, 100, 0, 0}));
  EXPECT_EQ(m.agent("S3")->active_tasks, 1u);
  // Removing the agent leaves its task to the task's own updates.
  EXPECT_EQ(m.apply(agent_removed("S3")).outcome, apply_outcome::changed);
  EXPECT_FALSE(m.agent("S3"));
  EXPECT_TRUE(m.task("F1", "t"));
}

TEST(ClusterMirror, CompletedTasksAreBoundedOldestFirstAndLiveOnesNeverForgotten) {
  cluster_mirror m(mirror_config{.max_completed_tasks = 3, .max_completed_frameworks = 50});
  m.apply(subscribed({}));
  m.apply(task_added(task("F", "live", "S", mesos::v1::TASK_RUNNING, 1, 1)));
  for (int i = 0; i < 5; ++i) {
    const std::string id = "done" + std::to_string(i);
    m.apply(task_added(task("F", id, "S", mesos::v1::TASK_STAGING, 1, 1)));
    m.apply(task_updated("F", id, mesos::v1::TASK_FINISHED));
  }
  EXPECT_FALSE(m.task("F", "done0"));
  EXPECT_FALSE(m.task("F", "done1"));
  EXPECT_TRUE(m.task("F", "done2"));
  EXPECT_TRUE(m.task("F", "done4"));
  EXPECT_TRUE(m.task("F", "live"));
  EXPECT_EQ(m.counters().forgotten_tasks, 2u);
  EXPECT_EQ(m.tasks().size(), 4u);
  EXPECT_EQ(m.used_resources(), (scalar_resources{1, 1, 0, 0}));
}

TEST(ClusterMirror, ARemovedFrameworkBecomesCompletedAndTheCompletedOnesAreBounded) {
  cluster_mirror m(mirror_config{.max_completed_tasks = 100, .max_completed_frameworks = 2});
  m.apply(subscribed({}));
  for (int i = 0; i < 3; ++i) m.apply(framework_added(framework("F" + std::to_string(i), "f")));
  EXPECT_EQ(m.apply(framework_removed("F0")).outcome, apply_outcome::changed);
  auto f0 = m.framework("F0");
  ASSERT_TRUE(f0);
  EXPECT_TRUE(f0->completed);
  EXPECT_FALSE(f0->active);
  EXPECT_FALSE(f0->connected);
  m.apply(framework_removed("F1"));
  m.apply(framework_removed("F2"));
  EXPECT_FALSE(m.framework("F0"));  // the oldest completed one went
  EXPECT_TRUE(m.framework("F1"));
  EXPECT_TRUE(m.framework("F2"));
  // Removed twice: still one completed entry, nothing skipped.
  m.apply(framework_removed("F2"));
  EXPECT_TRUE(m.framework("F1"));
  EXPECT_EQ(m.counters().skipped, 0u);
}

TEST(ClusterMirror, ReadersOnOtherThreadsSeeWholeStates) {
  cluster_mirror m;
  m.apply(subscribed({}));
  m.apply(agent_added(agent("S", "h", 1000, 1000)));
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      // A task's use is counted on its agent and in the cluster's sum in the
      // same step: a reader never sees one without the other.
      const auto a = m.agent("S");
      const auto used = m.used_resources();
      if (a) {
        EXPECT_LE(a->used.cpus, 1000);
      }
      EXPECT_GE(used.cpus, 0);
      ++reads;
    }
  });
  for (int i = 0; i < 2000; ++i) {
    const std::string id = "t" + std::to_string(i);
    m.apply(task_added(task("F", id, "S", mesos::v1::TASK_STAGING, 1, 1)));
    m.apply(task_updated("F", id, mesos::v1::TASK_FINISHED));
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(m.agent("S")->used, scalar_resources{});
  EXPECT_EQ(m.task_counts().at(mesos::v1::TASK_FINISHED), 2000u);
}

}  // namespace
