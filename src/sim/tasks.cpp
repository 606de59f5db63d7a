// Tasks on the simulated master: launches, the status-update manager (each
// task's updates go out one at a time, resent until acknowledged, as an
// agent's), kills, reconciliation, and tasks that are local processes.
#include <signal.h>

#include "cluster_impl.hpp"
#include "process.hpp"

namespace mesoshttp::sim {

void cluster::impl::master_update(sim_framework& fw, const mesos::v1::TaskInfo& task, TaskState state,
                                  TaskStatus::Reason reason, std::string message) {
  Event e;
  e.set_type(Event::UPDATE);
  TaskStatus* s = e.mutable_update()->mutable_status();
  s->mutable_task_id()->CopyFrom(task.task_id());
  s->set_state(state);
  s->set_message(std::move(message));
  s->set_source(TaskStatus::SOURCE_MASTER);
  s->set_reason(reason);
  if (task.has_agent_id()) s->mutable_agent_id()->CopyFrom(task.agent_id());
  s->set_timestamp(detail::now_seconds());
  // No uuid: a real master's own updates (invalid launches, reconciliation)
  // are not delivered reliably, so there is nothing to acknowledge and they
  // are never resent.
  send_event(fw, e);
}

TaskStatus cluster::impl::end_task_by_master(const std::string& framework_id, sim_task& t, TaskState state,
                                             TaskStatus::Reason reason, std::string message) {
  TaskStatus s;
  *s.mutable_task_id() = t.info.task_id();
  s.set_state(state);
  s.set_message(std::move(message));
  s.set_source(TaskStatus::SOURCE_MASTER);
  s.set_reason(reason);
  s.mutable_agent_id()->set_value(agents[t.agent].id);
  s.set_timestamp(detail::now_seconds());
  t.state = state;
  t.statuses.push_back(s);
  t.pending.clear();
  emit_task_updated(framework_id, t, s);
  return s;
}

void cluster::impl::launch(sim_framework& fw, std::size_t agent, detail::pool& pool, const mesos::v1::TaskInfo& task,
                           const mesos::v1::TaskGroupInfo* group, const mesos::v1::ExecutorInfo* group_executor) {
  // A command task runs on the built-in command executor, named as the task.
  const std::string executor_id = group_executor        ? group_executor->executor_id().value()
                                  : task.has_executor() ? task.executor().executor_id().value()
                                                        : task.task_id().value();
  const detail::pool needed(task.resources().begin(), task.resources().end());
  std::string why;
  if (fw.tasks.count(task.task_id().value()))
    why = "Task has duplicate ID: " + task.task_id().value();
  else if (task.agent_id().value() != agents[agent].id)
    why = "Agent " + task.agent_id().value() + " is not the same as the agent " + agents[agent].id + " in offer";
  else if (!group_executor && task.has_command() == task.has_executor())
    why = "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";
  else if (needed.empty())
    why = "Task uses no resources";
  else if (!detail::contains(pool, needed))
    why = "Task uses more resources " + detail::describe(needed) + " than available " + detail::describe(pool);
  if (!why.empty()) {
    master_update(fw, task, mesos::v1::TASK_ERROR, TaskStatus::REASON_TASK_INVALID, why);
    return;
  }
  detail::subtract(pool, needed);
  auto t = std::make_shared<sim_task>(ioc);
  t->info = task;
  t->executor_id = executor_id;
  t->agent = agent;
  t->resources = needed;
  t->container_id = protocol::random_uuid();
  fw.tasks[task.task_id().value()] = t;
  emit_task_added(fw, *t);
  start_task(fw, t, group, group_executor);
}

TaskStatus cluster::impl::make_status(const sim_task& t, TaskState state, std::string message) {
  TaskStatus s;
  s.mutable_task_id()->CopyFrom(t.info.task_id());
  s.set_state(state);
  if (!message.empty()) s.set_message(std::move(message));
  s.set_source(TaskStatus::SOURCE_EXECUTOR);
  s.mutable_agent_id()->set_value(agents[t.agent].id);
  s.mutable_executor_id()->set_value(t.executor_id);
  s.set_timestamp(detail::now_seconds());
  s.set_uuid(protocol::random_uuid_bytes());
  s.mutable_container_status()->mutable_container_id()->set_value(t.container_id);
  return s;
}

void cluster::impl::update(sim_framework& fw, sim_task& t, TaskStatus status) {
  // A task that ends gives its resources back to its agent, to be offered
  // again, whoever ends it (the process, the agent, the executor).
  if (!is_terminal(t.state) && is_terminal(status.state())) {
    detail::add(agents[t.agent].available, t.resources);
    schedule_allocation();
  }
  t.state = status.state();
  t.statuses.push_back(status);
  // Every update the master learns goes to operator subscribers.
  emit_task_updated(fw.id, t, status);
  t.pending.push_back(std::move(status));
  if (t.pending.size() == 1) send_head(fw, t);
}

void cluster::impl::send_head(sim_framework& fw, sim_task& t) {
  if (t.pending.empty()) return;
  Event e;
  e.set_type(Event::UPDATE);
  *e.mutable_update()->mutable_status() = t.pending.front();
  send_event(fw, e);
  // Like an agent's status update manager: resend until acknowledged.
  t.retry.expires_after(cfg.status_update_retry);
  const std::string fw_id = fw.id;
  const std::string task_id = t.info.task_id().value();
  t.retry.async_wait([this, fw_id, task_id](beast::error_code ec) {
    if (ec) return;
    const auto f = frameworks.find(fw_id);
    if (f == frameworks.end()) return;
    const auto it = f->second->tasks.find(task_id);
    if (it != f->second->tasks.end()) send_head(*f->second, *it->second);
  });
}

void cluster::impl::acknowledge(sim_framework& fw, const Call::Acknowledge& ack) {
  const auto it = fw.tasks.find(ack.task_id().value());
  if (it == fw.tasks.end()) return;
  sim_task& t = *it->second;
  if (t.pending.empty() || t.pending.front().uuid() != ack.uuid()) return;
  // An update the executor sent is acknowledged to it (the agent's own,
  // e.g. TASK_FAILED for an executor that exited, is not).
  if (t.on_executor && t.pending.front().source() == TaskStatus::SOURCE_EXECUTOR)
    executor_acknowledged(fw, t, ack.uuid());
  t.pending.pop_front();
  t.retry.cancel();
  if (!t.pending.empty()) {
    send_head(fw, t);
    return;
  }
  // The last update of a task on a draining agent with mark_gone may make
  // it drained, and so gone; after this call, not under its caller's feet.
  if (is_terminal(t.state) && agents[t.agent].drain && agents[t.agent].drain->mark_gone())
    net::post(ioc, [this, agent = t.agent] {
      if (!stopped) mark_gone_if_drained(agent);
    });
  // A terminal, acknowledged task is forgotten (reconciliation then says LOST).
  if (is_terminal(t.state) && t.pid < 0) {
    keep_completed_task(fw.id, it->second);
    fw.tasks.erase(it);
  }
}

void cluster::impl::start_task(sim_framework& fw, const std::shared_ptr<sim_task>& t,
                               const mesos::v1::TaskGroupInfo* group, const mesos::v1::ExecutorInfo* group_executor) {
  if (cfg.tasks == task_mode::local_process) {
    if (group_executor || t->info.has_executor()) {
      launch_on_executor(fw, t, group_executor ? *group_executor : t->info.executor(), group);
      return;
    }
    t->sandbox = sandbox_root / fw.id / t->info.task_id().value();
    auto result = detail::spawn(t->info.command(), t->sandbox);
    if (auto* why = std::get_if<std::string>(&result)) {
      TaskStatus s = make_status(*t, mesos::v1::TASK_FAILED, "Failed to launch container: " + *why);
      s.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
      update(fw, *t, s);
      return;
    }
    const auto sp = std::get<detail::spawned>(result);
    t->pid = sp.pid;
    t->pidfd = std::make_unique<net::posix::stream_descriptor>(ioc, sp.pidfd);
    update(fw, *t, make_status(*t, mesos::v1::TASK_STARTING, ""));
    update(fw, *t, make_status(*t, mesos::v1::TASK_RUNNING, ""));
    watch_process(fw.id, t);
    return;
  }
  update(fw, *t, make_status(*t, mesos::v1::TASK_STARTING, ""));
  update(fw, *t, make_status(*t, mesos::v1::TASK_RUNNING, ""));
  auto run_time = cfg.task_run_time;
  TaskState outcome = cfg.task_outcome;
  for (const auto& label : t->info.labels().labels()) {
    if (label.key() == "mesos-sim/run-ms") {
      try {
        run_time = std::chrono::milliseconds(std::stoll(label.value()));
      } catch (const std::exception&) {
      }
    } else if (label.key() == "mesos-sim/outcome") {
      TaskState parsed;
      if (mesos::v1::TaskState_Parse(label.value(), &parsed)) outcome = parsed;
    }
  }
  if (run_time.count() <= 0) return;  // runs until killed
  t->progress.expires_after(run_time);
  std::weak_ptr<sim_task> weak = t;
  const std::string fw_id = fw.id;
  t->progress.async_wait([this, weak, fw_id, outcome](beast::error_code ec) {
    auto task = weak.lock();
    if (ec || !task) return;
    const auto f = frameworks.find(fw_id);
    if (f == frameworks.end() || is_terminal(task->state)) return;
    std::string message;
    if (outcome == mesos::v1::TASK_FINISHED)
      message = "Command exited with status 0";
    else if (outcome == mesos::v1::TASK_FAILED)
      message = "Command exited with status 1";
    finish_task(*f->second, *task, outcome, message);
  });
}

void cluster::impl::finish_task(sim_framework& fw, sim_task& t, TaskState state, std::string message) {
  if (is_terminal(t.state)) return;
  t.progress.cancel();
  update(fw, t, make_status(t, state, std::move(message)));
}

void cluster::impl::watch_process(const std::string& fw_id, const std::shared_ptr<sim_task>& t) {
  std::weak_ptr<sim_task> weak = t;
  t->pidfd->async_wait(net::posix::stream_descriptor::wait_read, [this, weak, fw_id](beast::error_code ec) {
    auto task = weak.lock();
    if (ec || !task || task->pid < 0) return;
    const int status = detail::reap(task->pid, false);
    if (status < 0) {
      watch_process(fw_id, task);
      return;
    }
    task->pid = -1;
    task->progress.cancel();
    beast::error_code ignored;
    task->pidfd->close(ignored);
    const auto f = frameworks.find(fw_id);
    if (f == frameworks.end()) return;
    std::string message = detail::describe_exit(status);
    TaskState state;
    if (task->kill_requested)
      state = mesos::v1::TASK_KILLED;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      state = mesos::v1::TASK_FINISHED;
    else
      state = mesos::v1::TASK_FAILED;
    finish_task(*f->second, *task, state, message);
  });
}

void cluster::impl::stop_process(sim_task& t, bool force) {
  if (t.pid <= 0) return;
  detail::signal_group(t.pid, force ? SIGKILL : SIGTERM);
  if (force) {
    detail::reap(t.pid, true);
    t.pid = -1;
    if (t.pidfd) {
      beast::error_code ignored;
      t.pidfd->close(ignored);
    }
  }
}

void cluster::impl::kill(sim_framework& fw, const std::string& task_id) {
  const auto it = fw.tasks.find(task_id);
  if (it == fw.tasks.end()) {
    // An unknown task is reconciled: the framework hears what the master knows.
    Call::Reconcile r;
    r.add_tasks()->mutable_task_id()->set_value(task_id);
    reconcile(fw, r);
    return;
  }
  auto t = it->second;
  if (is_terminal(t->state) || t->kill_requested) return;
  if (t->on_executor) {
    // The executor decides how its task ends (and says so in an update).
    kill_on_executor(fw, *t);
    return;
  }
  t->kill_requested = true;
  if (fw.has_capability(mesos::v1::FrameworkInfo::Capability::TASK_KILLING_STATE))
    update(fw, *t, make_status(*t, mesos::v1::TASK_KILLING, ""));
  if (t->pid > 0) {
    stop_process(*t, false);
    auto grace = cfg.kill_grace;
    if (t->info.kill_policy().has_grace_period())
      grace = std::chrono::milliseconds(t->info.kill_policy().grace_period().nanoseconds() / 1000000);
    t->progress.expires_after(grace);
    std::weak_ptr<sim_task> weak = t;
    t->progress.async_wait([weak](beast::error_code ec) {
      auto task = weak.lock();
      if (ec || !task || task->pid <= 0) return;
      detail::signal_group(task->pid, SIGKILL);
    });
    return;
  }
  finish_task(fw, *t, mesos::v1::TASK_KILLED, "Command terminated with signal Terminated");
}

void cluster::impl::reconcile(sim_framework& fw, const Call::Reconcile& r) {
  const auto send = [&](const mesos::v1::TaskID& id, const sim_task* t, const mesos::v1::AgentID* agent_id) {
    Event e;
    e.set_type(Event::UPDATE);
    TaskStatus* s = e.mutable_update()->mutable_status();
    s->mutable_task_id()->CopyFrom(id);
    s->set_source(TaskStatus::SOURCE_MASTER);
    s->set_reason(TaskStatus::REASON_RECONCILIATION);
    if (t) {
      s->set_state(t->state);
      s->set_message("Reconciliation: Latest task state");
      s->mutable_agent_id()->set_value(agents[t->agent].id);
    } else {
      const bool aware = fw.has_capability(mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
      // A task named with an agent that was marked gone is gone with it.
      const bool on_gone_agent = agent_id && std::any_of(agents.begin(), agents.end(), [&](const sim_agent& a) {
                                   return a.gone && a.id == agent_id->value();
                                 });
      if (on_gone_agent) {
        s->set_state(aware ? mesos::v1::TASK_GONE_BY_OPERATOR : mesos::v1::TASK_LOST);
        s->set_message("Reconciliation: Task is gone");
        s->mutable_agent_id()->CopyFrom(*agent_id);
      } else {
        s->set_state(aware ? mesos::v1::TASK_UNKNOWN : mesos::v1::TASK_LOST);
        s->set_message("Reconciliation: Task is unknown");
      }
    }
    s->set_timestamp(detail::now_seconds());
    send_event(fw, e);
  };
  if (r.tasks_size() == 0) {
    for (const auto& [id, t] : fw.tasks) send(t->info.task_id(), t.get(), nullptr);
    return;
  }
  for (const auto& task : r.tasks()) {
    const auto it = fw.tasks.find(task.task_id().value());
    send(task.task_id(), it == fw.tasks.end() ? nullptr : it->second.get(),
         task.has_agent_id() ? &task.agent_id() : nullptr);
  }
}

}  // namespace mesoshttp::sim
