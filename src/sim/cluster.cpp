#include "mesoshttp/sim/cluster.hpp"

// Resource.role, FrameworkInfo.role and Response.reconcile_operations are
// deprecated in the schema, but a real 1.11 master still reads and sets them
// (offers carry "role":"*"), so the simulator must too.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <sys/socket.h>
#include <signal.h>

#include <boost/asio.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/ssl.hpp>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/detail/auth.hpp"
#include "mesoshttp/detail/maybe_tls_stream.hpp"
#include "mesoshttp/recordio.hpp"
#include "mesoshttp/sim/protocol.hpp"
#include "constraints.hpp"
#include "process.hpp"
#include "resources.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::sim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using mesos::v1::TaskState;
using mesos::v1::TaskStatus;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string serialize(const protocol::answer& a, bool with_date) {
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(a.status))) + "\r\n";
  if (with_date) out += "Date: " + http_date() + "\r\n";
  for (const auto& [name, value] : a.headers) out += name + ": " + value + "\r\n";
  if (!a.content_type.empty()) out += "Content-Type: " + a.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n";
  out += a.body;
  return out;
}

// One chunk of a chunked body.
void append_chunk(std::string& out, std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out += size;
  out.append(data.data(), data.size());
  out += "\r\n";
}

// Protobuf's JSON printer quotes 64-bit integers; a real master prints range
// bounds as plain numbers ("begin":31000), and a client with its own JSON
// reader may depend on that.
void unquote_ranges(std::string& json) {
  for (const std::string_view key : {"\"begin\":\"", "\"end\":\""}) {
    std::size_t pos = 0;
    while ((pos = json.find(key, pos)) != std::string::npos) {
      const std::size_t quote = pos + key.size() - 1;
      std::size_t end = quote + 1;
      while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
      if (end < json.size() && json[end] == '"' && end > quote + 1) {
        json.erase(end, 1);
        json.erase(quote, 1);
      }
      pos = quote;
    }
  }
}

using mesoshttp::calls::is_terminal;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

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

// A framework's roles, as sim_framework::roles() reads them from its info.
std::vector<std::string> roles_of(const mesos::v1::FrameworkInfo& info);

// Why `suppressed` cannot be the suppressed roles of a framework with `info`
// (a role it does not have), or nullopt.
template <class Roles>
std::optional<std::string> check_suppressed_roles(const mesos::v1::FrameworkInfo& info, const Roles& suppressed) {
  const auto roles = roles_of(info);
  for (const auto& r : suppressed)
    if (std::find(roles.begin(), roles.end(), r) == roles.end())
      return "Suppressed role '" + r + "' is not one of the framework's roles";
  return std::nullopt;
}

}  // namespace

// ------------------------------------------------------------------ state

struct connection;

struct sim_task {
  mesos::v1::TaskInfo info;
  std::string executor_id;
  std::size_t agent = 0;
  detail::pool resources;
  TaskState state = mesos::v1::TASK_STAGING;
  std::deque<TaskStatus> pending;  // head is sent; the rest wait for its ack
  net::steady_timer retry;
  net::steady_timer progress;
  bool kill_requested = false;
  std::string container_id;
  // local_process mode
  pid_t pid = -1;
  std::unique_ptr<net::posix::stream_descriptor> pidfd;
  std::filesystem::path sandbox;

  explicit sim_task(net::io_context& ioc) : retry(ioc), progress(ioc) {}
};

// An offer operation that carried an id (operation feedback).
struct sim_operation {
  std::size_t agent = 0;
  mesos::v1::OperationStatus latest;  // without uuid: what reconciliation reports
  // The status being delivered reliably (with its uuid), until acknowledged.
  std::optional<mesos::v1::OperationStatus> pending;
  net::steady_timer retry;

  explicit sim_operation(net::io_context& ioc) : retry(ioc) {}
};

struct sim_framework {
  std::string id;
  mesos::v1::FrameworkInfo info;
  bool connected = false;
  std::weak_ptr<connection> stream;
  std::string stream_id;
  encoding enc = encoding::json;
  // Roles that get no offers (SUPPRESS, SUBSCRIBE's and UPDATE_FRAMEWORK's
  // suppressed_roles) until revived.
  std::set<std::string> suppressed;
  // DECLINE and ACCEPT filters: (role, agent) -> refused until. Offers are
  // made per role, so a filter holds for the role of the offer it came from.
  std::map<std::pair<std::string, std::size_t>, clock_type::time_point> filters;
  // offer_constraints of SUBSCRIBE or UPDATE_FRAMEWORK: agents a role may be offered.
  detail::offer_constraints constraints;
  std::map<std::string, std::shared_ptr<sim_task>> tasks;
  // Operations with an id, by id, until their terminal status is acknowledged.
  std::map<std::string, std::unique_ptr<sim_operation>> operations;
  net::steady_timer failover;

  explicit sim_framework(net::io_context& ioc) : failover(ioc) {}
  std::vector<std::string> roles() const { return roles_of(info); }
  bool has_role(const std::string& role) const {
    const auto all = roles();
    return std::find(all.begin(), all.end(), role) != all.end();
  }
  bool has_capability(mesos::v1::FrameworkInfo::Capability::Type t) const {
    for (const auto& c : info.capabilities())
      if (c.type() == t) return true;
    return false;
  }
};

namespace {

// The roles a framework is offered resources for: FrameworkInfo.roles (with
// MULTI_ROLE; also accepted without it), else the legacy FrameworkInfo.role
// ("*" by default).
std::vector<std::string> roles_of(const mesos::v1::FrameworkInfo& info) {
  std::vector<std::string> out;
  bool multi = info.roles_size() > 0;
  for (const auto& c : info.capabilities())
    if (c.type() == mesos::v1::FrameworkInfo::Capability::MULTI_ROLE) multi = true;
  if (!multi) return {info.role()};
  for (const auto& r : info.roles())
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  return out;
}

}  // namespace

struct sim_offer {
  std::string id;
  std::string framework_id;
  std::string role;  // the role it is allocated to (Offer.allocation_info.role)
  std::size_t agent = 0;
  detail::pool resources;
  std::unique_ptr<net::steady_timer> timeout;
};

struct sim_agent {
  std::string id;
  agent_spec spec;
  detail::pool total;
  detail::pool available;  // total minus offered minus used by tasks
  // Scheduled maintenance: offers carry it, and frameworks using the agent
  // get an inverse offer for it (once per framework and maintenance).
  std::optional<mesos::v1::Unavailability> maintenance;
  std::set<std::string> inverse_offered;  // framework ids
};

struct sim_inverse_offer {
  std::string framework_id;
  std::size_t agent = 0;
  cluster::inverse_offer_record::status state = cluster::inverse_offer_record::status::outstanding;
};

// down: restart()'s closed port; dead: kill()ed until start_master().
enum class master_phase { serving, down, dead, not_found, recovering };

struct sim_master {
  std::size_t index = 0;
  std::uint16_t port = 0;
  std::string id;
  tcp::acceptor acceptor;
  master_phase phase = master_phase::serving;
  net::steady_timer phase_timer;
  std::map<std::uint64_t, std::weak_ptr<connection>> connections;

  explicit sim_master(net::io_context& ioc) : acceptor(ioc), phase_timer(ioc) {}
};

struct cluster::impl {
  net::io_context ioc;  // first member: destroyed last, after everything using it
  cluster_config cfg;
  std::optional<net::ssl::context> tls;  // set when cfg names a certificate
  std::thread thread;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  bool started = false;
  std::atomic<bool> stopped{false};

  std::vector<std::unique_ptr<sim_master>> masters;
  std::optional<std::size_t> leader_index = 0;
  std::string agent_prefix = protocol::random_uuid();
  std::vector<sim_agent> agents;
  std::map<std::string, std::unique_ptr<sim_framework>> frameworks;
  std::set<std::string> removed_frameworks;
  std::map<std::string, sim_offer> offers;
  std::map<std::string, sim_inverse_offer> inverse_offers;  // every one made, by id
  std::uint64_t next_framework = 0;
  std::uint64_t next_offer = 0;
  std::uint64_t next_connection = 0;
  std::size_t round_robin = 0;
  net::steady_timer allocation_timer{ioc};
  // kill() of the leader: runs for leader_session_timeout, then the next
  // master takes over (the dead leader's ZooKeeper session expiring).
  net::steady_timer session_timer{ioc};
  // Every master was dead when the session expired: the first one started
  // again is elected.
  bool elect_first_started = false;
  bool allocation_posted = false;
  std::filesystem::path sandbox_root;
  bool own_sandbox_root = false;

  // Faults.
  bool heartbeats_paused = false;
  std::size_t fail_count = 0;
  unsigned fail_status = 503;
  std::string fail_body;
  std::chrono::milliseconds answer_delay{0};

  std::vector<cluster::call_record> call_log;

  explicit impl(cluster_config c) : cfg(std::move(c)) {}

  template <class F>
  auto run_sync(F f) -> decltype(f()) {
    if (!started || stopped || ioc.get_executor().running_in_this_thread()) return f();
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    net::post(ioc, [&task] { task(); });
    return result.get();
  }

  sim_master* leader_master() { return leader_index ? masters[*leader_index].get() : nullptr; }

  // Defined below.
  void start_now();
  void shutdown_now();
  void accept_next(sim_master& m);
  void handle_request(const std::shared_ptr<connection>& c, http::request<http::string_body> req);
  // True when no credentials are configured, or the request carries valid ones.
  bool authenticated(const http::request<http::string_body>& req) const {
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

  void handle_scheduler(const std::shared_ptr<connection>& c, const http::request<http::string_body>& req);
  protocol::answer handle_control(const http::request<http::string_body>& req);
  void record(std::string type, unsigned status, std::string stream_id, std::string fw, std::size_t master);
  void subscribe(const std::shared_ptr<connection>& c, const protocol::parsed_call& pc);
  void stream_closed(connection& c);
  void disconnect(sim_framework& fw);
  void remove_framework(const std::string& id);
  void send_event(sim_framework& fw, const Event& event);
  void close_streams(std::size_t master, bool final_chunk);
  mesos::v1::MasterInfo master_info(std::size_t master) const;

  // Allocation and offers.
  void schedule_allocation();
  void allocate();
  void return_offer(const std::string& offer_id, bool rescind);
  void remove_offers_of(const std::string& framework_id);
  mesos::v1::Offer make_offer(const sim_offer& o, const sim_framework& fw) const;

  // Maintenance and inverse offers.
  void schedule_maintenance_now(std::size_t agent, mesos::v1::Unavailability unavailability);
  void cancel_maintenance_now(std::size_t agent);
  void send_inverse_offers();
  void answer_inverse_offers(sim_framework& fw, const google::protobuf::RepeatedPtrField<mesos::v1::OfferID>& ids,
                             bool accepted);
  void forget_inverse_offers(const std::string& framework_id);

  // Calls.
  protocol::answer on_call(sim_framework& fw, const protocol::parsed_call& pc);
  void accept(sim_framework& fw, const Call::Accept& accept);
  void launch(sim_framework& fw, std::size_t agent, detail::pool& pool, const mesos::v1::TaskInfo& task,
              const std::string& executor_id);
  void kill(sim_framework& fw, const std::string& task_id);
  void reconcile(sim_framework& fw, const Call::Reconcile& r);

  // Tasks.
  TaskStatus make_status(const sim_task& t, TaskState state, std::string message);
  void update(sim_framework& fw, sim_task& t, TaskStatus status);
  void send_head(sim_framework& fw, sim_task& t);
  void master_update(sim_framework& fw, const mesos::v1::TaskInfo& task, TaskState state, TaskStatus::Reason reason,
                     std::string message);
  void start_task(sim_framework& fw, const std::shared_ptr<sim_task>& t);
  void finish_task(sim_framework& fw, sim_task& t, TaskState state, std::string message);
  void stop_process(sim_task& t, bool force);
  void watch_process(const std::string& fw_id, const std::shared_ptr<sim_task>& t);
  void acknowledge(sim_framework& fw, const Call::Acknowledge& ack);

  // Operation feedback.
  void operation_status(sim_framework& fw, const mesos::v1::Offer::Operation& op, std::optional<std::size_t> agent,
                        mesos::v1::OperationState state, std::string message, const detail::pool& converted,
                        const std::string& role);
  void send_operation_head(sim_framework& fw, const std::string& operation_id);
  void acknowledge_operation(sim_framework& fw, const Call::AcknowledgeOperationStatus& ack);
  mesos::v1::scheduler::Response reconcile_operations(const sim_framework& fw,
                                                      const Call::ReconcileOperations& r) const;

  // Faults.
  void for_each_stream(const std::function<void(connection&)>& f);
  void elect_now(std::size_t master);
  void unelect_now();
  void restart_now(std::size_t master, std::chrono::milliseconds down);
  void kill_now(std::size_t master);
  void start_master_now(std::size_t master);
  void close_master(sim_master& m, bool reset);
  void reopen_master(sim_master& m);
  void take_over_from(std::size_t dead);
  void cut_now();
  void error_now(const std::string& message);
  void garbage_now();
  void reset_now();
  Event fake_offers(const std::string& framework_id, std::size_t n);
  void burst_now(std::size_t n);
  std::size_t flood_now(std::size_t events, flood_shape shape, std::size_t per_event);
};

// ------------------------------------------------------------------ connection

struct connection : std::enable_shared_from_this<connection> {
  cluster::impl& sim;
  std::size_t master;
  std::uint64_t id;
  mesoshttp::detail::maybe_tls_stream<tcp::socket> stream;
  tcp::socket& socket;  // the TCP layer under `stream`
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  std::deque<std::string> out;
  bool writing = false;
  bool close_after_write = false;
  bool closed = false;
  std::string batch;

  // A SUBSCRIBE stream.
  bool streaming = false;
  std::string framework_id;
  std::string stream_id;
  encoding enc = encoding::json;
  net::steady_timer heartbeat;
  std::size_t flood_left = 0;
  std::string flood_record;  // one framed record, already chunked
  std::array<char, 4096> discard{};
  net::steady_timer delay;

  connection(cluster::impl& s, std::size_t m, std::uint64_t i, tcp::socket sock, net::ssl::context* tls)
      : sim(s),
        master(m),
        id(i),
        stream(std::move(sock), tls),
        socket(stream.next_layer()),
        heartbeat(s.ioc),
        delay(s.ioc) {}

  // TLS connections shake hands before the first request.
  void start() {
    if (!stream.tls()) return read_request();
    stream.tls()->async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->read_request();
    });
  }

  void read_request() {
    if (closed) return;
    parser.emplace();
    parser->body_limit(sim.cfg.max_body_size);
    parser->header_limit(64 * 1024);
    http::async_read(stream, buffer, *parser,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (closed) return;
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset) {
      close();
      return;
    }
    if (ec == http::error::body_limit) {
      send(serialize(
          protocol::text(413, "Request body is larger than " + std::to_string(sim.cfg.max_body_size) + " bytes"),
          true));
      close_after_write = true;
      return;
    }
    if (ec) {
      if (ec.category() == beast::error_code(http::error::bad_method).category() || ec == http::error::header_limit) {
        send(serialize(protocol::text(400, "Malformed HTTP request: " + ec.message()), true));
        close_after_write = true;
      } else {
        close();
      }
      return;
    }
    sim.handle_request(shared_from_this(), parser->release());
  }

  // Answers a request; the connection stays open unless the request said close.
  void answer(const protocol::answer& a, bool keep_alive, bool with_date = true) {
    send(serialize(a, with_date));
    if (keep_alive)
      read_request();
    else
      close_after_write = true;
  }

  void send(std::string bytes) {
    if (closed) return;
    out.push_back(std::move(bytes));
    write_next();
  }

  void write_next() {
    if (writing || closed) return;
    batch.clear();
    while (!out.empty() && batch.size() < 256 * 1024) {
      batch += out.front();
      out.pop_front();
    }
    while (flood_left > 0 && batch.size() < 256 * 1024) {
      batch += flood_record;
      --flood_left;
    }
    if (batch.empty()) {
      if (close_after_write) graceful_close();
      return;
    }
    writing = true;
    net::async_write(stream, net::buffer(batch), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing = false;
      if (ec) {
        self->close();
        return;
      }
      self->write_next();
    });
  }

  // Streams keep reading only to notice the client going away.
  void watch_stream() {
    stream.async_read_some(net::buffer(discard), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->close();
        return;
      }
      self->watch_stream();
    });
  }

  // Ends an event stream the way a master does: the last chunk, then the
  // connection closes once everything queued before it is written. It no
  // longer counts as the framework's stream (its end disconnects nothing).
  void end_stream() {
    streaming = false;
    heartbeat.cancel();
    send("0\r\n\r\n");
    close_after_write = true;
    write_next();
  }

  void graceful_close() {
    if (closed) return;
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    close();
  }

  void reset() {
    if (closed) return;
    beast::error_code ignored;
    socket.set_option(net::socket_base::linger(true, 0), ignored);
    close();
  }

  void close() {
    if (closed) return;
    closed = true;
    beast::error_code ignored;
    socket.close(ignored);
    heartbeat.cancel();
    delay.cancel();
    out.clear();
    flood_left = 0;
    sim.masters[master]->connections.erase(id);
    if (streaming) sim.stream_closed(*this);
  }

  void send_event(const Event& event) {
    // Text a framework sent in protobuf may hold bytes that are not UTF-8 (a
    // task name, a label). A real master's JSON writer passes them through
    // raw, and JSON readers reject the whole event; here they go out as '?'
    // (as in the RECONCILE_OPERATIONS answer).
    std::string record;
    if (encode_coercing_utf8(event, enc, record)) return;
    if (enc == encoding::json) unquote_ranges(record);
    std::string framed;
    recordio::encode(record, framed);
    std::string chunk;
    append_chunk(chunk, framed);
    send(std::move(chunk));
  }

  void arm_heartbeat() {
    heartbeat.expires_after(sim.cfg.heartbeat_interval);
    heartbeat.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed) return;
      if (!self->sim.heartbeats_paused) {
        Event e;
        e.set_type(Event::HEARTBEAT);
        self->send_event(e);
      }
      self->arm_heartbeat();
    });
  }
};

// ------------------------------------------------------------------ server

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
  if (cfg.agents.empty()) cfg.agents.emplace_back();
  for (std::size_t i = 0; i < cfg.agents.size(); ++i) {
    sim_agent a;
    a.spec = cfg.agents[i];
    if (a.spec.hostname.empty()) a.spec.hostname = "agent-" + std::to_string(i);
    a.id = agent_prefix + "-S" + std::to_string(i);
    auto scalar = [&](const char* name, double v) {
      if (v <= 0) return;
      mesos::v1::Resource r;
      r.set_name(name);
      r.set_type(mesos::v1::Value::SCALAR);
      r.mutable_scalar()->set_value(v);
      detail::add(a.total, r);
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
  schedule_allocation();
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
    protocol::answer a = protocol::empty(307);
    a.headers.emplace_back("Location", "//" + cfg.host + ":" + std::to_string(masters[*leader_index]->port));
    c->answer(a, keep_alive, false);
    return;
  }
  if (!protocol::is_scheduler_path(target)) {
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
    c->delay.async_wait([this, c, shared](beast::error_code ec) {
      if (ec || c->closed) return;
      handle_scheduler(c, *shared);
    });
    return;
  }
  handle_scheduler(c, req);
}

void cluster::impl::handle_scheduler(const std::shared_ptr<connection>& c,
                                     const http::request<http::string_body>& req) {
  const bool keep_alive = req.keep_alive();
  sim_master& m = *masters[c->master];
  const auto header = [&](http::field f) -> std::optional<std::string_view> {
    const auto it = req.find(f);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  };
  const auto stream_header = [&]() -> std::optional<std::string_view> {
    const auto it = req.find("Mesos-Stream-Id");
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }();
  const std::string stream_id(stream_header.value_or(""));
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
    reply(protocol::redirect_to_leader(cfg.host, masters[*leader_index]->port,
                                       std::string_view(req.target().data(), req.target().size())),
          "", "");
    return;
  }
  if (m.phase == master_phase::recovering) {
    reply(protocol::text(503, std::string(protocol::not_recovered)), "", "");
    return;
  }

  protocol::request_view view;
  const std::string method(req.method_string());
  view.method = method;
  view.target = std::string_view(req.target().data(), req.target().size());
  view.content_type = header(http::field::content_type);
  view.accept = header(http::field::accept);
  view.stream_id = stream_header;
  view.body = req.body();
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
  if (!stream_header) {
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

void cluster::impl::subscribe(const std::shared_ptr<connection>& c, const protocol::parsed_call& pc) {
  const sim_master& m = *masters[c->master];
  mesos::v1::FrameworkInfo info = pc.call.subscribe().framework_info();
  std::string fw_id = info.has_id() ? info.id().value() : pc.call.framework_id().value();
  const std::string stream_id = protocol::random_uuid();

  const std::string head = "HTTP/1.1 200 OK\r\nDate: " + http_date() +
                           "\r\nTransfer-Encoding: chunked\r\nMesos-Stream-Id: " + stream_id +
                           "\r\nContent-Type: " + std::string(content_type(pc.response_encoding)) + "\r\n\r\n";

  if (!fw_id.empty() && removed_frameworks.count(fw_id)) {
    // A torn-down framework cannot come back: the master says so on the stream.
    record("SUBSCRIBE", 200, stream_id, fw_id, m.index);
    c->send(head);
    c->enc = pc.response_encoding;
    Event e;
    e.set_type(Event::ERROR);
    e.mutable_error()->set_message("Framework has been removed");
    c->send_event(e);
    c->end_stream();
    return;
  }
  std::optional<std::string> invalid = check_suppressed_roles(info, pc.call.subscribe().suppressed_roles());
  auto constraints = detail::compile_constraints(pc.call.subscribe().offer_constraints(), roles_of(info));
  if (!invalid) {
    if (auto* why = std::get_if<std::string>(&constraints)) invalid = *why;
  }
  if (invalid) {
    // As a real master answers an invalid SUBSCRIBE: the stream opens and
    // carries one ERROR event, then ends.
    record("SUBSCRIBE", 200, stream_id, fw_id, m.index);
    c->send(head);
    c->enc = pc.response_encoding;
    Event e;
    e.set_type(Event::ERROR);
    e.mutable_error()->set_message(*invalid);
    c->send_event(e);
    c->end_stream();
    return;
  }
  if (fw_id.empty()) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-%04llu", static_cast<unsigned long long>(next_framework++));
    fw_id = m.id + suffix;
  }
  info.mutable_id()->set_value(fw_id);

  auto it = frameworks.find(fw_id);
  if (it == frameworks.end()) {
    auto fw = std::make_unique<sim_framework>(ioc);
    fw->id = fw_id;
    it = frameworks.emplace(fw_id, std::move(fw)).first;
  }
  sim_framework& fw = *it->second;
  fw.failover.cancel();
  if (auto old = fw.stream.lock(); old && !old->closed) {
    Event e;
    e.set_type(Event::ERROR);
    e.mutable_error()->set_message("Framework failed over");
    old->send_event(e);
    old->end_stream();  // its end no longer disconnects the framework
  }
  fw.info = info;
  fw.connected = true;
  fw.stream = c;
  fw.stream_id = stream_id;
  fw.enc = pc.response_encoding;
  // SUBSCRIBE replaces the set of suppressed roles (validated above).
  fw.suppressed = std::set<std::string>(pc.call.subscribe().suppressed_roles().begin(),
                                        pc.call.subscribe().suppressed_roles().end());
  fw.constraints = std::move(std::get<detail::offer_constraints>(constraints));

  c->streaming = true;
  c->framework_id = fw_id;
  c->stream_id = stream_id;
  c->enc = pc.response_encoding;
  record("SUBSCRIBE", 200, stream_id, fw_id, m.index);
  c->send(head);

  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(fw_id);
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(
      std::chrono::duration<double>(cfg.heartbeat_interval).count());
  *subscribed.mutable_subscribed()->mutable_master_info() = master_info(m.index);
  c->send_event(subscribed);
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  if (!heartbeats_paused) c->send_event(heartbeat);
  c->arm_heartbeat();
  c->watch_stream();

  // Updates that were waiting for the framework to come back.
  for (auto& [tid, t] : fw.tasks)
    if (!t->pending.empty()) send_head(fw, *t);
  for (auto& [oid, op] : fw.operations)
    if (op->pending) send_operation_head(fw, oid);
  schedule_allocation();
}

void cluster::impl::stream_closed(connection& c) {
  c.streaming = false;
  const auto it = frameworks.find(c.framework_id);
  if (it == frameworks.end()) return;
  sim_framework& fw = *it->second;
  if (fw.stream.lock().get() != &c && !fw.stream.expired()) return;
  disconnect(fw);
}

void cluster::impl::disconnect(sim_framework& fw) {
  if (!fw.connected) return;
  fw.connected = false;
  fw.stream.reset();
  remove_offers_of(fw.id);
  forget_inverse_offers(fw.id);
  const double requested = fw.info.failover_timeout();
  if (requested <= 0) {
    remove_framework(fw.id);
    return;
  }
  auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(std::min(requested, 1e9)));
  timeout = std::min(timeout, cfg.failover_timeout_cap);
  fw.failover.expires_after(timeout);
  const std::string id = fw.id;
  fw.failover.async_wait([this, id](beast::error_code ec) {
    if (ec) return;
    const auto it = frameworks.find(id);
    if (it != frameworks.end() && !it->second->connected) remove_framework(id);
  });
}

void cluster::impl::remove_framework(const std::string& id) {
  const auto it = frameworks.find(id);
  if (it == frameworks.end()) return;
  sim_framework& fw = *it->second;
  fw.failover.cancel();
  for (auto& [oid, op] : fw.operations) op->retry.cancel();
  remove_offers_of(id);
  forget_inverse_offers(id);
  for (auto& [tid, t] : fw.tasks) {
    t->retry.cancel();
    t->progress.cancel();
    if (!is_terminal(t->state)) detail::add(agents[t->agent].available, t->resources);
    stop_process(*t, true);
  }
  if (auto s = fw.stream.lock()) s->end_stream();
  removed_frameworks.insert(id);
  frameworks.erase(it);
  schedule_allocation();
}

void cluster::impl::send_event(sim_framework& fw, const Event& event) {
  if (!fw.connected) return;
  if (auto s = fw.stream.lock(); s && !s->closed) s->send_event(event);
}

void cluster::impl::close_streams(std::size_t master, bool final_chunk) {
  auto conns = masters[master]->connections;
  for (auto& [id, weak] : conns) {
    auto c = weak.lock();
    if (!c || !c->streaming) continue;
    if (final_chunk) {
      c->send("0\r\n\r\n");
      c->close_after_write = true;
      c->write_next();
    } else {
      c->graceful_close();
    }
  }
}

// ------------------------------------------------------------------ offers

void cluster::impl::schedule_allocation() {
  if (allocation_posted) return;
  allocation_posted = true;
  net::post(ioc, [this] {
    allocation_posted = false;
    allocate();
  });
}

mesos::v1::Offer cluster::impl::make_offer(const sim_offer& o, const sim_framework& fw) const {
  const sim_agent& a = agents[o.agent];
  mesos::v1::Offer offer;
  offer.mutable_id()->set_value(o.id);
  offer.mutable_framework_id()->set_value(fw.id);
  offer.mutable_agent_id()->set_value(a.id);
  offer.set_hostname(a.spec.hostname);
  auto* url = offer.mutable_url();
  url->set_scheme("http");
  url->mutable_address()->set_hostname(a.spec.hostname);
  url->mutable_address()->set_ip(cfg.host);
  url->mutable_address()->set_port(5051);
  url->set_path("/slave(1)");
  for (const auto& r : o.resources) {
    auto* out = offer.add_resources();
    *out = r;
    const std::string role = detail::reservation_role(r);
    out->set_role(role);
    out->mutable_allocation_info()->set_role(o.role);
  }
  for (const auto& [name, value] : a.spec.attributes) {
    auto* attr = offer.add_attributes();
    attr->set_name(name);
    attr->set_type(mesos::v1::Value::TEXT);
    attr->mutable_text()->set_value(value);
  }
  offer.mutable_allocation_info()->set_role(o.role);
  if (a.maintenance) *offer.mutable_unavailability() = *a.maintenance;
  return offer;
}

void cluster::impl::allocate() {
  if (!leader_index || masters[*leader_index]->phase != master_phase::serving) {
    allocation_timer.expires_after(cfg.offer_interval);
    allocation_timer.async_wait([this](beast::error_code ec) {
      if (!ec) allocate();
    });
    return;
  }
  // One candidate per (framework, role) that is not suppressed: offers are
  // made per role, as a multi-role framework sees them on a real master.
  std::vector<std::pair<sim_framework*, std::string>> eligible;
  for (auto& [id, fw] : frameworks) {
    if (!fw->connected) continue;
    for (auto& role : fw->roles())
      if (!fw->suppressed.count(role)) eligible.emplace_back(fw.get(), std::move(role));
  }
  std::map<sim_framework*, Event> events;
  const auto now = clock_type::now();
  if (!eligible.empty()) {
    for (std::size_t ai = 0; ai < agents.size(); ++ai) {
      sim_agent& a = agents[ai];
      if (a.available.empty()) continue;
      for (std::size_t k = 0; k < eligible.size(); ++k) {
        const auto& [fwp, role] = eligible[(round_robin + k) % eligible.size()];
        sim_framework& fw = *fwp;
        const auto f = fw.filters.find({role, ai});
        if (f != fw.filters.end() && f->second > now) continue;
        if (!detail::satisfies(fw.constraints, role, {a.spec.hostname, &a.spec.attributes})) continue;
        detail::pool offered;
        for (const auto& r : a.available) {
          const std::string reserved_for = detail::reservation_role(r);
          if (reserved_for == "*" || reserved_for == role) offered.push_back(r);
        }
        if (offered.empty()) continue;
        detail::subtract(a.available, offered);
        sim_offer o;
        o.id = masters[*leader_index]->id + "-O" + std::to_string(next_offer++);
        o.framework_id = fw.id;
        o.role = role;
        o.agent = ai;
        o.resources = offered;
        auto& ev = events[&fw];
        ev.set_type(Event::OFFERS);
        *ev.mutable_offers()->add_offers() = make_offer(o, fw);
        if (cfg.offer_timeout.count() > 0) {
          o.timeout = std::make_unique<net::steady_timer>(ioc, cfg.offer_timeout);
          o.timeout->async_wait([this, id = o.id](beast::error_code ec) {
            if (!ec) return_offer(id, true);
          });
        }
        offers.emplace(o.id, std::move(o));
        // No break: what is left (resources reserved for other roles) may
        // still go to the next candidates.
        if (a.available.empty()) break;
      }
    }
    ++round_robin;
  }
  for (auto& [fw, ev] : events) send_event(*fw, ev);
  send_inverse_offers();
  allocation_timer.cancel();
  allocation_timer.expires_after(cfg.offer_interval);
  allocation_timer.async_wait([this](beast::error_code ec) {
    if (!ec) allocate();
  });
}

void cluster::impl::return_offer(const std::string& offer_id, bool rescind) {
  const auto it = offers.find(offer_id);
  if (it == offers.end()) return;
  detail::add(agents[it->second.agent].available, it->second.resources);
  if (rescind) {
    const auto fw = frameworks.find(it->second.framework_id);
    if (fw != frameworks.end()) {
      Event e;
      e.set_type(Event::RESCIND);
      e.mutable_rescind()->mutable_offer_id()->set_value(offer_id);
      send_event(*fw->second, e);
    }
  }
  if (it->second.timeout) it->second.timeout->cancel();
  offers.erase(it);
}

void cluster::impl::remove_offers_of(const std::string& framework_id) {
  std::vector<std::string> ids;
  for (const auto& [id, o] : offers)
    if (o.framework_id == framework_id) ids.push_back(id);
  for (const auto& id : ids) return_offer(id, false);
}

// ------------------------------------------------------------------ maintenance

void cluster::impl::schedule_maintenance_now(std::size_t agent, mesos::v1::Unavailability unavailability) {
  // A new schedule replaces the old one: its inverse offers are rescinded.
  cancel_maintenance_now(agent);
  agents[agent].maintenance = std::move(unavailability);
  send_inverse_offers();
}

void cluster::impl::cancel_maintenance_now(std::size_t agent) {
  sim_agent& a = agents[agent];
  if (!a.maintenance) return;
  a.maintenance.reset();
  a.inverse_offered.clear();
  for (auto& [id, io] : inverse_offers) {
    if (io.agent != agent || io.state != cluster::inverse_offer_record::status::outstanding) continue;
    io.state = cluster::inverse_offer_record::status::rescinded;
    const auto fw = frameworks.find(io.framework_id);
    if (fw == frameworks.end()) continue;
    Event e;
    e.set_type(Event::RESCIND_INVERSE_OFFER);
    e.mutable_rescind_inverse_offer()->mutable_inverse_offer_id()->set_value(id);
    send_event(*fw->second, e);
  }
}

// Frameworks that use an agent under maintenance (tasks that are not
// terminal, or outstanding offers) get one inverse offer for it.
void cluster::impl::send_inverse_offers() {
  if (!leader_index || masters[*leader_index]->phase != master_phase::serving) return;
  std::map<sim_framework*, Event> events;
  for (std::size_t ai = 0; ai < agents.size(); ++ai) {
    sim_agent& a = agents[ai];
    if (!a.maintenance) continue;
    for (auto& [fw_id, fw] : frameworks) {
      if (!fw->connected || a.inverse_offered.count(fw_id)) continue;
      bool uses = false;
      for (const auto& [tid, t] : fw->tasks)
        if (t->agent == ai && !is_terminal(t->state)) uses = true;
      for (const auto& [oid, o] : offers)
        if (o.agent == ai && o.framework_id == fw_id) uses = true;
      if (!uses) continue;
      a.inverse_offered.insert(fw_id);
      const std::string id = masters[*leader_index]->id + "-O" + std::to_string(next_offer++);
      inverse_offers[id] = sim_inverse_offer{fw_id, ai};
      auto& ev = events[fw.get()];
      ev.set_type(Event::INVERSE_OFFERS);
      mesos::v1::InverseOffer* io = ev.mutable_inverse_offers()->add_inverse_offers();
      io->mutable_id()->set_value(id);
      io->mutable_framework_id()->set_value(fw_id);
      io->mutable_agent_id()->set_value(a.id);
      auto* url = io->mutable_url();
      url->set_scheme("http");
      url->mutable_address()->set_hostname(a.spec.hostname);
      url->mutable_address()->set_ip(cfg.host);
      url->mutable_address()->set_port(5051);
      url->set_path("/slave(1)");
      *io->mutable_unavailability() = *a.maintenance;
      // No resources: the whole agent is going away.
    }
  }
  for (auto& [fw, ev] : events) send_event(*fw, ev);
}

void cluster::impl::answer_inverse_offers(sim_framework& fw,
                                          const google::protobuf::RepeatedPtrField<mesos::v1::OfferID>& ids,
                                          bool accepted) {
  // Unknown ids and other frameworks' are ignored, as unknown offers are.
  for (const auto& id : ids) {
    const auto it = inverse_offers.find(id.value());
    if (it == inverse_offers.end() || it->second.framework_id != fw.id ||
        it->second.state != cluster::inverse_offer_record::status::outstanding)
      continue;
    it->second.state =
        accepted ? cluster::inverse_offer_record::status::accepted : cluster::inverse_offer_record::status::declined;
  }
}

void cluster::impl::forget_inverse_offers(const std::string& framework_id) {
  // A framework that goes away drops its outstanding inverse offers without
  // an event; it gets new ones when it comes back and still uses the agent.
  for (auto& [id, io] : inverse_offers) {
    if (io.framework_id != framework_id || io.state != cluster::inverse_offer_record::status::outstanding) continue;
    io.state = cluster::inverse_offer_record::status::rescinded;
    agents[io.agent].inverse_offered.erase(framework_id);
  }
}

// ------------------------------------------------------------------ calls

protocol::answer cluster::impl::on_call(sim_framework& fw, const protocol::parsed_call& pc) {
  const Call& call = pc.call;
  const auto refuse = [&](const std::string& role, std::size_t agent, const mesos::v1::Filters& filters) {
    const double seconds = filters.refuse_seconds();
    if (seconds > 0)
      fw.filters[{role, agent}] = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                                          std::chrono::duration<double>(std::min(seconds, 1e9)));
  };
  switch (call.type()) {
    case Call::TEARDOWN: remove_framework(fw.id); return protocol::empty(202);
    case Call::ACCEPT: accept(fw, call.accept()); return protocol::empty(202);
    case Call::DECLINE:
      for (const auto& id : call.decline().offer_ids()) {
        const auto it = offers.find(id.value());
        if (it == offers.end() || it->second.framework_id != fw.id) continue;
        refuse(it->second.role, it->second.agent, call.decline().filters());
        return_offer(id.value(), false);
      }
      schedule_allocation();
      return protocol::empty(202);
    case Call::REVIVE: {
      // The named roles (none = all the framework's roles) are offered again,
      // and their DECLINE filters are gone. Roles the framework does not
      // have are ignored.
      const auto roles = call.revive().roles_size() > 0
                             ? std::vector<std::string>(call.revive().roles().begin(), call.revive().roles().end())
                             : fw.roles();
      for (const auto& role : roles) {
        fw.suppressed.erase(role);
        std::erase_if(fw.filters, [&](const auto& f) { return f.first.first == role; });
      }
      schedule_allocation();
      return protocol::empty(202);
    }
    case Call::SUPPRESS: {
      // Outstanding offers stay; only new ones stop.
      const auto roles = call.suppress().roles_size() > 0
                             ? std::vector<std::string>(call.suppress().roles().begin(), call.suppress().roles().end())
                             : fw.roles();
      for (const auto& role : roles)
        if (fw.has_role(role)) fw.suppressed.insert(role);
      return protocol::empty(202);
    }
    case Call::KILL: kill(fw, call.kill().task_id().value()); return protocol::empty(202);
    case Call::SHUTDOWN: {
      std::vector<std::string> ids;
      for (const auto& [tid, t] : fw.tasks)
        if (t->executor_id == call.shutdown().executor_id().value()) ids.push_back(tid);
      for (const auto& id : ids) kill(fw, id);
      return protocol::empty(202);
    }
    case Call::ACKNOWLEDGE: acknowledge(fw, call.acknowledge()); return protocol::empty(202);
    case Call::RECONCILE: reconcile(fw, call.reconcile()); return protocol::empty(202);
    case Call::ACCEPT_INVERSE_OFFERS:
      answer_inverse_offers(fw, call.accept_inverse_offers().inverse_offer_ids(), true);
      return protocol::empty(202);
    case Call::DECLINE_INVERSE_OFFERS:
      answer_inverse_offers(fw, call.decline_inverse_offers().inverse_offer_ids(), false);
      return protocol::empty(202);
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
      acknowledge_operation(fw, call.acknowledge_operation_status());
      return protocol::empty(202);
    case Call::RECONCILE_OPERATIONS: {
      const auto response = reconcile_operations(fw, call.reconcile_operations());
      protocol::answer a = protocol::empty(200);
      encode_coercing_utf8(response, pc.response_encoding, a.body);
      a.content_type = std::string(content_type(pc.response_encoding));
      return a;
    }
    case Call::UPDATE_FRAMEWORK: {
      mesos::v1::FrameworkInfo info = call.update_framework().framework_info();
      info.mutable_id()->set_value(fw.id);
      const auto& suppressed = call.update_framework().suppressed_roles();
      if (auto why = check_suppressed_roles(info, suppressed)) return protocol::text(400, *why);
      auto constraints = detail::compile_constraints(call.update_framework().offer_constraints(), roles_of(info));
      if (auto* why = std::get_if<std::string>(&constraints)) return protocol::text(400, *why);
      fw.info = info;
      // The update replaces the constraints (none when absent).
      fw.constraints = std::move(std::get<detail::offer_constraints>(constraints));
      // The update replaces the set of suppressed roles.
      fw.suppressed = std::set<std::string>(suppressed.begin(), suppressed.end());
      // Roles the framework no longer has lose their offers and filters, and
      // offers its new constraints exclude are rescinded.
      std::vector<std::string> stale;
      for (const auto& [id, o] : offers) {
        if (o.framework_id != fw.id) continue;
        const sim_agent& a = agents[o.agent];
        if (!fw.has_role(o.role) || !detail::satisfies(fw.constraints, o.role, {a.spec.hostname, &a.spec.attributes}))
          stale.push_back(id);
      }
      for (const auto& id : stale) return_offer(id, true);
      std::erase_if(fw.filters, [&](const auto& f) { return !fw.has_role(f.first.first); });
      schedule_allocation();
      return protocol::empty(200);
    }
    default:  // MESSAGE, REQUEST, inverse offers, operation acknowledgements
      return protocol::empty(202);
  }
}

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
        for (const auto& t : op.launch().task_infos()) launch(fw, *agent, pool, t, t.task_id().value());
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
          launch(fw, *agent, pool, t, group.executor().executor_id().value());
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
  const double seconds = acc.filters().refuse_seconds();
  if (seconds > 0)
    fw.filters[{*role, *agent}] = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                                          std::chrono::duration<double>(std::min(seconds, 1e9)));
  schedule_allocation();
}

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
  s->set_timestamp(now_seconds());
  // No uuid: a real master's own updates (invalid launches, reconciliation)
  // are not delivered reliably, so there is nothing to acknowledge and they
  // are never resent.
  send_event(fw, e);
}

void cluster::impl::launch(sim_framework& fw, std::size_t agent, detail::pool& pool, const mesos::v1::TaskInfo& task,
                           const std::string& executor_id) {
  const detail::pool needed(task.resources().begin(), task.resources().end());
  std::string why;
  if (fw.tasks.count(task.task_id().value()))
    why = "Task has duplicate ID: " + task.task_id().value();
  else if (task.agent_id().value() != agents[agent].id)
    why = "Agent " + task.agent_id().value() + " is not the same as the agent " + agents[agent].id + " in offer";
  else if (task.has_command() == task.has_executor() && executor_id == task.task_id().value())
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
  start_task(fw, t);
}

TaskStatus cluster::impl::make_status(const sim_task& t, TaskState state, std::string message) {
  TaskStatus s;
  s.mutable_task_id()->CopyFrom(t.info.task_id());
  s.set_state(state);
  if (!message.empty()) s.set_message(std::move(message));
  s.set_source(TaskStatus::SOURCE_EXECUTOR);
  s.mutable_agent_id()->set_value(agents[t.agent].id);
  s.mutable_executor_id()->set_value(t.executor_id);
  s.set_timestamp(now_seconds());
  s.set_uuid(protocol::random_uuid_bytes());
  s.mutable_container_status()->mutable_container_id()->set_value(t.container_id);
  return s;
}

void cluster::impl::update(sim_framework& fw, sim_task& t, TaskStatus status) {
  t.state = status.state();
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
  t.pending.pop_front();
  t.retry.cancel();
  if (!t.pending.empty()) {
    send_head(fw, t);
    return;
  }
  // A terminal, acknowledged task is forgotten (reconciliation then says LOST).
  if (is_terminal(t.state) && t.pid < 0) fw.tasks.erase(it);
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

void cluster::impl::start_task(sim_framework& fw, const std::shared_ptr<sim_task>& t) {
  if (cfg.tasks == task_mode::local_process) {
    if (!t->info.has_command()) {
      finish_task(fw, *t, mesos::v1::TASK_FAILED, "Custom executors are not supported by mesos-sim");
      return;
    }
    t->sandbox = sandbox_root / fw.id / t->info.task_id().value();
    auto result = detail::spawn(t->info.command(), t->sandbox);
    if (auto* why = std::get_if<std::string>(&result)) {
      TaskStatus s = make_status(*t, mesos::v1::TASK_FAILED, "Failed to launch container: " + *why);
      s.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
      detail::add(agents[t->agent].available, t->resources);
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
  detail::add(agents[t.agent].available, t.resources);
  update(fw, t, make_status(t, state, std::move(message)));
  schedule_allocation();
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
  ::kill(-t.pid, force ? SIGKILL : SIGTERM);
  ::kill(t.pid, force ? SIGKILL : SIGTERM);
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
      ::kill(-task->pid, SIGKILL);
      ::kill(task->pid, SIGKILL);
    });
    return;
  }
  finish_task(fw, *t, mesos::v1::TASK_KILLED, "Command terminated with signal Terminated");
}

void cluster::impl::reconcile(sim_framework& fw, const Call::Reconcile& r) {
  const auto send = [&](const mesos::v1::TaskID& id, const sim_task* t) {
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
      s->set_state(aware ? mesos::v1::TASK_UNKNOWN : mesos::v1::TASK_LOST);
      s->set_message("Reconciliation: Task is unknown");
    }
    s->set_timestamp(now_seconds());
    send_event(fw, e);
  };
  if (r.tasks_size() == 0) {
    for (const auto& [id, t] : fw.tasks) send(t->info.task_id(), t.get());
    return;
  }
  for (const auto& task : r.tasks()) {
    const auto it = fw.tasks.find(task.task_id().value());
    send(task.task_id(), it == fw.tasks.end() ? nullptr : it->second.get());
  }
}

// ------------------------------------------------------------------ faults

void cluster::impl::for_each_stream(const std::function<void(connection&)>& f) {
  if (!leader_index) return;
  auto conns = masters[*leader_index]->connections;
  for (auto& [id, weak] : conns) {
    auto c = weak.lock();
    if (c && c->streaming && !c->closed) f(*c);
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
  if (req.method() != http::verb::post) {
    protocol::answer a = protocol::text(405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" +
                                                 std::string(req.method_string()) + "'.");
    a.headers.emplace_back("Allow", "POST");
    return a;
  }
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
  else if (fault == "garbage")
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
    const std::size_t m = count(num("master", 0));
    if (m >= masters.size()) return protocol::text(400, "No master " + std::to_string(m));
    elect_now(m);
  } else if (fault == "unelect")
    unelect_now();
  else if (fault == "restart") {
    const std::size_t m = count(num("master", 0));
    if (m >= masters.size()) return protocol::text(400, "No master " + std::to_string(m));
    restart_now(m, std::chrono::milliseconds(static_cast<long long>(num("down_ms", 1000))));
  } else if (fault == "schedule_maintenance" || fault == "cancel_maintenance") {
    const std::size_t a = count(num("agent", 0));
    if (a >= agents.size()) return protocol::text(400, "No agent " + std::to_string(a));
    if (fault == "cancel_maintenance") {
      cancel_maintenance_now(a);
    } else {
      mesos::v1::Unavailability u;
      u.mutable_start()->set_nanoseconds(static_cast<std::int64_t>(num("start_s", now_seconds()) * 1e9));
      const double duration = num("duration_s", 3600);
      if (duration > 0) u.mutable_duration()->set_nanoseconds(static_cast<std::int64_t>(duration * 1e9));
      schedule_maintenance_now(a, std::move(u));
    }
  } else if (fault == "kill" || fault == "start_master") {
    const std::size_t m = count(num("master", 0));
    if (m >= masters.size()) return protocol::text(400, "No master " + std::to_string(m));
    if (fault == "kill")
      kill_now(m);
    else
      start_master_now(m);
  } else
    return protocol::text(400, "Unknown fault '" + fault + "'");
  return ok();
}

void cluster::impl::elect_now(std::size_t master) {
  session_timer.cancel();
  elect_first_started = false;
  if (leader_index && *leader_index == master) return;
  if (leader_index) {
    // The old leader "dies" for its frameworks: their streams end with a
    // plain EOF, as a killed master's do.
    close_streams(*leader_index, false);
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
  if (leader_index) close_streams(*leader_index, false);
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
    m.phase = master_phase::recovering;
    m.phase_timer.expires_after(cfg.recovery_time);
    m.phase_timer.async_wait([this, &m](beast::error_code ec3) {
      if (ec3) return;
      m.phase = master_phase::serving;
      schedule_allocation();
    });
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
  m.phase = master_phase::recovering;
  m.phase_timer.expires_after(cfg.recovery_time);
  m.phase_timer.async_wait([this, &m](beast::error_code ec) {
    if (ec) return;
    m.phase = master_phase::serving;
    schedule_allocation();
  });
}

void cluster::impl::start_master_now(std::size_t index) {
  sim_master& m = *masters[index];
  if (m.phase != master_phase::dead) return;
  reopen_master(m);
}

void cluster::impl::cut_now() {
  Event e;
  e.set_type(Event::HEARTBEAT);
  for_each_stream([&](connection& c) {
    std::string record;
    encode(e, c.enc, record);
    std::string framed;
    recordio::encode(record, framed);
    std::string chunk;
    append_chunk(chunk, std::string_view(framed).substr(0, framed.size() / 2 + 1));
    c.send(std::move(chunk));
    c.close_after_write = true;
    c.write_next();
  });
}

void cluster::impl::error_now(const std::string& message) {
  Event e;
  e.set_type(Event::ERROR);
  e.mutable_error()->set_message(message);
  for_each_stream([&](connection& c) { c.send_event(e); });
}

void cluster::impl::garbage_now() {
  for_each_stream([&](connection& c) {
    std::string chunk;
    append_chunk(chunk, "this is not RecordIO\n{\"type\":\"HEARTBEAT\"}");
    c.send(std::move(chunk));
  });
}

void cluster::impl::reset_now() {
  for (auto& m : masters) {
    auto conns = m->connections;
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) c->reset();
  }
}

Event cluster::impl::fake_offers(const std::string& framework_id, std::size_t n) {
  Event e;
  e.set_type(Event::OFFERS);
  const std::string prefix = leader_index ? masters[*leader_index]->id : agent_prefix;
  for (std::size_t i = 0; i < n; ++i) {
    mesos::v1::Offer* o = e.mutable_offers()->add_offers();
    o->mutable_id()->set_value(prefix + "-O" + std::to_string(next_offer++));
    o->mutable_framework_id()->set_value(framework_id);
    o->mutable_agent_id()->set_value(agent_prefix + "-S" + std::to_string(100000 + i));
    o->set_hostname("burst-agent-" + std::to_string(i));
    auto scalar = [&](const char* name, double v) {
      auto* r = o->add_resources();
      r->set_name(name);
      r->set_type(mesos::v1::Value::SCALAR);
      r->mutable_scalar()->set_value(v);
      r->set_role("*");
      r->mutable_allocation_info()->set_role("*");
    };
    auto* ports = o->add_resources();
    ports->set_name("ports");
    ports->set_type(mesos::v1::Value::RANGES);
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(31000);
    range->set_end(32000);
    ports->set_role("*");
    ports->mutable_allocation_info()->set_role("*");
    scalar("cpus", 8);
    scalar("mem", 32768);
    scalar("disk", 262144);
    o->mutable_allocation_info()->set_role("*");
  }
  return e;
}

void cluster::impl::burst_now(std::size_t n) {
  for_each_stream([&](connection& c) { c.send_event(fake_offers(c.framework_id, n)); });
}

std::size_t cluster::impl::flood_now(std::size_t events, flood_shape shape, std::size_t per_event) {
  std::size_t streams = 0;
  for_each_stream([&](connection& c) {
    Event e;
    if (shape == flood_shape::heartbeat) {
      e.set_type(Event::HEARTBEAT);
    } else if (shape == flood_shape::update) {
      e.set_type(Event::UPDATE);
      TaskStatus* s = e.mutable_update()->mutable_status();
      s->mutable_task_id()->set_value("mesos-sim-flood");
      s->set_state(mesos::v1::TASK_RUNNING);
      s->set_source(TaskStatus::SOURCE_MASTER);
      s->set_timestamp(now_seconds());
    } else {
      e = fake_offers(c.framework_id, per_event);
    }
    std::string record;
    if (encode(e, c.enc, record)) return;
    std::string framed;
    recordio::encode(record, framed);
    c.flood_record.clear();
    append_chunk(c.flood_record, framed);
    c.flood_left += events;
    c.write_next();
    ++streams;
  });
  return streams;
}

// ------------------------------------------------------------------ public API

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
  if (master >= size()) throw std::out_of_range("mesos-sim: no master " + std::to_string(master));
  impl_->run_sync([&] { impl_->elect_now(master); });
}

void cluster::unelect() {
  impl_->run_sync([&] { impl_->unelect_now(); });
}

void cluster::restart(std::size_t master, std::chrono::milliseconds down) {
  if (master >= size()) throw std::out_of_range("mesos-sim: no master " + std::to_string(master));
  impl_->run_sync([&] { impl_->restart_now(master, down); });
}

void cluster::kill(std::size_t master) {
  if (master >= size()) throw std::out_of_range("mesos-sim: no master " + std::to_string(master));
  impl_->run_sync([&] { impl_->kill_now(master); });
}

void cluster::start_master(std::size_t master) {
  if (master >= size()) throw std::out_of_range("mesos-sim: no master " + std::to_string(master));
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
        if (auto c = weak.lock(); c && c->streaming && !c->closed) ++n;
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
