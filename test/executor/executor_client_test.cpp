// The executor client over real sockets on 127.0.0.1, in both encodings,
// against a scripted agent (executor_client_support.hpp, over
// test/support/scripted_master.hpp) that answers as a Mesos 1.11.0 agent does
// (executor-answers.md): SUBSCRIBE with a chunked RecordIO stream without
// Mesos-Stream-Id, one record per chunk; calls with 202 and no body;
// refusals as text/plain.
#include "mesoshttp/executor/executor_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "executor_client_support.hpp"

namespace {

namespace v1 = mesos::v1;
namespace exec = mesoshttp::executor;
using namespace std::chrono_literals;
using exec::Call;
using exec::Event;
using exec::executor_event;
using mesoshttp::encoding;
using kind = executor_event::kind;
using namespace mesoshttp::test::executor_support;

class ExecutorClientTest : public ::testing::TestWithParam<encoding> {
 protected:
  ExecutorClientTest() : agent(GetParam()) {
    config.agent_endpoint = agent.endpoint();
    config.framework_id = "fw-1";
    config.executor_id = "ex-1";
    config.shutdown_grace_period = 300ms;
    config.subscription_backoff_initial = 20ms;
    config.subscription_backoff_max = 50ms;
    config.subscription_backoff_jitter = 0.0;
    options.wire_encoding = GetParam();
    options.seed = 1;
  }
  ~ExecutorClientTest() override {
    if (client) {
      client->abort();
      eventually([&] { return client->state() == mesoshttp::connection_state::closed; });
    }
    client.reset();
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }

  void start() {
    client = std::make_unique<exec::executor_client>(io.get_executor(), config, options);
    events = client->events();
    client->start();
    thread = std::thread([this] { io.run(); });
  }

  // The next item (failing the test if none comes within 5 s).
  executor_event next() {
    std::error_code ec;
    auto item = events.next(5s, &ec);
    if (!item) {
      ADD_FAILURE() << "no item: " << ec.message();
      return {};
    }
    return *item;
  }
  // Items until one of `k` (returned), the others skipped.
  executor_event until(kind k) {
    for (int i = 0; i < 50; ++i) {
      auto item = next();
      if (item.type == k) return item;
      if (item.type == kind::closed && k != kind::closed) {
        ADD_FAILURE() << "closed: " << item.message;
        return item;
      }
    }
    ADD_FAILURE() << "not found";
    return {};
  }
  // Items until an agent event of `type`.
  std::shared_ptr<const Event> until_event(Event::Type type) {
    for (int i = 0; i < 50; ++i) {
      auto item = next();
      if (item.type == kind::event && item.event->type() == type) return item.event;
      if (item.type == kind::closed) {
        ADD_FAILURE() << "closed: " << item.message;
        return nullptr;
      }
    }
    ADD_FAILURE() << "not found";
    return nullptr;
  }

  // Cuts the first stream and waits for the client to subscribe again: the
  // second SUBSCRIBE's body.
  Call::Subscribe resubscription() {
    agent.cut(0);
    until(kind::disconnected);
    until(kind::subscribed);
    const auto subs = agent.subscribes();
    EXPECT_EQ(subs.size(), 2u);
    return subs.size() == 2 ? subs[1].subscribe() : Call::Subscribe{};
  }

  bool eventually(const std::function<bool()>& what) {
    for (int i = 0; i < 500; ++i) {
      if (what()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return what();
  }

  fake_agent agent;
  exec::executor_config config;
  exec::executor_client_options options;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{io.get_executor()};
  std::thread thread;
  std::unique_ptr<exec::executor_client> client;
  exec::executor_event_stream events;
};

TEST_P(ExecutorClientTest, SubscribesAndDeliversEveryEventInOrder) {
  config.authentication_token = "secret-token";
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  for (auto type : {Event::ACKNOWLEDGED, Event::MESSAGE, Event::KILL, Event::HEARTBEAT}) {
    agent.send(0, type == Event::ACKNOWLEDGED ? acknowledged("t1", std::string(16, 'u')) : of_type(type));
  }
  start();
  EXPECT_EQ(next().type, kind::connecting);
  EXPECT_EQ(next().type, kind::subscribed);
  std::vector<Event::Type> seen;
  std::shared_ptr<const Event> message;
  for (int i = 0; i < 6; ++i) {
    auto item = next();
    ASSERT_EQ(item.type, kind::event);
    seen.push_back(item.event->type());
    if (item.event->type() == Event::MESSAGE) message = item.event;
  }
  EXPECT_EQ(seen, (std::vector<Event::Type>{Event::SUBSCRIBED, Event::LAUNCH, Event::ACKNOWLEDGED, Event::MESSAGE,
                                            Event::KILL, Event::HEARTBEAT}));
  ASSERT_TRUE(message);
  EXPECT_EQ(message->message().data(), "hello-executor");
  EXPECT_EQ(client->state(), mesoshttp::connection_state::subscribed);

  const auto subs = agent.subscribes();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].framework_id().value(), "fw-1");
  EXPECT_EQ(subs[0].executor_id().value(), "ex-1");
  EXPECT_TRUE(subs[0].has_subscribe());
  EXPECT_EQ(subs[0].subscribe().unacknowledged_tasks_size(), 0);
  EXPECT_EQ(subs[0].subscribe().unacknowledged_updates_size(), 0);
  const auto head = agent.subscribe_heads().at(0);
  EXPECT_EQ(head.rfind("POST /api/v1/executor HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Authorization: Bearer secret-token\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: " + mime(GetParam())), std::string::npos) << head;
  EXPECT_EQ(head.find("Mesos-Stream-Id"), std::string::npos) << head;
}

TEST_P(ExecutorClientTest, AnUpdateGetsAFreshUuidAndIsKeptUntilAcknowledged) {
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  start();
  until_event(Event::LAUNCH);

  auto status =
      exec::task_status("t1", v1::TASK_RUNNING, "ex-1",
                        {.message = "running", .data = "payload", .healthy = std::nullopt, .reason = std::nullopt});
  const std::string stale_uuid = status.uuid();
  auto answer = client->async_update(status, boost::asio::use_future).get();
  ASSERT_TRUE(answer.ok()) << answer.message;
  EXPECT_EQ(answer.status, 202u);
  auto calls = agent.calls();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(calls[0].type(), Call::UPDATE);
  const auto& sent = calls[0].update().status();
  EXPECT_EQ(sent.task_id().value(), "t1");
  EXPECT_EQ(sent.state(), v1::TASK_RUNNING);
  EXPECT_EQ(sent.source(), v1::TaskStatus::SOURCE_EXECUTOR);
  EXPECT_EQ(sent.uuid().size(), 16u);
  EXPECT_NE(sent.uuid(), stale_uuid);  // fresh, whatever the status carried
  EXPECT_EQ(sent.message(), "running");
  EXPECT_EQ(sent.data(), "payload");
  EXPECT_EQ(calls[0].framework_id().value(), "fw-1");
  EXPECT_EQ(calls[0].executor_id().value(), "ex-1");
  EXPECT_EQ(client->unacknowledged_updates(), 1u);

  agent.send(0, acknowledged("t1", sent.uuid()));
  until_event(Event::ACKNOWLEDGED);
  EXPECT_EQ(client->unacknowledged_updates(), 0u);

  auto m = client->async_message("to the scheduler", boost::asio::use_future).get();
  ASSERT_TRUE(m.ok()) << m.message;
  calls = agent.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].type(), Call::MESSAGE);
  EXPECT_EQ(calls[1].message().data(), "to the scheduler");

  // Fire and forget: the uuid returned is the one sent, and kept.
  const auto uuid = client->update(exec::task_status("t1", v1::TASK_FINISHED, "ex-1"));
  ASSERT_TRUE(eventually([&] { return agent.calls().size() == 3; }));
  EXPECT_EQ(agent.calls()[2].update().status().uuid(), uuid);
  EXPECT_EQ(agent.calls()[2].update().status().state(), v1::TASK_FINISHED);
  EXPECT_EQ(client->unacknowledged_updates(), 1u);
}

TEST_P(ExecutorClientTest, TasksOfALaunchGroupAreCarriedByAResubscription) {
  config.checkpoint = true;
  agent.send(0, subscribed());
  Event group;
  group.set_type(Event::LAUNCH_GROUP);
  *group.mutable_launch_group()->mutable_task_group()->add_tasks() = task("g1");
  *group.mutable_launch_group()->mutable_task_group()->add_tasks() = task("g2");
  agent.send(0, group);
  agent.send(1, subscribed());
  start();
  until_event(Event::LAUNCH_GROUP);
  const auto again = resubscription();
  ASSERT_EQ(again.unacknowledged_tasks_size(), 2);
  EXPECT_EQ(again.unacknowledged_tasks(0).task_id().value(), "g1");
  EXPECT_EQ(again.unacknowledged_tasks(1).task_id().value(), "g2");
  EXPECT_EQ(again.unacknowledged_updates_size(), 0);
}

// A broken or hostile agent: a LAUNCH without its task. The consumers still
// see the event, but the empty task is not kept, so the resubscription after a
// cut encodes and carries only the real one (before, it could not be encoded
// and the executor never subscribed again).
TEST_P(ExecutorClientTest, ALaunchWithoutItsTaskIsNotCarriedByAResubscription) {
  config.checkpoint = true;
  agent.send(0, subscribed());
  Event empty;
  empty.set_type(Event::LAUNCH);
  agent.send(0, empty);
  agent.send(0, launch("t1"));
  agent.send(1, subscribed());
  start();
  EXPECT_FALSE(until_event(Event::LAUNCH)->has_launch());
  EXPECT_EQ(until_event(Event::LAUNCH)->launch().task().task_id().value(), "t1");
  const auto again = resubscription();
  ASSERT_EQ(again.unacknowledged_tasks_size(), 1);
  EXPECT_EQ(again.unacknowledged_tasks(0).task_id().value(), "t1");
}

// A LAUNCH_GROUP without its group (a broken agent; the decoder takes it, as
// the field is optional): the consumers see it, the warning says it carried no
// task, and the resubscription carries what was kept before it.
TEST_P(ExecutorClientTest, ALaunchGroupWithoutItsGroupIsSaidToCarryNoTask) {
  config.checkpoint = true;
  // Shared with the logger, which the client may call until the fixture ends it.
  struct logged {
    std::mutex mutex;
    std::vector<std::string> warnings;
  };
  const auto log = std::make_shared<logged>();
  options.logger = [log](mesoshttp::log_level level, std::string_view message) {
    std::lock_guard lock(log->mutex);
    if (level == mesoshttp::log_level::warning) log->warnings.emplace_back(message);
  };
  Event empty;
  empty.set_type(Event::LAUNCH_GROUP);
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  agent.send(0, empty);
  agent.send(1, subscribed());
  start();
  const auto launched = until_event(Event::LAUNCH_GROUP);
  ASSERT_TRUE(launched);
  EXPECT_FALSE(launched->has_launch_group());
  const auto again = resubscription();
  ASSERT_EQ(again.unacknowledged_tasks_size(), 1);
  EXPECT_EQ(again.unacknowledged_tasks(0).task_id().value(), "t1");
  std::lock_guard lock(log->mutex);
  const auto said = std::count_if(log->warnings.begin(), log->warnings.end(), [](const std::string& w) {
    return w.find("LAUNCH_GROUP") != std::string::npos && w.find("with no task") != std::string::npos;
  });
  EXPECT_EQ(said, 1) << ::testing::PrintToString(log->warnings);
}

TEST_P(ExecutorClientTest, AnUpdateTheAgentWouldRefuseIsNotSent) {
  agent.send(0, subscribed());
  start();
  until(kind::subscribed);
  auto answer = client->async_update(exec::task_status("t1", v1::TASK_STAGING, "ex-1"), boost::asio::use_future).get();
  EXPECT_EQ(answer.error, mesoshttp::error::invalid_argument);
  EXPECT_NE(answer.message.find("TASK_STAGING"), std::string::npos) << answer.message;
  EXPECT_TRUE(agent.calls().empty());
  EXPECT_EQ(client->unacknowledged_updates(), 0u);
}

TEST_P(ExecutorClientTest, WithCheckpointingACutStreamIsResubscribedCarryingWhatIsUnacknowledged) {
  config.checkpoint = true;
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  agent.send(0, launch("t2"));
  agent.send(0, launch("t3"));
  start();
  until_event(Event::LAUNCH);
  until_event(Event::LAUNCH);
  until_event(Event::LAUNCH);
  // t1: acknowledged; t2: an update waits for its ACKNOWLEDGED; t3: none sent.
  auto a = client->async_update(exec::task_status("t1", v1::TASK_RUNNING, "ex-1"), boost::asio::use_future).get();
  auto b = client->async_update(exec::task_status("t2", v1::TASK_RUNNING, "ex-1"), boost::asio::use_future).get();
  ASSERT_TRUE(a.ok() && b.ok()) << a.message << b.message;
  const auto calls = agent.calls();
  ASSERT_EQ(calls.size(), 2u);
  agent.send(0, acknowledged("t1", calls[0].update().status().uuid()));
  until_event(Event::ACKNOWLEDGED);

  agent.send(1, subscribed());
  agent.cut(0);
  auto down = until(kind::disconnected);
  EXPECT_TRUE(down.error) << down.message;
  EXPECT_EQ(next().type, kind::connecting);
  EXPECT_EQ(next().type, kind::subscribed);
  EXPECT_EQ(client->state(), mesoshttp::connection_state::subscribed);

  const auto subs = agent.subscribes();
  ASSERT_EQ(subs.size(), 2u);
  const auto& again = subs[1].subscribe();
  std::vector<std::string> tasks;
  for (const auto& t : again.unacknowledged_tasks()) tasks.push_back(t.task_id().value());
  EXPECT_EQ(tasks, (std::vector<std::string>{"t2", "t3"}));
  ASSERT_EQ(again.unacknowledged_updates_size(), 1);
  EXPECT_EQ(again.unacknowledged_updates(0).status().task_id().value(), "t2");
  EXPECT_EQ(again.unacknowledged_updates(0).status().uuid(), calls[1].update().status().uuid());
  EXPECT_EQ(subs[1].framework_id().value(), "fw-1");

  // Calls flow on the new subscription.
  auto c = client->async_message("after", boost::asio::use_future).get();
  EXPECT_TRUE(c.ok()) << c.message;
}

TEST_P(ExecutorClientTest, WithoutCheckpointingACutStreamEndsTheExecutorAfterTheGracePeriod) {
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  agent.send(0, launch("t2"));
  start();
  until_event(Event::LAUNCH);
  until_event(Event::LAUNCH);
  ASSERT_TRUE(
      client->async_update(exec::task_status("t2", v1::TASK_FINISHED, "ex-1"), boost::asio::use_future).get().ok());
  agent.cut(0);
  const auto before = std::chrono::steady_clock::now();
  auto end = until(kind::shutdown);
  EXPECT_EQ(end.error, mesoshttp::error::agent_lost) << end.message;
  EXPECT_EQ(end.tasks_to_kill, std::vector<std::string>{"t1"});  // t2 reported its end
  EXPECT_GE(end.deadline, before + 250ms);
  auto closed = until(kind::closed);
  EXPECT_EQ(closed.error, mesoshttp::error::agent_lost);
  EXPECT_GE(std::chrono::steady_clock::now(), end.deadline);
  EXPECT_EQ(agent.subscribes().size(), 1u);  // no second attempt
  EXPECT_EQ(client->state(), mesoshttp::connection_state::closed);
  std::error_code ec;
  EXPECT_FALSE(events.next(1s, &ec));
  EXPECT_EQ(ec, mesoshttp::error::agent_lost);
}

TEST_P(ExecutorClientTest, AnAgentNotBackWithinTheRecoveryTimeoutEndsTheExecutor) {
  config.checkpoint = true;
  config.recovery_timeout = 400ms;
  agent.send(0, subscribed());
  agent.refuse_subscribe_from(1, "");  // the agent is down: connections close unanswered
  start();
  until(kind::subscribed);
  agent.cut(0);
  auto end = until(kind::shutdown);
  EXPECT_EQ(end.error, mesoshttp::error::agent_recovery_timed_out) << end.message;
  EXPECT_NE(end.message.find("recovery timeout"), std::string::npos) << end.message;
  EXPECT_GE(agent.subscribes().size(), 3u);  // it did try again, with backoff, for 400 ms
  EXPECT_LE(agent.subscribes().size(), 25u);
  EXPECT_EQ(until(kind::closed).error, mesoshttp::error::agent_recovery_timed_out);
}

TEST_P(ExecutorClientTest, AnAgentRefusingSubscribeEndsTheExecutorQuotingIt) {
  const std::string text = "Framework cannot be found";
  agent.refuse_subscribe_from(0,
                              "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Content-Length: " +
                                  std::to_string(text.size()) + "\r\n\r\n" + text);
  start();
  auto end = until(kind::shutdown);
  EXPECT_EQ(end.error, mesoshttp::error::subscribe_rejected);
  EXPECT_NE(end.message.find("400"), std::string::npos) << end.message;
  EXPECT_NE(end.message.find(text), std::string::npos) << end.message;
  auto closed = until(kind::closed);
  EXPECT_EQ(closed.error, mesoshttp::error::subscribe_rejected);
  EXPECT_EQ(agent.subscribes().size(), 1u);
}

TEST_P(ExecutorClientTest, ShutdownAsksToKillTheRunningTasksAndUpdatesStillGoOutWithinTheGracePeriod) {
  config.shutdown_grace_period = 2s;
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  agent.send(0, launch("t2"));
  start();
  until_event(Event::LAUNCH);
  until_event(Event::LAUNCH);
  agent.send(0, of_type(Event::SHUTDOWN));
  until_event(Event::SHUTDOWN);
  auto end = next();
  ASSERT_EQ(end.type, kind::shutdown);
  EXPECT_FALSE(end.error) << end.message;
  EXPECT_EQ(end.tasks_to_kill, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_NE(end.message.find("SHUTDOWN"), std::string::npos) << end.message;
  for (const auto& id : end.tasks_to_kill) {
    auto r = client->async_update(exec::task_status(id, v1::TASK_KILLED, "ex-1"), boost::asio::use_future).get();
    EXPECT_TRUE(r.ok()) << r.message;
  }
  EXPECT_EQ(agent.calls().size(), 2u);
  client->shutdown();  // done before the deadline
  auto closed = until(kind::closed);
  EXPECT_FALSE(closed.error);
  EXPECT_LT(std::chrono::steady_clock::now(), end.deadline);
}

TEST_P(ExecutorClientTest, AnErrorEventEndsTheExecutorWithTheAgentsMessage) {
  config.checkpoint = true;
  agent.send(0, subscribed());
  agent.send(0, of_type(Event::ERROR));
  start();
  until_event(Event::ERROR);
  auto end = next();
  ASSERT_EQ(end.type, kind::shutdown);
  EXPECT_EQ(end.error, mesoshttp::error::agent_error_event);
  EXPECT_NE(end.message.find("the agent is confused"), std::string::npos) << end.message;
  EXPECT_EQ(until(kind::closed).error, mesoshttp::error::agent_error_event);
  EXPECT_EQ(agent.subscribes().size(), 1u);
}

TEST_P(ExecutorClientTest, CallbackConsumersSeeTheSameItems) {
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  std::mutex mutex;
  std::vector<kind> kinds;
  client = std::make_unique<exec::executor_client>(io.get_executor(), config, options);
  auto sub = client->on_event([&](const executor_event& item) {
    std::lock_guard lock(mutex);
    kinds.push_back(item.type);
  });
  client->start();
  thread = std::thread([this] { io.run(); });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return kinds.size() >= 4;
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(kinds, (std::vector<kind>{kind::connecting, kind::subscribed, kind::event, kind::event}));
}

// The bytes a real Mesos 1.11.0 agent sent a JSON executor (head, chunk
// framing and all; captures/executor-session-json.wire), served as they are.
// The capture is JSON: this suite runs in that encoding only.
class ExecutorClientCaptureTest : public ExecutorClientTest {};

TEST_P(ExecutorClientCaptureTest, AReal1_11AgentsStreamIsReadAsItCame) {
  std::ifstream in(std::string(MESOSHTTP_SHARED_DIR) + "/captures/executor-session-json.wire", std::ios::binary);
  if (!in) GTEST_SKIP() << "no captures in " << MESOSHTTP_SHARED_DIR;
  agent.answer_subscribe_with(0, std::string(std::istreambuf_iterator<char>(in), {}));
  start();
  EXPECT_EQ(next().type, kind::connecting);
  EXPECT_EQ(next().type, kind::subscribed);
  std::vector<Event::Type> seen;
  std::vector<std::shared_ptr<const Event>> events_seen;
  for (int i = 0; i < 6; ++i) {
    auto item = next();
    ASSERT_EQ(item.type, kind::event);
    seen.push_back(item.event->type());
    events_seen.push_back(item.event);
  }
  EXPECT_EQ(seen, (std::vector<Event::Type>{Event::SUBSCRIBED, Event::LAUNCH, Event::ACKNOWLEDGED, Event::ACKNOWLEDGED,
                                            Event::MESSAGE, Event::SHUTDOWN}));
  EXPECT_EQ(events_seen[0]->subscribed().container_id().value(), "cccda5ad-2f19-424f-b317-90513e1e878e");
  EXPECT_EQ(events_seen[1]->launch().task().task_id().value(), "cap-task-session");
  EXPECT_EQ(events_seen[4]->message().data(), "hello-executor");
  auto end = next();
  ASSERT_EQ(end.type, kind::shutdown);
  EXPECT_FALSE(end.error) << end.message;
  // Its ACKNOWLEDGEDs were for updates this client never sent: the task has
  // no acknowledged update and still runs.
  EXPECT_EQ(end.tasks_to_kill, std::vector<std::string>{"cap-task-session"});
}

TEST_P(ExecutorClientTest, ACallTheAgentRefusesFailsWithItsStatusAndWords) {
  agent.send(0, subscribed());
  start();
  until(kind::subscribed);
  const std::string text = "Failed to validate Executor::Call: Expecting 'message' to be present";
  agent.answer_calls_with("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                          std::to_string(text.size()) + "\r\n\r\n" + text);
  auto r = client->async_message("x", boost::asio::use_future).get();
  EXPECT_EQ(r.error, mesoshttp::error::call_rejected);
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.message.find(text), std::string::npos) << r.message;
  EXPECT_EQ(r.attempts, 1u);  // a MESSAGE is not sent again
  EXPECT_EQ(client->state(), mesoshttp::connection_state::subscribed);
}

TEST_P(ExecutorClientTest, AnUpdateTheAgentRefusesIsNotKeptNorCarriedByAResubscription) {
  config.checkpoint = true;
  agent.send(0, subscribed());
  agent.send(0, launch("t1"));
  agent.send(1, subscribed());
  start();
  until_event(Event::LAUNCH);
  const std::string text = "Failed to validate Executor::Call: Not a valid UUID";
  agent.answer_calls_with("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                          std::to_string(text.size()) + "\r\n\r\n" + text);
  auto r = client->async_update(exec::task_status("t1", v1::TASK_RUNNING, "ex-1"), boost::asio::use_future).get();
  EXPECT_EQ(r.error, mesoshttp::error::call_rejected);
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.message.find(text), std::string::npos) << r.message;
  EXPECT_EQ(client->unacknowledged_updates(), 0u);
  const auto again = resubscription();
  EXPECT_EQ(again.unacknowledged_updates_size(), 0);
  ASSERT_EQ(again.unacknowledged_tasks_size(), 1);  // the task still has no acknowledged update
  EXPECT_EQ(again.unacknowledged_tasks(0).task_id().value(), "t1");
}

TEST_P(ExecutorClientTest, AsyncNextDeliversTheSameItems) {
  agent.send(0, subscribed());
  start();
  std::vector<kind> kinds;
  for (int i = 0; i < 3; ++i) kinds.push_back(std::get<1>(events.async_next(boost::asio::use_future).get()).type);
  EXPECT_EQ(kinds, (std::vector<kind>{kind::connecting, kind::subscribed, kind::event}));
}

TEST(ExecutorClient, AConfigurationWithoutAnAgentEndsAtStart) {
  boost::asio::io_context io;
  exec::executor_config config;
  config.framework_id = "fw";
  config.executor_id = "ex";
  exec::executor_client client(io.get_executor(), config);
  auto events = client.events();
  client.start();
  io.run_for(1s);
  std::error_code ec;
  auto item = events.next(1s, &ec);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->type, kind::closed);
  EXPECT_EQ(item->error, mesoshttp::error::invalid_argument);
  EXPECT_NE(item->message.find("MESOS_AGENT_ENDPOINT"), std::string::npos) << item->message;
}

INSTANTIATE_TEST_SUITE_P(Json, ExecutorClientCaptureTest, ::testing::Values(encoding::json),
                         [](const auto&) { return "json"; });
INSTANTIATE_TEST_SUITE_P(Encodings, ExecutorClientTest, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return p.param == encoding::json ? "json" : "protobuf"; });

}  // namespace
