// Leadership phases of the simulated masters: election, a restart (the port
// closed, then 404s, then 503s while recovering), a killed master and the
// others taking over once its ZooKeeper session would expire.
#include "cluster_impl.hpp"
#include "connection.hpp"

namespace mesoshttp::sim {

void cluster::impl::elect_now(std::size_t master) {
  session_timer.cancel();
  elect_first_started = false;
  if (leader_index && *leader_index == master) return;
  if (leader_index) {
    // The old leader "dies" for its frameworks: their streams end with a
    // plain EOF, as a killed master's do.
    close_streams(*leader_index);
  }
  for (auto& [id, o] : offers)
    if (o.timeout) o.timeout->cancel();
  for (auto& [id, o] : offers) detail::add(agents[o.agent].available, o.resources);
  offers.clear();
  // Outstanding inverse offers die with the old leader; the new one makes its own.
  for (auto& [id, io] : inverse_offers)
    if (io.state == cluster::inverse_offer_record::status::outstanding) {
      io.state = cluster::inverse_offer_record::status::rescinded;
      agents[io.agent].inverse_offered.erase(io.framework_id);
    }
  leader_index = master;
  schedule_allocation();
}

void cluster::impl::unelect_now() {
  session_timer.cancel();
  elect_first_started = false;
  if (leader_index) close_streams(*leader_index);
  leader_index.reset();
}

void cluster::impl::close_master(sim_master& m, bool reset) {
  beast::error_code ignored;
  m.acceptor.close(ignored);
  m.phase_timer.cancel();
  auto conns = m.connections;
  for (auto& [id, weak] : conns) {
    auto c = weak.lock();
    if (!c) continue;
    if (reset)
      c->reset();
    else
      c->graceful_close();
  }
}

// The port opens again; 404 for restart_not_found, then 503 "Master has not
// finished recovery" for recovery_time, then it serves (or 307s).
void cluster::impl::reopen_master(sim_master& m) {
  beast::error_code e;
  tcp::endpoint ep(net::ip::make_address(cfg.host), m.port);
  m.acceptor.open(ep.protocol(), e);
  m.acceptor.set_option(net::socket_base::reuse_address(true), e);
  m.acceptor.bind(ep, e);
  if (!e) m.acceptor.listen(net::socket_base::max_listen_connections, e);
  if (e) {
    m.acceptor.close(e);
    return;
  }
  // Back within its session: the dead leader leads again, no one takes over.
  if (leader_index && *leader_index == m.index) session_timer.cancel();
  accept_next(m);
  m.phase = master_phase::not_found;
  m.phase_timer.expires_after(cfg.restart_not_found);
  m.phase_timer.async_wait([this, &m](beast::error_code ec2) {
    if (ec2) return;
    if (!leader_index && elect_first_started) {
      elect_first_started = false;
      leader_index = m.index;
    }
    recover_then_serve(m);
  });
}

void cluster::impl::restart_now(std::size_t index, std::chrono::milliseconds down) {
  sim_master& m = *masters[index];
  close_master(m, true);
  m.phase = master_phase::down;
  m.phase_timer.expires_after(down);
  m.phase_timer.async_wait([this, &m](beast::error_code ec) {
    if (!ec) reopen_master(m);
  });
}

void cluster::impl::kill_now(std::size_t index) {
  sim_master& m = *masters[index];
  if (m.phase == master_phase::dead) return;
  // A killed process's sockets are closed by its kernel: every connection,
  // event streams too, ends with a plain EOF; the port refuses.
  close_master(m, false);
  m.phase = master_phase::dead;
  if (!leader_index || *leader_index != index) return;
  // The others go on naming the dead leader (307 to its port) until its
  // ZooKeeper session expires.
  session_timer.expires_after(cfg.leader_session_timeout);
  session_timer.async_wait([this, index](beast::error_code ec) {
    if (!ec) take_over_from(index);
  });
}

void cluster::impl::take_over_from(std::size_t dead) {
  if (!leader_index || *leader_index != dead || masters[dead]->phase != master_phase::dead) return;
  std::optional<std::size_t> next;
  for (std::size_t i = 0; i < masters.size() && !next; ++i)
    if (masters[i]->phase != master_phase::dead) next = i;
  if (!next) {
    // No master left: the first one started again is elected.
    leader_index.reset();
    elect_first_started = true;
    return;
  }
  elect_now(*next);
  // A new leader recovers first (503 "Master has not finished recovery").
  sim_master& m = *masters[*next];
  if (m.phase != master_phase::serving) return;  // already starting: its phases go on
  recover_then_serve(m);
}

void cluster::impl::start_master_now(std::size_t index) {
  sim_master& m = *masters[index];
  if (m.phase != master_phase::dead) return;
  reopen_master(m);
}

void cluster::impl::recover_then_serve(sim_master& m) {
  m.phase = master_phase::recovering;
  m.phase_timer.expires_after(cfg.recovery_time);
  m.phase_timer.async_wait([this, &m](beast::error_code ec) {
    if (ec) return;
    m.phase = master_phase::serving;
    schedule_allocation();
  });
}

}  // namespace mesoshttp::sim
