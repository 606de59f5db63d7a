// The public API of mesoshttp::sim::cluster: starting and stopping the I/O
// thread, and every call made from another thread run on it (run_sync), as
// the state is only touched there. The rules live in the units beside this
// one (see cluster_impl.hpp).
#include "mesoshttp/sim/cluster.hpp"

#include <iostream>
#include <stdexcept>

#include "cluster_impl.hpp"
#include "connection.hpp"

namespace mesoshttp::sim {

double detail::now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

mesos::v1::Resource detail::scalar_resource(const std::string& name, double value) {
  mesos::v1::Resource r;
  r.set_name(name);
  r.set_type(mesos::v1::Value::SCALAR);
  r.mutable_scalar()->set_value(value);
  return r;
}

void cluster::impl::report_encode_failure(const google::protobuf::Message& message, std::string_view why) const {
  // The simulator has no logger of its own; stderr is where mesos-sim and a
  // test's output show it.
  std::cerr << "mesos-sim: cannot encode a " << message.GetTypeName() << ", not sent: " << why << "\n";
}

namespace {

void check_master(const cluster& c, std::size_t master) {
  if (master >= c.size()) throw std::out_of_range("mesos-sim: no master " + std::to_string(master));
}

}  // namespace

cluster::cluster(cluster_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

cluster::~cluster() { stop(); }

void cluster::start() {
  if (impl_->started) return;
  impl_->start_now();
  impl_->guard.emplace(impl_->ioc.get_executor());
  impl_->started = true;
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void cluster::stop() {
  if (!impl_->started || impl_->stopped) return;
  net::post(impl_->ioc, [this] {
    impl_->shutdown_now();
    impl_->stopped = true;
    impl_->ioc.stop();
  });
  impl_->thread.join();
  impl_->guard.reset();
  impl_->stopped = true;
  if (impl_->own_sandbox_root) {
    std::error_code ignored;
    std::filesystem::remove_all(impl_->sandbox_root, ignored);
  }
}

std::size_t cluster::size() const { return impl_->cfg.masters == 0 ? 1 : impl_->cfg.masters; }

std::uint16_t cluster::port(std::size_t master) const {
  return master < impl_->masters.size() ? impl_->masters[master]->port : 0;
}

std::string cluster::url(std::size_t master) const {
  return (impl_->tls ? "https://" : "http://") + impl_->cfg.host + ":" + std::to_string(port(master));
}

std::vector<std::string> cluster::urls() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < impl_->masters.size(); ++i) out.push_back(url(i));
  return out;
}

std::optional<std::size_t> cluster::leader() const {
  return impl_->run_sync([this] { return impl_->leader_index; });
}

void cluster::elect(std::size_t master) {
  check_master(*this, master);
  impl_->run_sync([&] { impl_->elect_now(master); });
}

void cluster::unelect() {
  impl_->run_sync([&] { impl_->unelect_now(); });
}

void cluster::restart(std::size_t master, std::chrono::milliseconds down) {
  check_master(*this, master);
  impl_->run_sync([&] { impl_->restart_now(master, down); });
}

void cluster::kill(std::size_t master) {
  check_master(*this, master);
  impl_->run_sync([&] { impl_->kill_now(master); });
}

void cluster::start_master(std::size_t master) {
  check_master(*this, master);
  impl_->run_sync([&] { impl_->start_master_now(master); });
}

void cluster::schedule_maintenance(std::size_t agent, std::chrono::system_clock::time_point start,
                                   std::chrono::nanoseconds duration) {
  mesos::v1::Unavailability u;
  u.mutable_start()->set_nanoseconds(
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count());
  if (duration.count() > 0) u.mutable_duration()->set_nanoseconds(duration.count());
  impl_->run_sync([&] {
    if (agent >= impl_->agents.size()) throw std::out_of_range("mesos-sim: no agent " + std::to_string(agent));
    impl_->schedule_maintenance_now(agent, u);
  });
}

void cluster::cancel_maintenance(std::size_t agent) {
  impl_->run_sync([&] {
    if (agent < impl_->agents.size()) impl_->cancel_maintenance_now(agent);
  });
}

std::vector<cluster::inverse_offer_record> cluster::inverse_offers() const {
  return impl_->run_sync([&] {
    std::vector<inverse_offer_record> out;
    for (const auto& [id, io] : impl_->inverse_offers)
      out.push_back({id, io.framework_id, impl_->agents[io.agent].id, io.state});
    return out;
  });
}

void cluster::cut_streams_mid_record() {
  impl_->run_sync([&] { impl_->cut_now(); });
}

void cluster::pause_heartbeats(bool paused) {
  impl_->run_sync([&] { impl_->heartbeats_paused = paused; });
}

void cluster::send_error_event(const std::string& message) {
  impl_->run_sync([&] { impl_->error_now(message); });
}

void cluster::fail_next(std::size_t n, unsigned status, std::string body) {
  impl_->run_sync([&] {
    impl_->fail_count = n;
    impl_->fail_status = status;
    impl_->fail_body = std::move(body);
  });
}

void cluster::delay_answers(std::chrono::milliseconds delay) {
  impl_->run_sync([&] { impl_->answer_delay = delay; });
}

void cluster::send_offers_burst(std::size_t agents) {
  impl_->run_sync([&] { impl_->burst_now(agents); });
}

void cluster::send_garbage() {
  impl_->run_sync([&] { impl_->garbage_now(); });
}

void cluster::reset_connections() {
  impl_->run_sync([&] { impl_->reset_now(); });
}

std::size_t cluster::flood(std::size_t events, flood_shape shape, std::size_t offers_per_event) {
  return impl_->run_sync([&] { return impl_->flood_now(events, shape, offers_per_event); });
}

std::string cluster::agent_endpoint(std::size_t agent) const {
  return impl_->run_sync([&]() -> std::string {
    const auto& a = impl_->agents.at(agent);
    if (!a.executor_acceptor) return "";
    return impl_->cfg.host + ":" + std::to_string(a.executor_port);
  });
}

std::size_t cluster::cut_executor_streams(std::optional<std::size_t> agent) {
  return impl_->run_sync([&] { return impl_->cut_executors_now(agent); });
}

void cluster::restart_agent(std::size_t agent, std::chrono::milliseconds down) {
  impl_->run_sync([&] {
    if (agent >= impl_->agents.size()) throw std::out_of_range("no agent " + std::to_string(agent));
    impl_->restart_agent_now(agent, down);
  });
}

std::vector<cluster::call_record> cluster::calls() const {
  return impl_->run_sync([&] { return impl_->call_log; });
}

void cluster::clear_calls() {
  impl_->run_sync([&] { impl_->call_log.clear(); });
}

std::size_t cluster::subscribers() const {
  return impl_->run_sync([&] {
    std::size_t n = 0;
    for (const auto& m : impl_->masters)
      for (const auto& [id, weak] : m->connections)
        if (auto c = weak.lock(); c && c->streaming && !c->operator_stream && !c->closed) ++n;
    return n;
  });
}

std::size_t cluster::operator_subscribers() const {
  return impl_->run_sync([&] {
    std::size_t n = 0;
    for (const auto& m : impl_->masters)
      for (const auto& [id, weak] : m->connections)
        if (auto c = weak.lock(); c && c->streaming && c->operator_stream && !c->closed) ++n;
    return n;
  });
}

std::vector<cluster::framework_record> cluster::frameworks() const {
  return impl_->run_sync([&] {
    std::vector<framework_record> out;
    for (const auto& [id, fw] : impl_->frameworks)
      out.push_back({id, fw->info.name(), fw->info.principal(), fw->connected, fw->roles(),
                     std::vector<std::string>(fw->suppressed.begin(), fw->suppressed.end())});
    return out;
  });
}

std::vector<cluster::task_record> cluster::tasks() const {
  return impl_->run_sync([&] {
    std::vector<task_record> out;
    for (const auto& [id, fw] : impl_->frameworks)
      for (const auto& [tid, t] : fw->tasks)
        out.push_back({id, tid, impl_->agents[t->agent].id, t->state, t->pending.size(), t->sandbox});
    return out;
  });
}

std::vector<cluster::operation_record> cluster::operations() const {
  return impl_->run_sync([&] {
    std::vector<operation_record> out;
    for (const auto& [id, fw] : impl_->frameworks)
      for (const auto& [oid, op] : fw->operations)
        out.push_back({id, oid, impl_->agents[op->agent].id, op->latest.state(), op->pending.has_value()});
    return out;
  });
}

std::size_t cluster::offers_outstanding() const {
  return impl_->run_sync([&] { return impl_->offers.size(); });
}

std::vector<mesos::v1::Resource> cluster::agent_resources(std::size_t agent) const {
  return impl_->run_sync(
      [&] { return agent < impl_->agents.size() ? impl_->agents[agent].total : std::vector<mesos::v1::Resource>{}; });
}

std::string cluster::agent_id(std::size_t agent) const {
  return impl_->run_sync([&] { return agent < impl_->agents.size() ? impl_->agents[agent].id : std::string{}; });
}

const cluster_config& cluster::config() const noexcept { return impl_->cfg; }

}  // namespace mesoshttp::sim
