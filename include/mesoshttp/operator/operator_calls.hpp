// Builders for the master's operator calls (mesos.v1.master.Call), as
// calls.hpp has for the scheduler's: each returns a Call with its type and
// sub-message set, so a forgotten sub-message (a 400 from a real master:
// "Expecting 'drain_agent' to be present") cannot happen.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "mesos/v1/master/master.pb.h"

namespace mesoshttp::operator_api::calls {

using mesos::v1::master::Call;

// A call without a sub-message: GET_HEALTH, GET_FLAGS, GET_VERSION,
// GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS,
// GET_ROLES, GET_OPERATIONS, GET_LOGGING_LEVEL, GET_MASTER,
// GET_MAINTENANCE_STATUS, GET_MAINTENANCE_SCHEDULE, GET_QUOTA, GET_WEIGHTS,
// SUBSCRIBE. GET_METRICS needs its (possibly empty) sub-message: get_metrics().
Call get(Call::Type type);
Call get_metrics(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

// Maintenance. A machine is named by its hostname and/or IP, as the agents on it register.
mesos::v1::MachineID machine(std::string_view hostname, std::string_view ip = {});
mesos::v1::maintenance::Window window(std::vector<mesos::v1::MachineID> machines,
                                      std::chrono::system_clock::time_point start, std::chrono::nanoseconds duration);
// Replaces the whole schedule (an empty one clears it).
Call update_maintenance_schedule(const mesos::v1::maintenance::Schedule& schedule);
Call start_maintenance(std::vector<mesos::v1::MachineID> machines);
Call stop_maintenance(std::vector<mesos::v1::MachineID> machines);

// Agents.
Call drain_agent(std::string_view agent_id, std::chrono::seconds max_grace_period = std::chrono::seconds(-1),
                 bool mark_gone = false);  // a negative grace period: none given (the tasks' own)
Call deactivate_agent(std::string_view agent_id);
Call reactivate_agent(std::string_view agent_id);
Call mark_agent_gone(std::string_view agent_id);

// Frameworks and resources.
Call teardown(std::string_view framework_id);
Call reserve_resources(std::string_view agent_id, std::vector<mesos::v1::Resource> resources);
Call unreserve_resources(std::string_view agent_id, std::vector<mesos::v1::Resource> resources);

// Logging: `level` for `duration`, then back to the master's own.
Call set_logging_level(unsigned level, std::chrono::nanoseconds duration);

}  // namespace mesoshttp::operator_api::calls
