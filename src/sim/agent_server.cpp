// The simulated agents' HTTP side: each agent has its own listener, as a real
// agent has its own host:port (MESOS_AGENT_ENDPOINT), so a master failover or
// a master's faults never touch executors, and an agent restart closes only
// its own port. It serves POST /api/v1/executor; the rules are executors.cpp's.
#include <signal.h>

#include "cluster_impl.hpp"
#include "connection.hpp"
#include "executor_protocol.hpp"
#include "process.hpp"

namespace mesoshttp::sim {

void cluster::impl::open_agent_listener(std::size_t agent) {
  sim_agent& a = agents[agent];
  if (a.gone) return;
  if (!a.executor_acceptor) a.executor_acceptor = std::make_unique<tcp::acceptor>(ioc);
  // The same port after a restart: executors only know that one.
  tcp::endpoint ep(net::ip::make_address(cfg.host), a.executor_port);
  beast::error_code ec;
  a.executor_acceptor->open(ep.protocol(), ec);
  if (!ec) a.executor_acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.executor_acceptor->bind(ep, ec);
  if (!ec) a.executor_acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    a.executor_acceptor->close(ignored);
    // The first bind is to an ephemeral port and cannot clash: start() sees
    // any failure there. After a restart the old port may still be held
    // for a moment; try again rather than give the executors a new one.
    if (a.executor_port == 0) throw beast::system_error(ec);
    if (!a.restart_timer) a.restart_timer = std::make_unique<net::steady_timer>(ioc);
    a.restart_timer->expires_after(std::chrono::milliseconds(50));
    a.restart_timer->async_wait([this, agent](beast::error_code wait_ec) {
      if (!wait_ec && !stopped) open_agent_listener(agent);
    });
    return;
  }
  a.executor_port = a.executor_acceptor->local_endpoint().port();
  accept_executor_connection(agent);
}

void cluster::impl::accept_executor_connection(std::size_t agent) {
  tcp::acceptor& acceptor = *agents[agent].executor_acceptor;
  acceptor.async_accept([this, agent, &acceptor](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      accept_executor_connection(agent);
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    // Plain HTTP: the executor API of a real agent is reached on loopback.
    auto c = std::make_shared<connection>(*this, agent, next_connection++, std::move(socket), nullptr);
    c->agent_side = true;
    agents[agent].connections[c->id] = c;
    c->start();
    accept_executor_connection(agent);
  });
}

void cluster::impl::handle_agent_request(const std::shared_ptr<connection>& c, http::request<http::string_body> req) {
  const bool keep_alive = req.keep_alive();
  const std::string_view target(req.target().data(), req.target().size());
  if (!executor_protocol::is_executor_path(target)) {
    c->answer(protocol::not_found(), keep_alive);
    return;
  }
  auto parsed = executor_protocol::parse_request(detail::request_view_of(req));
  if (auto* a = std::get_if<protocol::answer>(&parsed)) {
    c->answer(*a, keep_alive);
    return;
  }
  const auto& pc = std::get<executor_protocol::parsed_call>(parsed);
  using ExecutorCall = mesos::v1::executor::Call;
  const executor_key key{c->master, pc.call.framework_id().value(), pc.call.executor_id().value()};
  const bool subscribing = pc.call.type() == ExecutorCall::SUBSCRIBE;
  if (auto refused = check_executor_call(key, subscribing)) {
    c->answer(*refused, keep_alive);
    return;
  }
  sim_executor& ex = *find_executor(key);
  switch (pc.call.type()) {
    case ExecutorCall::SUBSCRIBE: {
      // A second SUBSCRIBE ends the first stream at once, without an event.
      if (auto old = ex.stream.lock(); old && old != c) {
        to_executors->end_executor_stream(key);
        old->streaming = false;
      }
      ex.stream.reset();
      ex.connected = false;
      c->streaming = true;
      c->framework_id = key.framework_id;
      c->executor_id = key.executor_id;
      c->enc = pc.response_encoding;
      c->send("HTTP/1.1 200 OK\r\nDate: " + detail::http_date() + "\r\nTransfer-Encoding: chunked\r\nContent-Type: " +
              std::string(content_type(pc.response_encoding)) + "\r\n\r\n");
      ex.stream = c;
      executor_subscribed(ex, pc.call.subscribe());
      c->watch_stream();
      return;
    }
    case ExecutorCall::UPDATE: executor_update(ex, pc.call.update().status()); break;
    case ExecutorCall::MESSAGE: executor_message(ex, pc.call.message().data()); break;
    default: break;  // HEARTBEAT
  }
  c->answer(protocol::empty(202), keep_alive);
}

void cluster::impl::executor_stream_closed(connection& c) {
  c.streaming = false;
  sim_executor* ex = find_executor({c.master, c.framework_id, c.executor_id});
  if (!ex) return;
  const auto current = ex->stream.lock();
  if (current && current.get() != &c) return;
  // Without checkpointing too: a real agent keeps the executor and its
  // tasks, and lets it subscribe again (executor-answers.md).
  ex->stream.reset();
  ex->connected = false;
}

std::size_t cluster::impl::cut_executors_now(std::optional<std::size_t> agent) {
  std::size_t cut = 0;
  auto all = agent_executors;
  for (auto& [key, ex] : all) {
    if (agent && key.agent != *agent) continue;
    if (auto c = ex->stream.lock(); c && !c->closed) {
      c->reset();
      ++cut;
    }
  }
  return cut;
}

void cluster::impl::restart_agent_now(std::size_t agent, std::chrono::milliseconds down) {
  sim_agent& a = agents[agent];
  if (!a.executor_acceptor || a.gone) return;
  close_agent_port(agent);
  auto all = agent_executors;
  for (auto& [key, ex] : all) {
    if (key.agent != agent || ex->pid <= 0) continue;
    if (!ex->checkpoint) {
      // Not recovered by the restarted agent: killed, its tasks lost.
      ex->kill_state = mesos::v1::TASK_LOST;
      ex->kill_reason = TaskStatus::REASON_AGENT_RESTARTED;
      ex->kill_message = "Agent restarted";
      detail::signal_group(ex->pid, SIGKILL);
      continue;
    }
    ex->awaiting_recovery = true;
    ex->registration.expires_after(down + cfg.executor_recovery_timeout);
    std::weak_ptr<sim_executor> weak = ex;
    ex->registration.async_wait([this, weak](beast::error_code ec) {
      auto e = weak.lock();
      if (ec || !e || !e->awaiting_recovery || e->pid <= 0) return;
      e->kill_message =
          "Executor did not reregister within " + executor_protocol::mesos_duration(cfg.executor_recovery_timeout);
      e->kill_reason = TaskStatus::REASON_EXECUTOR_REREGISTRATION_TIMEOUT;
      e->kill_state = mesos::v1::TASK_LOST;
      detail::signal_group(e->pid, SIGKILL);
    });
  }
  if (!a.restart_timer) a.restart_timer = std::make_unique<net::steady_timer>(ioc);
  a.restart_timer->expires_after(down);
  a.restart_timer->async_wait([this, agent](beast::error_code ec) {
    if (ec || stopped) return;
    open_agent_listener(agent);
  });
}

// MARK_AGENT_GONE. What a real 1.11 master did (operator-answers.md): the
// agent leaves GET_AGENTS, /master/slaves and /master/state at once, is told
// to shut down, and no AGENT_REMOVED reaches the operator stream. What it
// means for frameworks is a removed agent's: its offers are rescinded, each
// framework hears FAILURE naming the agent, and each task still live there
// ends with the master's own update, without a uuid (nothing to acknowledge:
// the agent that would resend it is gone): TASK_GONE_BY_OPERATOR for a
// partition-aware framework, TASK_LOST otherwise. The agent's processes
// (command tasks and executors) are killed, its executor port closed.
void cluster::impl::mark_agent_gone_now(std::size_t agent) {
  sim_agent& a = agents[agent];
  if (a.gone) return;
  a.gone = true;
  rescind_offers_of(agent);
  if (a.restart_timer) a.restart_timer->cancel();
  close_agent_port(agent);
  // Killed quietly: executor_exited() reports nothing for a gone agent.
  for (auto& [key, ex] : agent_executors)
    if (key.agent == agent && ex->pid > 0) detail::signal_group(ex->pid, SIGKILL);

  for (auto& [fw_id, fw] : frameworks) {
    Event failure;
    failure.set_type(Event::FAILURE);
    failure.mutable_failure()->mutable_agent_id()->set_value(a.id);
    send_event(*fw, failure);
    const bool aware = fw->has_capability(mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
    std::vector<std::string> ended;
    for (auto& [tid, t] : fw->tasks) {
      if (t->agent != agent) continue;
      t->retry.cancel();
      t->progress.cancel();
      stop_process(*t, true);
      ended.push_back(tid);
      // A terminal update still unacknowledged is dropped with its agent;
      // the task is known to have ended, so it is not reported again.
      if (is_terminal(t->state)) {
        t->pending.clear();
        continue;
      }
      Event e;
      e.set_type(Event::UPDATE);
      *e.mutable_update()->mutable_status() =
          end_task_by_master(fw_id, *t, aware ? mesos::v1::TASK_GONE_BY_OPERATOR : mesos::v1::TASK_LOST,
                             aware ? TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR : TaskStatus::REASON_AGENT_REMOVED,
                             "Agent " + a.spec.hostname + " removed: Agent has been marked gone");
      send_event(*fw, e);
    }
    // Nothing will be acknowledged: the tasks are completed now.
    for (const auto& tid : ended) {
      keep_completed_task(fw_id, fw->tasks[tid]);
      fw->tasks.erase(tid);
    }
  }
  schedule_allocation();
}

void cluster::impl::close_agent_port(std::size_t agent) {
  sim_agent& a = agents[agent];
  if (a.executor_acceptor) {
    beast::error_code ignored;
    a.executor_acceptor->close(ignored);
  }
  // A copy: a reset connection leaves the map.
  auto conns = a.connections;
  for (auto& [id, weak] : conns)
    if (auto c = weak.lock()) c->reset();
}

bool cluster::impl::drained(std::size_t agent) const {
  for (const auto& [fw_id, fw] : frameworks)
    for (const auto& [tid, t] : fw->tasks)
      if (t->agent == agent && (!is_terminal(t->state) || !t->pending.empty())) return false;
  return true;
}

void cluster::impl::mark_gone_if_drained(std::size_t agent) {
  const sim_agent& a = agents[agent];
  if (!a.gone && a.drain && a.drain->mark_gone() && drained(agent)) mark_agent_gone_now(agent);
}

}  // namespace mesoshttp::sim
