// The simulated master's operator API (POST /api/v1, /master/api/v1) over
// real HTTP on 127.0.0.1, as a real Mesos 1.11 master answers it
// (operator-answers.md): read calls that reflect a framework's tasks, the
// calls that change something, the leader redirect followed by the operator
// client and gzip. The request checks, Accept negotiation and the
// protocol's own rules are in sim_operator_wire_test.cpp.
#include <algorithm>

#include "mesoshttp/operator/operator_client.hpp"
#include "sim_operator_support.hpp"
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

  // The framework's updates, each acknowledged, up to the first in `state`;
  // false if none came.
  static bool acknowledged_until(framework& fw, mesos::v1::TaskState state) {
    for (auto e = fw.next_of(Event::UPDATE); e; e = fw.next_of(Event::UPDATE)) {
      fw.acknowledge(e->update().status());
      if (e->update().status().state() == state) return true;
    }
    return false;
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

TEST_P(SimOperator, ReserveAndUnreserveResourcesOnAnAgent) {
  auto agents = call(op(master::Call::GET_AGENTS));
  ASSERT_TRUE(agents) << agents.message;
  const std::string id = agents.response->get_agents().agents(0).agent_info().id().value();
  const auto reserved = [](double cpus) {
    mesos::v1::Resource r;
    r.set_name("cpus");
    r.set_type(mesos::v1::Value::SCALAR);
    r.mutable_scalar()->set_value(cpus);
    auto* reservation = r.add_reservations();
    reservation->set_type(mesos::v1::Resource::ReservationInfo::DYNAMIC);
    reservation->set_role("dev");
    return r;
  };
  const auto request = [&](master::Call::Type type, const std::string& agent, mesos::v1::Resource r) {
    master::Call c = op(type);
    auto* body = type == master::Call::RESERVE_RESOURCES ? c.mutable_reserve_resources() : nullptr;
    auto* unreserve = type == master::Call::UNRESERVE_RESOURCES ? c.mutable_unreserve_resources() : nullptr;
    if (body) {
      body->mutable_agent_id()->set_value(agent);
      *body->add_resources() = std::move(r);
    } else {
      unreserve->mutable_agent_id()->set_value(agent);
      *unreserve->add_resources() = std::move(r);
    }
    return call(c);
  };
  const auto reserved_cpus = [&] {
    auto now = call(op(master::Call::GET_AGENTS));
    double total = 0;
    for (const auto& r : now.response->get_agents().agents(0).total_resources())
      if (r.name() == "cpus" && r.reservations_size() > 0 && r.reservations(0).role() == "dev")
        total += r.scalar().value();
    return total;
  };

  auto r = request(master::Call::RESERVE_RESOURCES, id, reserved(0.25));
  EXPECT_EQ(r.status, 202u) << r.message;
  EXPECT_DOUBLE_EQ(reserved_cpus(), 0.25);

  r = request(master::Call::RESERVE_RESOURCES, id, reserved(50));
  EXPECT_EQ(r.status, 409u) << r.message;
  EXPECT_NE(r.message.find("does not contain"), std::string::npos) << r.message;
  mesos::v1::Resource plain = reserved(0.1);
  plain.clear_reservations();
  r = request(master::Call::RESERVE_RESOURCES, id, plain);
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.message.find("is not dynamically reserved"), std::string::npos) << r.message;
  r = request(master::Call::RESERVE_RESOURCES, "no-such-agent", reserved(0.25));
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.message.find("No agent found with specified ID"), std::string::npos) << r.message;
  EXPECT_DOUBLE_EQ(reserved_cpus(), 0.25);  // none of the refusals changed anything

  r = request(master::Call::UNRESERVE_RESOURCES, id, reserved(0.25));
  EXPECT_EQ(r.status, 202u) << r.message;
  EXPECT_DOUBLE_EQ(reserved_cpus(), 0.0);
  r = request(master::Call::UNRESERVE_RESOURCES, id, reserved(0.25));
  EXPECT_EQ(r.status, 409u) << r.message;
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
  ASSERT_TRUE(acknowledged_until(*fw, mesos::v1::TASK_KILLED));
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

// MARK_AGENT_GONE as a real master answered it (operator-answers.md): 200,
// the agent leaves every list at once, the same call again is 200, an unknown
// agent 404, and other calls naming it 400 "Unknown agent". What frameworks
// hear is the simulator's choice for a removed agent: FAILURE naming it, then
// the master's own update for each live task (no uuid), TASK_GONE_BY_OPERATOR
// for a partition-aware framework and TASK_LOST for another.
TEST_P(SimOperator, MarkAgentGoneEndsItsTasksAndTheAgentLeavesEveryList) {
  auto aware_subscribe = simtest::subscribe_call("aware");
  aware_subscribe.mutable_subscribe()->mutable_framework_info()->add_capabilities()->set_type(
      mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
  // One after the other: the first declines what it leaves for a minute, so
  // the second is offered the rest of the one agent.
  framework aware(port(), GetParam(), aware_subscribe);
  std::unique_ptr<framework> plain_fw;
  std::string agent_id;
  for (int n = 0; n < 2; ++n) {
    if (n == 1) plain_fw = std::make_unique<framework>(port(), GetParam());
    framework* fw = n == 0 ? &aware : plain_fw.get();
    ASSERT_TRUE(fw->ok());
    auto offer = fw->offer();
    ASSERT_TRUE(offer);
    agent_id = offer->agent_id().value();
    auto r = fw->call(launch_call(*offer, "t" + std::to_string(n), 1, 128, "sleep 100", 60));
    ASSERT_TRUE(r && r->status == 202);
    ASSERT_TRUE(acknowledged_until(*fw, mesos::v1::TASK_RUNNING));
  }

  master::Call gone = op(master::Call::MARK_AGENT_GONE);
  gone.mutable_mark_agent_gone()->mutable_agent_id()->set_value(agent_id);
  auto r = call(gone);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.response);

  framework& plain = *plain_fw;
  for (auto* fw : {&aware, &plain}) {
    auto failure = fw->next_of(Event::FAILURE);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->failure().agent_id().value(), agent_id);
    EXPECT_FALSE(failure->failure().has_executor_id());
    auto ended = fw->next_of(Event::UPDATE);
    ASSERT_TRUE(ended);
    const auto& s = ended->update().status();
    const bool is_aware = fw == &aware;
    EXPECT_EQ(s.state(), is_aware ? mesos::v1::TASK_GONE_BY_OPERATOR : mesos::v1::TASK_LOST);
    EXPECT_EQ(s.reason(), is_aware ? mesos::v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR
                                   : mesos::v1::TaskStatus::REASON_AGENT_REMOVED);
    EXPECT_EQ(s.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
    EXPECT_FALSE(s.has_uuid());
    EXPECT_EQ(s.agent_id().value(), agent_id);

    // Reconciling the task on that agent: gone with it.
    Call reconcile;
    reconcile.set_type(Call::RECONCILE);
    auto* task = reconcile.mutable_reconcile()->add_tasks();
    *task->mutable_task_id() = s.task_id();
    task->mutable_agent_id()->set_value(agent_id);
    ASSERT_TRUE(fw->call(reconcile));
    auto answer = fw->next_of(Event::UPDATE);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->update().status().state(), s.state());
    EXPECT_EQ(answer->update().status().message(), "Reconciliation: Task is gone");
  }

  auto state = call(op(master::Call::GET_STATE));
  ASSERT_TRUE(state) << state.message;
  EXPECT_EQ(state.response->get_state().get_agents().agents_size(), 0);
  EXPECT_EQ(state.response->get_state().get_tasks().tasks_size(), 0);
  EXPECT_EQ(state.response->get_state().get_tasks().completed_tasks_size(), 2);
  for (const auto& f : state.response->get_state().get_frameworks().frameworks())
    EXPECT_EQ(f.offers_size(), 0) << "an offer of the gone agent is still outstanding";

  EXPECT_EQ(call(gone).status, 200u);  // again: 200
  gone.mutable_mark_agent_gone()->mutable_agent_id()->set_value("no-such-agent");
  auto unknown = call(gone);
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.message.find("Agent 'no-such-agent' not found"), std::string::npos) << unknown.message;
  master::Call deactivate = op(master::Call::DEACTIVATE_AGENT);
  deactivate.mutable_deactivate_agent()->mutable_agent_id()->set_value(agent_id);
  auto after = call(deactivate);
  EXPECT_EQ(after.status, 400u);
  EXPECT_NE(after.message.find("Unknown agent"), std::string::npos) << after.message;
}

// DRAIN_AGENT with mark_gone: the drain kills what runs, and once nothing
// does the agent is gone.
TEST_P(SimOperator, DrainWithMarkGoneEndsWithTheAgentGone) {
  auto [fw, agent_id] = running_task();
  master::Call drain = op(master::Call::DRAIN_AGENT);
  drain.mutable_drain_agent()->mutable_agent_id()->set_value(agent_id);
  drain.mutable_drain_agent()->set_mark_gone(true);
  ASSERT_TRUE(call(drain));
  ASSERT_TRUE(acknowledged_until(*fw, mesos::v1::TASK_KILLED));
  EXPECT_TRUE(eventually([&] {
    auto agents = call(op(master::Call::GET_AGENTS));
    return agents && agents.response->get_agents().agents_size() == 0;
  }));
  auto failure = fw->next_of(Event::FAILURE);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->failure().agent_id().value(), agent_id);
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

}  // namespace
