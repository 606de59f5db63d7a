// The simulated master's operator event stream (SUBSCRIBE on /api/v1 and
// /master/api/v1) over real HTTP on 127.0.0.1, in both encodings, as a real
// Mesos 1.11 master serves it (operator-answers.md, "The operator event
// stream"): the head, SUBSCRIBED with GET_STATE's state, HEARTBEATs, the
// events of a framework and its task, several subscribers, the end of the
// stream at a leader change, and the library's cluster_mirror fed from it.
// Which events each rule emits is checked without sockets in
// sim_model_test.cpp.
#include <google/protobuf/util/message_differencer.h>

#include "mesoshttp/operator/cluster_mirror.hpp"
#include "sim_common.hpp"
#include "sim_operator_support.hpp"

namespace {

using namespace simtest;
using mesoshttp::sim::cluster;
using mesoshttp::sim::cluster_config;
namespace master = mesos::v1::master;
using OpEvent = master::Event;

// An operator SUBSCRIBE (a JSON call; the answer's encoding is Accept's).
std::unique_ptr<operator_stream> subscribe_operator(std::uint16_t port, encoding enc,
                                                    const std::string& target = "/api/v1", header_list extra = {}) {
  std::string body;
  mesoshttp::encode(op(master::Call::SUBSCRIBE), encoding::json, body);
  return std::make_unique<operator_stream>(port, body, encoding::json, std::string(mesoshttp::content_type(enc)),
                                           std::move(extra), target);
}

// The types of `events`, in order.
std::vector<std::string> types(const std::vector<OpEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(OpEvent::Type_Name(e.type()));
  return out;
}

class SimOperatorStream : public ::testing::TestWithParam<encoding> {
 protected:
  void start(cluster_config cfg = fast_config()) {
    sim = std::make_unique<cluster>(cfg);
    sim->start();
  }
  std::uint16_t port(std::size_t master = 0) const { return sim->port(master); }
  std::unique_ptr<operator_stream> subscribe(std::size_t master = 0, const std::string& target = "/api/v1") {
    auto s = subscribe_operator(port(master), GetParam(), target);
    EXPECT_EQ(s->head().status, 200u) << s->head().body;
    return s;
  }
  // Events other than HEARTBEAT until `last` (included), or the deadline.
  static std::vector<OpEvent> until(operator_stream& s, OpEvent::Type last) {
    std::vector<OpEvent> out;
    while (auto e = s.next()) {
      if (e->type() == OpEvent::HEARTBEAT) continue;
      out.push_back(*e);
      if (e->type() == last) break;
    }
    return out;
  }

  std::unique_ptr<cluster> sim;
};

TEST_P(SimOperatorStream, SubscribedThenHeartbeatWithARealMastersHeadOnBothPaths) {
  start();
  std::vector<std::unique_ptr<operator_stream>> open;  // both stay open
  for (const std::string target : {"/api/v1", "/master/api/v1"}) {
    SCOPED_TRACE(target);
    // gzip is allowed, and a stream id given: neither changes anything.
    auto& s = open.emplace_back() =
        subscribe_operator(port(), GetParam(), target, {{"Accept-Encoding", "gzip"}, {"Mesos-Stream-Id", "ignored"}});
    const auto& head = s->head();
    ASSERT_EQ(head.status, 200u) << head.body;
    EXPECT_EQ(head.header("transfer-encoding"), "chunked");
    EXPECT_EQ(head.header("content-type"), mesoshttp::content_type(GetParam()));
    EXPECT_EQ(head.headers.count("content-encoding"), 0u);
    EXPECT_EQ(head.headers.count("mesos-stream-id"), 0u) << "unlike the scheduler API";
    EXPECT_EQ(head.headers.count("content-length"), 0u);
    EXPECT_EQ(head.headers.count("date"), 1u);
    auto first = s->next();
    ASSERT_TRUE(first);
    ASSERT_EQ(first->type(), OpEvent::SUBSCRIBED);
    EXPECT_DOUBLE_EQ(first->subscribed().heartbeat_interval_seconds(), 0.2);  // fast_config
    EXPECT_EQ(first->subscribed().get_state().get_agents().agents_size(), 1);
    auto second = s->next();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->type(), OpEvent::HEARTBEAT) << "right after SUBSCRIBED";
    EXPECT_EQ(s->decode_errors(), 0u);
  }
  EXPECT_EQ(sim->operator_subscribers(), 2u);
  EXPECT_EQ(sim->subscribers(), 0u) << "operator streams are not frameworks' streams";
}

TEST_P(SimOperatorStream, BadSubscribeRequestsGetTheTextsOfEveryOperatorCall) {
  start();
  const std::string body = R"({"type":"SUBSCRIBE"})";
  auto not_acceptable = raw(port(), body, json_headers("text/plain"));
  ASSERT_TRUE(not_acceptable);
  EXPECT_EQ(not_acceptable->status, 406u);
  EXPECT_EQ(not_acceptable->body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  auto no_type = raw(port(), body, {{"Accept", std::string(mesoshttp::content_type(GetParam()))}});
  ASSERT_TRUE(no_type);
  EXPECT_EQ(no_type->status, 400u);
  EXPECT_EQ(no_type->body, "Expecting 'Content-Type' to be present");
  auto get = raw(port(), body, json_headers(), "/api/v1", "GET");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405u);
  EXPECT_EQ(get->body, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.");
  EXPECT_EQ(sim->operator_subscribers(), 0u);
}

TEST_P(SimOperatorStream, DefaultHeartbeatIntervalIsFifteenSeconds) {
  start(cluster_config{});
  auto s = subscribe();
  auto first = s->next();
  ASSERT_TRUE(first);
  EXPECT_DOUBLE_EQ(first->subscribed().heartbeat_interval_seconds(), 15.0);
}

TEST_P(SimOperatorStream, HeartbeatsKeepComingEveryInterval) {
  start();  // 200 ms
  // Measured from before SUBSCRIBE: the master cannot send its third timed
  // heartbeat sooner than three intervals after it, however slow this reader.
  const auto t0 = std::chrono::steady_clock::now();
  auto s = subscribe();
  ASSERT_TRUE(s->next_of(OpEvent::SUBSCRIBED));
  ASSERT_TRUE(s->next_of(OpEvent::HEARTBEAT));  // right after SUBSCRIBED
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->next_of(OpEvent::HEARTBEAT, std::chrono::seconds(5))) << i;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(600)) << "never a burst";
}

TEST_P(SimOperatorStream, SubscribedCarriesWhatGetStateAnswers) {
  auto cfg = fast_config();
  cfg.task_run_time = std::chrono::milliseconds(0);  // runs until killed: the state holds still
  start(cfg);
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  // The ACCEPT filter keeps the only agent from being offered again.
  auto r = fw.call(launch_call(*offer, "t1", 1, 128, "sleep 100", 3600));
  ASSERT_TRUE(r && r->status == 202);
  ASSERT_TRUE(eventually([&] {
    auto tasks = send_call(port(), GetParam(), op(master::Call::GET_TASKS));
    return tasks && tasks.response && tasks.response->get_tasks().tasks_size() == 1 &&
           tasks.response->get_tasks().tasks(0).state() == mesos::v1::TASK_RUNNING;
  }));
  auto state = send_call(port(), GetParam(), op(master::Call::GET_STATE));
  ASSERT_TRUE(state) << state.message;
  auto s = subscribe();
  auto subscribed = s->next();
  ASSERT_TRUE(subscribed && subscribed->type() == OpEvent::SUBSCRIBED);
  const auto& got = subscribed->subscribed().get_state();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, state.response->get_state()))
      << got.DebugString() << "\n----\n"
      << state.response->get_state().DebugString();
  ASSERT_EQ(got.get_tasks().tasks_size(), 1);
  EXPECT_EQ(got.get_tasks().tasks(0).state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(got.get_frameworks().frameworks(0).framework_info().id().value(), fw.id);
}

TEST_P(SimOperatorStream, AFrameworkAndItsTaskAsTheRealCaptureShowsThem) {
  start();  // tasks finish after 50 ms
  auto s = subscribe();
  ASSERT_TRUE(s->next_of(OpEvent::SUBSCRIBED));
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  ASSERT_TRUE(fw.call(launch_call(*offer, "t1", 0.5, 32)));
  // The scheduler acknowledges everything, as in the capture (a resent
  // update is acknowledged again, which changes nothing).
  for (bool finished = false; !finished;) {
    auto u = fw.next_of(Event::UPDATE);
    ASSERT_TRUE(u);
    fw.acknowledge(u->update().status());
    finished = u->update().status().state() == mesos::v1::TASK_FINISHED;
  }
  const auto events = until(*s, OpEvent::TASK_UPDATED);  // through STARTING
  ASSERT_EQ(types(events), (std::vector<std::string>{"FRAMEWORK_ADDED", "TASK_ADDED", "TASK_UPDATED"}));
  const auto& f = events[0].framework_added().framework();
  EXPECT_EQ(f.framework_info().id().value(), fw.id);
  EXPECT_EQ(f.framework_info().name(), "test");
  EXPECT_TRUE(f.active());
  EXPECT_TRUE(f.connected());
  EXPECT_EQ(f.unregistered_time().nanoseconds(), 0);
  const auto& task = events[1].task_added().task();
  EXPECT_EQ(task.task_id().value(), "t1");
  EXPECT_EQ(task.framework_id().value(), fw.id);
  EXPECT_EQ(task.agent_id().value(), offer->agent_id().value());
  EXPECT_EQ(task.state(), mesos::v1::TASK_STAGING);
  EXPECT_EQ(task.statuses_size(), 0);
  EXPECT_EQ(events[2].task_updated().state(), mesos::v1::TASK_STARTING);
  EXPECT_EQ(events[2].task_updated().framework_id().value(), fw.id);
  EXPECT_FALSE(events[2].task_updated().status().uuid().empty());
  auto running = s->next_of(OpEvent::TASK_UPDATED);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->task_updated().state(), mesos::v1::TASK_RUNNING);
  auto finished = s->next_of(OpEvent::TASK_UPDATED);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->task_updated().state(), mesos::v1::TASK_FINISHED);
  EXPECT_EQ(finished->task_updated().status().message(), "Command exited with status 0");

  // TEARDOWN once the finished task was acknowledged: no TASK_UPDATED.
  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  auto r = fw.call(teardown);
  ASSERT_TRUE(r && r->status == 202);
  const auto rest = until(*s, OpEvent::FRAMEWORK_REMOVED);
  ASSERT_EQ(types(rest), std::vector<std::string>{"FRAMEWORK_REMOVED"});
  EXPECT_EQ(rest[0].framework_removed().framework_info().id().value(), fw.id);
}

TEST_P(SimOperatorStream, AFrameworkThatComesBackIsUpdated) {
  start();
  auto s = subscribe();
  ASSERT_TRUE(s->next_of(OpEvent::SUBSCRIBED));
  auto first = std::make_unique<framework>(port(), GetParam(), subscribe_call("back", 60));
  ASSERT_TRUE(first->ok());
  const std::string id = first->id;
  auto added = s->next_of(OpEvent::FRAMEWORK_ADDED);
  ASSERT_TRUE(added);
  first->stream->close();  // disconnected: operators hear nothing
  ASSERT_TRUE(eventually([&] { return sim->subscribers() == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  framework again(port(), GetParam(), subscribe_call("back", 60, id));
  ASSERT_TRUE(again.ok());
  const auto events = until(*s, OpEvent::FRAMEWORK_UPDATED);
  ASSERT_EQ(types(events), std::vector<std::string>{"FRAMEWORK_UPDATED"});
  const auto& f = events[0].framework_updated().framework();
  EXPECT_EQ(f.framework_info().id().value(), id);
  EXPECT_TRUE(f.connected());
  EXPECT_EQ(f.registered_time().nanoseconds(), added->framework_added().framework().registered_time().nanoseconds());
  EXPECT_GT(f.reregistered_time().nanoseconds(), f.registered_time().nanoseconds());
}

TEST_P(SimOperatorStream, EverySubscriberGetsEveryEvent) {
  start();
  auto a = subscribe();
  auto b = subscribe(0, "/master/api/v1");
  ASSERT_TRUE(a->next_of(OpEvent::SUBSCRIBED));
  ASSERT_TRUE(b->next_of(OpEvent::SUBSCRIBED));
  EXPECT_EQ(sim->operator_subscribers(), 2u);
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  for (auto* s : {a.get(), b.get()}) {
    auto e = s->next_of(OpEvent::FRAMEWORK_ADDED);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->framework_added().framework().framework_info().id().value(), fw.id);
  }
  // One going away leaves the other subscribed.
  a->close();
  ASSERT_TRUE(eventually([&] { return sim->operator_subscribers() == 1; }));
  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  ASSERT_TRUE(fw.call(teardown));
  EXPECT_TRUE(b->next_of(OpEvent::FRAMEWORK_REMOVED));
}

TEST_P(SimOperatorStream, ALeaderChangeEndsTheStreamAndTheNewLeaderServesIt) {
  auto cfg = fast_config();
  cfg.masters = 2;
  start(cfg);
  auto s = subscribe(0);
  ASSERT_TRUE(s->next_of(OpEvent::SUBSCRIBED));
  // A master that does not lead redirects, as for every operator call.
  auto redirected = subscribe_operator(port(1), GetParam());
  EXPECT_EQ(redirected->head().status, 307u);
  EXPECT_EQ(redirected->head().header("location"), "//127.0.0.1:" + std::to_string(port(0)) + "/master/api/v1");

  sim->elect(1);
  ASSERT_TRUE(s->wait_end(std::chrono::seconds(10)));
  EXPECT_FALSE(s->complete()) << "closed with no last chunk, as a stopped master's";
  // What was read before the end: heartbeats only, no final event.
  while (auto e = s->next(std::chrono::milliseconds(100))) EXPECT_EQ(e->type(), OpEvent::HEARTBEAT);
  EXPECT_TRUE(eventually([&] { return sim->operator_subscribers() == 0; }));

  auto again = subscribe(1);
  ASSERT_TRUE(again->next_of(OpEvent::SUBSCRIBED));
  // Events now come from the new leader.
  framework fw(port(1), GetParam());
  ASSERT_TRUE(fw.ok());
  EXPECT_TRUE(again->next_of(OpEvent::FRAMEWORK_ADDED));
}

// --max_operator_event_stream_subscribers: "If new connections bring the
// total number of subscribers over this value, older connections will be
// closed by the master." GET_FLAGS says the limit.
TEST_P(SimOperatorStream, ASubscriberBeyondTheLimitEndsTheOldestStream) {
  auto cfg = fast_config();
  cfg.max_operator_subscribers = 2;
  start(cfg);
  std::vector<std::unique_ptr<operator_stream>> streams;
  for (int i = 0; i < 2; ++i) {
    streams.push_back(subscribe());
    ASSERT_TRUE(streams.back()->next_of(OpEvent::SUBSCRIBED));
  }
  streams.push_back(subscribe());
  ASSERT_TRUE(streams.back()->next_of(OpEvent::SUBSCRIBED));
  ASSERT_TRUE(streams[0]->wait_end(std::chrono::seconds(10)));
  EXPECT_TRUE(eventually([&] { return sim->operator_subscribers() == 2; }));
  // The two newest still get every event.
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  EXPECT_TRUE(streams[1]->next_of(OpEvent::FRAMEWORK_ADDED));
  EXPECT_TRUE(streams[2]->next_of(OpEvent::FRAMEWORK_ADDED));
  EXPECT_FALSE(streams[1]->ended());

  auto flags = send_call(port(), GetParam(), op(master::Call::GET_FLAGS));
  ASSERT_TRUE(flags) << flags.message;
  bool found = false;
  for (const auto& f : flags.response->get_flags().flags())
    if (f.name() == "max_operator_event_stream_subscribers") found = f.value() == "2";
  EXPECT_TRUE(found);
}

TEST_P(SimOperatorStream, NoLeaderAndRecoveryAnswerAsForEveryOperatorCall) {
  auto cfg = fast_config();
  cfg.recovery_time = std::chrono::seconds(30);
  start(cfg);
  sim->unelect();
  auto none = subscribe_operator(port(), GetParam());
  EXPECT_EQ(none->head().status, 503u);
  EXPECT_EQ(none->head().body, "No leader elected");
  sim->elect(0);
  sim->restart(0, std::chrono::milliseconds(10));
  ASSERT_TRUE(eventually([&] {
    try {
      auto r = subscribe_operator(port(), GetParam());
      return r->head().status == 503u && r->head().body == "Master has not finished recovery";
    } catch (const std::exception&) {
      return false;  // the port refuses while the master is down
    }
  }));
}

TEST_P(SimOperatorStream, ClusterMirrorFedFromTheStreamSeesTheTaskAndItsEnd) {
  start();  // tasks finish after 50 ms
  auto s = subscribe();
  mesoshttp::operator_api::cluster_mirror mirror;
  const auto feed_until = [&](const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < end)
      if (auto e = s->next(std::chrono::milliseconds(500))) mirror.apply(std::move(*e));
    return done();
  };
  ASSERT_TRUE(feed_until([&] { return mirror.current(); }));
  ASSERT_EQ(mirror.agents().size(), 1u);
  EXPECT_TRUE(mirror.tasks().empty());

  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  ASSERT_TRUE(fw.call(launch_call(*offer, "t1", 1, 64)));
  ASSERT_TRUE(feed_until([&] { return mirror.task(fw.id, "t1").has_value(); }));
  EXPECT_TRUE(mirror.framework(fw.id).has_value());
  ASSERT_TRUE(feed_until([&] {
    const auto t = mirror.task(fw.id, "t1");
    return t && t->state() == mesos::v1::TASK_FINISHED;
  }));
  const auto views = mirror.tasks(mesos::v1::TASK_FINISHED);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].agent_id, offer->agent_id().value());
  EXPECT_EQ(views[0].message, "Command exited with status 0");
  EXPECT_EQ(mirror.counters().skipped, 0u);
  // The mirror agrees with the master once the task is done.
  const auto agent = mirror.agent(offer->agent_id().value());
  ASSERT_TRUE(agent);
  EXPECT_EQ(agent->active_tasks, 0u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimOperatorStream, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

}  // namespace
