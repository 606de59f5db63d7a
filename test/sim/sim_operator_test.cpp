// The simulated master's operator API (POST /api/v1, /master/api/v1) over
// real HTTP on 127.0.0.1, as a real Mesos 1.11 master answers it
// (operator-answers.md): read calls that reflect a framework's tasks, the
// calls that change something, the leader redirect followed by the operator
// client, gzip, Accept negotiation and the bad-request texts.
#include <algorithm>

#include "mesoshttp/operator/operator_client.hpp"
#include "operator_protocol.hpp"
#include "sim_common.hpp"
#include "transport/gzip.hpp"

namespace {

using namespace simtest;
using mesoshttp::operator_api::call_master;
using mesoshttp::operator_api::master_result;
using mesoshttp::operator_api::operator_config;
using mesoshttp::sim::cluster;
namespace master = mesos::v1::master;
using master::Response;

master::Call op(master::Call::Type type) {
  master::Call c;
  c.set_type(type);
  return c;
}

master_result send_call(std::uint16_t port, encoding enc, const master::Call& c) {
  operator_config cfg;
  cfg.endpoints = {"http://127.0.0.1:" + std::to_string(port)};
  cfg.wire = enc;
  cfg.call_timeout = std::chrono::milliseconds(10'000);
  return call_master(cfg, c);
}

header_list json_headers(std::string accept = "application/json") {
  header_list h{{"Content-Type", "application/json"}};
  if (!accept.empty()) h.emplace_back("Accept", std::move(accept));
  return h;
}

std::optional<reply> raw(std::uint16_t port, const std::string& body, const header_list& headers,
                         const std::string& target = "/api/v1", const std::string& method = "POST") {
  simtest::connection c(port);
  return c.request(method, target, body, headers);
}

class SimOperator : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override {
    auto cfg = fast_config();
    // Tasks keep running while the test looks at them.
    cfg.task_run_time = std::chrono::seconds(60);
    cfg.agents.push_back({"", 4, 8192, 65536, {{31000, 32000}}, {}});
    sim = std::make_unique<cluster>(cfg);
    sim->start();
  }
  std::uint16_t port() const { return sim->port(0); }
  master_result call(const master::Call& c) const { return send_call(port(), GetParam(), c); }

  // A framework that subscribed and whose task t1 runs; its offer's agent.
  std::pair<std::unique_ptr<framework>, std::string> running_task() {
    auto fw = std::make_unique<framework>(port(), GetParam());
    EXPECT_TRUE(fw->ok());
    auto offer = fw->offer();
    EXPECT_TRUE(offer);
    if (!offer) return {std::move(fw), ""};
    auto r = fw->call(launch_call(*offer, "t1", 1, 128, "sleep 100"));
    EXPECT_TRUE(r && r->status == 202);
    EXPECT_TRUE(eventually([&] {
      auto tasks = call(op(master::Call::GET_TASKS));
      return tasks && tasks.response && tasks.response->get_tasks().tasks_size() == 1 &&
             tasks.response->get_tasks().tasks(0).state() == mesos::v1::TASK_RUNNING;
    }));
    return {std::move(fw), offer->agent_id().value()};
  }

  std::unique_ptr<cluster> sim;
};

TEST_P(SimOperator, ReadCallsReflectAFrameworkAndItsRunningTask) {
  auto [fw, agent_id] = running_task();
  ASSERT_FALSE(agent_id.empty());

  auto tasks = call(op(master::Call::GET_TASKS));
  ASSERT_TRUE(tasks) << tasks.message;
  EXPECT_EQ(tasks.response->type(), Response::GET_TASKS);
  const auto& t = tasks.response->get_tasks().tasks(0);
  EXPECT_EQ(t.task_id().value(), "t1");
  EXPECT_EQ(t.framework_id().value(), fw->id);
  EXPECT_EQ(t.agent_id().value(), agent_id);
  EXPECT_FALSE(t.has_executor_id());  // a command task
  ASSERT_GE(t.statuses_size(), 2);
  EXPECT_EQ(t.statuses(t.statuses_size() - 1).state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(t.statuses(0).state(), mesos::v1::TASK_STARTING);
  EXPECT_TRUE(t.has_status_update_state());
  ASSERT_GT(t.resources_size(), 0);
  EXPECT_EQ(t.resources(0).allocation_info().role(), "*");

  auto fws = call(op(master::Call::GET_FRAMEWORKS));
  ASSERT_TRUE(fws) << fws.message;
  ASSERT_EQ(fws.response->get_frameworks().frameworks_size(), 1);
  const auto& f = fws.response->get_frameworks().frameworks(0);
  EXPECT_EQ(f.framework_info().id().value(), fw->id);
  EXPECT_EQ(f.framework_info().name(), "test");
  EXPECT_TRUE(f.framework_info().has_checkpoint());
  EXPECT_TRUE(f.active());
  EXPECT_TRUE(f.connected());
  EXPECT_FALSE(f.recovered());
  EXPECT_GT(f.registered_time().nanoseconds(), 0);
  EXPECT_GT(f.allocated_resources_size(), 0);

  auto agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  ASSERT_EQ(agents.response->get_agents().agents_size(), 1);
  const auto& a = agents.response->get_agents().agents(0);
  EXPECT_EQ(a.agent_info().id().value(), agent_id);
  EXPECT_TRUE(a.active());
  EXPECT_FALSE(a.deactivated());
  EXPECT_EQ(a.version(), "1.11.0");
  EXPECT_GT(a.total_resources_size(), 0);
  EXPECT_GT(a.allocated_resources_size(), 0);
  EXPECT_EQ(a.capabilities_size(), 8);

  auto state = call(op(master::Call::GET_STATE));
  ASSERT_TRUE(state) << state.message;
  const auto& s = state.response->get_state();
  EXPECT_EQ(s.get_tasks().tasks_size(), 1);
  EXPECT_EQ(s.get_frameworks().frameworks_size(), 1);
  EXPECT_EQ(s.get_agents().agents_size(), 1);
  EXPECT_TRUE(s.has_get_executors());
  EXPECT_EQ(s.get_executors().executors_size(), 0);  // command tasks' executors are not listed

  auto roles = call(op(master::Call::GET_ROLES));
  ASSERT_TRUE(roles) << roles.message;
  ASSERT_EQ(roles.response->get_roles().roles_size(), 1);
  EXPECT_EQ(roles.response->get_roles().roles(0).name(), "*");
  EXPECT_EQ(roles.response->get_roles().roles(0).frameworks(0).value(), fw->id);
}

TEST_P(SimOperator, SimpleReadCalls) {
  auto health = call(op(master::Call::GET_HEALTH));
  ASSERT_TRUE(health) << health.message;
  EXPECT_TRUE(health.response->get_health().healthy());

  auto version = call(op(master::Call::GET_VERSION));
  ASSERT_TRUE(version) << version.message;
  EXPECT_EQ(version.response->get_version().version_info().version(), "1.11.0");

  auto m = call(op(master::Call::GET_MASTER));
  ASSERT_TRUE(m) << m.message;
  EXPECT_EQ(m.response->get_master().master_info().port(), port());
  EXPECT_EQ(m.response->get_master().master_info().ip(), 16777343u);
  EXPECT_GT(m.response->get_master().start_time(), 0);

  auto flags = call(op(master::Call::GET_FLAGS));
  ASSERT_TRUE(flags) << flags.message;
  const auto& fl = flags.response->get_flags().flags();
  ASSERT_GT(fl.size(), 5);
  EXPECT_TRUE(std::is_sorted(fl.begin(), fl.end(), [](auto& x, auto& y) { return x.name() < y.name(); }));

  auto metrics_call = op(master::Call::GET_METRICS);
  metrics_call.mutable_get_metrics();
  auto metrics = call(metrics_call);
  ASSERT_TRUE(metrics) << metrics.message;
  bool elected = false;
  for (const auto& x : metrics.response->get_metrics().metrics())
    elected = elected || (x.name() == "master/elected" && x.value() == 1.0);
  EXPECT_TRUE(elected);

  auto level = call(op(master::Call::GET_LOGGING_LEVEL));
  ASSERT_TRUE(level) << level.message;
  EXPECT_EQ(level.response->get_logging_level().level(), 0u);

  auto ops = call(op(master::Call::GET_OPERATIONS));
  ASSERT_TRUE(ops) << ops.message;
  EXPECT_TRUE(ops.response->has_get_operations());
  auto quota = call(op(master::Call::GET_QUOTA));
  ASSERT_TRUE(quota) << quota.message;
  EXPECT_TRUE(quota.response->get_quota().has_status());
  auto roles = call(op(master::Call::GET_ROLES));
  ASSERT_TRUE(roles) << roles.message;
  EXPECT_EQ(roles.response->get_roles().roles_size(), 0);
}

TEST_P(SimOperator, TeardownRemovesTheFrameworkAndClosesItsStream) {
  auto [fw, agent_id] = running_task();
  master::Call teardown = op(master::Call::TEARDOWN);
  teardown.mutable_teardown()->mutable_framework_id()->set_value(fw->id);
  auto r = call(teardown);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.response);  // 200 with an empty body
  EXPECT_TRUE(fw->stream->wait_end());

  auto fws = call(op(master::Call::GET_FRAMEWORKS));
  ASSERT_TRUE(fws) << fws.message;
  EXPECT_EQ(fws.response->get_frameworks().frameworks_size(), 0);
  ASSERT_EQ(fws.response->get_frameworks().completed_frameworks_size(), 1);
  EXPECT_GT(fws.response->get_frameworks().completed_frameworks(0).unregistered_time().nanoseconds(), 0);
  auto tasks = call(op(master::Call::GET_TASKS));
  ASSERT_TRUE(tasks) << tasks.message;
  EXPECT_EQ(tasks.response->get_tasks().tasks_size(), 0);
  ASSERT_EQ(tasks.response->get_tasks().completed_tasks_size(), 1);
  // The running task ends with the master's own TASK_KILLED.
  const auto& done = tasks.response->get_tasks().completed_tasks(0);
  EXPECT_EQ(done.state(), mesos::v1::TASK_KILLED);
  const auto& last = done.statuses(done.statuses_size() - 1);
  EXPECT_EQ(last.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
  EXPECT_EQ(last.reason(), mesos::v1::TaskStatus::REASON_FRAMEWORK_REMOVED);
  EXPECT_EQ(last.message(), "Framework " + fw->id + " removed");

  auto again = call(teardown);
  EXPECT_FALSE(again);
  EXPECT_EQ(again.status, 400u);
  EXPECT_NE(again.message.find("No framework found with specified ID"), std::string::npos) << again.message;
}

TEST_P(SimOperator, DeactivateAndReactivateAnAgent) {
  auto agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  const std::string id = agents.response->get_agents().agents(0).agent_info().id().value();

  master::Call deactivate = op(master::Call::DEACTIVATE_AGENT);
  deactivate.mutable_deactivate_agent()->mutable_agent_id()->set_value(id);
  ASSERT_TRUE(call(deactivate));
  agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  EXPECT_FALSE(agents.response->get_agents().agents(0).active());
  EXPECT_TRUE(agents.response->get_agents().agents(0).deactivated());

  master::Call reactivate = op(master::Call::REACTIVATE_AGENT);
  reactivate.mutable_reactivate_agent()->mutable_agent_id()->set_value(id);
  ASSERT_TRUE(call(reactivate));
  agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  EXPECT_TRUE(agents.response->get_agents().agents(0).active());

  auto again = call(reactivate);
  EXPECT_EQ(again.status, 400u);
  EXPECT_NE(again.message.find("Agent is not deactivated"), std::string::npos) << again.message;
  deactivate.mutable_deactivate_agent()->mutable_agent_id()->set_value("no-such-agent");
  auto unknown = call(deactivate);
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_NE(unknown.message.find("Unknown agent"), std::string::npos) << unknown.message;
}

TEST_P(SimOperator, DrainAgentKillsItsTasksThenIsDrained) {
  auto [fw, agent_id] = running_task();
  master::Call drain = op(master::Call::DRAIN_AGENT);
  drain.mutable_drain_agent()->mutable_agent_id()->set_value(agent_id);
  drain.mutable_drain_agent()->mutable_max_grace_period()->set_seconds(2);
  {
    // In JSON the client writes the Duration as a message ({"seconds":2}),
    // the form a master reads (it refuses protobuf's "2s"), and the
    // simulator reads it the same way.
    auto r = call(drain);
    ASSERT_TRUE(r) << r.message;
    EXPECT_EQ(r.status, 200u);
    EXPECT_FALSE(r.response);
  }
  auto killed = fw->next_of(Event::UPDATE);
  while (killed && killed->update().status().state() != mesos::v1::TASK_KILLED) {
    fw->acknowledge(killed->update().status());
    killed = fw->next_of(Event::UPDATE);
  }
  ASSERT_TRUE(killed);
  fw->acknowledge(killed->update().status());
  ASSERT_TRUE(eventually([&] {
    auto agents = call(op(master::Call::GET_AGENTS));
    return agents && agents.response->get_agents().agents(0).drain_info().state() == mesos::v1::DRAINED;
  }));
  auto agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  const auto& a = agents.response->get_agents().agents(0);
  EXPECT_FALSE(a.active());
  EXPECT_TRUE(a.deactivated());
  EXPECT_EQ(a.drain_info().config().max_grace_period().nanoseconds(), 2'000'000'000);
  EXPECT_GT(a.estimated_drain_start_time().nanoseconds(), 0);

  master::Call reactivate = op(master::Call::REACTIVATE_AGENT);
  reactivate.mutable_reactivate_agent()->mutable_agent_id()->set_value(agent_id);
  ASSERT_TRUE(call(reactivate));
  agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  EXPECT_TRUE(agents.response->get_agents().agents(0).active());
  EXPECT_FALSE(agents.response->get_agents().agents(0).has_drain_info());
}

TEST_P(SimOperator, MaintenanceScheduleStartAndStop) {
  mesos::v1::MachineID ghost;
  ghost.set_hostname("ghost.example");
  ghost.set_ip("10.255.0.9");
  master::Call update = op(master::Call::UPDATE_MAINTENANCE_SCHEDULE);
  auto* w = update.mutable_update_maintenance_schedule()->mutable_schedule()->add_windows();
  *w->add_machine_ids() = ghost;
  w->mutable_unavailability()->mutable_start()->set_nanoseconds(1796072158773541004);
  w->mutable_unavailability()->mutable_duration()->set_nanoseconds(3600000000000);
  ASSERT_TRUE(call(update));

  auto schedule = call(op(master::Call::GET_MAINTENANCE_SCHEDULE));
  ASSERT_TRUE(schedule) << schedule.message;
  ASSERT_EQ(schedule.response->get_maintenance_schedule().schedule().windows_size(), 1);
  EXPECT_EQ(schedule.response->get_maintenance_schedule().schedule().windows(0).unavailability().start().nanoseconds(),
            1796072158773541004);
  auto status = call(op(master::Call::GET_MAINTENANCE_STATUS));
  ASSERT_TRUE(status) << status.message;
  ASSERT_EQ(status.response->get_maintenance_status().status().draining_machines_size(), 1);

  master::Call start = op(master::Call::START_MAINTENANCE);
  *start.mutable_start_maintenance()->add_machines() = ghost;
  ASSERT_TRUE(call(start));
  status = call(op(master::Call::GET_MAINTENANCE_STATUS));
  ASSERT_TRUE(status) << status.message;
  EXPECT_EQ(status.response->get_maintenance_status().status().draining_machines_size(), 0);
  ASSERT_EQ(status.response->get_maintenance_status().status().down_machines_size(), 1);

  master::Call stop = op(master::Call::STOP_MAINTENANCE);
  *stop.mutable_stop_maintenance()->add_machines() = ghost;
  ASSERT_TRUE(call(stop));
  schedule = call(op(master::Call::GET_MAINTENANCE_SCHEDULE));
  ASSERT_TRUE(schedule) << schedule.message;
  EXPECT_EQ(schedule.response->get_maintenance_schedule().schedule().windows_size(), 0);
  auto again = call(stop);
  EXPECT_EQ(again.status, 400u);
  EXPECT_NE(again.message.find(R"(Machine '{"hostname":"ghost.example","ip":"10.255.0.9"}' is not in DOWN mode)"),
            std::string::npos)
      << again.message;
}

TEST_P(SimOperator, BigAnswersAreGzippedSmallOnesAreNot) {
  // Twelve agents: GET_AGENTS is well over 1024 bytes in either encoding.
  auto cfg = fast_config();
  for (int i = 0; i < 12; ++i) cfg.agents.push_back({"", 4, 8192, 65536, {{31000, 32000}}, {}});
  cluster big(cfg);
  big.start();
  const std::string type(mesoshttp::content_type(GetParam()));
  header_list h{{"Content-Type", "application/json"}, {"Accept", type}, {"Accept-Encoding", "gzip, deflate"}};
  auto health = raw(big.port(0), R"({"type":"GET_HEALTH"})", h);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200u);
  EXPECT_FALSE(health->has("content-encoding"));
  EXPECT_EQ(health->header("content-type"), type);
  if (GetParam() == encoding::protobuf) {
    EXPECT_EQ(health->body, std::string("\x08\x01\x12\x02\x08\x01", 6));
  }

  auto agents = raw(big.port(0), R"({"type":"GET_AGENTS"})", h);
  ASSERT_TRUE(agents);
  EXPECT_EQ(agents->status, 200u);
  ASSERT_EQ(agents->header("content-encoding"), "gzip");
  EXPECT_EQ(agents->header("content-type"), type);
  EXPECT_EQ(agents->header("content-length"), std::to_string(agents->body.size()));
  std::string plain;
  ASSERT_EQ(mesoshttp::detail::gunzip(agents->body, plain), "");
  EXPECT_GE(plain.size(), 1024u);
  Response decoded;
  ASSERT_FALSE(mesoshttp::decode(plain, GetParam(), decoded));
  EXPECT_EQ(decoded.type(), Response::GET_AGENTS);
  EXPECT_EQ(decoded.get_agents().agents_size(), 12);

  // deflate alone, or gzip with weight 0: sent as it is.
  for (const char* no : {"deflate", "gzip;q=0"}) {
    auto as_is = raw(big.port(0), R"({"type":"GET_AGENTS"})",
                     {{"Content-Type", "application/json"}, {"Accept", type}, {"Accept-Encoding", no}});
    ASSERT_TRUE(as_is);
    EXPECT_FALSE(as_is->has("content-encoding")) << no;
    EXPECT_EQ(as_is->body.size(), plain.size()) << no;
  }
  // The client asks for gzip and inflates it.
  auto via_client = send_call(big.port(0), GetParam(), op(master::Call::GET_AGENTS));
  ASSERT_TRUE(via_client) << via_client.message;
  EXPECT_EQ(via_client.response->get_agents().agents_size(), 12);
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimOperator, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

TEST(SimOperatorLeader, NonLeaderRedirectsAndTheClientFollows) {
  auto cfg = fast_config();
  cfg.masters = 2;
  cluster sim(cfg);
  sim.start();
  for (const char* path : {"/api/v1", "/master/api/v1"}) {
    auto r = raw(sim.port(1), R"({"type":"GET_HEALTH"})", json_headers(), path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 307u);
    EXPECT_EQ(r->header("location"), "//127.0.0.1:" + std::to_string(sim.port(0)) + "/master/api/v1");
  }
  for (auto enc : {encoding::json, encoding::protobuf}) {
    auto m = send_call(sim.port(1), enc, op(master::Call::GET_MASTER));
    ASSERT_TRUE(m) << m.message;
    EXPECT_EQ(m.response->get_master().master_info().port(), sim.port(0));
    EXPECT_GE(m.attempts, 2u);
  }
  sim.unelect();
  auto none = raw(sim.port(0), R"({"type":"GET_HEALTH"})", json_headers());
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 503u);
  EXPECT_EQ(none->body, "No leader elected");
}

TEST(SimOperatorLeader, CredentialsAreCheckedFirst) {
  auto cfg = fast_config();
  cfg.credentials = {{"ops", "secret"}};
  cluster sim(cfg);
  sim.start();
  auto denied = raw(sim.port(0), R"({"type":"GET_HEALTH"})", json_headers());
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401u);
  auto h = json_headers();
  h.emplace_back("Authorization", "Basic b3BzOnNlY3JldA==");  // ops:secret
  auto allowed = raw(sim.port(0), R"({"type":"GET_HEALTH"})", h);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200u);
}

TEST(SimOperatorLeader, RecoveringMasterAnswers503) {
  auto cfg = fast_config();
  cfg.recovery_time = std::chrono::milliseconds(3000);
  cluster sim(cfg);
  sim.start();
  sim.restart(0, std::chrono::milliseconds(100));
  bool seen = false;
  ASSERT_TRUE(eventually([&] {
    try {
      auto r = raw(sim.port(0), R"({"type":"GET_HEALTH"})", json_headers());
      if (r && r->status == 503) {
        EXPECT_EQ(r->body, "Master has not finished recovery");
        seen = true;
      }
      return r && r->status == 200;
    } catch (const boost::system::system_error&) {
      return false;  // the port is closed for a moment
    }
  }));
  EXPECT_TRUE(seen);
}

struct bad_case {
  std::string method;
  std::optional<std::string> content_type;
  std::optional<std::string> accept;
  std::string body;
  unsigned status;
  std::string answer;
};

TEST(SimOperatorWire, BadRequestsGetAMastersTexts) {
  cluster sim(fast_config());
  sim.start();
  const std::string missing_type = "Failed to validate master::Call: Expecting 'type' to be present";
  const std::string unsupported_ct = "Expecting 'Content-Type' of application/json or application/x-protobuf";
  const std::vector<bad_case> cases{
      {"GET",
       "application/json",
       {},
       "",
       405,
       "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'."},
      {"PUT",
       "application/json",
       {},
       "{}",
       405,
       "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'PUT'."},
      {"POST", {}, {}, R"({"type":"GET_HEALTH"})", 400, "Expecting 'Content-Type' to be present"},
      {"POST", "text/plain", {}, R"({"type":"GET_HEALTH"})", 415, unsupported_ct},
      {"POST", "application/json; charset=utf-8", {}, R"({"type":"GET_HEALTH"})", 415, unsupported_ct},
      {"POST", "application/json", "text/plain", R"({"type":"GET_HEALTH"})", 406,
       "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"},
      {"POST", "application/json", "application/json;q=0", R"({"type":"GET_HEALTH"})", 406,
       "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"},
      {"POST",
       "application/json",
       {},
       "{not json",
       400,
       "Failed to parse body into JSON: syntax error at line 1 near: not json"},
      {"POST", "application/json", {}, "", 400, "Failed to parse body into JSON: syntax error at line 1 near: "},
      {"POST",
       "application/json",
       {},
       "[1]",
       400,
       "Failed to convert JSON into Call protobuf: Expecting a JSON object"},
      {"POST", "application/json", {}, "{}", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"NOPE"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"get_health"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"REVIVE"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"GET_CONTAINERS"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"UNKNOWN"})", 501, "501 Not Implemented."},
      {"POST",
       "application/json",
       {},
       R"({"type":1})",
       400,
       "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'type'"},
      {"POST",
       "application/json",
       {},
       R"({"type":"GET_METRICS","get_metrics":5})",
       400,
       "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'get_metrics'"},
      {"POST",
       "application/json",
       {},
       R"({"type":"GET_METRICS"})",
       400,
       "Failed to validate master::Call: Expecting 'get_metrics' to be present"},
      {"POST",
       "application/json",
       {},
       R"({"type":"TEARDOWN"})",
       400,
       "Failed to validate master::Call: Expecting 'teardown' to be present"},
      {"POST",
       "application/json",
       {},
       R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1}})",
       400,
       "Failed to convert JSON into Call protobuf: Missing required fields: set_logging_level.duration"},
      {"POST",
       "application/json",
       {},
       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"x"},"max_grace_period":"2s"}})",
       400,
       "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'max_grace_period'"},
      {"POST",
       "application/json",
       {},
       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"x"},"max_grace_period":{"seconds":2}}})",
       400,
       "Unknown agent"},
      {"POST",
       "application/json",
       {},
       R"({"type":"MARK_AGENT_GONE","mark_agent_gone":{"agent_id":{"value":"x"}}})",
       501,
       "501 Not Implemented. The simulated master does not serve MARK_AGENT_GONE."},
      {"POST",
       "application/json",
       {},
       R"({"type":"SUBSCRIBE"})",
       501,
       "501 Not Implemented. The simulated master does not serve SUBSCRIBE."},
      {"POST",
       "application/x-protobuf",
       {},
       std::string("\xff\xff\xff", 3),
       400,
       "Failed to parse body into Call protobuf"},
      {"POST", "application/x-protobuf", {}, "", 400, missing_type},
  };
  for (const char* path : {"/api/v1", "/master/api/v1"}) {
    for (const auto& k : cases) {
      header_list h;
      if (k.content_type) h.emplace_back("Content-Type", *k.content_type);
      if (k.accept) h.emplace_back("Accept", *k.accept);
      auto r = raw(sim.port(0), k.body, h, path, k.method);
      ASSERT_TRUE(r) << k.body;
      EXPECT_EQ(r->status, k.status) << path << " " << k.method << " " << k.body;
      EXPECT_EQ(r->body, k.answer) << path << " " << k.method << " " << k.body;
      EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8") << k.body;
      EXPECT_EQ(r->has("allow"), k.status == 405) << k.body;
    }
  }
  // An unknown extra field is ignored.
  auto extra = raw(sim.port(0), R"({"type":"GET_HEALTH","bogus":1})", json_headers());
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->status, 200u);
  EXPECT_EQ(extra->body, R"({"type":"GET_HEALTH","get_health":{"healthy":true}})");
  // The files a master would list are not there: 404, empty body.
  auto files = raw(sim.port(0), R"({"type":"LIST_FILES","list_files":{"path":"/"}})", json_headers());
  ASSERT_TRUE(files);
  EXPECT_EQ(files->status, 404u);
  EXPECT_EQ(files->body, "");
}

TEST(SimOperatorWire, AnswerEncodingFollowsAccept) {
  cluster sim(fast_config());
  sim.start();
  const std::string json = "application/json", pb = "application/x-protobuf";
  const std::vector<std::pair<std::optional<std::string>, std::string>> table{
      {std::nullopt, json},
      {"", json},
      {"*/*", json},
      {"application/*", json},
      {json, json},
      {pb, pb},
      {"application/x-protobuf, application/json", json},
      {"application/json, application/x-protobuf", json},
      {"application/json;q=0.5, application/x-protobuf;q=0.9", json},
      {"application/json;q=0, application/x-protobuf", pb},
  };
  for (const auto& [accept, want] : table) {
    header_list h{{"Content-Type", pb}};
    if (accept) h.emplace_back("Accept", *accept);
    master::Call c = op(master::Call::GET_HEALTH);
    auto r = raw(sim.port(0), c.SerializeAsString(), h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u) << accept.value_or("(none)");
    EXPECT_EQ(r->header("content-type"), want) << accept.value_or("(none)");
  }
  // A change call: 200, empty body, no Content-Type.
  auto set =
      raw(sim.port(0),
          R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1,"duration":{"nanoseconds":4000000000}}})",
          json_headers());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200u);
  EXPECT_EQ(set->body, "");
  EXPECT_FALSE(set->has("content-type"));
  EXPECT_EQ(set->header("content-length"), "0");
  auto level = send_call(sim.port(0), encoding::json, op(master::Call::GET_LOGGING_LEVEL));
  ASSERT_TRUE(level) << level.message;
  EXPECT_EQ(level.response->get_logging_level().level(), 1u);
}

TEST(SimOperatorRules, JsonSyntaxErrorsAreFoundWhereTheyAre) {
  namespace rules = mesoshttp::sim::operator_protocol;
  EXPECT_FALSE(rules::json_syntax_error(R"({"type":"GET_HEALTH","x":[1,2.5e3,true,null,"\"q"]})"));
  EXPECT_EQ(rules::json_syntax_error("{not json"), 1u);
  EXPECT_EQ(rules::json_syntax_error(""), 0u);
  EXPECT_EQ(rules::json_syntax_error("{} x"), 3u);
  EXPECT_EQ(rules::json_syntax_error(R"({"a":1,})"), 7u);
}

TEST(SimOperatorRules, GzipIsAllowedByWeight) {
  namespace rules = mesoshttp::sim::operator_protocol;
  EXPECT_TRUE(rules::accepts_gzip("gzip"));
  EXPECT_TRUE(rules::accepts_gzip("gzip, deflate"));
  EXPECT_TRUE(rules::accepts_gzip("*"));
  EXPECT_TRUE(rules::accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_FALSE(rules::accepts_gzip(std::nullopt));
  EXPECT_FALSE(rules::accepts_gzip("deflate"));
  EXPECT_FALSE(rules::accepts_gzip("gzip;q=0"));
  const std::string data(5000, 'x');
  std::string back;
  ASSERT_EQ(mesoshttp::detail::gunzip(rules::gzip(data), back), "");
  EXPECT_EQ(back, data);
}

}  // namespace
