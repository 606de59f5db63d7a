// The custom executor rules without sockets: cluster::impl driven directly,
// with a recording outbox for both the frameworks' and the executors'
// streams. Executors are real processes (sleep), never run to an event
// loop: their exit is fed to the rules by the test.
#include <gtest/gtest.h>
#include <signal.h>

#include "cluster_impl.hpp"
#include "executor_protocol.hpp"
#include "process.hpp"

namespace {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::sim::cluster;
using mesoshttp::sim::cluster_config;
using mesoshttp::sim::executor_key;
using mesoshttp::sim::outbox;
using mesoshttp::sim::sim_framework;
using mesoshttp::sim::sim_master;
using ExecutorEvent = mesos::v1::executor::Event;
using ExecutorCall = mesos::v1::executor::Call;
namespace detail = mesoshttp::sim::detail;
namespace executor_protocol = mesoshttp::sim::executor_protocol;
namespace protocol = mesoshttp::sim::protocol;

class recording_outbox final : public outbox {
 public:
  std::vector<Event> events;
  std::vector<ExecutorEvent> executor_events;
  std::vector<executor_key> ended;

  void send(const std::string&, const Event& event) override { events.push_back(event); }
  void end_stream(const std::string&) override {}
  void operator_event(const mesos::v1::master::Event&) override {}
  void executor_event(const executor_key&, const ExecutorEvent& event) override { executor_events.push_back(event); }
  void end_executor_stream(const executor_key& key) override { ended.push_back(key); }

  std::vector<std::string> executor_types() const {
    std::vector<std::string> out;
    for (const auto& e : executor_events) out.push_back(ExecutorEvent::Type_Name(e.type()));
    return out;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(Event::Type_Name(e.type()));
    return out;
  }
};

class SimExecutorModel : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_config cfg;
    cfg.tasks = mesoshttp::sim::task_mode::local_process;
    cfg.offer_interval = std::chrono::hours(1);
    root = std::filesystem::temp_directory_path() / ("sim-exec-model-" + protocol::random_uuid());
    sim = std::make_unique<cluster::impl>(cfg);
    sim->to_frameworks = &out;
    sim->to_executors = &out;
    sim->sandbox_root = root;
    sim->add_agents();
    sim->agents[0].executor_port = 5051;
    auto m = std::make_unique<sim_master>(sim->ioc);
    m->id = "master";
    sim->masters.push_back(std::move(m));
    auto f = std::make_unique<sim_framework>(sim->ioc);
    f->id = "fw";
    f->info.set_name("fw");
    f->info.mutable_id()->set_value("fw");
    f->connected = true;
    fw = f.get();
    sim->frameworks.emplace("fw", std::move(f));
  }

  void TearDown() override {
    sim->shutdown_now();
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }

  void launch(const std::string& id) {
    mesos::v1::TaskInfo t;
    t.set_name(id);
    t.mutable_task_id()->set_value(id);
    t.mutable_agent_id()->set_value(sim->agents[0].id);
    *t.add_resources() = detail::scalar_resource("cpus", 0.1);
    t.mutable_executor()->mutable_executor_id()->set_value("ex");
    t.mutable_executor()->mutable_command()->set_value("exec sleep 60");
    auto pool = sim->agents[0].available;
    sim->launch(*fw, 0, pool, t);
  }

  mesoshttp::sim::sim_executor& executor() { return *sim->find_executor(key); }

  std::filesystem::path root;
  recording_outbox out;
  std::unique_ptr<cluster::impl> sim;
  sim_framework* fw = nullptr;
  const executor_key key{0, "fw", "ex"};
};

TEST_F(SimExecutorModel, TasksWaitForTheSubscriptionThenShareOneExecutor) {
  launch("t1");
  ASSERT_NE(sim->find_executor(key), nullptr);
  EXPECT_TRUE(out.executor_events.empty());  // nobody to send LAUNCH to yet
  const auto refused = sim->check_executor_call(key, false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403u);
  EXPECT_EQ(refused->body, "Executor is not subscribed");
  EXPECT_FALSE(sim->check_executor_call(key, true));
  EXPECT_EQ(sim->check_executor_call({0, "other", "ex"}, true)->body, "Framework cannot be found");
  EXPECT_EQ(sim->check_executor_call({0, "fw", "other"}, true)->body, "Executor cannot be found");

  sim->executor_subscribed(executor(), {});
  ASSERT_EQ(out.executor_types(), (std::vector<std::string>{"SUBSCRIBED", "LAUNCH"}));
  const auto& info = out.executor_events[0].subscribed().executor_info();
  EXPECT_EQ(info.framework_id().value(), "fw");
  EXPECT_TRUE(info.command().shell());
  EXPECT_EQ(out.executor_events[0].subscribed().agent_info().port(), 5051);
  const auto& task = out.executor_events[1].launch().task();
  EXPECT_FALSE(task.has_command());
  EXPECT_EQ(task.executor().framework_id().value(), "fw");

  launch("t2");
  EXPECT_EQ(sim->agent_executors.size(), 1u);
  ASSERT_EQ(out.executor_types().back(), "LAUNCH");
  EXPECT_EQ(out.executor_events.back().launch().task().task_id().value(), "t2");
}

TEST_F(SimExecutorModel, ATaskGroupReachesItsExecutorAsOneLaunchGroup) {
  mesos::v1::ExecutorInfo exec;
  exec.mutable_executor_id()->set_value("ex");
  exec.set_type(mesos::v1::ExecutorInfo::DEFAULT);
  exec.mutable_command()->set_value("exec sleep 60");
  mesos::v1::TaskGroupInfo group;
  for (const char* id : {"g1", "g2"}) {
    auto* t = group.add_tasks();
    t->set_name(id);
    t->mutable_task_id()->set_value(id);
    t->mutable_agent_id()->set_value(sim->agents[0].id);
    *t->add_resources() = detail::scalar_resource("cpus", 0.1);
  }
  auto pool = sim->agents[0].available;
  for (const auto& t : group.tasks()) sim->launch(*fw, 0, pool, t, &group, &exec);
  EXPECT_EQ(sim->agent_executors.size(), 1u);
  sim->executor_subscribed(executor(), {});
  ASSERT_EQ(out.executor_types(), (std::vector<std::string>{"SUBSCRIBED", "LAUNCH_GROUP"}));
  EXPECT_EQ(out.executor_events[1].launch_group().task_group().tasks_size(), 2);
  // A KILL of one of them goes to the executor, which decides.
  sim->kill(*fw, "g2");
  ASSERT_EQ(out.executor_types().back(), "KILL");
  EXPECT_EQ(out.executor_events.back().kill().task_id().value(), "g2");
}

TEST_F(SimExecutorModel, AKillBeforeTheExecutorSubscribedEndsTheTaskAtTheAgent) {
  launch("t1");
  sim->kill(*fw, "t1");
  ASSERT_EQ(out.types(), (std::vector<std::string>{"UPDATE"}));
  EXPECT_EQ(out.events[0].update().status().state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(out.events[0].update().status().source(), mesos::v1::TaskStatus::SOURCE_AGENT);
  sim->executor_subscribed(executor(), {});
  EXPECT_EQ(out.executor_types(), (std::vector<std::string>{"SUBSCRIBED"}));  // no LAUNCH of a killed task
}

TEST_F(SimExecutorModel, UpdatesGetTheAgentsFieldsAndAcknowledgementsGoBack) {
  launch("t1");
  sim->executor_subscribed(executor(), {});
  mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value("t1");
  s.set_state(mesos::v1::TASK_RUNNING);
  s.set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  s.set_uuid(std::string(16, 'u'));
  sim->executor_update(executor(), s);
  ASSERT_EQ(out.types(), (std::vector<std::string>{"UPDATE"}));
  const auto sent = out.events[0].update().status();
  EXPECT_EQ(sent.agent_id().value(), sim->agents[0].id);
  EXPECT_EQ(sent.uuid(), std::string(16, 'u'));
  EXPECT_TRUE(sent.has_timestamp());
  EXPECT_EQ(sent.container_status().container_id().value(), executor().container_id);
  EXPECT_FALSE(sent.has_executor_id());

  Call::Acknowledge ack;
  *ack.mutable_task_id() = sent.task_id();
  ack.set_uuid(sent.uuid());
  sim->acknowledge(*fw, ack);
  ASSERT_EQ(out.executor_types().back(), "ACKNOWLEDGED");
  EXPECT_EQ(out.executor_events.back().acknowledged().uuid(), std::string(16, 'u'));

  // MESSAGE both ways, KILL, and TEARDOWN's SHUTDOWN.
  sim->executor_message(executor(), "up");
  EXPECT_EQ(out.events.back().message().data(), "up");
  Call::Message down;
  down.mutable_agent_id()->set_value(sim->agents[0].id);
  down.mutable_executor_id()->set_value("ex");
  down.set_data("down");
  EXPECT_TRUE(sim->scheduler_message(*fw, down));
  EXPECT_EQ(out.executor_events.back().message().data(), "down");
  sim->kill(*fw, "t1");
  EXPECT_EQ(out.executor_types().back(), "KILL");
  sim->remove_framework("fw");
  EXPECT_EQ(out.executor_types().back(), "SHUTDOWN");
}

TEST_F(SimExecutorModel, ResubscribingWithoutReportingLosesTheTaskUnlessListed) {
  launch("t1");
  sim->executor_subscribed(executor(), {});
  ExecutorCall::Subscribe listed;
  *listed.add_unacknowledged_tasks() = fw->tasks.at("t1")->info;
  sim->executor_subscribed(executor(), listed);
  EXPECT_EQ(out.executor_types().back(), "SUBSCRIBED");
  EXPECT_TRUE(out.events.empty());

  sim->executor_subscribed(executor(), {});
  EXPECT_EQ(out.executor_types().back(), "SHUTDOWN");
  ASSERT_EQ(out.types(), (std::vector<std::string>{"UPDATE"}));
  const auto& lost = out.events[0].update().status();
  EXPECT_EQ(lost.state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(lost.source(), mesos::v1::TaskStatus::SOURCE_AGENT);
  EXPECT_EQ(lost.reason(), mesos::v1::TaskStatus::REASON_AGENT_RESTARTED);
  EXPECT_EQ(lost.executor_id().value(), "ex");
}

TEST_F(SimExecutorModel, AnExitedExecutorGivesFailureThenItsTasksFail) {
  launch("t1");
  sim->executor_subscribed(executor(), {});
  auto ex = sim->agent_executors.at(key);
  const pid_t pid = ex->pid;
  ::kill(pid, SIGKILL);
  detail::reap(pid, true);
  sim->executor_exited(ex, 3 << 8);
  EXPECT_EQ(sim->find_executor(key), nullptr);
  ASSERT_EQ(out.types(), (std::vector<std::string>{"FAILURE", "UPDATE"}));
  EXPECT_EQ(out.events[0].failure().status(), 768);
  EXPECT_EQ(out.events[1].update().status().state(), mesos::v1::TASK_FAILED);
  EXPECT_EQ(out.events[1].update().status().message(), "Executor terminated");
  ASSERT_EQ(out.ended.size(), 1u);
}

TEST_F(SimExecutorModel, TheEnvironmentIsAnAgentsAndNothingElse) {
  launch("t1");
  const auto env = sim->executor_environment(executor());
  const auto has = [&](const std::string& v) { return std::find(env.begin(), env.end(), v) != env.end(); };
  EXPECT_TRUE(has("MESOS_AGENT_ENDPOINT=127.0.0.1:5051"));
  EXPECT_TRUE(has("MESOS_CHECKPOINT=0"));
  EXPECT_TRUE(has("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs"));
  EXPECT_EQ(env.size(), 13u);
  executor().checkpoint = true;
  const auto checkpointed = sim->executor_environment(executor());
  EXPECT_NE(std::find(checkpointed.begin(), checkpointed.end(), "MESOS_RECOVERY_TIMEOUT=15mins"), checkpointed.end());
  EXPECT_NE(std::find(checkpointed.begin(), checkpointed.end(), "MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs"),
            checkpointed.end());
}

TEST(SimExecutorProtocol, DurationsInMesosTextForm) {
  using namespace std::chrono;
  EXPECT_EQ(executor_protocol::mesos_duration(seconds(60)), "1mins");
  EXPECT_EQ(executor_protocol::mesos_duration(seconds(5)), "5secs");
  EXPECT_EQ(executor_protocol::mesos_duration(milliseconds(300)), "300ms");
  EXPECT_EQ(executor_protocol::mesos_duration(minutes(15)), "15mins");
}

TEST(SimExecutorProtocol, UpdatesAreValidatedAsAnAgentDoes) {
  ExecutorCall c;
  c.set_type(ExecutorCall::UPDATE);
  c.mutable_framework_id()->set_value("f");
  c.mutable_executor_id()->set_value("e");
  EXPECT_EQ(*executor_protocol::validate_call(c),
            "Failed to validate Executor::Call: Expecting 'update' to be present");
  auto* s = c.mutable_update()->mutable_status();
  s->mutable_task_id()->set_value("t");
  s->set_state(mesos::v1::TASK_RUNNING);
  s->set_uuid("short");
  EXPECT_EQ(*executor_protocol::validate_call(c), "Failed to validate Executor::Call: Not a valid UUID");
  s->set_uuid(std::string(16, 'x'));
  EXPECT_EQ(*executor_protocol::validate_call(c),
            "Failed to validate Executor::Call: Received Call from executor e of framework f with invalid source, "
            "expecting 'SOURCE_EXECUTOR'");
  s->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  EXPECT_FALSE(executor_protocol::validate_call(c));
  c.set_type(ExecutorCall::MESSAGE);
  EXPECT_EQ(*executor_protocol::validate_call(c),
            "Failed to validate Executor::Call: Expecting 'message' to be present");
}

}  // namespace
