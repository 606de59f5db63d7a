// Custom executors on the simulated agents, over 127.0.0.1 in both
// encodings: the test is the scheduler and (with raw executor calls, or the
// library's executor_client) the executor the agent started, whose process
// records its environment in the sandbox and exits with the code the test
// writes there.
#include <boost/asio/io_context.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/executor/executor_client.hpp"
#include "mesos/v1/executor/executor.pb.h"
#include "sim_common.hpp"

namespace {

using namespace simtest;
using mesoshttp::sim::cluster;
using ExecutorCall = mesos::v1::executor::Call;
using ExecutorEvent = mesos::v1::executor::Event;
using executor_stream = basic_event_stream<ExecutorEvent>;

// The executor's command: its environment into env.txt (whole or not at
// all), then it waits until the test names its exit code in `exit_code`.
constexpr const char* executor_command =
    "env > env.tmp && mv env.tmp env.txt; while [ ! -f exit_code ]; do sleep 0.02; done; exit $(cat exit_code)";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, std::string> read_env(const std::filesystem::path& p) {
  std::map<std::string, std::string> env;
  std::istringstream in(slurp(p));
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// The library's executor client running on a thread of its own, as the
// executor process would run it; shut down and joined when it goes.
struct library_executor {
  library_executor(const mesoshttp::executor::executor_config& config, encoding wire)
      : client(io.get_executor(), config, options_for(wire)), events(client.events()) {
    client.start();
    loop = std::thread([this] { io.run(); });
  }
  ~library_executor() {
    client.shutdown();
    loop.join();
  }
  static mesoshttp::executor::executor_client_options options_for(encoding wire) {
    mesoshttp::executor::executor_client_options options;
    options.wire_encoding = wire;
    return options;
  }

  boost::asio::io_context io;
  mesoshttp::executor::executor_client client;
  mesoshttp::executor::executor_event_stream events;
  std::thread loop;
};

class SimExecutor : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override { start(fast_config()); }

  void start(mesoshttp::sim::cluster_config cfg, bool checkpoint = false) {
    cfg.tasks = mesoshttp::sim::task_mode::local_process;
    sim = std::make_unique<cluster>(cfg);
    sim->start();
    auto subscribe = subscribe_call("exec-fw");
    subscribe.mutable_subscribe()->mutable_framework_info()->set_checkpoint(checkpoint);
    fw = std::make_unique<framework>(sim->port(0), GetParam(), subscribe);
    ASSERT_TRUE(fw->ok());
    const std::string endpoint = sim->agent_endpoint(0);
    ASSERT_FALSE(endpoint.empty());
    agent_port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  }

  void TearDown() override {
    fw.reset();
    if (sim) sim->stop();
  }

  // Launches `task_id` on the executor "exec-1" (started with the first task).
  void launch(const std::string& task_id, const std::string& command = executor_command) {
    auto offer = fw->offer();
    ASSERT_TRUE(offer);
    Call c = launch_call(*offer, task_id, 0.1, 16);
    auto* t = c.mutable_accept()->mutable_operations(0)->mutable_launch()->mutable_task_infos(0);
    t->clear_command();
    auto* e = t->mutable_executor();
    e->mutable_executor_id()->set_value("exec-1");
    e->set_name("test executor");
    e->mutable_command()->set_value(command);
    ASSERT_EQ(fw->call(c)->status, 202u);
    ASSERT_TRUE(eventually([&] { return !sim->tasks().empty() && !sim->tasks().front().sandbox.empty(); }));
    sandbox = sim->tasks().front().sandbox;
  }

  ExecutorCall call(ExecutorCall::Type type) const {
    ExecutorCall c;
    c.set_type(type);
    c.mutable_framework_id()->set_value(fw->id);
    c.mutable_executor_id()->set_value("exec-1");
    return c;
  }

  std::string encoded(const ExecutorCall& c) const {
    std::string out;
    mesoshttp::encode(c, GetParam(), out);
    return out;
  }

  std::unique_ptr<executor_stream> subscribe(const ExecutorCall::Subscribe& s = {}) {
    auto c = call(ExecutorCall::SUBSCRIBE);
    *c.mutable_subscribe() = s;
    return std::make_unique<executor_stream>(agent_port, encoded(c), GetParam(),
                                             std::string(mesoshttp::content_type(GetParam())), header_list{},
                                             "/api/v1/executor");
  }

  std::optional<reply> post_call(const ExecutorCall& c) {
    return post(agent_port, encoded(c), {{"Content-Type", std::string(mesoshttp::content_type(GetParam()))}},
                "/api/v1/executor");
  }

  std::optional<reply> send_update(const std::string& task_id, mesos::v1::TaskState state) {
    auto c = call(ExecutorCall::UPDATE);
    auto* s = c.mutable_update()->mutable_status();
    s->mutable_task_id()->set_value(task_id);
    s->set_state(state);
    s->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
    s->set_uuid(std::string(16, static_cast<char>('a' + state)));
    s->set_message("executor says " + mesos::v1::TaskState_Name(state));
    return post_call(c);
  }

  // Launches t1 and subscribes; the executor reports it TASK_RUNNING, which
  // the scheduler receives (and acknowledges, if `acknowledge`). The
  // executor's stream goes to `stream`.
  void run_t1(std::unique_ptr<executor_stream>& stream, bool acknowledge) {
    ASSERT_NO_FATAL_FAILURE(launch("t1"));
    stream = subscribe();
    ASSERT_TRUE(stream->next_of(ExecutorEvent::LAUNCH));
    ASSERT_EQ(send_update("t1", mesos::v1::TASK_RUNNING)->status, 202u);
    auto running = fw->next_of(Event::UPDATE);
    ASSERT_TRUE(running);
    if (acknowledge) fw->acknowledge(running->update().status());
  }

  // The executor's configuration from the environment the agent gave its
  // process (once the process has written it).
  mesoshttp::executor::environment_result config_from_sandbox() const {
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(sandbox / "env.txt"); }));
    const auto env = read_env(sandbox / "env.txt");
    return mesoshttp::executor::executor_config_from_environment(
        [&](std::string_view name) -> std::optional<std::string> {
          const auto it = env.find(std::string(name));
          if (it == env.end()) return std::nullopt;
          return it->second;
        });
  }

  // The next agent event of `type` a library executor client's consumer
  // gets, skipping the rest (nullptr if none within 20 s).
  static std::shared_ptr<const ExecutorEvent> next_launch(mesoshttp::executor::executor_event_stream& events,
                                                          ExecutorEvent::Type type) {
    while (auto item = events.next(std::chrono::seconds(20))) {
      if (item->type == mesoshttp::executor::executor_event::kind::event && item->event->type() == type)
        return item->event;
    }
    return nullptr;
  }

  void exit_with(int code) {
    std::ofstream(sandbox / "exit_code.tmp") << code << "\n";
    std::filesystem::rename(sandbox / "exit_code.tmp", sandbox / "exit_code");
  }

  std::unique_ptr<cluster> sim;
  std::unique_ptr<framework> fw;
  std::uint16_t agent_port = 0;
  std::filesystem::path sandbox;
};

TEST_P(SimExecutor, TheExecutorGetsAnAgentsEnvironmentAndItsTaskOnSubscribe) {
  launch("t1");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(sandbox / "env.txt"); }));
  const auto env = read_env(sandbox / "env.txt");
  EXPECT_EQ(env.at("MESOS_AGENT_ENDPOINT"), sim->agent_endpoint(0));
  EXPECT_EQ(env.at("MESOS_FRAMEWORK_ID"), fw->id);
  EXPECT_EQ(env.at("MESOS_EXECUTOR_ID"), "exec-1");
  EXPECT_EQ(env.at("MESOS_SLAVE_ID"), sim->agent_id(0));
  EXPECT_EQ(env.at("MESOS_DIRECTORY"), sandbox.string());
  EXPECT_EQ(env.at("MESOS_SANDBOX"), sandbox.string());
  EXPECT_EQ(env.at("MESOS_CHECKPOINT"), "0");
  EXPECT_EQ(env.at("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"), "5secs");
  EXPECT_EQ(env.at("MESOS_HTTP_COMMAND_EXECUTOR"), "0");
  EXPECT_EQ(env.at("LIBPROCESS_IP"), "127.0.0.1");
  EXPECT_EQ(env.at("PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  // Built from scratch: nothing of the simulator's own environment.
  EXPECT_EQ(env.count("HOME"), 0u);
  EXPECT_EQ(env.count("MESOS_RECOVERY_TIMEOUT"), 0u);
  EXPECT_EQ(env.count("MESOS_AGENT_ID"), 0u);

  auto stream = subscribe();
  ASSERT_EQ(stream->head().status, 200u);
  EXPECT_EQ(stream->head().header("content-type"), std::string(mesoshttp::content_type(GetParam())));
  EXPECT_FALSE(stream->head().has("mesos-stream-id"));
  auto subscribed = stream->next();
  ASSERT_TRUE(subscribed);
  ASSERT_EQ(subscribed->type(), ExecutorEvent::SUBSCRIBED);
  const auto& s = subscribed->subscribed();
  EXPECT_EQ(s.executor_info().executor_id().value(), "exec-1");
  EXPECT_EQ(s.executor_info().framework_id().value(), fw->id);
  EXPECT_TRUE(s.executor_info().command().shell());
  EXPECT_EQ(s.framework_info().id().value(), fw->id);
  EXPECT_EQ(s.agent_info().id().value(), sim->agent_id(0));
  EXPECT_EQ(sandbox.filename().string(), s.container_id().value());
  auto launch_event = stream->next();
  ASSERT_TRUE(launch_event);
  ASSERT_EQ(launch_event->type(), ExecutorEvent::LAUNCH);
  const auto& task = launch_event->launch().task();
  EXPECT_EQ(task.task_id().value(), "t1");
  EXPECT_FALSE(task.has_command());
  EXPECT_EQ(task.executor().executor_id().value(), "exec-1");
  ASSERT_GT(task.resources_size(), 0);
  EXPECT_EQ(task.resources(0).allocation_info().role(), "*");

  // A second task of the same executor goes to the running one as LAUNCH.
  launch("t2");
  auto second = stream->next_of(ExecutorEvent::LAUNCH);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->launch().task().task_id().value(), "t2");
}

TEST_P(SimExecutor, UpdatesAcknowledgementsMessagesKillAndTeardown) {
  launch("t1");
  auto stream = subscribe();
  ASSERT_TRUE(stream->next_of(ExecutorEvent::LAUNCH));

  const auto answer = send_update("t1", mesos::v1::TASK_RUNNING);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 202u);
  auto update = fw->next_of(Event::UPDATE);
  ASSERT_TRUE(update);
  const auto& status = update->update().status();
  EXPECT_EQ(status.state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(status.source(), mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  EXPECT_EQ(status.message(), "executor says TASK_RUNNING");
  EXPECT_EQ(status.agent_id().value(), sim->agent_id(0));
  EXPECT_EQ(status.uuid(), std::string(16, static_cast<char>('a' + mesos::v1::TASK_RUNNING)));
  EXPECT_TRUE(status.has_timestamp());
  EXPECT_FALSE(status.has_executor_id());
  EXPECT_EQ(status.container_status().container_id().value(), sandbox.filename().string());
  EXPECT_GT(status.container_status().executor_pid(), 0u);

  ASSERT_EQ(fw->acknowledge(status)->status, 202u);
  auto acked = stream->next();
  ASSERT_TRUE(acked);
  ASSERT_EQ(acked->type(), ExecutorEvent::ACKNOWLEDGED);
  EXPECT_EQ(acked->acknowledged().task_id().value(), "t1");
  EXPECT_EQ(acked->acknowledged().uuid(), status.uuid());

  auto to_scheduler = call(ExecutorCall::MESSAGE);
  to_scheduler.mutable_message()->set_data("hello-scheduler");
  EXPECT_EQ(post_call(to_scheduler)->status, 202u);
  auto message = fw->next_of(Event::MESSAGE);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->message().data(), "hello-scheduler");
  EXPECT_EQ(message->message().executor_id().value(), "exec-1");
  EXPECT_EQ(message->message().agent_id().value(), sim->agent_id(0));

  Call to_executor;
  to_executor.set_type(Call::MESSAGE);
  to_executor.mutable_message()->mutable_agent_id()->set_value(sim->agent_id(0));
  to_executor.mutable_message()->mutable_executor_id()->set_value("exec-1");
  to_executor.mutable_message()->set_data("hello-executor");
  EXPECT_EQ(fw->call(to_executor)->status, 202u);
  auto received = stream->next();
  ASSERT_TRUE(received);
  ASSERT_EQ(received->type(), ExecutorEvent::MESSAGE);
  EXPECT_EQ(received->message().data(), "hello-executor");

  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  EXPECT_EQ(fw->call(kill)->status, 202u);
  auto kill_event = stream->next();
  ASSERT_TRUE(kill_event);
  ASSERT_EQ(kill_event->type(), ExecutorEvent::KILL);
  EXPECT_EQ(kill_event->kill().task_id().value(), "t1");
  EXPECT_EQ(send_update("t1", mesos::v1::TASK_KILLED)->status, 202u);
  auto killed = fw->next_of(Event::UPDATE);
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->update().status().state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(killed->update().status().source(), mesos::v1::TaskStatus::SOURCE_EXECUTOR);

  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  EXPECT_EQ(fw->call(teardown)->status, 202u);
  auto shutdown = stream->next_of(ExecutorEvent::SHUTDOWN);
  ASSERT_TRUE(shutdown);
}

TEST_P(SimExecutor, AnExitingExecutorGivesFailureThenTaskFailed) {
  std::unique_ptr<executor_stream> stream;
  ASSERT_NO_FATAL_FAILURE(run_t1(stream, true));
  exit_with(3);
  auto failure = fw->next_of(Event::FAILURE);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->failure().executor_id().value(), "exec-1");
  EXPECT_EQ(failure->failure().agent_id().value(), sim->agent_id(0));
  EXPECT_EQ(failure->failure().status(), 768);  // the raw wait status of exit 3
  auto failed = fw->next_of(Event::UPDATE);
  ASSERT_TRUE(failed);
  const auto& s = failed->update().status();
  EXPECT_EQ(s.state(), mesos::v1::TASK_FAILED);
  EXPECT_EQ(s.message(), "Executor terminated");
  EXPECT_EQ(s.source(), mesos::v1::TaskStatus::SOURCE_AGENT);
  EXPECT_EQ(s.reason(), mesos::v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  EXPECT_EQ(s.executor_id().value(), "exec-1");
  EXPECT_EQ(s.uuid().size(), 16u);
  // Its stream ends with it.
  EXPECT_TRUE(stream->wait_end());
}

TEST_P(SimExecutor, AnExecutorThatNeverSubscribesIsKilledAfterTheRegistrationTimeout) {
  auto cfg = fast_config();
  cfg.executor_registration_timeout = std::chrono::milliseconds(300);
  sim->stop();
  start(cfg);
  launch("t1");
  auto failure = fw->next_of(Event::FAILURE);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->failure().status(), 9);  // SIGKILL
  auto failed = fw->next_of(Event::UPDATE);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->update().status().state(), mesos::v1::TASK_FAILED);
  EXPECT_EQ(failed->update().status().message(), "Executor did not register within 300ms");
  EXPECT_EQ(failed->update().status().reason(), mesos::v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT);
}

TEST_P(SimExecutor, BadExecutorRequestsAreRefusedWithTheAgentsTexts) {
  launch("t1");
  const std::string ct(mesoshttp::content_type(GetParam()));
  const auto expect = [&](std::optional<reply> r, unsigned status, const std::string& body) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << body;
    EXPECT_EQ(r->body, body);
  };
  {
    connection c(agent_port);
    auto r = c.request("GET", "/api/v1/executor", "", {});
    expect(r, 405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.");
    EXPECT_EQ(r->header("allow"), "POST");
  }
  const auto subscribe_body = encoded([&] {
    auto c = call(ExecutorCall::SUBSCRIBE);
    c.mutable_subscribe();
    return c;
  }());
  expect(post(agent_port, subscribe_body, {}, "/api/v1/executor"), 400, "Expecting 'Content-Type' to be present");
  expect(post(agent_port, subscribe_body, {{"Content-Type", "text/plain"}}, "/api/v1/executor"), 415,
         "Expecting 'Content-Type' of application/json or application/x-protobuf");
  expect(post(agent_port, subscribe_body, {{"Content-Type", ct}, {"Accept", "text/plain"}}, "/api/v1/executor"), 406,
         "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");

  auto no_subscribe = call(ExecutorCall::SUBSCRIBE);
  expect(post_call(no_subscribe), 400, "Failed to validate Executor::Call: Expecting 'subscribe' to be present");
  auto unknown_framework = call(ExecutorCall::SUBSCRIBE);
  unknown_framework.mutable_subscribe();
  unknown_framework.mutable_framework_id()->set_value("no-such-framework");
  expect(post_call(unknown_framework), 400, "Framework cannot be found");
  auto unknown_executor = call(ExecutorCall::SUBSCRIBE);
  unknown_executor.mutable_subscribe();
  unknown_executor.mutable_executor_id()->set_value("no-such-executor");
  expect(post_call(unknown_executor), 400, "Executor cannot be found");

  expect(send_update("t1", mesos::v1::TASK_RUNNING), 403, "Executor is not subscribed");
  auto stream = subscribe();
  ASSERT_EQ(stream->head().status, 200u);
  auto no_uuid = call(ExecutorCall::UPDATE);
  no_uuid.mutable_update()->mutable_status()->mutable_task_id()->set_value("t1");
  no_uuid.mutable_update()->mutable_status()->set_state(mesos::v1::TASK_RUNNING);
  no_uuid.mutable_update()->mutable_status()->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  expect(post_call(no_uuid), 400, "Failed to validate Executor::Call: Expecting 'uuid' to be present");
  expect(send_update("t1", mesos::v1::TASK_STAGING), 400,
         "Failed to validate Executor::Call: Received TASK_STAGING from executor exec-1 of framework " + fw->id +
             " which is not allowed");
  if (GetParam() == encoding::json) {
    const auto malformed = post(agent_port, "not json", {{"Content-Type", ct}}, "/api/v1/executor");
    ASSERT_TRUE(malformed);
    EXPECT_EQ(malformed->status, 400u);
    EXPECT_TRUE(malformed->body.starts_with("Failed to parse body into JSON: ")) << malformed->body;
    expect(post(agent_port, R"({"type":"NOPE","framework_id":{"value":"f"},"executor_id":{"value":"e"}})",
                {{"Content-Type", ct}}, "/api/v1/executor"),
           400, "Failed to validate Executor::Call: Expecting 'type' to be present");
    expect(post(agent_port, R"({"type":"SUBSCRIBE","executor_id":{"value":"e"},"subscribe":{}})",
                {{"Content-Type", ct}}, "/api/v1/executor"),
           400, "Failed to convert JSON into Call protobuf: Missing required fields: framework_id");
  }
}

TEST_P(SimExecutor, ACutExecutorStreamCanSubscribeAgainAndKeepsItsTask) {
  std::unique_ptr<executor_stream> stream;
  ASSERT_NO_FATAL_FAILURE(run_t1(stream, false));
  EXPECT_EQ(sim->cut_executor_streams(), 1u);
  EXPECT_TRUE(stream->wait_end());
  EXPECT_FALSE(stream->complete());  // reset, not ended

  auto again = subscribe();
  ASSERT_EQ(again->head().status, 200u);
  auto subscribed = again->next();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(subscribed->type(), ExecutorEvent::SUBSCRIBED);
  // A second SUBSCRIBE ends the open stream with its last chunk, no event.
  auto third = subscribe();
  ASSERT_EQ(third->head().status, 200u);
  ASSERT_TRUE(third->next_of(ExecutorEvent::SUBSCRIBED));
  EXPECT_TRUE(again->wait_end());
  EXPECT_TRUE(again->complete());
  EXPECT_FALSE(again->next(std::chrono::milliseconds(0)));
  // No LAUNCH again, and the task is still RUNNING.
  ASSERT_EQ(sim->tasks().size(), 1u);
  EXPECT_EQ(sim->tasks().front().state, mesos::v1::TASK_RUNNING);
}

TEST_P(SimExecutor, ACutStreamBeforeAnyUpdateLosesTheTaskAndShutsTheExecutorDown) {
  launch("t1");
  auto stream = subscribe();
  ASSERT_TRUE(stream->next_of(ExecutorEvent::LAUNCH));
  EXPECT_EQ(sim->cut_executor_streams(), 1u);
  EXPECT_TRUE(stream->wait_end());
  auto again = subscribe();
  ASSERT_EQ(again->head().status, 200u);
  auto shutdown = again->next();
  ASSERT_TRUE(shutdown);
  EXPECT_EQ(shutdown->type(), ExecutorEvent::SHUTDOWN);
  auto lost = fw->next_of(Event::UPDATE);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->update().status().state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(lost->update().status().reason(), mesos::v1::TaskStatus::REASON_AGENT_RESTARTED);
  EXPECT_EQ(lost->update().status().message(), "Task launched during agent restart");
}

TEST_P(SimExecutor, AfterAnAgentRestartACheckpointedExecutorSubscribesAgain) {
  sim->stop();
  start(fast_config(), /*checkpoint=*/true);
  launch("t1");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(sandbox / "env.txt"); }));
  EXPECT_EQ(read_env(sandbox / "env.txt").at("MESOS_RECOVERY_TIMEOUT"), "15mins");
  auto stream = subscribe();
  ASSERT_TRUE(stream->next_of(ExecutorEvent::LAUNCH));
  ASSERT_EQ(send_update("t1", mesos::v1::TASK_RUNNING)->status, 202u);
  ASSERT_TRUE(fw->next_of(Event::UPDATE));
  sim->restart_agent(0, std::chrono::milliseconds(200));
  EXPECT_TRUE(stream->wait_end());
  // The port comes back: the executor's next attempt is taken.
  std::unique_ptr<executor_stream> again;
  ASSERT_TRUE(eventually([&] {
    try {
      again = subscribe();
      return again->head().status == 200u;
    } catch (const std::exception&) {
      return false;  // refused while the agent is down
    }
  }));
  auto subscribed = again->next();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(subscribed->type(), ExecutorEvent::SUBSCRIBED);
  EXPECT_EQ(sim->tasks().front().state, mesos::v1::TASK_RUNNING);
}

TEST_P(SimExecutor, AnAgentRestartKillsExecutorsOfFrameworksWithoutCheckpointing) {
  std::unique_ptr<executor_stream> stream;
  ASSERT_NO_FATAL_FAILURE(run_t1(stream, true));
  sim->restart_agent(0, std::chrono::milliseconds(200));
  auto failure = fw->next_of(Event::FAILURE);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->failure().status(), 9);
  auto lost = fw->next_of(Event::UPDATE);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->update().status().state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(lost->update().status().reason(), mesos::v1::TaskStatus::REASON_AGENT_RESTARTED);
}

TEST_P(SimExecutor, TheLibrarysExecutorClientRunsATaskToTheEnd) {
  launch("t1");
  const auto config = config_from_sandbox();
  ASSERT_TRUE(config) << config.message;
  library_executor running(*config.config, GetParam());
  auto& client = running.client;
  auto& events = running.events;
  ASSERT_TRUE(next_launch(events, ExecutorEvent::LAUNCH));
  client.update(mesoshttp::executor::task_status("t1", mesos::v1::TASK_RUNNING, "exec-1"));
  client.update(mesoshttp::executor::task_status("t1", mesos::v1::TASK_FINISHED, "exec-1"));
  for (auto state : {mesos::v1::TASK_RUNNING, mesos::v1::TASK_FINISHED}) {
    auto u = fw->next_of(Event::UPDATE);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->update().status().state(), state);
    fw->acknowledge(u->update().status());
  }
  EXPECT_TRUE(eventually([&] { return client.unacknowledged_updates() == 0; }));
}

// A task group over sockets: the agent starts one executor for it and hands
// the library's executor client one LAUNCH_GROUP with both tasks; each
// task's updates reach the scheduler, and its acknowledgements the executor.
TEST_P(SimExecutor, ATaskGroupReachesTheLibrarysExecutorClientAsOneLaunchGroup) {
  auto offer = fw->offer();
  ASSERT_TRUE(offer);
  mesos::v1::ExecutorInfo executor;
  executor.set_type(mesos::v1::ExecutorInfo::DEFAULT);
  executor.mutable_executor_id()->set_value("exec-1");
  executor.mutable_command()->set_value(executor_command);
  mesos::v1::TaskGroupInfo group;
  for (const char* id : {"g1", "g2"}) {
    auto* t = group.add_tasks();
    t->set_name(id);
    t->mutable_task_id()->set_value(id);
    t->mutable_agent_id()->CopyFrom(offer->agent_id());
    *t->add_resources() = scalar("cpus", 0.1);
    *t->add_resources() = scalar("mem", 16);
  }
  Call accept;
  accept.set_type(Call::ACCEPT);
  *accept.mutable_accept()->add_offer_ids() = offer->id();
  *accept.mutable_accept()->add_operations() = mesoshttp::calls::ops::launch_group(executor, group);
  ASSERT_EQ(fw->call(accept)->status, 202u);
  ASSERT_TRUE(eventually([&] { return sim->tasks().size() == 2 && !sim->tasks().front().sandbox.empty(); }));
  sandbox = sim->tasks().front().sandbox;
  EXPECT_EQ(sim->tasks().back().sandbox, sandbox) << "one executor, one sandbox";

  const auto config = config_from_sandbox();
  ASSERT_TRUE(config) << config.message;
  library_executor running(*config.config, GetParam());
  auto& client = running.client;
  auto& events = running.events;
  const auto launched = next_launch(events, ExecutorEvent::LAUNCH_GROUP);
  ASSERT_TRUE(launched);
  std::vector<std::string> ids;
  for (const auto& t : launched->launch_group().task_group().tasks()) ids.push_back(t.task_id().value());
  EXPECT_EQ(ids, (std::vector<std::string>{"g1", "g2"}));

  for (const char* id : {"g1", "g2"})
    client.update(mesoshttp::executor::task_status(id, mesos::v1::TASK_RUNNING, "exec-1"));
  std::map<std::string, mesos::v1::TaskState> seen;
  for (int i = 0; i < 2; ++i) {
    auto u = fw->next_of(Event::UPDATE);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->update().status().source(), mesos::v1::TaskStatus::SOURCE_EXECUTOR);
    EXPECT_EQ(u->update().status().agent_id().value(), sim->agent_id(0));
    seen[u->update().status().task_id().value()] = u->update().status().state();
    fw->acknowledge(u->update().status());
  }
  EXPECT_EQ(seen, (std::map<std::string, mesos::v1::TaskState>{{"g1", mesos::v1::TASK_RUNNING},
                                                               {"g2", mesos::v1::TASK_RUNNING}}));
  EXPECT_TRUE(eventually([&] { return client.unacknowledged_updates() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimExecutor, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

}  // namespace
