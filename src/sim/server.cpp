// The simulated masters' HTTP side: binding and accepting, routing a request
// (the control endpoint /sim/..., redirects, the scheduler API with its
// checks in a real master's order, the operator API to operator_api.cpp),
// and the control endpoint's faults.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <signal.h>

#include <stdexcept>

#include "cluster_impl.hpp"
#include "connection.hpp"
#include "live_page.hpp"
#include "operator_protocol.hpp"
#include "process.hpp"
#include "mesoshttp/detail/auth.hpp"

namespace mesoshttp::sim {

namespace {

class stream_outbox final : public outbox {
 public:
  explicit stream_outbox(cluster::impl& sim) : sim_(sim) {}

  void send(const std::string& framework_id, const Event& event) override {
    if (auto s = stream_of(framework_id); s && !s->closed) s->send_event(event);
  }

  void end_stream(const std::string& framework_id) override {
    if (auto s = stream_of(framework_id)) s->end_stream();
  }

  void operator_event(const mesos::v1::master::Event& event) override {
    // Operator streams live on the leader only: losing leadership ends them.
    if (!sim_.leader_index) return;
    auto conns = sim_.masters[*sim_.leader_index]->connections;
    for (auto& [id, weak] : conns) {
      auto c = weak.lock();
      if (c && c->operator_stream && c->streaming && !c->closed) c->send_event(event);
    }
  }

  void executor_event(const executor_key& key, const mesos::v1::executor::Event& event) override {
    if (auto s = executor_stream(key); s && !s->closed) s->send_event(event);
  }

  void end_executor_stream(const executor_key& key) override {
    if (auto s = executor_stream(key)) s->end_stream();
  }

 private:
  std::shared_ptr<connection> executor_stream(const executor_key& key) const {
    const auto it = sim_.agent_executors.find(key);
    return it == sim_.agent_executors.end() ? nullptr : it->second->stream.lock();
  }

  std::shared_ptr<connection> stream_of(const std::string& framework_id) const {
    const auto it = sim_.frameworks.find(framework_id);
    return it == sim_.frameworks.end() ? nullptr : it->second->stream.lock();
  }

  cluster::impl& sim_;
};

std::uint32_t ipv4_as_mesos(const std::string& host) {
  boost::system::error_code ec;
  const auto a = net::ip::make_address_v4(host, ec);
  if (ec) return 0;
  const auto b = a.to_bytes();
  // MasterInfo.ip is the address in network byte order read as a host
  // (little-endian) integer: 127.0.0.1 is 16777343.
  return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
         (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

}  // namespace

std::unique_ptr<outbox> make_stream_outbox(cluster::impl& sim) { return std::make_unique<stream_outbox>(sim); }

void cluster::impl::start_now() {
  if (!cfg.tls_certificate.empty() || !cfg.tls_private_key.empty()) {
    tls.emplace(net::ssl::context::tls_server);
    mesoshttp::detail::restrict_to_modern_tls(*tls);
    // Throws with OpenSSL's reason when a file is missing or does not match.
    tls->use_certificate_chain_file(cfg.tls_certificate.string());
    tls->use_private_key_file(cfg.tls_private_key.string(), net::ssl::context::pem);
    if (!cfg.tls_client_ca.empty()) {
      // Mutual TLS: a client without a certificate from these CAs fails the
      // handshake (TLS 1.3: the alert arrives with the first response).
      tls->load_verify_file(cfg.tls_client_ca.string());
      tls->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
    }
  } else if (!cfg.tls_client_ca.empty()) {
    throw std::invalid_argument("tls_client_ca needs tls_certificate and tls_private_key");
  }
  add_agents();
  if (cfg.masters == 0) cfg.masters = 1;
  const auto address = net::ip::make_address(cfg.host);
  for (std::size_t i = 0; i < cfg.masters; ++i) {
    auto m = std::make_unique<sim_master>(ioc);
    m->index = i;
    m->id = protocol::random_uuid();
    const std::uint16_t wanted = i < cfg.ports.size() ? cfg.ports[i] : 0;
    tcp::endpoint ep(address, wanted);
    m->acceptor.open(ep.protocol());
    m->acceptor.set_option(net::socket_base::reuse_address(true));
    m->acceptor.bind(ep);
    m->acceptor.listen();
    m->port = m->acceptor.local_endpoint().port();
    masters.push_back(std::move(m));
  }
  if (cfg.tasks == task_mode::local_process) {
    if (cfg.sandbox_root.empty()) {
      sandbox_root = std::filesystem::temp_directory_path() / ("mesos-sim-" + protocol::random_uuid());
      own_sandbox_root = true;
    } else {
      sandbox_root = cfg.sandbox_root;
    }
    std::filesystem::create_directories(sandbox_root);
  }
  for (auto& m : masters) accept_next(*m);
  // Only processes can be executors: simulated tasks have no agent API.
  if (cfg.tasks == task_mode::local_process)
    for (std::size_t i = 0; i < agents.size(); ++i) open_agent_listener(i);
  schedule_allocation();
}

void cluster::impl::add_agents() {
  if (cfg.agents.empty()) cfg.agents.emplace_back();
  for (std::size_t i = 0; i < cfg.agents.size(); ++i) {
    sim_agent a;
    a.spec = cfg.agents[i];
    if (a.spec.hostname.empty()) a.spec.hostname = "agent-" + std::to_string(i);
    a.id = agent_prefix + "-S" + std::to_string(i);
    const auto scalar = [&](const char* name, double v) {
      if (v > 0) detail::add(a.total, detail::scalar_resource(name, v));
    };
    if (!a.spec.ports.empty()) {
      mesos::v1::Resource r;
      r.set_name("ports");
      r.set_type(mesos::v1::Value::RANGES);
      for (const auto& [b, e] : a.spec.ports) {
        auto* range = r.mutable_ranges()->add_range();
        range->set_begin(b);
        range->set_end(e);
      }
      detail::add(a.total, r);
    }
    scalar("cpus", a.spec.cpus);
    scalar("mem", a.spec.mem_mb);
    scalar("disk", a.spec.disk_mb);
    a.available = a.total;
    agents.push_back(std::move(a));
  }
}

void cluster::impl::accept_next(sim_master& m) {
  m.acceptor.async_accept([this, &m](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !m.acceptor.is_open()) return;
      accept_next(m);
      return;
    }
    beast::error_code ignored;
    // Events must leave at once, not wait for Nagle to fill a segment.
    socket.set_option(tcp::no_delay(true), ignored);
    auto c = std::make_shared<connection>(*this, m.index, next_connection++, std::move(socket), tls ? &*tls : nullptr);
    m.connections[c->id] = c;
    c->start();
    accept_next(m);
  });
}

void cluster::impl::shutdown_now() {
  for (auto& m : masters) {
    beast::error_code ignored;
    m->acceptor.close(ignored);
    m->phase_timer.cancel();
    auto conns = m->connections;
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) c->reset();
  }
  for (auto& a : agents) {
    beast::error_code ignored;
    if (a.executor_acceptor) a.executor_acceptor->close(ignored);
    if (a.restart_timer) a.restart_timer->cancel();
    auto conns = a.connections;
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) c->reset();
  }
  for (auto& [key, ex] : agent_executors) {
    ex->registration.cancel();
    ex->shutdown_grace.cancel();
    if (ex->pid > 0) {
      detail::signal_group(ex->pid, SIGKILL);
      detail::reap(ex->pid, true);
      ex->pid = -1;
    }
    beast::error_code ignored;
    if (ex->pidfd) ex->pidfd->close(ignored);
  }
  allocation_timer.cancel();
  session_timer.cancel();
  for (auto& [id, fw] : frameworks) {
    fw->failover.cancel();
    for (auto& [oid, op] : fw->operations) op->retry.cancel();
    for (auto& [tid, t] : fw->tasks) {
      t->retry.cancel();
      t->progress.cancel();
      stop_process(*t, true);
    }
  }
  for (auto& [id, o] : offers)
    if (o.timeout) o.timeout->cancel();
}

void cluster::impl::record(std::string type, unsigned status, std::string stream_id, std::string fw,
                           std::size_t master) {
  call_log.push_back({std::move(type), status, std::move(stream_id), std::move(fw), master});
}

bool cluster::impl::authenticated(const http::request<http::string_body>& req) const {
  if (cfg.credentials.empty() && cfg.bearer_tokens.empty()) return true;
  const auto given = req[http::field::authorization];
  for (const auto& [principal, secret] : cfg.credentials) {
    if (given == mesoshttp::detail::basic_authorization(principal, secret)) return true;
  }
  for (const auto& token : cfg.bearer_tokens) {
    if (given == "Bearer " + token) return true;
  }
  return false;
}

void cluster::impl::handle_request(const std::shared_ptr<connection>& c, http::request<http::string_body> req) {
  const bool keep_alive = req.keep_alive();
  const std::string_view target(req.target().data(), req.target().size());
  sim_master& m = *masters[c->master];

  if (m.phase == master_phase::not_found) {
    c->answer(protocol::not_found(), keep_alive);
    return;
  }
  if (cfg.control_endpoint && target.substr(0, 5) == "/sim/") {
    c->answer(handle_control(req), keep_alive);
    return;
  }
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/master/redirect" || path == "/redirect") {
    if (!leader_index) {
      c->answer(protocol::text(503, std::string(protocol::no_leader)), keep_alive);
      return;
    }
    c->answer(protocol::redirect(cfg.host, masters[*leader_index]->port, ""), keep_alive, false);
    return;
  }
  if (path == "/" && req.method() == http::verb::get) {
    const auto page = live_page(c->master);
    c->answer(page, keep_alive, page.status != 307);
    return;
  }
  // The classic JSON endpoints are read-only and, as a master started without
  // --authenticate_http_readonly serves them, need no credentials.
  if (req.method() == http::verb::get) {
    const auto query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
    if (auto a = classic_endpoint(c->master, path, query)) {
      c->answer(*a, keep_alive);
      return;
    }
  }
  const bool operator_api = operator_protocol::is_operator_path(target);
  if (!operator_api && !protocol::is_scheduler_path(target)) {
    c->answer(protocol::not_found(), keep_alive);
    return;
  }
  if (!authenticated(req)) {
    // As libprocess's HTTP authenticator: before the endpoint's own checks.
    protocol::answer a = protocol::text(401, "401 Unauthorized.");
    a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mesos\"");
    c->answer(a, keep_alive);
    call_log.push_back({"", 401, "", "", c->master});
    return;
  }
  if (answer_delay.count() > 0) {
    c->delay.expires_after(answer_delay);
    auto shared = std::make_shared<http::request<http::string_body>>(std::move(req));
    c->delay.async_wait([this, c, shared, operator_api](beast::error_code ec) {
      if (ec || c->closed) return;
      operator_api ? handle_operator(c, *shared) : handle_scheduler(c, *shared);
    });
    return;
  }
  operator_api ? handle_operator(c, req) : handle_scheduler(c, req);
}

protocol::answer cluster::impl::live_page(std::size_t master) const {
  // The page follows the stream of the master that served it, and only a
  // leader streams: another master sends the browser to the leader's page
  // (same-origin fetches, no CORS). With no leader the page is served and
  // retries until one is elected.
  if (leader_index && *leader_index != master) return protocol::redirect(cfg.host, masters[*leader_index]->port, "/");
  protocol::answer a = protocol::empty(200);
  a.body = std::string(live_page_html());
  a.content_type = "text/html; charset=utf-8";
  a.headers.emplace_back("Cache-Control", "no-store");
  return a;
}

void cluster::impl::handle_scheduler(const std::shared_ptr<connection>& c,
                                     const http::request<http::string_body>& req) {
  const bool keep_alive = req.keep_alive();
  sim_master& m = *masters[c->master];
  const protocol::request_view view = detail::request_view_of(req);
  const std::string stream_id(view.stream_id.value_or(""));
  const auto reply = [&](const protocol::answer& a, std::string type, std::string fw) {
    record(std::move(type), a.status, stream_id, std::move(fw), m.index);
    c->answer(a, keep_alive, a.status != 307);
  };

  if (fail_count > 0) {
    --fail_count;
    reply(protocol::text(fail_status, fail_body), "", "");
    return;
  }
  if (!leader_index) {
    reply(protocol::text(503, std::string(protocol::no_leader)), "", "");
    return;
  }
  if (*leader_index != m.index) {
    // The redirect comes before every other check, as on a real master.
    reply(protocol::redirect_to_leader(cfg.host, masters[*leader_index]->port, view.target), "", "");
    return;
  }
  if (m.phase == master_phase::recovering) {
    reply(protocol::text(503, std::string(protocol::not_recovered)), "", "");
    return;
  }

  auto parsed = protocol::parse_scheduler_request(view);
  if (auto* a = std::get_if<protocol::answer>(&parsed)) {
    reply(*a, "", "");
    return;
  }
  const auto& pc = std::get<protocol::parsed_call>(parsed);
  const std::string type = Call::Type_Name(pc.call.type());
  if (pc.call.type() == Call::SUBSCRIBE) {
    subscribe(c, pc);
    return;
  }
  const std::string fw_id = pc.call.framework_id().value();
  const auto it = frameworks.find(fw_id);
  if (it == frameworks.end()) {
    reply(protocol::text(400, std::string(protocol::framework_not_found)), type, fw_id);
    return;
  }
  sim_framework& fw = *it->second;
  if (!fw.connected) {
    reply(protocol::text(403, std::string(protocol::framework_not_subscribed)), type, fw_id);
    return;
  }
  if (!view.stream_id) {
    reply(protocol::text(400, std::string(protocol::missing_stream_id)), type, fw_id);
    return;
  }
  if (stream_id != fw.stream_id) {
    reply(protocol::text(400, protocol::stream_id_mismatch(stream_id, fw_id)), type, fw_id);
    return;
  }
  reply(on_call(fw, pc), type, fw_id);
}

mesos::v1::MasterInfo cluster::impl::master_info(std::size_t index) const {
  const sim_master& m = *masters[index];
  mesos::v1::MasterInfo info;
  info.set_id(m.id);
  info.set_ip(ipv4_as_mesos(cfg.host));
  info.set_port(m.port);
  info.set_pid("master@" + cfg.host + ":" + std::to_string(m.port));
  info.set_hostname(cfg.host);
  info.set_version(cfg.version);
  auto* address = info.mutable_address();
  address->set_hostname(cfg.host);
  address->set_ip(cfg.host);
  address->set_port(static_cast<std::int32_t>(m.port));
  for (auto t : {mesos::v1::MasterInfo::Capability::AGENT_UPDATE, mesos::v1::MasterInfo::Capability::AGENT_DRAINING,
                 mesos::v1::MasterInfo::Capability::QUOTA_V2})
    info.add_capabilities()->set_type(t);
  return info;
}

void cluster::impl::close_streams(std::size_t master) {
  auto conns = masters[master]->connections;
  for (auto& [id, weak] : conns)
    if (auto c = weak.lock(); c && c->streaming) c->graceful_close();
}

void cluster::impl::for_each_stream(const std::function<void(connection&)>& f) {
  if (!leader_index) return;
  auto conns = masters[*leader_index]->connections;
  for (auto& [id, weak] : conns) {
    auto c = weak.lock();
    // The faults are the scheduler API's: operator streams are left alone.
    if (c && c->streaming && !c->operator_stream && !c->closed) f(*c);
  }
}

protocol::answer cluster::impl::handle_control(const http::request<http::string_body>& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/sim/state" && req.method() == http::verb::get) {
    std::string out = "{\"leader\":";
    out += leader_index ? std::to_string(*leader_index) : "null";
    out += ",\"masters\":[";
    for (std::size_t i = 0; i < masters.size(); ++i) out += (i ? "," : "") + std::to_string(masters[i]->port);
    out += "],\"frameworks\":" + std::to_string(frameworks.size());
    std::size_t tasks = 0;
    for (const auto& [id, fw] : frameworks) tasks += fw->tasks.size();
    out += ",\"tasks\":" + std::to_string(tasks);
    out += ",\"offers\":" + std::to_string(offers.size());
    std::size_t outstanding = 0;
    for (const auto& [id, io] : inverse_offers)
      outstanding += io.state == cluster::inverse_offer_record::status::outstanding;
    out += ",\"inverse_offers\":" + std::to_string(outstanding);
    // Masters whose port refuses connections (kill(), or restart() while down).
    out += ",\"down\":[";
    bool first = true;
    for (const auto& m : masters) {
      if (m->phase != master_phase::dead && m->phase != master_phase::down) continue;
      out += (first ? "" : ",") + std::to_string(m->index);
      first = false;
    }
    out += "]}";
    protocol::answer a = protocol::empty(200);
    a.body = out;
    a.content_type = "application/json";
    return a;
  }
  if (path != "/sim/fault") return protocol::not_found();
  if (req.method() != http::verb::post)
    return protocol::only_post_allowed(std::string_view(req.method_string().data(), req.method_string().size()));
  google::protobuf::Struct body;
  const auto status = google::protobuf::util::JsonStringToMessage(req.body(), &body);
  if (!status.ok()) return protocol::text(400, "Failed to parse body into JSON: " + std::string(status.message()));
  const auto& fields = body.fields();
  const auto str = [&](const char* name, std::string fallback) {
    const auto it = fields.find(name);
    return it != fields.end() && it->second.has_string_value() ? it->second.string_value() : fallback;
  };
  const auto num = [&](const char* name, double fallback) {
    const auto it = fields.find(name);
    return it != fields.end() && it->second.kind_case() == google::protobuf::Value::kNumberValue
               ? it->second.number_value()
               : fallback;
  };
  const auto flag = [&](const char* name, bool fallback) {
    const auto it = fields.find(name);
    return it != fields.end() && it->second.kind_case() == google::protobuf::Value::kBoolValue ? it->second.bool_value()
                                                                                               : fallback;
  };
  const std::string fault = str("fault", "");
  const auto ok = [] {
    protocol::answer a = protocol::empty(200);
    a.body = "{\"ok\":true}";
    a.content_type = "application/json";
    return a;
  };
  const auto count = [](double v) { return v < 0 ? std::size_t{0} : static_cast<std::size_t>(v); };
  // The "master" (or "agent") field, when it names one that exists.
  const std::size_t master = count(num("master", 0));
  const bool master_exists = master < masters.size();
  const protocol::answer no_master = protocol::text(400, "No master " + std::to_string(master));
  if (fault == "cut_streams_mid_record")
    cut_now();
  else if (fault == "pause_heartbeats")
    heartbeats_paused = flag("paused", true);
  else if (fault == "error_event")
    error_now(str("message", "Simulated error"));
  else if (fault == "fail_next") {
    fail_count = count(num("n", 1));
    fail_status = static_cast<unsigned>(num("status", 503));
    fail_body = str("body", std::string(protocol::not_recovered));
  } else if (fault == "delay_answers")
    answer_delay = std::chrono::milliseconds(static_cast<long long>(num("ms", 0)));
  else if (fault == "offers_burst")
    burst_now(count(num("agents", 1000)));
  else if (fault == "cut_executor_streams") {
    std::optional<std::size_t> agent;
    if (fields.count("agent")) {
      agent = count(num("agent", 0));
      if (*agent >= agents.size()) return protocol::text(400, "No agent " + std::to_string(*agent));
    }
    cut_executors_now(agent);
  } else if (fault == "restart_agent") {
    const std::size_t a = count(num("agent", 0));
    if (a >= agents.size()) return protocol::text(400, "No agent " + std::to_string(a));
    restart_agent_now(a, std::chrono::milliseconds(static_cast<long long>(num("down_ms", 1000))));
  } else if (fault == "garbage")
    garbage_now();
  else if (fault == "reset_connections")
    reset_now();
  else if (fault == "flood") {
    const std::string shape = str("shape", "heartbeat");
    flood_shape s = flood_shape::heartbeat;
    if (shape == "update")
      s = flood_shape::update;
    else if (shape == "offers")
      s = flood_shape::offers;
    else if (shape != "heartbeat")
      return protocol::text(400, "Unknown flood shape '" + shape + "'");
    flood_now(count(num("events", 1000)), s, count(num("offers_per_event", 1)));
  } else if (fault == "elect") {
    if (!master_exists) return no_master;
    elect_now(master);
  } else if (fault == "unelect")
    unelect_now();
  else if (fault == "restart") {
    if (!master_exists) return no_master;
    restart_now(master, std::chrono::milliseconds(static_cast<long long>(num("down_ms", 1000))));
  } else if (fault == "schedule_maintenance" || fault == "cancel_maintenance") {
    const std::size_t a = count(num("agent", 0));
    if (a >= agents.size()) return protocol::text(400, "No agent " + std::to_string(a));
    if (fault == "cancel_maintenance") {
      cancel_maintenance_now(a);
    } else {
      mesos::v1::Unavailability u;
      u.mutable_start()->set_nanoseconds(static_cast<std::int64_t>(num("start_s", detail::now_seconds()) * 1e9));
      const double duration = num("duration_s", 3600);
      if (duration > 0) u.mutable_duration()->set_nanoseconds(static_cast<std::int64_t>(duration * 1e9));
      schedule_maintenance_now(a, std::move(u));
    }
  } else if (fault == "kill" || fault == "start_master") {
    if (!master_exists) return no_master;
    if (fault == "kill")
      kill_now(master);
    else
      start_master_now(master);
  } else
    return protocol::text(400, "Unknown fault '" + fault + "'");
  return ok();
}

}  // namespace mesoshttp::sim
