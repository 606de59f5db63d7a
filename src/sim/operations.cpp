// Offer operations on the simulated master: ACCEPT (its offers are used
// once, then each operation is applied, all or nothing, to the offered
// resources), and operation feedback: statuses of operations with an id,
// delivered reliably until acknowledged, and their reconciliation.
#include "cluster_impl.hpp"

namespace mesoshttp::sim {

void cluster::impl::accept(sim_framework& fw, const Call::Accept& acc) {
  // Offers are used once: valid ones are taken whatever happens next.
  std::string invalid;
  std::optional<std::size_t> agent;
  std::optional<std::string> role;
  detail::pool pool;
  for (const auto& id : acc.offer_ids()) {
    const auto it = offers.find(id.value());
    if (it == offers.end() || it->second.framework_id != fw.id) {
      if (invalid.empty()) invalid = "Offer " + id.value() + " is no longer valid";
      continue;
    }
    if (agent && *agent != it->second.agent && invalid.empty())
      invalid = "Aggregated offers must belong to one single agent";
    if (role && *role != it->second.role && invalid.empty())
      invalid = "Aggregated offers must be allocated to one single role";
    agent = it->second.agent;
    role = it->second.role;
    detail::add(pool, it->second.resources);
    if (it->second.timeout) it->second.timeout->cancel();
    offers.erase(it);
  }
  if (acc.offer_ids_size() == 0) invalid = "No offers specified";
  if (!invalid.empty() || !agent) {
    if (agent) detail::add(agents[*agent].available, pool);
    const auto lost = fw.has_capability(mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE) ? mesos::v1::TASK_DROPPED
                                                                                               : mesos::v1::TASK_LOST;
    for (const auto& op : acc.operations()) {
      if (op.has_id())
        operation_status(fw, op, agent, mesos::v1::OPERATION_ERROR, "Operation with invalid offers: " + invalid, {},
                         role.value_or(""));
      std::vector<const mesos::v1::TaskInfo*> tasks;
      if (op.type() == mesos::v1::Offer::Operation::LAUNCH)
        for (const auto& t : op.launch().task_infos()) tasks.push_back(&t);
      if (op.type() == mesos::v1::Offer::Operation::LAUNCH_GROUP)
        for (const auto& t : op.launch_group().task_group().tasks()) tasks.push_back(&t);
      for (const auto* t : tasks)
        master_update(fw, *t, lost, TaskStatus::REASON_INVALID_OFFERS, "Task launched with invalid offers: " + invalid);
    }
    schedule_allocation();
    return;
  }
  sim_agent& a = agents[*agent];
  using Operation = mesos::v1::Offer::Operation;
  // An operation that converts `from` into `to` (all or nothing) on the
  // offered resources and the agent's. Feedback when it has an id.
  const auto convert = [&](const Operation& op, const detail::pool& from, const detail::pool& to, std::string why) {
    if (why.empty() && !detail::contains(pool, from))
      why = "Resources " + detail::describe(from) + " are not available in " + detail::describe(pool);
    if (!why.empty()) {
      // Invalid: dropped, as before; with an id, the framework hears why.
      if (op.has_id())
        operation_status(fw, op, *agent, mesos::v1::OPERATION_ERROR,
                         "Invalid " + Operation::Type_Name(op.type()) + " operation: " + why, {}, *role);
      return;
    }
    detail::subtract(pool, from);
    detail::add(pool, to);
    detail::subtract(a.total, from);
    detail::add(a.total, to);
    if (op.has_id()) operation_status(fw, op, *agent, mesos::v1::OPERATION_FINISHED, "", to, *role);
  };
  const auto is_volume = [](const mesos::v1::Resource& r) {
    return r.name() == "disk" && r.type() == mesos::v1::Value::SCALAR && r.has_disk() && r.disk().has_persistence();
  };
  for (const auto& op : acc.operations()) {
    if (op.has_id() && (op.type() == Operation::LAUNCH || op.type() == Operation::LAUNCH_GROUP)) {
      // Feedback is for operations on resources; tasks have status updates.
      const std::string why = "Operation IDs are not supported for " + Operation::Type_Name(op.type()) + " operations";
      operation_status(fw, op, *agent, mesos::v1::OPERATION_ERROR, why, {}, *role);
      const auto& tasks =
          op.type() == Operation::LAUNCH ? op.launch().task_infos() : op.launch_group().task_group().tasks();
      for (const auto& t : tasks) master_update(fw, t, mesos::v1::TASK_ERROR, TaskStatus::REASON_TASK_INVALID, why);
      continue;
    }
    detail::pool from;
    detail::pool to;
    switch (op.type()) {
      case Operation::LAUNCH:
        for (const auto& t : op.launch().task_infos()) launch(fw, *agent, pool, t);
        break;
      case Operation::LAUNCH_GROUP: {
        const auto& group = op.launch_group();
        detail::pool needed;
        detail::add(needed, detail::pool(group.executor().resources().begin(), group.executor().resources().end()));
        std::string why;
        for (const auto& t : group.task_group().tasks()) {
          detail::add(needed, detail::pool(t.resources().begin(), t.resources().end()));
          if (fw.tasks.count(t.task_id().value())) why = "Task has duplicate ID: " + t.task_id().value();
        }
        if (why.empty() && !detail::contains(pool, needed))
          why = "Task group uses more resources " + detail::describe(needed) + " than available " +
                detail::describe(pool);
        if (!why.empty()) {
          for (const auto& t : group.task_group().tasks())
            master_update(fw, t, mesos::v1::TASK_ERROR, TaskStatus::REASON_TASK_GROUP_INVALID, why);
          break;
        }
        detail::pool executor_resources(group.executor().resources().begin(), group.executor().resources().end());
        detail::subtract(pool, executor_resources);
        for (const auto& t : group.task_group().tasks())
          launch(fw, *agent, pool, t, &group.task_group(), &group.executor());
        break;
      }
      case Operation::RESERVE:
        for (const auto& r : op.reserve().resources()) {
          detail::add(from, detail::unreserved(r));
          detail::add(to, r);
        }
        convert(op, from, to, "");
        break;
      case Operation::UNRESERVE:
        for (const auto& r : op.unreserve().resources()) {
          detail::add(from, r);
          detail::add(to, detail::unreserved(r));
        }
        convert(op, from, to, "");
        break;
      case Operation::CREATE:
        for (const auto& r : op.create().volumes()) {
          detail::add(from, detail::without_volume(r));
          detail::add(to, r);
        }
        convert(op, from, to, "");
        break;
      case Operation::DESTROY:
        for (const auto& r : op.destroy().volumes()) {
          detail::add(from, r);
          detail::add(to, detail::without_volume(r));
        }
        convert(op, from, to, "");
        break;
      case Operation::GROW_VOLUME: {
        // volume + addition (plain disk of the same reservation) -> a bigger volume.
        const auto& volume = op.grow_volume().volume();
        const auto& addition = op.grow_volume().addition();
        std::string why;
        if (!is_volume(volume))
          why = "'volume' is not a persistent volume";
        else if (addition.name() != "disk" || addition.type() != mesos::v1::Value::SCALAR ||
                 addition.scalar().value() <= 0 || addition.has_disk())
          why = "'addition' must be a positive amount of plain disk";
        else if (detail::reservation_role(addition) != detail::reservation_role(volume))
          why = "'addition' must have the reservations of 'volume'";
        detail::add(from, volume);
        detail::add(from, addition);
        mesos::v1::Resource grown = volume;
        grown.mutable_scalar()->set_value(volume.scalar().value() + addition.scalar().value());
        detail::add(to, grown);
        convert(op, from, to, why);
        break;
      }
      case Operation::SHRINK_VOLUME: {
        // volume -> a smaller volume + the freed plain disk.
        const auto& volume = op.shrink_volume().volume();
        const double subtract = op.shrink_volume().subtract().value();
        std::string why;
        if (!is_volume(volume))
          why = "'volume' is not a persistent volume";
        else if (!(subtract > 0) || !(subtract < volume.scalar().value()))
          why = "'subtract' must be more than 0 and less than the volume's size";
        detail::add(from, volume);
        if (why.empty()) {
          mesos::v1::Resource shrunk = volume;
          shrunk.mutable_scalar()->set_value(volume.scalar().value() - subtract);
          mesos::v1::Resource freed = detail::without_volume(volume);
          freed.mutable_scalar()->set_value(subtract);
          detail::add(to, shrunk);
          detail::add(to, freed);
        }
        convert(op, from, to, why);
        break;
      }
      case Operation::CREATE_DISK:
      case Operation::DESTROY_DISK:
        // These need a storage resource provider, which mesos-sim has none
        // of: an error with an id, otherwise dropped as unsupported.
        if (op.has_id())
          operation_status(fw, op, *agent, mesos::v1::OPERATION_ERROR,
                           Operation::Type_Name(op.type()) + " needs a resource provider; mesos-sim has none", {},
                           *role);
        break;
      default:
        if (op.has_id())
          operation_status(fw, op, *agent, mesos::v1::OPERATION_ERROR, "Unknown operation type", {}, *role);
        break;
    }
  }
  detail::add(a.available, pool);
  refuse(fw, *role, *agent, acc.filters());
  schedule_allocation();
}

void cluster::impl::operation_status(sim_framework& fw, const mesos::v1::Offer::Operation& op,
                                     std::optional<std::size_t> agent, mesos::v1::OperationState state,
                                     std::string message, const detail::pool& converted, const std::string& role) {
  mesos::v1::OperationStatus status;
  status.mutable_operation_id()->CopyFrom(op.id());
  status.set_state(state);
  if (!message.empty()) status.set_message(std::move(message));
  for (const auto& r : converted) {
    auto* out = status.add_converted_resources();
    *out = r;
    out->set_role(detail::reservation_role(r));
    out->mutable_allocation_info()->set_role(role);
  }
  if (agent) status.mutable_agent_id()->set_value(agents[*agent].id);
  if (state == mesos::v1::OPERATION_ERROR || !agent) {
    // The master's own verdict on an invalid operation: no uuid, nothing to
    // acknowledge, not resent, not kept (as TASK_ERROR).
    Event e;
    e.set_type(Event::UPDATE_OPERATION_STATUS);
    *e.mutable_update_operation_status()->mutable_status() = status;
    send_event(fw, e);
    return;
  }
  // Applied on the agent: delivered reliably, with a uuid, until acknowledged.
  auto& slot = fw.operations[op.id().value()];
  if (slot) slot->retry.cancel();
  slot = std::make_unique<sim_operation>(ioc);
  slot->agent = *agent;
  slot->latest = status;
  slot->pending = status;
  slot->pending->mutable_uuid()->set_value(protocol::random_uuid_bytes());
  send_operation_head(fw, op.id().value());
}

void cluster::impl::send_operation_head(sim_framework& fw, const std::string& operation_id) {
  const auto it = fw.operations.find(operation_id);
  if (it == fw.operations.end() || !it->second->pending) return;
  Event e;
  e.set_type(Event::UPDATE_OPERATION_STATUS);
  *e.mutable_update_operation_status()->mutable_status() = *it->second->pending;
  send_event(fw, e);
  auto& retry = it->second->retry;
  retry.expires_after(cfg.status_update_retry);
  const std::string fw_id = fw.id;
  retry.async_wait([this, fw_id, operation_id](beast::error_code ec) {
    if (ec) return;
    const auto f = frameworks.find(fw_id);
    if (f != frameworks.end()) send_operation_head(*f->second, operation_id);
  });
}

void cluster::impl::acknowledge_operation(sim_framework& fw, const Call::AcknowledgeOperationStatus& ack) {
  const auto it = fw.operations.find(ack.operation_id().value());
  if (it == fw.operations.end() || !it->second->pending || it->second->pending->uuid().value() != ack.uuid()) return;
  it->second->retry.cancel();
  // Every status the simulator sends is terminal: acknowledged, the
  // operation is forgotten (reconciliation then says OPERATION_UNKNOWN).
  fw.operations.erase(it);
}

mesos::v1::scheduler::Response cluster::impl::reconcile_operations(const sim_framework& fw,
                                                                   const Call::ReconcileOperations& r) const {
  mesos::v1::scheduler::Response response;
  response.set_type(mesos::v1::scheduler::Response::RECONCILE_OPERATIONS);
  auto* out = response.mutable_reconcile_operations();
  if (r.operations_size() == 0) {
    for (const auto& [id, op] : fw.operations) *out->add_operation_statuses() = op->latest;
    return response;
  }
  for (const auto& wanted : r.operations()) {
    const auto it = fw.operations.find(wanted.operation_id().value());
    if (it != fw.operations.end()) {
      *out->add_operation_statuses() = it->second->latest;
      continue;
    }
    mesos::v1::OperationStatus* s = out->add_operation_statuses();
    s->mutable_operation_id()->CopyFrom(wanted.operation_id());
    s->set_state(mesos::v1::OPERATION_UNKNOWN);
    if (wanted.has_agent_id()) s->mutable_agent_id()->CopyFrom(wanted.agent_id());
  }
  return response;
}

// The operator API's RESERVE_RESOURCES and UNRESERVE_RESOURCES: the same
// conversion an ACCEPT's RESERVE/UNRESERVE makes, on the agent's resources
// instead of an offer's. Offered resources are taken back first (a master
// rescinds offers to satisfy the operator). Answers and texts as a real
// master's (operator-answers.md): 202 empty, 400 for an unknown agent or a
// resource that is not dynamically reserved, 409 when the agent lacks it.
protocol::answer cluster::impl::operator_reservation(const mesos::v1::master::Call& call) {
  const bool reserve = call.type() == mesos::v1::master::Call::RESERVE_RESOURCES;
  const auto& agent_id = reserve ? call.reserve_resources().agent_id() : call.unreserve_resources().agent_id();
  const auto& resources = reserve ? call.reserve_resources().resources() : call.unreserve_resources().resources();
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < agents.size(); ++i)
    if (agents[i].id == agent_id.value() && !agents[i].gone) found = i;
  if (!found) return protocol::text(400, "No agent found with specified ID");
  sim_agent& a = agents[*found];

  // The agent's pid as GET_AGENTS shows it.
  const std::string where = " operation on agent " + a.id + " at slave(1)@" + cfg.host + ":5051 (" +
                            (a.spec.hostname.empty() ? cfg.host : a.spec.hostname) + "): ";
  const std::string operation = reserve ? "RESERVE" : "UNRESERVE";
  // (sic): a real master's words for an empty list.
  if (resources.empty())
    return protocol::text(
        400, "Invalid " + operation + where + "Invalid resources: The resources have multiple resource providers: ");
  detail::pool from, to;
  for (const auto& r : resources) {
    const auto n = detail::normalized(r);
    if (n.reservations_size() == 0 ||
        n.reservations(n.reservations_size() - 1).type() != mesos::v1::Resource::ReservationInfo::DYNAMIC)
      return protocol::text(400, "Invalid " + operation + where + "Resource " +
                                     detail::describe(detail::pool(&r, &r + 1)) + " is not dynamically reserved");
    detail::add(reserve ? from : to, detail::unreserved(r));
    detail::add(reserve ? to : from, r);
  }

  std::vector<std::string> offered;
  for (const auto& [id, o] : offers)
    if (o.agent == *found) offered.push_back(id);
  for (const auto& id : offered) return_offer(id, true);
  if (!detail::contains(a.available, from))
    return protocol::text(409, detail::describe(a.available) + " does not contain " + detail::describe(from));
  detail::subtract(a.available, from);
  detail::add(a.available, to);
  detail::subtract(a.total, from);
  detail::add(a.total, to);
  schedule_allocation();
  return protocol::empty(202);
}

}  // namespace mesoshttp::sim
