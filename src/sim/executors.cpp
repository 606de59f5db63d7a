// Custom executors on the simulated agents (local_process mode): a task with
// an ExecutorInfo starts that executor's command (once per executor id) as a
// local process with the environment a real agent gives it; the executor
// API's rules (SUBSCRIBE, UPDATE, MESSAGE, and the scheduler's ACKNOWLEDGE,
// MESSAGE, KILL and TEARDOWN passed on to it) as a real 1.11 agent applies
// them (executor-answers.md). Events go through `to_executors`, so the rules
// are tested without sockets; agent_server.cpp is the HTTP side.
#include <signal.h>

#include "cluster_impl.hpp"
#include "executor_protocol.hpp"
#include "process.hpp"

namespace mesoshttp::sim {

namespace {

using ExecutorEvent = mesos::v1::executor::Event;

// As a real agent hands them to the executor: each resource says the role
// it is allocated to.
void add_allocation_info(google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources, const std::string& role) {
  for (auto& r : resources)
    if (!r.has_allocation_info()) r.mutable_allocation_info()->set_role(role);
}

}  // namespace

sim_executor* cluster::impl::find_executor(const executor_key& key) {
  const auto it = agent_executors.find(key);
  return it == agent_executors.end() ? nullptr : it->second.get();
}

std::vector<std::string> cluster::impl::executor_environment(const sim_executor& ex) const {
  const auto secs = [](std::chrono::milliseconds d) {
    return executor_protocol::mesos_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
  };
  const std::string endpoint = cfg.host + ":" + std::to_string(agents[ex.key.agent].executor_port);
  std::vector<std::string> env = {
      "MESOS_AGENT_ENDPOINT=" + endpoint,
      "MESOS_FRAMEWORK_ID=" + ex.key.framework_id,
      "MESOS_EXECUTOR_ID=" + ex.key.executor_id,
      "MESOS_SLAVE_ID=" + agents[ex.key.agent].id,
      "MESOS_SLAVE_PID=slave(1)@" + endpoint,
      "MESOS_DIRECTORY=" + ex.sandbox.string(),
      "MESOS_SANDBOX=" + ex.sandbox.string(),
      std::string("MESOS_CHECKPOINT=") + (ex.checkpoint ? "1" : "0"),
      "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=" + secs(cfg.executor_shutdown_grace),
      "MESOS_HTTP_COMMAND_EXECUTOR=0",
      "LIBPROCESS_IP=" + cfg.host,
      "LIBPROCESS_PORT=0",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  if (ex.checkpoint) {
    env.push_back("MESOS_RECOVERY_TIMEOUT=" + secs(cfg.executor_recovery_timeout));
    env.push_back("MESOS_SUBSCRIPTION_BACKOFF_MAX=" + secs(cfg.executor_subscription_backoff_max));
  }
  return env;
}

void cluster::impl::agent_update(sim_framework& fw, sim_task& t, TaskState state, TaskStatus::Reason reason,
                                 std::string message) {
  TaskStatus s;
  *s.mutable_task_id() = t.info.task_id();
  s.set_state(state);
  s.set_message(std::move(message));
  s.set_source(TaskStatus::SOURCE_AGENT);
  s.set_reason(reason);
  s.mutable_agent_id()->set_value(agents[t.agent].id);
  s.mutable_executor_id()->set_value(t.executor_id);
  s.set_timestamp(detail::now_seconds());
  s.set_uuid(protocol::random_uuid_bytes());
  update(fw, t, std::move(s));
}

void cluster::impl::launch_on_executor(sim_framework& fw, const std::shared_ptr<sim_task>& t,
                                       const mesos::v1::ExecutorInfo& info, const mesos::v1::TaskGroupInfo* group) {
  t->on_executor = true;
  const executor_key key{t->agent, fw.id, info.executor_id().value()};
  const std::string role = fw.roles().empty() ? "*" : fw.roles().front();
  auto& slot = agent_executors[key];
  if (!slot) {
    auto ex = std::make_shared<sim_executor>(ioc);
    ex->key = key;
    ex->info = info;
    *ex->info.mutable_framework_id() = fw.info.id();
    if (!ex->info.has_type()) ex->info.set_type(mesos::v1::ExecutorInfo::CUSTOM);
    // A real agent writes the default out.
    if (!ex->info.command().has_shell()) ex->info.mutable_command()->set_shell(true);
    add_allocation_info(*ex->info.mutable_resources(), role);
    ex->container_id = protocol::random_uuid();
    ex->checkpoint = fw.info.checkpoint();
    // The layout of a real agent's work directory.
    ex->sandbox = sandbox_root / "slaves" / agents[key.agent].id / "frameworks" / fw.id / "executors" /
                  key.executor_id / "runs" / ex->container_id;
    auto result = detail::spawn(ex->info.command(), ex->sandbox, executor_environment(*ex));
    if (auto* why = std::get_if<std::string>(&result)) {
      agent_executors.erase(key);
      agent_update(fw, *t, mesos::v1::TASK_FAILED, TaskStatus::REASON_CONTAINER_LAUNCH_FAILED,
                   "Failed to launch container: " + *why);
      return;
    }
    const auto sp = std::get<detail::spawned>(result);
    ex->pid = sp.pid;
    ex->pidfd = std::make_unique<net::posix::stream_descriptor>(ioc, sp.pidfd);
    slot = ex;
    watch_executor(ex);
    ex->registration.expires_after(cfg.executor_registration_timeout);
    std::weak_ptr<sim_executor> weak = ex;
    ex->registration.async_wait([this, weak](beast::error_code ec) {
      auto e = weak.lock();
      if (ec || !e || e->subscribed || e->pid <= 0) return;
      e->kill_message =
          "Executor did not register within " + executor_protocol::mesos_duration(cfg.executor_registration_timeout);
      e->kill_reason = TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT;
      detail::signal_group(e->pid, SIGKILL);
    });
  }
  sim_executor& ex = *slot;
  t->container_id = ex.container_id;
  t->sandbox = ex.sandbox;
  ex.task_ids.push_back(t->info.task_id().value());

  ExecutorEvent e;
  if (group) {
    // One LAUNCH_GROUP for the whole group, once its last task is known.
    if (group->tasks_size() == 0 ||
        group->tasks(group->tasks_size() - 1).task_id().value() != t->info.task_id().value())
      return;
    e.set_type(ExecutorEvent::LAUNCH_GROUP);
    auto* tasks = e.mutable_launch_group()->mutable_task_group();
    *tasks = *group;
    for (auto& task : *tasks->mutable_tasks()) add_allocation_info(*task.mutable_resources(), role);
  } else {
    e.set_type(ExecutorEvent::LAUNCH);
    auto* task = e.mutable_launch()->mutable_task();
    *task = t->info;
    *task->mutable_executor() = ex.info;
    task->clear_command();
    add_allocation_info(*task->mutable_resources(), role);
  }
  if (!ex.connected) {
    ex.pending_launches.push_back(std::move(e));
    return;
  }
  if (group)
    for (const auto& task : group->tasks()) ex.delivered.insert(task.task_id().value());
  else
    ex.delivered.insert(t->info.task_id().value());
  to_executors->executor_event(ex.key, e);
}

std::optional<protocol::answer> cluster::impl::check_executor_call(const executor_key& key, bool subscribe) {
  if (!frameworks.count(key.framework_id)) return protocol::text(400, std::string(protocol::framework_not_found));
  const sim_executor* ex = find_executor(key);
  // One being shut down is gone for the agent.
  if (!ex || (ex->shutting_down && !ex->subscribed))
    return protocol::text(400, std::string(executor_protocol::executor_not_found));
  if (!subscribe && !ex->subscribed)
    return protocol::text(403, std::string(executor_protocol::executor_not_subscribed));
  return std::nullopt;
}

void cluster::impl::executor_subscribed(sim_executor& ex, const mesos::v1::executor::Call::Subscribe& subscribe) {
  const bool again = ex.subscribed;
  ex.subscribed = true;
  ex.connected = true;
  ex.awaiting_recovery = false;
  ex.registration.cancel();
  const auto f = frameworks.find(ex.key.framework_id);
  if (f == frameworks.end()) return;
  sim_framework& fw = *f->second;
  if (again) {
    // A task it was given but never reported on, and does not list as
    // unacknowledged, is one it does not know: lost, as a real agent
    // decides (the launch may have happened while it restarted).
    std::set<std::string> known;
    for (const auto& task : subscribe.unacknowledged_tasks()) known.insert(task.task_id().value());
    for (const auto& u : subscribe.unacknowledged_updates()) known.insert(u.status().task_id().value());
    bool lost = false;
    bool live = !ex.pending_launches.empty();
    for (const auto& id : ex.delivered) {
      const auto it = fw.tasks.find(id);
      if (it == fw.tasks.end() || is_terminal(it->second->state)) continue;
      sim_task& t = *it->second;
      if (!t.executor_reported && !known.count(id)) {
        agent_update(fw, t, mesos::v1::TASK_LOST, TaskStatus::REASON_AGENT_RESTARTED,
                     "Task launched during agent restart");
        lost = true;
      } else {
        live = true;
      }
    }
    if (lost && !live) {
      ExecutorEvent shutdown;
      shutdown.set_type(ExecutorEvent::SHUTDOWN);
      to_executors->executor_event(ex.key, shutdown);
      shutdown_executor(ex);
      return;
    }
  }
  ExecutorEvent e;
  e.set_type(ExecutorEvent::SUBSCRIBED);
  auto* s = e.mutable_subscribed();
  *s->mutable_executor_info() = ex.info;
  *s->mutable_framework_info() = fw.info;
  *s->mutable_framework_info()->mutable_id() = fw.info.id();
  const sim_agent& a = agents[ex.key.agent];
  auto* agent_info = s->mutable_agent_info();
  agent_info->set_hostname(a.spec.hostname);
  agent_info->set_port(a.executor_port);
  for (const auto& r : a.total) *agent_info->add_resources() = r;
  agent_info->mutable_id()->set_value(a.id);
  s->mutable_container_id()->set_value(ex.container_id);
  to_executors->executor_event(ex.key, e);
  auto launches = std::move(ex.pending_launches);
  ex.pending_launches.clear();
  for (const auto& pending : launches) {
    if (pending.type() == ExecutorEvent::LAUNCH_GROUP)
      for (const auto& task : pending.launch_group().task_group().tasks()) ex.delivered.insert(task.task_id().value());
    else
      ex.delivered.insert(pending.launch().task().task_id().value());
    to_executors->executor_event(ex.key, pending);
  }
}

void cluster::impl::executor_update(sim_executor& ex, TaskStatus status) {
  const auto f = frameworks.find(ex.key.framework_id);
  if (f == frameworks.end()) return;
  sim_framework& fw = *f->second;
  // What the agent adds; the executor's own uuid, message, data and reason stay.
  status.mutable_agent_id()->set_value(agents[ex.key.agent].id);
  if (!status.has_timestamp()) status.set_timestamp(detail::now_seconds());
  const auto it = fw.tasks.find(status.task_id().value());
  if (it == fw.tasks.end() || !it->second->on_executor || it->second->executor_id != ex.key.executor_id) {
    // A task the agent does not know: passed on all the same (once; there
    // is no task to keep it for).
    Event e;
    e.set_type(Event::UPDATE);
    *e.mutable_update()->mutable_status() = std::move(status);
    send_event(fw, e);
    return;
  }
  sim_task& t = *it->second;
  auto* cs = status.mutable_container_status();
  cs->mutable_container_id()->set_value(ex.container_id);
  cs->add_network_infos()->add_ip_addresses()->set_ip_address(cfg.host);
  cs->mutable_network_infos(0)->mutable_ip_addresses(0)->set_protocol(mesos::v1::NetworkInfo::IPv4);
  if (ex.pid > 0) cs->set_executor_pid(static_cast<std::uint32_t>(ex.pid));
  t.executor_reported = true;
  update(fw, t, std::move(status));
}

void cluster::impl::executor_message(sim_executor& ex, const std::string& data) {
  const auto f = frameworks.find(ex.key.framework_id);
  if (f == frameworks.end()) return;
  Event e;
  e.set_type(Event::MESSAGE);
  e.mutable_message()->mutable_agent_id()->set_value(agents[ex.key.agent].id);
  e.mutable_message()->mutable_executor_id()->set_value(ex.key.executor_id);
  e.mutable_message()->set_data(data);
  send_event(*f->second, e);
}

void cluster::impl::executor_acknowledged(const sim_framework& fw, const sim_task& t, const std::string& uuid) {
  const sim_executor* ex = find_executor({t.agent, fw.id, t.executor_id});
  if (!ex || !ex->connected) return;
  ExecutorEvent e;
  e.set_type(ExecutorEvent::ACKNOWLEDGED);
  *e.mutable_acknowledged()->mutable_task_id() = t.info.task_id();
  e.mutable_acknowledged()->set_uuid(uuid);
  to_executors->executor_event(ex->key, e);
}

bool cluster::impl::scheduler_message(sim_framework& fw, const Call::Message& message) {
  for (std::size_t a = 0; a < agents.size(); ++a) {
    if (agents[a].id != message.agent_id().value() || agents[a].gone) continue;
    const sim_executor* ex = find_executor({a, fw.id, message.executor_id().value()});
    if (!ex || !ex->connected) return false;
    ExecutorEvent e;
    e.set_type(ExecutorEvent::MESSAGE);
    e.mutable_message()->set_data(message.data());
    to_executors->executor_event(ex->key, e);
    return true;
  }
  return false;
}

void cluster::impl::kill_on_executor(sim_framework& fw, sim_task& t) {
  sim_executor* ex = find_executor({t.agent, fw.id, t.executor_id});
  const std::string& id = t.info.task_id().value();
  if (ex && ex->connected && ex->delivered.count(id)) {
    ExecutorEvent e;
    e.set_type(ExecutorEvent::KILL);
    *e.mutable_kill()->mutable_task_id() = t.info.task_id();
    if (t.info.has_kill_policy()) *e.mutable_kill()->mutable_kill_policy() = t.info.kill_policy();
    to_executors->executor_event(ex->key, e);
    return;
  }
  // Not with the executor yet: the agent ends it itself.
  if (ex)
    std::erase_if(ex->pending_launches, [&](const ExecutorEvent& e) {
      return e.type() == ExecutorEvent::LAUNCH && e.launch().task().task_id().value() == id;
    });
  agent_update(fw, t, mesos::v1::TASK_KILLED, TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH,
               "Killed before delivery to the executor");
}

void cluster::impl::shutdown_executors(const std::string& framework_id) {
  std::vector<std::shared_ptr<sim_executor>> of_framework;
  for (auto& [key, ex] : agent_executors)
    if (key.framework_id == framework_id) of_framework.push_back(ex);
  for (auto& ex : of_framework) {
    if (ex->connected) {
      ExecutorEvent e;
      e.set_type(ExecutorEvent::SHUTDOWN);
      to_executors->executor_event(ex->key, e);
    }
    shutdown_executor(*ex);
  }
}

void cluster::impl::shutdown_executor(sim_executor& ex) {
  if (ex.shutting_down || ex.pid <= 0) return;
  ex.shutting_down = true;
  ex.registration.cancel();
  // One that never subscribed cannot be told: it goes at once.
  const auto grace = ex.subscribed ? cfg.executor_shutdown_grace : std::chrono::milliseconds(0);
  ex.shutdown_grace.expires_after(grace);
  const pid_t pid = ex.pid;
  const executor_key key = ex.key;
  ex.shutdown_grace.async_wait([this, key, pid](beast::error_code ec) {
    if (ec) return;
    const sim_executor* e = find_executor(key);
    if (!e || e->pid != pid) return;
    detail::signal_group(pid, SIGKILL);
  });
}

void cluster::impl::watch_executor(const std::shared_ptr<sim_executor>& ex) {
  std::weak_ptr<sim_executor> weak = ex;
  ex->pidfd->async_wait(net::posix::stream_descriptor::wait_read, [this, weak](beast::error_code ec) {
    auto e = weak.lock();
    if (ec || !e || e->pid < 0) return;
    const int status = detail::reap(e->pid, false);
    if (status < 0) {
      watch_executor(e);
      return;
    }
    executor_exited(e, status);
  });
}

void cluster::impl::executor_exited(const std::shared_ptr<sim_executor>& ex, int wait_status) {
  ex->pid = -1;
  beast::error_code ignored;
  if (ex->pidfd) ex->pidfd->close(ignored);
  ex->registration.cancel();
  ex->shutdown_grace.cancel();
  if (ex->connected) to_executors->end_executor_stream(ex->key);
  ex->connected = false;
  agent_executors.erase(ex->key);
  // Killed with its agent (MARK_AGENT_GONE): the master has said all there
  // is, and a gone agent reports nothing.
  if (agents[ex->key.agent].gone) return;
  const auto f = frameworks.find(ex->key.framework_id);
  if (f == frameworks.end()) return;
  sim_framework& fw = *f->second;
  // FAILURE first, then its tasks' updates, as a real agent sends them.
  Event failure;
  failure.set_type(Event::FAILURE);
  failure.mutable_failure()->mutable_agent_id()->set_value(agents[ex->key.agent].id);
  failure.mutable_failure()->mutable_executor_id()->set_value(ex->key.executor_id);
  failure.mutable_failure()->set_status(wait_status);
  send_event(fw, failure);
  const std::string message = ex->kill_message.empty() ? "Executor terminated" : ex->kill_message;
  for (const auto& id : ex->task_ids) {
    const auto it = fw.tasks.find(id);
    if (it == fw.tasks.end() || is_terminal(it->second->state)) continue;
    agent_update(fw, *it->second, ex->kill_state, ex->kill_reason, message);
  }
}

}  // namespace mesoshttp::sim
