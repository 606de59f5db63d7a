#include "mesoshttp/calls.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace mesoshttp::calls {

namespace v1 = mesos::v1;
using mesos::v1::scheduler::OfferConstraints;

namespace {

template <class Id>
Id make_id(std::string_view value) {
  Id id;
  id.set_value(std::string(value));
  return id;
}

template <class Repeated, class Items>
void move_into(Repeated& field, Items&& items) {
  field.Reserve(static_cast<int>(items.size()));
  for (auto& item : items) *field.Add() = std::move(item);
}

std::vector<v1::OfferID> offer_ids_of(const std::vector<std::string>& values) {
  std::vector<v1::OfferID> out;
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(offer_id(v));
  return out;
}

Call typed(Call::Type type) {
  Call call;
  call.set_type(type);
  return call;
}

// Master-side scalar arithmetic is fixed point with three decimals, so
// amounts that differ by less than that are equal to it.
constexpr double scalar_epsilon = 0.0005;

// A piece of an offer a task may take a slice of: plain scalar resources.
// Persistent volumes and mount disks cannot be split, and revocable or
// shared ones change a task's guarantees, so they are left to callers who
// mean to use them.
bool usable_piece(const v1::Resource& r, std::string_view name) {
  return r.name() == name && r.type() == v1::Value::SCALAR && r.has_scalar() && !r.has_disk() && !r.has_revocable() &&
         !r.has_shared();
}

double usable_total(const v1::Offer& offer, std::string_view name) {
  double total = 0;
  for (const auto& r : offer.resources())
    if (usable_piece(r, name)) total += r.scalar().value();
  return total;
}

bool covers(double available, double wanted) { return wanted <= 0 || available + scalar_epsilon >= wanted; }

// Slices `amount` of `name` out of the offer's pieces, in offer order, each
// slice a copy of its piece (role, reservations, allocation) with a smaller value.
void carve(const v1::Offer& offer, std::string_view name, double amount,
           google::protobuf::RepeatedPtrField<v1::Resource>& out) {
  double left = amount;
  for (const auto& r : offer.resources()) {
    if (left <= scalar_epsilon) break;
    if (!usable_piece(r, name) || r.scalar().value() <= 0) continue;
    const double take = std::min(left, r.scalar().value());
    v1::Resource* slice = out.Add();
    *slice = r;
    slice->mutable_scalar()->set_value(take);
    // Older masters put the allocation on the offer only; a multi-role
    // master refuses task resources without it.
    if (!slice->has_allocation_info() && offer.has_allocation_info())
      *slice->mutable_allocation_info() = offer.allocation_info();
    left -= take;
  }
}

std::string random_suffix() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(engine()));
  return text;
}

}  // namespace

v1::OfferID offer_id(std::string_view value) { return make_id<v1::OfferID>(value); }
v1::AgentID agent_id(std::string_view value) { return make_id<v1::AgentID>(value); }
v1::TaskID task_id(std::string_view value) { return make_id<v1::TaskID>(value); }
v1::ExecutorID executor_id(std::string_view value) { return make_id<v1::ExecutorID>(value); }
v1::OperationID operation_id(std::string_view value) { return make_id<v1::OperationID>(value); }
v1::ResourceProviderID resource_provider_id(std::string_view value) { return make_id<v1::ResourceProviderID>(value); }

Call subscribe(const v1::FrameworkInfo& framework_info, std::vector<std::string> suppressed_roles,
               std::optional<OfferConstraints> offer_constraints) {
  Call call = typed(Call::SUBSCRIBE);
  auto* sub = call.mutable_subscribe();
  *sub->mutable_framework_info() = framework_info;
  move_into(*sub->mutable_suppressed_roles(), suppressed_roles);
  if (offer_constraints) *sub->mutable_offer_constraints() = std::move(*offer_constraints);
  return call;
}

Call teardown() { return typed(Call::TEARDOWN); }

Call accept(std::vector<v1::OfferID> offer_ids, std::vector<v1::Offer::Operation> operations,
            std::optional<v1::Filters> filters) {
  Call call = typed(Call::ACCEPT);
  auto* accept = call.mutable_accept();
  move_into(*accept->mutable_offer_ids(), offer_ids);
  move_into(*accept->mutable_operations(), operations);
  if (filters) *accept->mutable_filters() = *filters;
  return call;
}

Call accept(const std::vector<std::string>& offer_ids, std::vector<v1::Offer::Operation> operations,
            std::optional<v1::Filters> filters) {
  return accept(offer_ids_of(offer_ids), std::move(operations), std::move(filters));
}

Call decline(std::vector<v1::OfferID> offer_ids, std::optional<v1::Filters> filters) {
  Call call = typed(Call::DECLINE);
  auto* decline = call.mutable_decline();
  move_into(*decline->mutable_offer_ids(), offer_ids);
  if (filters) *decline->mutable_filters() = *filters;
  return call;
}

Call decline(const std::vector<std::string>& offer_ids, std::optional<v1::Filters> filters) {
  return decline(offer_ids_of(offer_ids), std::move(filters));
}

Call accept_inverse_offers(std::vector<v1::OfferID> inverse_offer_ids, std::optional<v1::Filters> filters) {
  Call call = typed(Call::ACCEPT_INVERSE_OFFERS);
  auto* accept = call.mutable_accept_inverse_offers();
  move_into(*accept->mutable_inverse_offer_ids(), inverse_offer_ids);
  if (filters) *accept->mutable_filters() = *filters;
  return call;
}

Call decline_inverse_offers(std::vector<v1::OfferID> inverse_offer_ids, std::optional<v1::Filters> filters) {
  Call call = typed(Call::DECLINE_INVERSE_OFFERS);
  auto* decline = call.mutable_decline_inverse_offers();
  move_into(*decline->mutable_inverse_offer_ids(), inverse_offer_ids);
  if (filters) *decline->mutable_filters() = *filters;
  return call;
}

Call revive(std::vector<std::string> roles) {
  Call call = typed(Call::REVIVE);
  // Set even when empty: the master wants the sub-message of the type.
  move_into(*call.mutable_revive()->mutable_roles(), roles);
  return call;
}

Call suppress(std::vector<std::string> roles) {
  Call call = typed(Call::SUPPRESS);
  move_into(*call.mutable_suppress()->mutable_roles(), roles);
  return call;
}

Call kill(const v1::TaskID& task_id, std::optional<v1::AgentID> agent_id, std::optional<v1::KillPolicy> kill_policy) {
  Call call = typed(Call::KILL);
  auto* kill = call.mutable_kill();
  *kill->mutable_task_id() = task_id;
  if (agent_id) *kill->mutable_agent_id() = std::move(*agent_id);
  if (kill_policy) *kill->mutable_kill_policy() = std::move(*kill_policy);
  return call;
}

Call kill(std::string_view task, std::string_view agent) {
  std::optional<v1::AgentID> agent_opt;
  if (!agent.empty()) agent_opt = agent_id(agent);
  return kill(task_id(task), std::move(agent_opt));
}

Call shutdown(const v1::ExecutorID& executor_id, const v1::AgentID& agent_id) {
  Call call = typed(Call::SHUTDOWN);
  *call.mutable_shutdown()->mutable_executor_id() = executor_id;
  *call.mutable_shutdown()->mutable_agent_id() = agent_id;
  return call;
}

Call shutdown(std::string_view executor, std::string_view agent) {
  return shutdown(executor_id(executor), agent_id(agent));
}

Call acknowledge(const v1::AgentID& agent_id, const v1::TaskID& task_id, std::string uuid) {
  Call call = typed(Call::ACKNOWLEDGE);
  auto* ack = call.mutable_acknowledge();
  *ack->mutable_agent_id() = agent_id;
  *ack->mutable_task_id() = task_id;
  ack->set_uuid(std::move(uuid));
  return call;
}

Call acknowledge(std::string_view agent, std::string_view task, std::string uuid) {
  return acknowledge(agent_id(agent), task_id(task), std::move(uuid));
}

Call acknowledge(const v1::TaskStatus& status) {
  return acknowledge(status.agent_id(), status.task_id(), status.uuid());
}

Call acknowledge_operation_status(const v1::OperationID& operation_id, std::string uuid,
                                  std::optional<v1::AgentID> agent_id,
                                  std::optional<v1::ResourceProviderID> resource_provider_id) {
  Call call = typed(Call::ACKNOWLEDGE_OPERATION_STATUS);
  auto* ack = call.mutable_acknowledge_operation_status();
  *ack->mutable_operation_id() = operation_id;
  ack->set_uuid(std::move(uuid));
  if (agent_id) *ack->mutable_agent_id() = std::move(*agent_id);
  if (resource_provider_id) *ack->mutable_resource_provider_id() = std::move(*resource_provider_id);
  return call;
}

Call acknowledge_operation_status(const v1::OperationStatus& status) {
  std::optional<v1::AgentID> agent;
  std::optional<v1::ResourceProviderID> provider;
  if (status.has_agent_id()) agent = status.agent_id();
  if (status.has_resource_provider_id()) provider = status.resource_provider_id();
  return acknowledge_operation_status(status.operation_id(), status.uuid().value(), std::move(agent),
                                      std::move(provider));
}

Call reconcile(const std::vector<reconcile_task>& tasks) {
  Call call = typed(Call::RECONCILE);
  auto* rec = call.mutable_reconcile();
  for (const auto& t : tasks) {
    auto* task = rec->add_tasks();
    *task->mutable_task_id() = t.task_id;
    if (t.agent_id) *task->mutable_agent_id() = *t.agent_id;
  }
  return call;
}

Call reconcile_operations(const std::vector<reconcile_operation>& operations) {
  Call call = typed(Call::RECONCILE_OPERATIONS);
  auto* rec = call.mutable_reconcile_operations();
  for (const auto& o : operations) {
    auto* op = rec->add_operations();
    *op->mutable_operation_id() = o.operation_id;
    if (o.agent_id) *op->mutable_agent_id() = *o.agent_id;
    if (o.resource_provider_id) *op->mutable_resource_provider_id() = *o.resource_provider_id;
  }
  return call;
}

Call message(const v1::AgentID& agent_id, const v1::ExecutorID& executor_id, std::string data) {
  Call call = typed(Call::MESSAGE);
  auto* msg = call.mutable_message();
  *msg->mutable_agent_id() = agent_id;
  *msg->mutable_executor_id() = executor_id;
  msg->set_data(std::move(data));
  return call;
}

Call request(std::vector<v1::Request> requests) {
  Call call = typed(Call::REQUEST);
  move_into(*call.mutable_request()->mutable_requests(), requests);
  return call;
}

Call update_framework(const v1::FrameworkInfo& framework_info, std::vector<std::string> suppressed_roles,
                      std::optional<OfferConstraints> offer_constraints) {
  Call call = typed(Call::UPDATE_FRAMEWORK);
  auto* update = call.mutable_update_framework();
  *update->mutable_framework_info() = framework_info;
  move_into(*update->mutable_suppressed_roles(), suppressed_roles);
  if (offer_constraints) *update->mutable_offer_constraints() = std::move(*offer_constraints);
  return call;
}

// ------------------------------------------------------------------ operations
namespace ops {

namespace {
Offer::Operation typed_op(Offer::Operation::Type type) {
  Offer::Operation op;
  op.set_type(type);
  return op;
}
}  // namespace

Offer::Operation launch(std::vector<v1::TaskInfo> tasks) {
  auto op = typed_op(Offer::Operation::LAUNCH);
  move_into(*op.mutable_launch()->mutable_task_infos(), tasks);
  return op;
}

Offer::Operation launch_group(const v1::ExecutorInfo& executor, const v1::TaskGroupInfo& task_group) {
  auto op = typed_op(Offer::Operation::LAUNCH_GROUP);
  *op.mutable_launch_group()->mutable_executor() = executor;
  *op.mutable_launch_group()->mutable_task_group() = task_group;
  return op;
}

Offer::Operation reserve(std::vector<v1::Resource> resources, std::vector<v1::Resource> source) {
  auto op = typed_op(Offer::Operation::RESERVE);
  move_into(*op.mutable_reserve()->mutable_resources(), resources);
  move_into(*op.mutable_reserve()->mutable_source(), source);
  return op;
}

Offer::Operation unreserve(std::vector<v1::Resource> resources) {
  auto op = typed_op(Offer::Operation::UNRESERVE);
  move_into(*op.mutable_unreserve()->mutable_resources(), resources);
  return op;
}

Offer::Operation create(std::vector<v1::Resource> volumes) {
  auto op = typed_op(Offer::Operation::CREATE);
  move_into(*op.mutable_create()->mutable_volumes(), volumes);
  return op;
}

Offer::Operation destroy(std::vector<v1::Resource> volumes) {
  auto op = typed_op(Offer::Operation::DESTROY);
  move_into(*op.mutable_destroy()->mutable_volumes(), volumes);
  return op;
}

Offer::Operation grow_volume(const v1::Resource& volume, const v1::Resource& addition) {
  auto op = typed_op(Offer::Operation::GROW_VOLUME);
  *op.mutable_grow_volume()->mutable_volume() = volume;
  *op.mutable_grow_volume()->mutable_addition() = addition;
  return op;
}

Offer::Operation shrink_volume(const v1::Resource& volume, double subtract) {
  auto op = typed_op(Offer::Operation::SHRINK_VOLUME);
  *op.mutable_shrink_volume()->mutable_volume() = volume;
  op.mutable_shrink_volume()->mutable_subtract()->set_value(subtract);
  return op;
}

Offer::Operation create_disk(const v1::Resource& source, v1::Resource_DiskInfo_Source_Type target_type,
                             std::optional<std::string> target_profile) {
  auto op = typed_op(Offer::Operation::CREATE_DISK);
  *op.mutable_create_disk()->mutable_source() = source;
  op.mutable_create_disk()->set_target_type(target_type);
  if (target_profile) op.mutable_create_disk()->set_target_profile(std::move(*target_profile));
  return op;
}

Offer::Operation destroy_disk(const v1::Resource& source) {
  auto op = typed_op(Offer::Operation::DESTROY_DISK);
  *op.mutable_destroy_disk()->mutable_source() = source;
  return op;
}

Offer::Operation with_id(Offer::Operation operation, std::string_view id) {
  operation.mutable_id()->set_value(std::string(id));
  return operation;
}

}  // namespace ops

// ------------------------------------------------------------------ helpers

v1::Filters filters(double refuse_seconds) {
  v1::Filters f;
  f.set_refuse_seconds(refuse_seconds);
  return f;
}

namespace {
v1::Resource named(std::string_view name, v1::Value::Type type, std::string_view allocation_role) {
  v1::Resource r;
  r.set_name(std::string(name));
  r.set_type(type);
  if (!allocation_role.empty()) r.mutable_allocation_info()->set_role(std::string(allocation_role));
  return r;
}
}  // namespace

v1::Resource scalar(std::string_view name, double value, std::string_view allocation_role) {
  auto r = named(name, v1::Value::SCALAR, allocation_role);
  r.mutable_scalar()->set_value(value);
  return r;
}

v1::Resource ranges(std::string_view name, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                    std::string_view allocation_role) {
  auto r = named(name, v1::Value::RANGES, allocation_role);
  auto* out = r.mutable_ranges();
  for (const auto& [begin, end] : ranges) {
    auto* range = out->add_range();
    range->set_begin(begin);
    range->set_end(end);
  }
  return r;
}

v1::Resource set(std::string_view name, const std::vector<std::string>& items, std::string_view allocation_role) {
  auto r = named(name, v1::Value::SET, allocation_role);
  for (const auto& item : items) r.mutable_set()->add_item(item);
  return r;
}

v1::Resource with_reservation(v1::Resource resource, std::string_view role, std::string_view principal,
                              v1::Resource_ReservationInfo_Type type) {
  auto* reservation = resource.add_reservations();
  reservation->set_type(type);
  reservation->set_role(std::string(role));
  if (!principal.empty()) reservation->set_principal(std::string(principal));
  return resource;
}

double scalar_total(const v1::Offer& offer, std::string_view name) {
  double total = 0;
  for (const auto& r : offer.resources())
    if (r.name() == name && r.type() == v1::Value::SCALAR && r.has_scalar()) total += r.scalar().value();
  return total;
}

bool resources_fit(const v1::Offer& offer, double cpus, double mem_mb, double disk_mb) {
  return covers(usable_total(offer, "cpus"), cpus) && covers(usable_total(offer, "mem"), mem_mb) &&
         covers(usable_total(offer, "disk"), disk_mb);
}

std::optional<v1::TaskInfo> task_from_offer(const v1::Offer& offer, std::string name, v1::CommandInfo command,
                                            double cpus, double mem_mb, double disk_mb, std::string id) {
  if (!resources_fit(offer, cpus, mem_mb, disk_mb)) return std::nullopt;
  v1::TaskInfo task;
  if (id.empty()) id = name + "-" + random_suffix();
  task.set_name(std::move(name));
  task.mutable_task_id()->set_value(std::move(id));
  *task.mutable_agent_id() = offer.agent_id();
  *task.mutable_command() = std::move(command);
  if (cpus > 0) carve(offer, "cpus", cpus, *task.mutable_resources());
  if (mem_mb > 0) carve(offer, "mem", mem_mb, *task.mutable_resources());
  if (disk_mb > 0) carve(offer, "disk", disk_mb, *task.mutable_resources());
  return task;
}

std::optional<v1::TaskInfo> task_from_offer(const v1::Offer& offer, std::string name, std::string_view command_line,
                                            double cpus, double mem_mb, double disk_mb, std::string id) {
  v1::CommandInfo command;
  command.set_shell(true);
  command.set_value(std::string(command_line));
  return task_from_offer(offer, std::move(name), std::move(command), cpus, mem_mb, disk_mb, std::move(id));
}

bool is_terminal(mesos::v1::TaskState state) {
  switch (state) {
    case mesos::v1::TASK_FINISHED:
    case mesos::v1::TASK_FAILED:
    case mesos::v1::TASK_KILLED:
    case mesos::v1::TASK_ERROR:
    case mesos::v1::TASK_LOST:
    case mesos::v1::TASK_DROPPED:
    case mesos::v1::TASK_GONE:
    case mesos::v1::TASK_GONE_BY_OPERATOR: return true;
    default: return false;
  }
}

}  // namespace mesoshttp::calls
