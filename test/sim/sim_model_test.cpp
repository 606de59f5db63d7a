// The simulated master's rules without sockets: cluster::impl driven
// directly (no start(), nothing bound), with a recording outbox in place of
// the connections, asserting what the rules emit.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "cluster_impl.hpp"

namespace {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::sim::agent_spec;
using mesoshttp::sim::cluster;
using mesoshttp::sim::cluster_config;
using mesoshttp::sim::master_phase;
using mesoshttp::sim::outbox;
using mesoshttp::sim::sim_framework;
using mesoshttp::sim::sim_master;
namespace detail = mesoshttp::sim::detail;

class recording_outbox final : public outbox {
 public:
  struct sent {
    std::string framework_id;
    Event event;
  };
  std::vector<sent> events;
  std::vector<std::string> ended;
  std::vector<mesos::v1::master::Event> operator_events;

  void send(const std::string& framework_id, const Event& event) override { events.push_back({framework_id, event}); }
  void end_stream(const std::string& framework_id) override { ended.push_back(framework_id); }
  void operator_event(const mesos::v1::master::Event& event) override { operator_events.push_back(event); }
  // Custom executors have their own tests (sim_executor_model_test).
  void executor_event(const mesoshttp::sim::executor_key&, const mesos::v1::executor::Event&) override {}
  void end_executor_stream(const mesoshttp::sim::executor_key&) override {}

  // The operator events' types, in order ("TASK_ADDED", ...).
  std::vector<std::string> operator_types() const {
    std::vector<std::string> out;
    for (const auto& e : operator_events) out.push_back(mesos::v1::master::Event::Type_Name(e.type()));
    return out;
  }

  std::vector<Event> of_type(Event::Type type) const {
    std::vector<Event> out;
    for (const auto& s : events)
      if (s.event.type() == type) out.push_back(s.event);
    return out;
  }
};

class SimModel : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_config cfg;
    agent_spec agent;
    agent.cpus = 2;
    agent.mem_mb = 1024;
    agent.disk_mb = 0;
    agent.ports.clear();
    cfg.agents = {agent};
    // Allocation only when a test asks for it.
    cfg.offer_interval = std::chrono::hours(1);
    cfg.task_run_time = std::chrono::milliseconds(0);  // tasks run until killed
    cfg.status_update_retry = std::chrono::milliseconds(20);
    sim = std::make_unique<cluster::impl>(cfg);
    sim->to_frameworks = &out;
    sim->add_agents();
    auto m = std::make_unique<sim_master>(sim->ioc);
    m->id = "master";
    sim->masters.push_back(std::move(m));
  }

  sim_framework& add_framework(const std::string& id, const std::string& role = "*") {
    auto fw = std::make_unique<sim_framework>(sim->ioc);
    fw->id = id;
    fw->info.set_name(id);
    fw->info.set_role(role);
    fw->info.mutable_id()->set_value(id);
    fw->connected = true;
    return *sim->frameworks.emplace(id, std::move(fw)).first->second;
  }

  // The one offer of the last OFFERS event.
  mesos::v1::Offer only_offer() const {
    const auto offers = out.of_type(Event::OFFERS);
    EXPECT_FALSE(offers.empty());
    if (offers.empty()) return {};
    EXPECT_EQ(offers.back().offers().offers_size(), 1);
    return offers.back().offers().offers(0);
  }

  mesos::v1::TaskInfo task(const std::string& id, double cpus) const {
    mesos::v1::TaskInfo t;
    t.set_name(id);
    t.mutable_task_id()->set_value(id);
    t.mutable_agent_id()->set_value(sim->agents[0].id);
    *t.add_resources() = detail::scalar_resource("cpus", cpus);
    t.mutable_command()->set_value("true");
    return t;
  }

  void launch(sim_framework& fw, const mesos::v1::Offer& offer, const mesos::v1::TaskInfo& t) {
    Call::Accept accept;
    *accept.add_offer_ids() = offer.id();
    auto* op = accept.add_operations();
    op->set_type(mesos::v1::Offer::Operation::LAUNCH);
    *op->mutable_launch()->add_task_infos() = t;
    // Without filters ACCEPT refuses the agent for 5 s (Filters' default).
    accept.mutable_filters()->set_refuse_seconds(0);
    sim->accept(fw, accept);
  }

  void acknowledge(sim_framework& fw, const mesos::v1::TaskStatus& status) {
    Call::Acknowledge ack;
    *ack.mutable_agent_id() = status.agent_id();
    *ack.mutable_task_id() = status.task_id();
    ack.set_uuid(status.uuid());
    sim->acknowledge(fw, ack);
  }

  mesoshttp::sim::protocol::answer call(sim_framework& fw, const Call& c) {
    mesoshttp::sim::protocol::parsed_call pc;
    pc.call = c;
    return sim->on_call(fw, pc);
  }

  std::vector<mesos::v1::TaskStatus> updates() const {
    std::vector<mesos::v1::TaskStatus> out_updates;
    for (const auto& e : out.of_type(Event::UPDATE)) out_updates.push_back(e.update().status());
    return out_updates;
  }

  recording_outbox out;
  std::unique_ptr<cluster::impl> sim;
};

TEST_F(SimModel, AllocationOffersTheAgentToTheSubscribedFramework) {
  add_framework("fw");
  sim->allocate();
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].framework_id, "fw");
  const auto offer = only_offer();
  EXPECT_EQ(offer.agent_id().value(), sim->agents[0].id);
  EXPECT_EQ(offer.allocation_info().role(), "*");
  EXPECT_EQ(offer.url().address().port(), 5051);
  EXPECT_EQ(sim->offers.size(), 1u);
  EXPECT_TRUE(sim->agents[0].available.empty());
}

TEST_F(SimModel, NothingIsOfferedWhileTheLeaderRecovers) {
  add_framework("fw");
  sim->masters[0]->phase = master_phase::recovering;
  sim->allocate();
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(sim->offers.empty());
}

TEST_F(SimModel, DisconnectedAndSuppressedFrameworksGetNoOffers) {
  add_framework("gone").connected = false;
  add_framework("quiet").suppressed.insert("*");
  sim->allocate();
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(sim->offers.empty());
}

TEST_F(SimModel, DeclineFilterHoldsUntilRevive) {
  auto& fw = add_framework("fw");
  sim->allocate();
  const auto offer = only_offer();
  Call decline;
  decline.set_type(Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = offer.id();
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(60);
  EXPECT_EQ(call(fw, decline).status, 202u);
  EXPECT_TRUE(sim->offers.empty());
  EXPECT_FALSE(sim->agents[0].available.empty());  // back on the agent

  out.events.clear();
  sim->allocate();
  EXPECT_TRUE(out.events.empty()) << "the filter keeps the agent from the role";

  Call revive;
  revive.set_type(Call::REVIVE);
  EXPECT_EQ(call(fw, revive).status, 202u);
  sim->allocate();
  EXPECT_EQ(out.of_type(Event::OFFERS).size(), 1u);
}

TEST_F(SimModel, ReturnedOfferIsRescindedToItsFramework) {
  add_framework("fw");
  sim->allocate();
  const auto offer = only_offer();
  sim->return_offer(offer.id().value(), true);
  const auto rescinds = out.of_type(Event::RESCIND);
  ASSERT_EQ(rescinds.size(), 1u);
  EXPECT_EQ(rescinds[0].rescind().offer_id().value(), offer.id().value());
  EXPECT_FALSE(sim->agents[0].available.empty());
}

TEST_F(SimModel, StatusUpdatesGoOneAtATimeUntilAcknowledged) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  // STARTING is out; RUNNING waits for its acknowledgement.
  ASSERT_EQ(updates().size(), 1u);
  const auto starting = updates()[0];
  EXPECT_EQ(starting.state(), mesos::v1::TASK_STARTING);
  EXPECT_FALSE(starting.uuid().empty());
  EXPECT_EQ(sim->frameworks.at("fw")->tasks.at("t1")->pending.size(), 2u);

  auto wrong = starting;
  wrong.set_uuid("not the uuid");
  acknowledge(fw, wrong);
  EXPECT_EQ(updates().size(), 1u) << "an acknowledgement of another uuid changes nothing";

  acknowledge(fw, starting);
  ASSERT_EQ(updates().size(), 2u);
  EXPECT_EQ(updates()[1].state(), mesos::v1::TASK_RUNNING);
  EXPECT_NE(updates()[1].uuid(), starting.uuid());
}

TEST_F(SimModel, UnacknowledgedUpdateIsResentWithTheSameUuid) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  const auto starting = updates().at(0);
  // The retry timer (20 ms) runs on the io_context; waiting for two resends
  // at most 5 s keeps a loaded machine from failing the test.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (updates().size() < 3 && std::chrono::steady_clock::now() < deadline)
    sim->ioc.run_one_for(std::chrono::milliseconds(10));
  const auto all = updates();
  ASSERT_GE(all.size(), 3u);
  for (const auto& u : all) {
    EXPECT_EQ(u.state(), mesos::v1::TASK_STARTING);
    EXPECT_EQ(u.uuid(), starting.uuid());
  }
}

TEST_F(SimModel, KilledTaskIsForgottenOnceItsLastUpdateIsAcknowledged) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  acknowledge(fw, updates().at(0));  // STARTING
  acknowledge(fw, updates().at(1));  // RUNNING
  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  EXPECT_EQ(call(fw, kill).status, 202u);
  ASSERT_EQ(updates().size(), 3u);
  EXPECT_EQ(updates()[2].state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(fw.tasks.count("t1"), 1u);
  acknowledge(fw, updates()[2]);
  EXPECT_EQ(fw.tasks.count("t1"), 0u);
  // The task's cpus are back on the agent.
  EXPECT_TRUE(detail::contains(sim->agents[0].available, detail::scalar_resource("cpus", 2)));
}

TEST_F(SimModel, InvalidLaunchIsAnUnreliableMasterUpdate) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("big", 3));  // the agent has 2 cpus
  ASSERT_EQ(updates().size(), 1u);
  const auto error = updates()[0];
  EXPECT_EQ(error.state(), mesos::v1::TASK_ERROR);
  EXPECT_EQ(error.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
  EXPECT_TRUE(error.uuid().empty()) << "nothing to acknowledge";
  EXPECT_TRUE(fw.tasks.empty());
}

TEST_F(SimModel, UnknownTaskIsReconciledAsLost) {
  auto& fw = add_framework("fw");
  Call reconcile;
  reconcile.set_type(Call::RECONCILE);
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("nobody");
  EXPECT_EQ(call(fw, reconcile).status, 202u);
  ASSERT_EQ(updates().size(), 1u);
  EXPECT_EQ(updates()[0].state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(updates()[0].reason(), mesos::v1::TaskStatus::REASON_RECONCILIATION);
}

TEST_F(SimModel, ReserveWithAnIdIsReportedReliablyUntilAcknowledged) {
  auto& fw = add_framework("fw", "web");
  sim->allocate();
  const auto offer = only_offer();
  Call::Accept accept;
  *accept.add_offer_ids() = offer.id();
  auto* op = accept.add_operations();
  op->set_type(mesos::v1::Offer::Operation::RESERVE);
  op->mutable_id()->set_value("op1");
  auto reserved = detail::scalar_resource("cpus", 1);
  auto* reservation = reserved.add_reservations();
  reservation->set_type(mesos::v1::Resource::ReservationInfo::DYNAMIC);
  reservation->set_role("web");
  *op->mutable_reserve()->add_resources() = reserved;
  sim->accept(fw, accept);

  const auto statuses = out.of_type(Event::UPDATE_OPERATION_STATUS);
  ASSERT_EQ(statuses.size(), 1u);
  const auto status = statuses[0].update_operation_status().status();
  EXPECT_EQ(status.state(), mesos::v1::OPERATION_FINISHED);
  EXPECT_FALSE(status.uuid().value().empty());
  ASSERT_EQ(fw.operations.count("op1"), 1u);

  Call::AcknowledgeOperationStatus ack;
  ack.mutable_operation_id()->set_value("op1");
  ack.set_uuid(status.uuid().value());
  sim->acknowledge_operation(fw, ack);
  EXPECT_EQ(fw.operations.count("op1"), 0u);
}

TEST_F(SimModel, RemovalEndsTheStreamAndFreesWhatTheFrameworkHeld) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  sim->allocate();  // the cpu left is offered again
  EXPECT_EQ(sim->offers.size(), 1u);
  sim->remove_framework("fw");
  EXPECT_EQ(out.ended, std::vector<std::string>{"fw"});
  EXPECT_EQ(sim->frameworks.count("fw"), 0u);
  EXPECT_EQ(sim->removed_frameworks.count("fw"), 1u);
  EXPECT_TRUE(sim->offers.empty());
  EXPECT_TRUE(detail::contains(sim->agents[0].available, detail::scalar_resource("cpus", 2)));
}

TEST_F(SimModel, TeardownRemovesTheFramework) {
  auto& fw = add_framework("fw");
  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  EXPECT_EQ(call(fw, teardown).status, 202u);
  EXPECT_EQ(out.ended, std::vector<std::string>{"fw"});
  EXPECT_EQ(sim->frameworks.count("fw"), 0u);
}

TEST_F(SimModel, DisconnectWithoutFailoverTimeoutRemovesTheFramework) {
  auto& fw = add_framework("fw");
  sim->allocate();
  sim->disconnect(fw);  // failover_timeout 0
  EXPECT_EQ(sim->frameworks.count("fw"), 0u);
  EXPECT_TRUE(sim->offers.empty());
  EXPECT_EQ(out.ended, std::vector<std::string>{"fw"});
}

TEST_F(SimModel, MaintenanceSendsAnInverseOfferToTheFrameworkUsingTheAgent) {
  add_framework("fw");
  add_framework("idle").suppressed.insert("*");
  sim->allocate();  // "fw" holds the agent's only offer
  out.events.clear();
  mesos::v1::Unavailability window;
  window.mutable_start()->set_nanoseconds(1);
  sim->schedule_maintenance_now(0, window);
  const auto inverse = out.of_type(Event::INVERSE_OFFERS);
  ASSERT_EQ(inverse.size(), 1u);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].framework_id, "fw") << "a framework not using the agent hears nothing";
  const auto& io = inverse[0].inverse_offers().inverse_offers(0);
  EXPECT_EQ(io.agent_id().value(), sim->agents[0].id);
  EXPECT_EQ(io.url().path(), "/slave(1)");

  sim->cancel_maintenance_now(0);
  const auto rescinded = out.of_type(Event::RESCIND_INVERSE_OFFER);
  ASSERT_EQ(rescinded.size(), 1u);
  EXPECT_EQ(rescinded[0].rescind_inverse_offer().inverse_offer_id().value(), io.id().value());
}

TEST_F(SimModel, UpdateFrameworkDroppingARoleRescindsItsOffers) {
  auto& fw = add_framework("fw", "web");
  sim->allocate();
  const auto offer = only_offer();
  Call update;
  update.set_type(Call::UPDATE_FRAMEWORK);
  auto* info = update.mutable_update_framework()->mutable_framework_info();
  info->set_name("fw");
  info->set_role("batch");
  EXPECT_EQ(call(fw, update).status, 200u);
  const auto rescinds = out.of_type(Event::RESCIND);
  ASSERT_EQ(rescinds.size(), 1u);
  EXPECT_EQ(rescinds[0].rescind().offer_id().value(), offer.id().value());
  EXPECT_TRUE(sim->offers.empty());
}

// ------------------------------------------------ the operator event stream

using OpEvent = mesos::v1::master::Event;
using strings = std::vector<std::string>;

TEST_F(SimModel, LaunchTellsOperatorsTaskAddedThenEveryUpdate) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  // The model learns STARTING and RUNNING at once; the scheduler gets RUNNING
  // only after acknowledging STARTING, operators hear of both now.
  ASSERT_EQ(out.operator_types(), (strings{"TASK_ADDED", "TASK_UPDATED", "TASK_UPDATED"}));
  const auto& added = out.operator_events[0].task_added().task();
  EXPECT_EQ(added.task_id().value(), "t1");
  EXPECT_EQ(added.framework_id().value(), "fw");
  EXPECT_EQ(added.agent_id().value(), sim->agents[0].id);
  EXPECT_EQ(added.state(), mesos::v1::TASK_STAGING);
  EXPECT_EQ(added.statuses_size(), 0) << "TASK_ADDED carries no statuses";
  EXPECT_FALSE(added.has_executor_id()) << "a command task has no executor id in the master's view";
  ASSERT_EQ(added.resources_size(), 1);
  EXPECT_EQ(added.resources(0).allocation_info().role(), "*");

  const auto& starting = out.operator_events[1].task_updated();
  EXPECT_EQ(starting.framework_id().value(), "fw");
  EXPECT_EQ(starting.state(), mesos::v1::TASK_STARTING);
  EXPECT_EQ(starting.status().state(), mesos::v1::TASK_STARTING);
  // The very status the scheduler gets (same uuid).
  ASSERT_EQ(updates().size(), 1u);
  EXPECT_EQ(starting.status().uuid(), updates()[0].uuid());
  EXPECT_EQ(out.operator_events[2].task_updated().state(), mesos::v1::TASK_RUNNING);

  out.operator_events.clear();
  acknowledge(fw, updates().at(0));  // an acknowledgement changes nothing an operator sees
  EXPECT_TRUE(out.operator_events.empty());
  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  EXPECT_EQ(call(fw, kill).status, 202u);
  ASSERT_EQ(out.operator_types(), strings{"TASK_UPDATED"});
  EXPECT_EQ(out.operator_events[0].task_updated().state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(out.operator_events[0].task_updated().status().task_id().value(), "t1");
}

TEST_F(SimModel, InvalidLaunchTellsOperatorsNothing) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("too-big", 64));
  EXPECT_EQ(out.of_type(Event::UPDATE).size(), 1u);  // TASK_ERROR to the scheduler
  EXPECT_TRUE(out.operator_events.empty()) << "the task never existed in the master";
}

TEST_F(SimModel, TeardownKillsLiveTasksForOperatorsThenRemovesTheFramework) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  out.operator_events.clear();
  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  EXPECT_EQ(call(fw, teardown).status, 202u);
  ASSERT_EQ(out.operator_types(), (strings{"TASK_UPDATED", "FRAMEWORK_REMOVED"}));
  const auto& killed = out.operator_events[0].task_updated();
  EXPECT_EQ(killed.framework_id().value(), "fw");
  EXPECT_EQ(killed.state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(killed.status().source(), mesos::v1::TaskStatus::SOURCE_MASTER);
  EXPECT_EQ(killed.status().reason(), mesos::v1::TaskStatus::REASON_FRAMEWORK_REMOVED);
  EXPECT_FALSE(killed.status().has_uuid()) << "the master's own update has no uuid";
  const auto& info = out.operator_events[1].framework_removed().framework_info();
  EXPECT_EQ(info.id().value(), "fw");
  EXPECT_EQ(info.name(), "fw");
  // Written by the master even when the scheduler did not send them.
  EXPECT_TRUE(info.has_checkpoint());
  EXPECT_TRUE(info.has_failover_timeout());
}

TEST_F(SimModel, MarkAgentGoneEndsItsTasksTellsFrameworksAndOffersItNoMore) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  sim->allocate();  // the rest of the agent is offered again
  ASSERT_EQ(sim->offers.size(), 1u);
  out.events.clear();
  out.operator_events.clear();
  mesos::v1::master::Call gone;
  gone.set_type(mesos::v1::master::Call::MARK_AGENT_GONE);
  gone.mutable_mark_agent_gone()->mutable_agent_id()->set_value(sim->agents[0].id);
  EXPECT_EQ(sim->operator_call(gone, mesoshttp::encoding::json, false).status, 200u);

  // RESCIND of the outstanding offer, FAILURE naming the agent, then the
  // master's own TASK_LOST (the framework is not partition-aware).
  ASSERT_EQ(out.events.size(), 3u);
  EXPECT_EQ(out.events[0].event.type(), Event::RESCIND);
  EXPECT_EQ(out.events[1].event.type(), Event::FAILURE);
  EXPECT_EQ(out.events[1].event.failure().agent_id().value(), sim->agents[0].id);
  const auto& lost = out.events[2].event.update().status();
  EXPECT_EQ(lost.state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(lost.reason(), mesos::v1::TaskStatus::REASON_AGENT_REMOVED);
  EXPECT_EQ(lost.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
  EXPECT_FALSE(lost.has_uuid());
  // Operators hear the task's end, and no AGENT_REMOVED, as from a real master.
  EXPECT_EQ(out.operator_types(), (strings{"TASK_UPDATED"}));
  EXPECT_TRUE(fw.tasks.empty());
  EXPECT_EQ(sim->operator_state().get_agents().agents_size(), 0);
  EXPECT_EQ(sim->operator_state().get_tasks().completed_tasks_size(), 1);

  sim->allocate();
  EXPECT_TRUE(sim->offers.empty());
  EXPECT_TRUE(out.of_type(Event::OFFERS).empty());
  EXPECT_EQ(sim->operator_call(gone, mesoshttp::encoding::json, false).status, 200u);
  EXPECT_EQ(out.events.size(), 3u) << "marking it gone again changes nothing";
}

TEST_F(SimModel, TeardownAfterAFinishedAcknowledgedTaskOnlyRemovesTheFramework) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  call(fw, kill);
  for (std::size_t i = 0; i < 3; ++i) acknowledge(fw, updates().at(i));  // STARTING, RUNNING, KILLED
  out.operator_events.clear();
  sim->remove_framework("fw");
  EXPECT_EQ(out.operator_types(), strings{"FRAMEWORK_REMOVED"});
}

TEST_F(SimModel, UpdateFrameworkTellsOperators) {
  auto& fw = add_framework("fw");
  Call update;
  update.set_type(Call::UPDATE_FRAMEWORK);
  auto* info = update.mutable_update_framework()->mutable_framework_info();
  info->set_name("renamed");
  info->set_role("*");
  EXPECT_EQ(call(fw, update).status, 200u);
  ASSERT_EQ(out.operator_types(), strings{"FRAMEWORK_UPDATED"});
  const auto& f = out.operator_events[0].framework_updated().framework();
  EXPECT_EQ(f.framework_info().name(), "renamed");
  EXPECT_EQ(f.framework_info().id().value(), "fw");
  EXPECT_TRUE(f.active());
  EXPECT_TRUE(f.connected());
  EXPECT_FALSE(f.recovered());
  // As a real master's event: unregistered_time 0 and no offer_constraints.
  EXPECT_TRUE(f.has_unregistered_time());
  EXPECT_EQ(f.unregistered_time().nanoseconds(), 0);
  EXPECT_FALSE(f.has_offer_constraints());
  EXPECT_EQ(f.registered_time().nanoseconds(), f.reregistered_time().nanoseconds());

  // A refused update tells operators nothing.
  out.operator_events.clear();
  update.mutable_update_framework()->add_suppressed_roles("not-mine");
  EXPECT_EQ(call(fw, update).status, 400u);
  EXPECT_TRUE(out.operator_events.empty());
}

TEST_F(SimModel, DisconnectTellsOperatorsNothingAndTheFailoverTimeoutRemovesTheFramework) {
  auto& fw = add_framework("fw");
  fw.info.set_failover_timeout(0.02);
  sim->disconnect(fw);
  EXPECT_TRUE(out.operator_events.empty()) << "a real master sends nothing when a scheduler disconnects";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sim->frameworks.count("fw") && std::chrono::steady_clock::now() < deadline)
    sim->ioc.run_one_for(std::chrono::milliseconds(10));
  EXPECT_EQ(out.operator_types(), strings{"FRAMEWORK_REMOVED"});
}

TEST_F(SimModel, SubscribedCarriesTheStateOfGetStateAndTheHeartbeatInterval) {
  auto& fw = add_framework("fw");
  sim->allocate();
  launch(fw, only_offer(), task("t1", 1));
  sim->cfg.heartbeat_interval = std::chrono::milliseconds(1500);
  const OpEvent e = sim->operator_subscribed();
  EXPECT_EQ(e.type(), OpEvent::SUBSCRIBED);
  EXPECT_DOUBLE_EQ(e.subscribed().heartbeat_interval_seconds(), 1.5);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(e.subscribed().get_state(), sim->operator_state()));
  ASSERT_EQ(e.subscribed().get_state().get_tasks().tasks_size(), 1);
  EXPECT_EQ(e.subscribed().get_state().get_agents().agents_size(), 1);
}

}  // namespace
