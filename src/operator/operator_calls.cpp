#include "mesoshttp/operator/operator_calls.hpp"

namespace mesoshttp::operator_api::calls {

Call get(Call::Type type) {
  Call c;
  c.set_type(type);
  if (type == Call::GET_METRICS) c.mutable_get_metrics();
  return c;
}

Call get_metrics(std::chrono::milliseconds timeout) {
  Call c = get(Call::GET_METRICS);
  if (timeout.count() > 0)
    c.mutable_get_metrics()->mutable_timeout()->set_nanoseconds(
        std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
  return c;
}

mesos::v1::MachineID machine(std::string_view hostname, std::string_view ip) {
  mesos::v1::MachineID m;
  if (!hostname.empty()) m.set_hostname(std::string(hostname));
  if (!ip.empty()) m.set_ip(std::string(ip));
  return m;
}

mesos::v1::maintenance::Window window(std::vector<mesos::v1::MachineID> machines,
                                      std::chrono::system_clock::time_point start, std::chrono::nanoseconds duration) {
  mesos::v1::maintenance::Window w;
  for (auto& m : machines) *w.add_machine_ids() = std::move(m);
  w.mutable_unavailability()->mutable_start()->set_nanoseconds(
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count());
  w.mutable_unavailability()->mutable_duration()->set_nanoseconds(duration.count());
  return w;
}

Call update_maintenance_schedule(const mesos::v1::maintenance::Schedule& schedule) {
  Call c;
  c.set_type(Call::UPDATE_MAINTENANCE_SCHEDULE);
  *c.mutable_update_maintenance_schedule()->mutable_schedule() = schedule;
  return c;
}

Call start_maintenance(std::vector<mesos::v1::MachineID> machines) {
  Call c;
  c.set_type(Call::START_MAINTENANCE);
  for (auto& m : machines) *c.mutable_start_maintenance()->add_machines() = std::move(m);
  return c;
}

Call stop_maintenance(std::vector<mesos::v1::MachineID> machines) {
  Call c;
  c.set_type(Call::STOP_MAINTENANCE);
  for (auto& m : machines) *c.mutable_stop_maintenance()->add_machines() = std::move(m);
  return c;
}

Call drain_agent(std::string_view agent_id, std::chrono::seconds max_grace_period, bool mark_gone) {
  Call c;
  c.set_type(Call::DRAIN_AGENT);
  auto* d = c.mutable_drain_agent();
  d->mutable_agent_id()->set_value(std::string(agent_id));
  // A google.protobuf.Duration: master_client writes it in JSON as
  // {"seconds":2}, the form a real master takes (not protobuf's "2s").
  if (max_grace_period.count() >= 0) d->mutable_max_grace_period()->set_seconds(max_grace_period.count());
  if (mark_gone) d->set_mark_gone(true);
  return c;
}

namespace {
template <class Setter>
Call agent_call(Call::Type type, std::string_view agent_id, Setter sub) {
  Call c;
  c.set_type(type);
  sub(c)->mutable_agent_id()->set_value(std::string(agent_id));
  return c;
}
}  // namespace

Call deactivate_agent(std::string_view agent_id) {
  return agent_call(Call::DEACTIVATE_AGENT, agent_id, [](Call& c) { return c.mutable_deactivate_agent(); });
}

Call reactivate_agent(std::string_view agent_id) {
  return agent_call(Call::REACTIVATE_AGENT, agent_id, [](Call& c) { return c.mutable_reactivate_agent(); });
}

Call mark_agent_gone(std::string_view agent_id) {
  return agent_call(Call::MARK_AGENT_GONE, agent_id, [](Call& c) { return c.mutable_mark_agent_gone(); });
}

Call teardown(std::string_view framework_id) {
  Call c;
  c.set_type(Call::TEARDOWN);
  c.mutable_teardown()->mutable_framework_id()->set_value(std::string(framework_id));
  return c;
}

Call reserve_resources(std::string_view agent_id, std::vector<mesos::v1::Resource> resources) {
  Call c;
  c.set_type(Call::RESERVE_RESOURCES);
  c.mutable_reserve_resources()->mutable_agent_id()->set_value(std::string(agent_id));
  for (auto& r : resources) *c.mutable_reserve_resources()->add_resources() = std::move(r);
  return c;
}

Call unreserve_resources(std::string_view agent_id, std::vector<mesos::v1::Resource> resources) {
  Call c;
  c.set_type(Call::UNRESERVE_RESOURCES);
  c.mutable_unreserve_resources()->mutable_agent_id()->set_value(std::string(agent_id));
  for (auto& r : resources) *c.mutable_unreserve_resources()->add_resources() = std::move(r);
  return c;
}

Call set_logging_level(unsigned level, std::chrono::nanoseconds duration) {
  Call c;
  c.set_type(Call::SET_LOGGING_LEVEL);
  c.mutable_set_logging_level()->set_level(level);
  c.mutable_set_logging_level()->mutable_duration()->set_nanoseconds(duration.count());
  return c;
}

}  // namespace mesoshttp::operator_api::calls
