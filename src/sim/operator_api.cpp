// The operator API (POST /api/v1, /master/api/v1) of the simulated master:
// the leader checks of the scheduler path, the request checks of
// operator_protocol, then each call answered from the simulator's model with
// a real 1.11 master's shapes and error texts (operator-answers.md); SUBSCRIBE
// starts the operator event stream (operator_stream.cpp). Calls the model has
// nothing for answer 501 (operator_protocol::unsupported).
#include <google/protobuf/util/json_util.h>

#include <cmath>

#include "cluster_impl.hpp"
#include "connection.hpp"
#include "operator_protocol.hpp"

namespace mesoshttp::sim {

namespace {

namespace master = mesos::v1::master;
using master::Response;

// Resources as a master reports them to the operator: with the role they are
// allocated to, and the deprecated role field ("*" when unreserved).
void add_allocated(google::protobuf::RepeatedPtrField<mesos::v1::Resource>& out, const detail::pool& pool,
                   const std::string& role) {
  for (const auto& r : pool) {
    auto* x = out.Add();
    *x = r;
    x->set_role(detail::reservation_role(r));
    x->mutable_allocation_info()->set_role(role);
  }
}

// "Machine '{"hostname":"h","ip":"1.2.3.4"}' ...": the master quotes the id as JSON.
std::string machine_json(const mesos::v1::MachineID& id) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(id, &out, options);
  return out;
}

bool same_machine(const mesos::v1::MachineID& a, const mesos::v1::MachineID& b) {
  return a.hostname() == b.hostname() && a.ip() == b.ip();
}

protocol::answer ok() { return protocol::empty(200); }

}  // namespace

void cluster::impl::handle_operator(const std::shared_ptr<connection>& c, const http::request<http::string_body>& req) {
  const bool keep_alive = req.keep_alive();
  const sim_master& m = *masters[c->master];
  const std::string_view target(req.target().data(), req.target().size());
  // The leader checks come first, as on the scheduler path.
  if (!leader_index) {
    c->answer(protocol::text(503, std::string(protocol::no_leader)), keep_alive);
    return;
  }
  if (*leader_index != m.index) {
    c->answer(operator_protocol::redirect_to_leader(cfg.host, masters[*leader_index]->port, target), keep_alive, false);
    return;
  }
  if (m.phase == master_phase::recovering) {
    c->answer(protocol::text(503, std::string(protocol::not_recovered)), keep_alive);
    return;
  }
  auto parsed =
      operator_protocol::parse_request(detail::request_view_of(req), detail::header_of(req, "Accept-Encoding"));
  if (const auto* pc = std::get_if<operator_protocol::parsed_call>(&parsed);
      pc && pc->call.type() == master::Call::SUBSCRIBE) {
    // The operator event stream (operator_stream.cpp): never compressed.
    operator_subscribe(c, pc->answer_encoding);
    return;
  }
  protocol::answer a =
      std::holds_alternative<protocol::answer>(parsed) ? std::get<protocol::answer>(std::move(parsed)) : [&] {
        const auto& pc = std::get<operator_protocol::parsed_call>(parsed);
        return operator_call(pc.call, pc.answer_encoding, pc.gzip);
      }();
  // A compressed answer's headers start with Content-Encoding, then Date.
  const bool compressed = !a.headers.empty() && a.headers.front().first == "Content-Encoding";
  if (compressed) a.headers.insert(a.headers.begin() + 1, {"Date", detail::http_date()});
  c->answer(a, keep_alive, !compressed);
}

mesos::v1::Task cluster::impl::operator_task(const std::string& framework_id, const sim_task& t) const {
  mesos::v1::Task task;
  task.set_name(t.info.name());
  *task.mutable_task_id() = t.info.task_id();
  task.mutable_framework_id()->set_value(framework_id);
  // Command tasks have no executor id in the master's view.
  if (t.info.has_executor()) *task.mutable_executor_id() = t.info.executor().executor_id();
  task.mutable_agent_id()->set_value(agents[t.agent].id);
  task.set_state(t.state);
  std::string role = "*";
  if (const auto f = frameworks.find(framework_id); f != frameworks.end()) role = f->second->roles().front();
  add_allocated(*task.mutable_resources(), t.resources, role);
  // The master's view keeps no deprecated role on a task's resources.
  for (auto& r : *task.mutable_resources()) r.clear_role();
  for (const auto& s : t.statuses) *task.add_statuses() = s;
  // The update being delivered, else the last one.
  const TaskStatus* current = !t.pending.empty()   ? &t.pending.front()
                              : t.statuses.empty() ? nullptr
                                                   : &t.statuses.back();
  if (current) {
    task.set_status_update_state(current->state());
    if (current->has_uuid()) task.set_status_update_uuid(current->uuid());
  }
  return task;
}

void cluster::impl::keep_completed_task(const std::string& framework_id, std::shared_ptr<sim_task> t) {
  completed_tasks.emplace_back(framework_id, std::move(t));
  // A master keeps the last 1000 completed tasks per framework; one bound
  // for all is enough for a simulator.
  if (completed_tasks.size() > 1000) completed_tasks.pop_front();
}

Response::GetState cluster::impl::operator_state() const {
  Response::GetState state;
  auto& tasks = *state.mutable_get_tasks();
  auto& executors = *state.mutable_get_executors();
  auto& fws = *state.mutable_get_frameworks();
  auto& ags = *state.mutable_get_agents();
  std::set<std::pair<std::string, std::size_t>> seen_executors;
  // Per agent, with the roles they are allocated to.
  std::vector<google::protobuf::RepeatedPtrField<mesos::v1::Resource>> allocated(agents.size()), offered(agents.size());

  for (const auto& [id, fw] : frameworks) {
    auto* f = fws.add_frameworks();
    auto& info = *f->mutable_framework_info();
    info = fw->info;
    info.mutable_id()->set_value(id);
    // A master writes these even when the scheduler did not send them.
    if (!info.has_checkpoint()) info.set_checkpoint(false);
    if (!info.has_failover_timeout()) info.set_failover_timeout(0);
    f->set_active(fw->connected);
    f->set_connected(fw->connected);
    f->set_recovered(false);
    *f->mutable_registered_time() = detail::time_info(fw->registered_time);
    *f->mutable_reregistered_time() = detail::time_info(fw->reregistered_time);
    const std::string role = fw->roles().front();
    for (const auto& [tid, t] : fw->tasks) {
      *(is_terminal(t->state) ? tasks.add_completed_tasks() : tasks.add_tasks()) = operator_task(id, *t);
      if (is_terminal(t->state)) continue;
      add_allocated(*f->mutable_allocated_resources(), t->resources, role);
      add_allocated(allocated[t->agent], t->resources, role);
      if (t->info.has_executor() &&
          seen_executors.insert({t->info.executor().executor_id().value(), t->agent}).second) {
        auto* e = executors.add_executors();
        *e->mutable_executor_info() = t->info.executor();
        e->mutable_executor_info()->mutable_framework_id()->set_value(id);
        e->mutable_agent_id()->set_value(agents[t->agent].id);
      }
    }
    for (const auto& [oid, o] : offers) {
      if (o.framework_id != id) continue;
      // As a real master's GET_FRAMEWORKS: the framework's outstanding offers.
      *f->add_offers() = make_offer(o, *fw);
      add_allocated(*f->mutable_offered_resources(), o.resources, o.role);
      add_allocated(offered[o.agent], o.resources, o.role);
    }
    f->mutable_offer_constraints();
  }
  for (const auto& c : completed_frameworks) {
    auto* f = fws.add_completed_frameworks();
    *f->mutable_framework_info() = c.info;
    if (!c.info.has_checkpoint()) f->mutable_framework_info()->set_checkpoint(false);
    if (!c.info.has_failover_timeout()) f->mutable_framework_info()->set_failover_timeout(0);
    f->set_active(false);
    f->set_connected(false);
    f->set_recovered(false);
    *f->mutable_registered_time() = detail::time_info(c.registered_time);
    *f->mutable_reregistered_time() = detail::time_info(c.registered_time);
    *f->mutable_unregistered_time() = detail::time_info(c.unregistered_time);
    f->mutable_offer_constraints();
  }
  for (const auto& [fw_id, t] : completed_tasks) *tasks.add_completed_tasks() = operator_task(fw_id, *t);

  for (std::size_t i = 0; i < agents.size(); ++i) {
    const sim_agent& a = agents[i];
    if (a.gone) continue;
    auto* out = ags.add_agents();
    auto& info = *out->mutable_agent_info();
    info.set_hostname(a.spec.hostname);
    info.set_port(5051);
    for (const auto& r : a.total) *info.add_resources() = r;
    info.mutable_id()->set_value(a.id);
    out->set_active(!a.deactivated);
    out->set_deactivated(a.deactivated);
    out->set_version(cfg.version);
    out->set_pid("slave(1)@" + cfg.host + ":5051");
    *out->mutable_registered_time() = detail::time_info(start_time);
    for (const auto& r : a.total) {
      auto* x = out->add_total_resources();
      *x = r;
      x->set_role(detail::reservation_role(r));
    }
    *out->mutable_allocated_resources() = allocated[i];
    *out->mutable_offered_resources() = offered[i];
    using cap = mesos::v1::AgentInfo::Capability;
    for (auto t : {cap::MULTI_ROLE, cap::HIERARCHICAL_ROLE, cap::RESERVATION_REFINEMENT, cap::RESOURCE_PROVIDER,
                   cap::RESIZE_VOLUME, cap::AGENT_OPERATION_FEEDBACK, cap::AGENT_DRAINING, cap::TASK_RESOURCE_LIMITS})
      out->add_capabilities()->set_type(t);
    if (a.drain) {
      auto& drain = *out->mutable_drain_info();
      drain.set_state(drained(i) ? mesos::v1::DRAINED : mesos::v1::DRAINING);
      *drain.mutable_config() = *a.drain;
      *out->mutable_estimated_drain_start_time() = detail::time_info(a.drain_started);
    }
  }
  // A fresh master writes these lists even when they are empty; protobuf
  // has no empty list, so nothing more to do here.
  return state;
}

// GET_FLAGS: a plausible subset of a master's flags, from the simulator's
// settings (also the "flags" of /master/state).
std::map<std::string, std::string> cluster::impl::operator_flags() const {
  const auto ms = [](auto d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
  };
  return {
      {"agent_ping_timeout", "15secs"},
      {"allocation_interval", ms(cfg.offer_interval)},
      {"authenticate_http_frameworks", cfg.credentials.empty() && cfg.bearer_tokens.empty() ? "false" : "true"},
      {"authenticate_http_readonly", "false"},
      {"authenticate_http_readwrite", "false"},
      {"hostname", cfg.host},
      {"max_completed_frameworks", "50"},
      {"max_completed_tasks_per_framework", "1000"},
      {"max_operator_event_stream_subscribers", std::to_string(cfg.max_operator_subscribers)},
      {"offer_timeout", "none"},
      {"port", std::to_string(masters[leader_index.value_or(0)]->port)},
      {"quorum", std::to_string(masters.size() / 2 + 1)},
      {"recovery_agent_removal_limit", "100%"},
      {"registry", "in_memory"},
      {"work_dir", sandbox_root.empty() ? "/var/lib/mesos" : sandbox_root.string()},
      {"zk_session_timeout", "10secs"},
  };
}

// GET_METRICS, by name (also /metrics/snapshot on the leader).
std::map<std::string, double> cluster::impl::operator_metrics() const {
  std::size_t active_fw = 0, tasks_running = 0, tasks_staging = 0, agents_active = 0;
  for (const auto& [id, fw] : frameworks) {
    active_fw += fw->connected;
    for (const auto& [tid, t] : fw->tasks) {
      tasks_running += t->state == mesos::v1::TASK_RUNNING;
      tasks_staging += t->state == mesos::v1::TASK_STAGING;
    }
  }
  double cpus = 0, mem = 0, agents_known = 0;
  for (const auto& a : agents) {
    if (a.gone) continue;
    ++agents_known;
    agents_active += !a.deactivated;
    cpus += a.spec.cpus;
    mem += a.spec.mem_mb;
  }
  return {
      {"master/elected", 1},
      {"master/uptime_secs", detail::now_seconds() - start_time},
      {"master/frameworks_active", static_cast<double>(active_fw)},
      {"master/frameworks_connected", static_cast<double>(active_fw)},
      {"master/frameworks_disconnected", static_cast<double>(frameworks.size() - active_fw)},
      {"master/frameworks_inactive", static_cast<double>(frameworks.size() - active_fw)},
      {"master/slaves_active", static_cast<double>(agents_active)},
      {"master/slaves_inactive", agents_known - static_cast<double>(agents_active)},
      {"master/slaves_connected", agents_known},
      {"master/tasks_running", static_cast<double>(tasks_running)},
      {"master/tasks_staging", static_cast<double>(tasks_staging)},
      {"master/outstanding_offers", static_cast<double>(offers.size())},
      {"master/cpus_total", cpus},
      {"master/mem_total", mem},
      {"system/cpus_total", 2},
  };
}

protocol::answer cluster::impl::operator_call(const master::Call& call, encoding enc, bool gzip_ok) {
  Response r;
  const auto respond = [&](master::Response::Type type) {
    r.set_type(type);
    return operator_protocol::respond(r, enc, gzip_ok);
  };
  // A gone agent is unknown to every call ("Unknown agent"), MARK_AGENT_GONE aside.
  const auto agent_index = [&](const std::string& id, bool even_gone = false) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < agents.size(); ++i)
      if (agents[i].id == id && (even_gone || !agents[i].gone)) return i;
    return std::nullopt;
  };
  // Agents on a machine (hostname, and the ip when one is given).
  const auto agents_on = [&](const mesos::v1::MachineID& machine) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < agents.size(); ++i)
      if (!agents[i].gone && agents[i].spec.hostname == machine.hostname() &&
          (!machine.has_ip() || machine.ip() == cfg.host))
        out.push_back(i);
    return out;
  };

  switch (call.type()) {
    case master::Call::UNKNOWN: return protocol::text(501, std::string(operator_protocol::not_implemented));
    case master::Call::GET_HEALTH: r.mutable_get_health()->set_healthy(true); return respond(Response::GET_HEALTH);
    case master::Call::GET_VERSION: {
      auto& v = *r.mutable_get_version()->mutable_version_info();
      v.set_version(cfg.version);
      v.set_build_time(start_time);
      v.set_build_user("");
      v.set_git_branch("refs/heads/master");
      return respond(Response::GET_VERSION);
    }
    case master::Call::GET_FLAGS:
      for (const auto& [name, value] : operator_flags()) {
        auto* f = r.mutable_get_flags()->add_flags();
        f->set_name(name);
        f->set_value(value);
      }
      return respond(Response::GET_FLAGS);
    case master::Call::GET_METRICS:
      for (const auto& [name, value] : operator_metrics()) {
        auto* m = r.mutable_get_metrics()->add_metrics();
        m->set_name(name);
        m->set_value(value);
      }
      return respond(Response::GET_METRICS);
    case master::Call::GET_LOGGING_LEVEL:
      r.mutable_get_logging_level()->set_level(logging_level);
      return respond(Response::GET_LOGGING_LEVEL);
    case master::Call::SET_LOGGING_LEVEL: logging_level = call.set_logging_level().level(); return ok();
    // This master has no files attached (no --log_dir): 404 with no body.
    case master::Call::LIST_FILES:
    case master::Call::READ_FILE: return protocol::text(404, "");
    case master::Call::GET_STATE: *r.mutable_get_state() = operator_state(); return respond(Response::GET_STATE);
    case master::Call::GET_AGENTS:
      *r.mutable_get_agents() = operator_state().get_agents();
      return respond(Response::GET_AGENTS);
    case master::Call::GET_FRAMEWORKS:
      *r.mutable_get_frameworks() = operator_state().get_frameworks();
      return respond(Response::GET_FRAMEWORKS);
    case master::Call::GET_EXECUTORS:
      *r.mutable_get_executors() = operator_state().get_executors();
      return respond(Response::GET_EXECUTORS);
    case master::Call::GET_TASKS:
      *r.mutable_get_tasks() = operator_state().get_tasks();
      return respond(Response::GET_TASKS);
    case master::Call::GET_OPERATIONS: r.mutable_get_operations(); return respond(Response::GET_OPERATIONS);
    case master::Call::GET_ROLES: {
      auto& roles = *r.mutable_get_roles();
      std::map<std::string, mesos::v1::Role> by_name;
      for (const auto& [id, fw] : frameworks) {
        for (const auto& name : fw->roles()) {
          auto& role = by_name[name];
          role.set_name(name);
          role.set_weight(1.0);
          role.add_frameworks()->set_value(id);
        }
        const std::string first = fw->roles().front();
        auto& role = by_name[first];
        for (const auto& [tid, t] : fw->tasks)
          if (!is_terminal(t->state)) add_allocated(*role.mutable_resources(), t->resources, first);
        for (const auto& [oid, o] : offers)
          if (o.framework_id == id) add_allocated(*by_name[o.role].mutable_resources(), o.resources, o.role);
      }
      for (auto& [name, role] : by_name) *roles.add_roles() = std::move(role);
      return respond(Response::GET_ROLES);
    }
    // No weights were ever set: a master leaves get_weights out entirely.
    case master::Call::GET_WEIGHTS: return respond(Response::GET_WEIGHTS);
    case master::Call::GET_MASTER: {
      auto& gm = *r.mutable_get_master();
      *gm.mutable_master_info() = master_info(*leader_index);
      gm.set_start_time(start_time);
      gm.set_elected_time(start_time);
      return respond(Response::GET_MASTER);
    }
    case master::Call::GET_MAINTENANCE_SCHEDULE:
      *r.mutable_get_maintenance_schedule()->mutable_schedule() = maintenance_schedule;
      return respond(Response::GET_MAINTENANCE_SCHEDULE);
    case master::Call::GET_MAINTENANCE_STATUS: {
      auto& status = *r.mutable_get_maintenance_status()->mutable_status();
      for (const auto& w : maintenance_schedule.windows())
        for (const auto& id : w.machine_ids()) {
          const bool down = std::any_of(down_machines.begin(), down_machines.end(),
                                        [&](const auto& d) { return same_machine(d, id); });
          if (!down) *status.add_draining_machines()->mutable_id() = id;
        }
      for (const auto& d : down_machines) *status.add_down_machines() = d;
      return respond(Response::GET_MAINTENANCE_STATUS);
    }
    case master::Call::GET_QUOTA: r.mutable_get_quota()->mutable_status(); return respond(Response::GET_QUOTA);

    case master::Call::TEARDOWN: {
      const std::string id = call.teardown().framework_id().value();
      if (!frameworks.count(id)) return protocol::text(400, "No framework found with specified ID");
      remove_framework(id);
      return ok();
    }
    case master::Call::RESERVE_RESOURCES:
    case master::Call::UNRESERVE_RESOURCES: return operator_reservation(call);
    case master::Call::DEACTIVATE_AGENT: {
      const auto i = agent_index(call.deactivate_agent().agent_id().value());
      if (!i) return protocol::text(400, "Unknown agent");
      agents[*i].deactivated = true;
      rescind_offers_of(*i);
      return ok();
    }
    case master::Call::REACTIVATE_AGENT: {
      const auto i = agent_index(call.reactivate_agent().agent_id().value());
      // A master says the same for an agent it does not know.
      if (!i || !agents[*i].deactivated) return protocol::text(400, "Agent is not deactivated");
      agents[*i].deactivated = false;
      agents[*i].drain.reset();
      schedule_allocation();
      return ok();
    }
    case master::Call::DRAIN_AGENT: {
      const auto& d = call.drain_agent();
      const auto i = agent_index(d.agent_id().value());
      if (!i) return protocol::text(400, "Unknown agent");
      sim_agent& a = agents[*i];
      const bool draining = a.drain.has_value();
      a.deactivated = true;
      mesos::v1::DrainConfig config;
      if (d.has_max_grace_period())
        config.mutable_max_grace_period()->set_nanoseconds(d.max_grace_period().seconds() * 1'000'000'000 +
                                                           d.max_grace_period().nanos());
      config.set_mark_gone(d.mark_gone());
      a.drain = config;
      if (!draining) a.drain_started = detail::now_seconds();
      rescind_offers_of(*i);
      // The agent kills what runs there; the drain is DRAINED once all ended.
      for (auto& [fw_id, fw] : frameworks) {
        std::vector<std::string> live;
        for (const auto& [tid, t] : fw->tasks)
          if (t->agent == *i && !is_terminal(t->state)) live.push_back(tid);
        for (const auto& tid : live) kill(*fw, tid);
      }
      // With mark_gone and nothing running, drained and gone at once; else
      // once the last task's end is known (update()).
      mark_gone_if_drained(*i);
      return ok();
    }
    case master::Call::MARK_AGENT_GONE: {
      const std::string& id = call.mark_agent_gone().agent_id().value();
      const auto i = agent_index(id, true);
      if (!i) return protocol::text(404, "Agent '" + id + "' not found");
      // Again for a gone agent: 200, nothing more to do.
      mark_agent_gone_now(*i);
      return ok();
    }
    case master::Call::UPDATE_MAINTENANCE_SCHEDULE: {
      const auto& schedule = call.update_maintenance_schedule().schedule();
      for (const auto& w : schedule.windows())
        if (w.machine_ids().empty()) return protocol::text(400, "List of machines in the maintenance window is empty");
      // Agents scheduled by the old schedule and not by the new one are free again.
      for (const auto& w : maintenance_schedule.windows())
        for (const auto& id : w.machine_ids())
          for (auto i : agents_on(id)) cancel_maintenance_now(i);
      maintenance_schedule = schedule;
      for (const auto& w : schedule.windows())
        for (const auto& id : w.machine_ids())
          for (auto i : agents_on(id)) schedule_maintenance_now(i, w.unavailability());
      return ok();
    }
    case master::Call::START_MAINTENANCE: {
      const auto& machines = call.start_maintenance().machines();
      for (const auto& id : machines) {
        bool scheduled = false;
        for (const auto& w : maintenance_schedule.windows())
          for (const auto& s : w.machine_ids()) scheduled = scheduled || same_machine(s, id);
        if (!scheduled)
          return protocol::text(400, "Machine '" + machine_json(id) + "' is not part of a maintenance schedule");
      }
      for (const auto& id : machines) {
        if (std::none_of(down_machines.begin(), down_machines.end(),
                         [&](const auto& d) { return same_machine(d, id); }))
          down_machines.push_back(id);
        // An agent on a DOWN machine is shut down by a real master; here it
        // only stops being offered.
        for (auto i : agents_on(id)) {
          agents[i].deactivated = true;
          rescind_offers_of(i);
        }
      }
      return ok();
    }
    case master::Call::STOP_MAINTENANCE: {
      const auto& machines = call.stop_maintenance().machines();
      for (const auto& id : machines)
        if (std::none_of(down_machines.begin(), down_machines.end(),
                         [&](const auto& d) { return same_machine(d, id); }))
          return protocol::text(400, "Machine '" + machine_json(id) + "' is not in DOWN mode and cannot be brought up");
      for (const auto& id : machines) {
        std::erase_if(down_machines, [&](const auto& d) { return same_machine(d, id); });
        // The machine leaves the schedule, and a window left with no machine goes.
        auto* windows = maintenance_schedule.mutable_windows();
        for (int w = windows->size() - 1; w >= 0; --w) {
          auto* ids = windows->Mutable(w)->mutable_machine_ids();
          for (int k = ids->size() - 1; k >= 0; --k)
            if (same_machine(ids->Get(k), id)) ids->DeleteSubrange(k, 1);
          if (ids->empty()) windows->DeleteSubrange(w, 1);
        }
        for (auto i : agents_on(id)) {
          cancel_maintenance_now(i);
          agents[i].deactivated = false;
        }
      }
      schedule_allocation();
      return ok();
    }
    default:
      // Weights, volumes, quota changes:
      // nothing in the model yet. (SUBSCRIBE never gets here: handle_operator.)
      return protocol::text(501, operator_protocol::unsupported(master::Call::Type_Name(call.type())));
  }
}

namespace detail {
mesos::v1::TimeInfo time_info(double seconds) {
  mesos::v1::TimeInfo t;
  t.set_nanoseconds(static_cast<std::int64_t>(std::llround(seconds * 1e9)));
  return t;
}
}  // namespace detail

}  // namespace mesoshttp::sim
