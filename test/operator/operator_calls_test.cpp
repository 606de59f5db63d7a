// The operator call builders: each sets its type and the sub-message a real
// master insists on, with every required field, so it encodes in both encodings.
#include <gtest/gtest.h>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/operator/operator_calls.hpp"

namespace {

using namespace mesoshttp::operator_api;
using mesos::v1::master::Call;
using namespace std::chrono_literals;

void expect_sendable(const Call& c) {
  EXPECT_TRUE(c.IsInitialized()) << c.InitializationErrorString();
  for (auto wire : {mesoshttp::encoding::protobuf, mesoshttp::encoding::json}) {
    std::string bytes, why;
    EXPECT_FALSE(mesoshttp::encode(c, wire, bytes, &why)) << why;
  }
}

TEST(OperatorCalls, ReadCallsCarryWhatTheMasterExpects) {
  EXPECT_EQ(calls::get(Call::GET_STATE).type(), Call::GET_STATE);
  EXPECT_FALSE(calls::get(Call::GET_STATE).has_get_metrics());
  // GET_METRICS without get_metrics is a 400 on a real master; the builder always sets it.
  EXPECT_TRUE(calls::get(Call::GET_METRICS).has_get_metrics());
  EXPECT_FALSE(calls::get_metrics().get_metrics().has_timeout());
  EXPECT_EQ(calls::get_metrics(5000ms).get_metrics().timeout().nanoseconds(), 5'000'000'000);
  expect_sendable(calls::get_metrics(1s));
}

TEST(OperatorCalls, MaintenanceCallsNameTheirMachines) {
  const auto start = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'072'158));
  mesos::v1::maintenance::Schedule schedule;
  *schedule.add_windows() = calls::window({calls::machine("ghost.example", "10.255.0.9")}, start, 1h);
  const auto update = calls::update_maintenance_schedule(schedule);
  EXPECT_EQ(update.type(), Call::UPDATE_MAINTENANCE_SCHEDULE);
  const auto& w = update.update_maintenance_schedule().schedule().windows(0);
  EXPECT_EQ(w.machine_ids(0).hostname(), "ghost.example");
  EXPECT_EQ(w.machine_ids(0).ip(), "10.255.0.9");
  EXPECT_EQ(w.unavailability().start().nanoseconds(), 1'796'072'158'000'000'000);
  EXPECT_EQ(w.unavailability().duration().nanoseconds(), 3'600'000'000'000);
  expect_sendable(update);
  const auto down = calls::start_maintenance({calls::machine("ghost.example")});
  EXPECT_EQ(down.start_maintenance().machines(0).hostname(), "ghost.example");
  EXPECT_FALSE(down.start_maintenance().machines(0).has_ip());
  expect_sendable(down);
  const auto up = calls::stop_maintenance({calls::machine({}, "10.255.0.9")});
  EXPECT_EQ(up.type(), Call::STOP_MAINTENANCE);
  EXPECT_EQ(up.stop_maintenance().machines(0).ip(), "10.255.0.9");
  expect_sendable(up);
  // An empty schedule clears it.
  expect_sendable(calls::update_maintenance_schedule({}));
}

TEST(OperatorCalls, AgentAndFrameworkCalls) {
  const auto drain = calls::drain_agent("S1", 30s, true);
  EXPECT_EQ(drain.drain_agent().agent_id().value(), "S1");
  EXPECT_EQ(drain.drain_agent().max_grace_period().seconds(), 30);
  EXPECT_TRUE(drain.drain_agent().mark_gone());
  EXPECT_FALSE(calls::drain_agent("S1").drain_agent().has_max_grace_period());
  expect_sendable(drain);
  for (const auto& c : {calls::deactivate_agent("S1"), calls::reactivate_agent("S1"), calls::mark_agent_gone("S1"),
                        calls::teardown("F1")}) {
    SCOPED_TRACE(Call::Type_Name(c.type()));
    expect_sendable(c);
  }
  EXPECT_EQ(calls::deactivate_agent("S1").deactivate_agent().agent_id().value(), "S1");
  EXPECT_EQ(calls::reactivate_agent("S1").reactivate_agent().agent_id().value(), "S1");
  EXPECT_EQ(calls::mark_agent_gone("S1").mark_agent_gone().agent_id().value(), "S1");
  EXPECT_EQ(calls::teardown("F1").teardown().framework_id().value(), "F1");
  mesos::v1::Resource cpus;
  cpus.set_name("cpus");
  cpus.set_type(mesos::v1::Value::SCALAR);
  cpus.mutable_scalar()->set_value(0.25);
  const auto reserve = calls::reserve_resources("S1", {cpus});
  EXPECT_EQ(reserve.reserve_resources().resources_size(), 1);
  expect_sendable(reserve);
  expect_sendable(calls::unreserve_resources("S1", {cpus}));
  const auto level = calls::set_logging_level(1, 4s);
  EXPECT_EQ(level.set_logging_level().duration().nanoseconds(), 4'000'000'000);
  expect_sendable(level);
}

}  // namespace
