// Builders for scheduler API calls and offer operations.
//
// Each call builder returns a complete mesos::v1::scheduler::Call: `type` set
// and the matching sub-message filled, ready for mesoshttp::encode. The
// framework id is deliberately left unset: the client owns it (it only knows
// it after SUBSCRIBED, and it must match the subscription's), so it fills it
// in when the call is sent. The results are plain protobuf messages: any
// field not covered by a parameter can still be set on them afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::calls {

// ------------------------------------------------------------------ ids
// The v1 API wraps every id in a message with one `value`; these save the
// three lines it takes to build one.
mesos::v1::OfferID offer_id(std::string_view value);
mesos::v1::AgentID agent_id(std::string_view value);
mesos::v1::TaskID task_id(std::string_view value);
mesos::v1::ExecutorID executor_id(std::string_view value);
mesos::v1::OperationID operation_id(std::string_view value);
mesos::v1::ResourceProviderID resource_provider_id(std::string_view value);

// ------------------------------------------------------------------ calls
using mesos::v1::scheduler::Call;

// SUBSCRIBE. The master requires framework_info (user and name at least);
// it must carry framework_info.id when re-subscribing after a failover.
// Roles in `suppressed_roles` get no offers until revived; they must be
// among the framework's roles.
Call subscribe(const mesos::v1::FrameworkInfo& framework_info, std::vector<std::string> suppressed_roles = {},
               std::optional<mesos::v1::scheduler::OfferConstraints> offer_constraints = {});

// TEARDOWN: the master kills every task of the framework and forgets it;
// the event stream is closed without a final event.
Call teardown();

// ACCEPT: every offer must belong to the same agent. An empty operation list
// declines the offers; an empty offer list is accepted (202) and ignored.
// `filters` (refuse_seconds, master default 5 s) applies to the resources
// left unused.
Call accept(std::vector<mesos::v1::OfferID> offer_ids, std::vector<mesos::v1::Offer::Operation> operations,
            std::optional<mesos::v1::Filters> filters = {});
Call accept(const std::vector<std::string>& offer_ids, std::vector<mesos::v1::Offer::Operation> operations,
            std::optional<mesos::v1::Filters> filters = {});

// DECLINE: unknown offers are ignored silently by the master.
Call decline(std::vector<mesos::v1::OfferID> offer_ids, std::optional<mesos::v1::Filters> filters = {});
Call decline(const std::vector<std::string>& offer_ids, std::optional<mesos::v1::Filters> filters = {});

// ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS (maintenance): ids are the
// `id` of InverseOffers from an INVERSE_OFFERS event.
Call accept_inverse_offers(std::vector<mesos::v1::OfferID> inverse_offer_ids,
                           std::optional<mesos::v1::Filters> filters = {});
Call decline_inverse_offers(std::vector<mesos::v1::OfferID> inverse_offer_ids,
                            std::optional<mesos::v1::Filters> filters = {});

// REVIVE: clears all filters and unsuppresses; no roles means every role of
// the framework.
Call revive(std::vector<std::string> roles = {});

// SUPPRESS: no more offers for these roles (all of them if empty) until a
// REVIVE or an UPDATE_FRAMEWORK that drops them from suppressed_roles.
Call suppress(std::vector<std::string> roles = {});

// KILL: the agent id lets the master find a task it has not yet heard of
// after a failover; the kill policy overrides the task's grace period.
// Killing an unknown task is accepted (202) and answered by an UPDATE.
Call kill(const mesos::v1::TaskID& task_id, std::optional<mesos::v1::AgentID> agent_id = {},
          std::optional<mesos::v1::KillPolicy> kill_policy = {});
Call kill(std::string_view task_id, std::string_view agent_id = {});

// SHUTDOWN of a custom executor (and all its tasks); both ids are required.
Call shutdown(const mesos::v1::ExecutorID& executor_id, const mesos::v1::AgentID& agent_id);
Call shutdown(std::string_view executor_id, std::string_view agent_id);

// ACKNOWLEDGE of a TaskStatus: the uuid is the status' raw 16 bytes (not
// text; the master answers 400 "Not a valid UUID" otherwise). Only statuses
// that carry a uuid are acknowledged; reconciliation answers have none.
Call acknowledge(const mesos::v1::AgentID& agent_id, const mesos::v1::TaskID& task_id, std::string uuid);
Call acknowledge(std::string_view agent_id, std::string_view task_id, std::string uuid);
// Takes agent id, task id and uuid from the status itself.
Call acknowledge(const mesos::v1::TaskStatus& status);

// ACKNOWLEDGE_OPERATION_STATUS: for operations given an id; agent and
// resource provider are required for operations on agent/provider resources.
Call acknowledge_operation_status(const mesos::v1::OperationID& operation_id, std::string uuid,
                                  std::optional<mesos::v1::AgentID> agent_id = {},
                                  std::optional<mesos::v1::ResourceProviderID> resource_provider_id = {});
// Takes the ids and the uuid (OperationStatus.uuid.value) from the status.
Call acknowledge_operation_status(const mesos::v1::OperationStatus& status);

// RECONCILE: explicit for the listed tasks (the agent id speeds the master's
// lookup); an empty list is implicit reconciliation of every task the master
// knows of. Answers arrive as UPDATE events without a uuid.
struct reconcile_task {
  mesos::v1::TaskID task_id;
  std::optional<mesos::v1::AgentID> agent_id;
};
Call reconcile(const std::vector<reconcile_task>& tasks = {});

// RECONCILE_OPERATIONS: like RECONCILE, for operations; empty means all.
struct reconcile_operation {
  mesos::v1::OperationID operation_id;
  std::optional<mesos::v1::AgentID> agent_id;
  std::optional<mesos::v1::ResourceProviderID> resource_provider_id;
};
Call reconcile_operations(const std::vector<reconcile_operation>& operations = {});

// MESSAGE: opaque bytes relayed to an executor; unknown agents are ignored.
Call message(const mesos::v1::AgentID& agent_id, const mesos::v1::ExecutorID& executor_id, std::string data);

// REQUEST: resource requests to the allocator (the built-in one ignores them).
Call request(std::vector<mesos::v1::Request> requests);

// UPDATE_FRAMEWORK: framework_info must carry the framework's id; its name,
// roles, capabilities etc. replace the old ones (the master answers 200).
Call update_framework(const mesos::v1::FrameworkInfo& framework_info, std::vector<std::string> suppressed_roles = {},
                      std::optional<mesos::v1::scheduler::OfferConstraints> offer_constraints = {});

// ------------------------------------------------------------------ operations
namespace ops {

using mesos::v1::Offer;

// LAUNCH: each task needs name, task_id, agent_id (the offer's) and
// resources taken from the accepted offers, plus a command or an executor.
Offer::Operation launch(std::vector<mesos::v1::TaskInfo> tasks);
// LAUNCH_GROUP: tasks of one pod, run by one default executor.
Offer::Operation launch_group(const mesos::v1::ExecutorInfo& executor, const mesos::v1::TaskGroupInfo& task_group);
// RESERVE: `resources` are the wanted result (with the reservation pushed
// onto `reservations`); `source`, when given, names the offered resources
// they come from.
Offer::Operation reserve(std::vector<mesos::v1::Resource> resources, std::vector<mesos::v1::Resource> source = {});
Offer::Operation unreserve(std::vector<mesos::v1::Resource> resources);
// CREATE / DESTROY of persistent volumes: disk resources with disk.persistence.
Offer::Operation create(std::vector<mesos::v1::Resource> volumes);
Offer::Operation destroy(std::vector<mesos::v1::Resource> volumes);
Offer::Operation grow_volume(const mesos::v1::Resource& volume, const mesos::v1::Resource& addition);
Offer::Operation shrink_volume(const mesos::v1::Resource& volume, double subtract);
// CREATE_DISK / DESTROY_DISK: raw disks of storage resource providers.
Offer::Operation create_disk(const mesos::v1::Resource& source, mesos::v1::Resource_DiskInfo_Source_Type target_type,
                             std::optional<std::string> target_profile = {});
Offer::Operation destroy_disk(const mesos::v1::Resource& source);

// Gives the operation an id, which asks the master for operation status
// updates (UPDATE_OPERATION_STATUS). LAUNCH and LAUNCH_GROUP must not have one.
Offer::Operation with_id(Offer::Operation operation, std::string_view id);

}  // namespace ops

// ------------------------------------------------------------------ helpers

// Filters for ACCEPT/DECLINE: how long the declined resources are withheld.
mesos::v1::Filters filters(double refuse_seconds);

// Resources. `allocation_role`, when not empty, sets allocation_info.role:
// a multi-role framework must say which of its roles each resource in an
// operation was allocated to (the role of the offer it came from).
mesos::v1::Resource scalar(std::string_view name, double value, std::string_view allocation_role = {});
mesos::v1::Resource ranges(std::string_view name, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                           std::string_view allocation_role = {});
mesos::v1::Resource set(std::string_view name, const std::vector<std::string>& items,
                        std::string_view allocation_role = {});
// Adds a reservation on top of the resource's stack (the refinement format
// the master expects from frameworks with RESERVATION_REFINEMENT): DYNAMIC
// for RESERVE, with the principal the framework authenticated as, if any.
mesos::v1::Resource with_reservation(
    mesos::v1::Resource resource, std::string_view role, std::string_view principal = {},
    mesos::v1::Resource_ReservationInfo_Type type = mesos::v1::Resource_ReservationInfo_Type_DYNAMIC);

// Sum of the scalar resources called `name` in the offer (all roles and
// reservations), e.g. scalar_total(offer, "cpus").
double scalar_total(const mesos::v1::Offer& offer, std::string_view name);

// True if the offer holds at least this much cpus, mem and disk (MB) in
// plain pieces a task can take (see task_from_offer). Zero means not needed.
bool resources_fit(const mesos::v1::Offer& offer, double cpus, double mem_mb, double disk_mb = 0);

// True for the states a task never leaves (FINISHED, FAILED, KILLED, ERROR,
// LOST, DROPPED, GONE, GONE_BY_OPERATOR): its resources are free again.
bool is_terminal(mesos::v1::TaskState state);

// A TaskInfo for a task on the offer's agent: resources are carved out of
// the offer's own cpus/mem/disk pieces, so they keep the offer's role,
// reservations and allocation_info (which the master checks on ACCEPT).
// Persistent volumes, mount disks, revocable and shared pieces are not used.
// An empty `id` is replaced by `name` plus a random suffix. nullopt if the
// offer does not hold enough (resources_fit is false).
std::optional<mesos::v1::TaskInfo> task_from_offer(const mesos::v1::Offer& offer, std::string name,
                                                   mesos::v1::CommandInfo command, double cpus, double mem_mb,
                                                   double disk_mb = 0, std::string id = {});
// The same with a shell command line (CommandInfo{shell: true, value: ...}).
std::optional<mesos::v1::TaskInfo> task_from_offer(const mesos::v1::Offer& offer, std::string name,
                                                   std::string_view command_line, double cpus, double mem_mb,
                                                   double disk_mb = 0, std::string id = {});

}  // namespace mesoshttp::calls
