// The simulated master's state and cluster::impl, the object that owns it,
// shared by the units that implement it by role: server.cpp (accepting,
// routing, the control endpoint), frameworks.cpp, allocator.cpp, tasks.cpp,
// operations.cpp, maintenance.cpp, phases.cpp, faults.cpp and cluster.cpp
// (the public API). Everything runs on the cluster's one I/O thread.
#pragma once

// Resource.role, FrameworkInfo.role and Response.reconcile_operations are
// deprecated in the schema, but a real 1.11 master still reads and sets them
// (offers carry "role":"*"), so the simulator must too.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <boost/asio.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "mesoshttp/sim/protocol.hpp"
#include "constraints.hpp"
#include "outbox.hpp"
#include "resources.hpp"
#include "mesos/v1/executor/executor.pb.h"
#include "mesos/v1/master/master.pb.h"
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
using mesoshttp::calls::is_terminal;

namespace detail {

// Seconds since the epoch, as TaskStatus.timestamp carries them.
double now_seconds();
// Seconds since the epoch as the operator API's TimeInfo (nanoseconds).
mesos::v1::TimeInfo time_info(double seconds);

// The roles a framework is offered resources for: FrameworkInfo.roles (with
// MULTI_ROLE; also accepted without it), else the legacy FrameworkInfo.role
// ("*" by default).
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

// An unreserved scalar resource ("cpus", 2).
mesos::v1::Resource scalar_resource(const std::string& name, double value);

}  // namespace detail

// ------------------------------------------------------------------ state

struct connection;

struct sim_task {
  mesos::v1::TaskInfo info;
  std::string executor_id;
  std::size_t agent = 0;
  detail::pool resources;
  TaskState state = mesos::v1::TASK_STAGING;
  std::deque<TaskStatus> pending;    // head is sent; the rest wait for its ack
  std::vector<TaskStatus> statuses;  // every update so far, oldest first (operator GET_TASKS)
  net::steady_timer retry;
  net::steady_timer progress;
  bool kill_requested = false;
  std::string container_id;
  // Runs on a custom executor (ExecutorInfo, local_process mode): its
  // updates come from that executor, not from a process of its own.
  bool on_executor = false;
  // The executor sent an update for it: a resubscription need not list it.
  bool executor_reported = false;
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
  double registered_time = detail::now_seconds();  // seconds since the epoch
  double reregistered_time = registered_time;      // its last SUBSCRIBE (the first one's time at first)

  explicit sim_framework(net::io_context& ioc) : failover(ioc) {}
  std::vector<std::string> roles() const { return detail::roles_of(info); }
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
  // The operator API's DEACTIVATE_AGENT / DRAIN_AGENT: no offers until
  // REACTIVATE_AGENT. A drain is DRAINED once no task of the agent runs.
  bool deactivated = false;
  std::optional<mesos::v1::DrainConfig> drain;
  double drain_started = 0;
  // MARK_AGENT_GONE (or a drain with mark_gone, once DRAINED): removed for
  // good. Kept in `agents` so that indices stay valid, but in no list, never
  // offered, unknown to every call that names it.
  bool gone = false;
  // local_process mode: the agent's own listener for /api/v1/executor
  // (MESOS_AGENT_ENDPOINT), on cfg.host with an ephemeral port.
  std::unique_ptr<tcp::acceptor> executor_acceptor;
  std::uint16_t executor_port = 0;
  std::map<std::uint64_t, std::weak_ptr<connection>> connections;
  // restart_agent(): the listener is closed until this timer fires.
  std::unique_ptr<net::steady_timer> restart_timer;
};

// A custom executor: one local process per (agent, framework, executor id),
// shared by the tasks launched on it.
struct sim_executor {
  executor_key key;
  mesos::v1::ExecutorInfo info;  // as SUBSCRIBED and LAUNCH carry it
  std::string container_id;
  std::filesystem::path sandbox;
  bool checkpoint = false;
  pid_t pid = -1;
  std::unique_ptr<net::posix::stream_descriptor> pidfd;
  // Subscribed at least once: calls are accepted from then on.
  bool subscribed = false;
  // A stream is open (set by the server, or by a model test).
  bool connected = false;
  std::weak_ptr<connection> stream;
  // restart_agent() of a checkpointing framework's executor: it must
  // subscribe again within the recovery timeout.
  bool awaiting_recovery = false;
  // LAUNCH / LAUNCH_GROUP events for tasks sent before it subscribed.
  std::vector<mesos::v1::executor::Event> pending_launches;
  std::vector<std::string> task_ids;  // every task launched on it
  std::set<std::string> delivered;    // tasks whose LAUNCH (or LAUNCH_GROUP) it was sent
  // Why the agent killed it (registration timeout, teardown), for the
  // reports sent when the process is gone.
  std::string kill_message;
  TaskStatus::Reason kill_reason = TaskStatus::REASON_EXECUTOR_TERMINATED;
  TaskState kill_state = mesos::v1::TASK_FAILED;
  bool shutting_down = false;
  net::steady_timer registration;  // executor_registration_timeout, then recovery timeout
  net::steady_timer shutdown_grace;

  explicit sim_executor(net::io_context& ioc) : registration(ioc), shutdown_grace(ioc) {}
};

// What the operator API still shows of a framework that was removed.
struct sim_completed_framework {
  mesos::v1::FrameworkInfo info;
  double registered_time = 0;
  double unregistered_time = 0;
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

// The server's outbox: writes to each framework's current stream.
std::unique_ptr<outbox> make_stream_outbox(cluster::impl& sim);

struct cluster::impl {
  net::io_context ioc;  // first member: destroyed last, after everything using it
  cluster_config cfg;
  std::unique_ptr<outbox> connections_outbox = make_stream_outbox(*this);
  // What the rules emit goes here (to frameworks and to operator
  // subscribers): connections_outbox, or a test's recording outbox.
  outbox* to_frameworks = connections_outbox.get();
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
  // For the operator API: removed frameworks and finished tasks (with their
  // framework's id), the newest last, bounded as a master bounds them.
  std::deque<sim_completed_framework> completed_frameworks;
  std::deque<std::pair<std::string, std::shared_ptr<sim_task>>> completed_tasks;
  double start_time = detail::now_seconds();
  // GET_LOGGING_LEVEL / SET_LOGGING_LEVEL (no expiry: nothing logs by level).
  std::uint32_t logging_level = 0;
  // The operator API's maintenance schedule and the machines in DOWN mode.
  mesos::v1::maintenance::Schedule maintenance_schedule;
  std::vector<mesos::v1::MachineID> down_machines;
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

  // Custom executors (local_process mode), by agent, framework, executor id.
  std::map<executor_key, std::shared_ptr<sim_executor>> agent_executors;
  // Where the executor rules' events go: connections_outbox, or a test's.
  outbox* to_executors = connections_outbox.get();

  explicit impl(cluster_config c) : cfg(std::move(c)) {}

  template <class F>
  auto run_sync(F f) -> decltype(f()) {
    if (!started || stopped || ioc.get_executor().running_in_this_thread()) return f();
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    net::post(ioc, [&task] { task(); });
    return result.get();
  }

  // The leader exists and serves (not restarting, not recovering): only then
  // are offers and inverse offers made.
  bool leader_serving() const;
  // A fresh id for an offer or inverse offer of the leading master.
  std::string new_offer_id();
  // A message that could not be encoded is not sent; this says so, with why,
  // rather than losing it without a trace.
  void report_encode_failure(const google::protobuf::Message& message, std::string_view why) const;

  // server.cpp: accepting, routing, the control endpoint /sim/...
  void start_now();
  // The agents of cfg.agents (one default agent when there are none).
  void add_agents();
  void shutdown_now();
  void accept_next(sim_master& m);
  void handle_request(const std::shared_ptr<connection>& c, http::request<http::string_body> req);
  // True when no credentials are configured, or the request carries valid ones.
  bool authenticated(const http::request<http::string_body>& req) const;
  void handle_scheduler(const std::shared_ptr<connection>& c, const http::request<http::string_body>& req);
  protocol::answer handle_control(const http::request<http::string_body>& req);
  void record(std::string type, unsigned status, std::string stream_id, std::string fw, std::size_t master);
  mesos::v1::MasterInfo master_info(std::size_t master) const;
  // Ends the event streams of a master with a plain EOF (as a dying master's).
  void close_streams(std::size_t master);
  void for_each_stream(const std::function<void(connection&)>& f);

  // operator_api.cpp: the operator API (POST /api/v1) from this model.
  void handle_operator(const std::shared_ptr<connection>& c, const http::request<http::string_body>& req);
  protocol::answer operator_call(const mesos::v1::master::Call& call, encoding enc, bool gzip_ok);
  // operations.cpp: RESERVE_RESOURCES and UNRESERVE_RESOURCES on an agent.
  protocol::answer operator_reservation(const mesos::v1::master::Call& call);
  mesos::v1::master::Response::GetState operator_state() const;
  // GET_FLAGS and GET_METRICS by name (shared with the classic endpoints).
  std::map<std::string, std::string> operator_flags() const;
  std::map<std::string, double> operator_metrics() const;
  // A task as the operator API shows it, and a finished one kept for it.
  mesos::v1::Task operator_task(const std::string& framework_id, const sim_task& t) const;
  void keep_completed_task(const std::string& framework_id, std::shared_ptr<sim_task> t);

  // GET /: the live view (live_page.cpp), or a 307 to the leader's.
  protocol::answer live_page(std::size_t master) const;
  // classic_endpoints.cpp: GET /master/state (/state), /version, /health,
  // /master/health, /metrics/snapshot as a real master serves them; nothing
  // for other paths.
  std::optional<protocol::answer> classic_endpoint(std::size_t master, std::string_view path, std::string_view query);

  // operator_stream.cpp: the operator event stream (SUBSCRIBE on /api/v1):
  // the stream's start, and the events the rules emit as the model changes.
  void operator_subscribe(const std::shared_ptr<connection>& c, encoding enc);
  mesos::v1::master::Event operator_subscribed() const;
  // A framework as FRAMEWORK_ADDED and FRAMEWORK_UPDATED carry it.
  mesos::v1::master::Response::GetFrameworks::Framework operator_framework(const sim_framework& fw) const;
  void emit_framework_added(const sim_framework& fw);
  void emit_framework_updated(const sim_framework& fw);
  void emit_framework_removed(const mesos::v1::FrameworkInfo& info);
  void emit_task_added(const sim_framework& fw, const sim_task& t);
  void emit_task_updated(const std::string& framework_id, const sim_task& t, const TaskStatus& status);

  // frameworks.cpp: subscribe, failover, removal, calls.
  void subscribe(const std::shared_ptr<connection>& c, const protocol::parsed_call& pc);
  void stream_closed(connection& c);
  void disconnect(sim_framework& fw);
  void remove_framework(const std::string& id);
  // To `to_frameworks`, when the framework is connected.
  void send_event(sim_framework& fw, const Event& event);
  protocol::answer on_call(sim_framework& fw, const protocol::parsed_call& pc);

  // allocator.cpp: allocation, offers, filters.
  void schedule_allocation();
  void allocate();
  void return_offer(const std::string& offer_id, bool rescind);
  void remove_offers_of(const std::string& framework_id);
  // Outstanding offers of an agent that stops being offered are rescinded.
  void rescind_offers_of(std::size_t agent);
  mesos::v1::Offer make_offer(const sim_offer& o, const sim_framework& fw) const;
  // Where an agent's own API would be (Offer.url, InverseOffer.url).
  mesos::v1::URL agent_url(const sim_agent& a) const;
  // DECLINE's and ACCEPT's filters: `role` is not offered `agent` again for
  // refuse_seconds.
  void refuse(sim_framework& fw, const std::string& role, std::size_t agent, const mesos::v1::Filters& filters);

  // maintenance.cpp: schedules and inverse offers.
  void schedule_maintenance_now(std::size_t agent, mesos::v1::Unavailability unavailability);
  void cancel_maintenance_now(std::size_t agent);
  void send_inverse_offers();
  void answer_inverse_offers(sim_framework& fw, const google::protobuf::RepeatedPtrField<mesos::v1::OfferID>& ids,
                             bool accepted);
  void forget_inverse_offers(const std::string& framework_id);

  // operations.cpp: ACCEPT's offer operations and operation feedback.
  void accept(sim_framework& fw, const Call::Accept& accept);
  void operation_status(sim_framework& fw, const mesos::v1::Offer::Operation& op, std::optional<std::size_t> agent,
                        mesos::v1::OperationState state, std::string message, const detail::pool& converted,
                        const std::string& role);
  void send_operation_head(sim_framework& fw, const std::string& operation_id);
  void acknowledge_operation(sim_framework& fw, const Call::AcknowledgeOperationStatus& ack);
  mesos::v1::scheduler::Response reconcile_operations(const sim_framework& fw,
                                                      const Call::ReconcileOperations& r) const;

  // tasks.cpp: launches, the status-update manager, local processes.
  // `group`: the task is one of a LAUNCH_GROUP (its executor is the group's).
  void launch(sim_framework& fw, std::size_t agent, detail::pool& pool, const mesos::v1::TaskInfo& task,
              const mesos::v1::TaskGroupInfo* group = nullptr, const mesos::v1::ExecutorInfo* group_executor = nullptr);
  void kill(sim_framework& fw, const std::string& task_id);
  void reconcile(sim_framework& fw, const Call::Reconcile& r);
  TaskStatus make_status(const sim_task& t, TaskState state, std::string message);
  void update(sim_framework& fw, sim_task& t, TaskStatus status);
  void send_head(sim_framework& fw, sim_task& t);
  void master_update(sim_framework& fw, const mesos::v1::TaskInfo& task, TaskState state, TaskStatus::Reason reason,
                     std::string message);
  // Ends a task with the master's own terminal update (its agent or its
  // framework removed): recorded, the task's pending updates dropped, shown on
  // the operator stream. Returns it for the caller to send, if anyone listens.
  TaskStatus end_task_by_master(const std::string& framework_id, sim_task& t, TaskState state,
                                TaskStatus::Reason reason, std::string message);
  void start_task(sim_framework& fw, const std::shared_ptr<sim_task>& t,
                  const mesos::v1::TaskGroupInfo* group = nullptr,
                  const mesos::v1::ExecutorInfo* group_executor = nullptr);
  void finish_task(sim_framework& fw, sim_task& t, TaskState state, std::string message);
  void stop_process(sim_task& t, bool force);
  void watch_process(const std::string& fw_id, const std::shared_ptr<sim_task>& t);
  void acknowledge(sim_framework& fw, const Call::Acknowledge& ack);

  // executors.cpp: custom executors (the agent's side of the executor API).
  // Starts the task's executor (once per executor id) or hands it the task.
  void launch_on_executor(sim_framework& fw, const std::shared_ptr<sim_task>& t, const mesos::v1::ExecutorInfo& info,
                          const mesos::v1::TaskGroupInfo* group);
  sim_executor* find_executor(const executor_key& key);
  // The checks of an executor call against the agent's state: an answer
  // (400 unknown framework/executor, 403 not subscribed), or nullopt.
  std::optional<protocol::answer> check_executor_call(const executor_key& key, bool subscribe);
  // SUBSCRIBE accepted on a new stream (the old one already ended):
  // SUBSCRIBED and the pending launches, or SHUTDOWN when every task was lost.
  void executor_subscribed(sim_executor& ex, const mesos::v1::executor::Call::Subscribe& subscribe);
  // The executor's UPDATE and MESSAGE calls.
  void executor_update(sim_executor& ex, TaskStatus status);
  void executor_message(sim_executor& ex, const std::string& data);
  // The scheduler's side: ACKNOWLEDGE of an executor's update, MESSAGE, KILL.
  void executor_acknowledged(const sim_framework& fw, const sim_task& t, const std::string& uuid);
  bool scheduler_message(sim_framework& fw, const Call::Message& message);
  void kill_on_executor(sim_framework& fw, sim_task& t);
  // SHUTDOWN to every executor of the framework, killed after the grace period.
  void shutdown_executors(const std::string& framework_id);
  void shutdown_executor(sim_executor& ex);
  void watch_executor(const std::shared_ptr<sim_executor>& ex);
  void executor_exited(const std::shared_ptr<sim_executor>& ex, int wait_status);
  void executor_stream_closed(connection& c);
  // An update of the agent's own (SOURCE_AGENT) for a task on an executor.
  void agent_update(sim_framework& fw, sim_task& t, TaskState state, TaskStatus::Reason reason, std::string message);
  // The environment a real agent gives an executor (built from scratch).
  std::vector<std::string> executor_environment(const sim_executor& ex) const;

  // agent_server.cpp: each agent's listener and POST /api/v1/executor.
  void open_agent_listener(std::size_t agent);
  void accept_executor_connection(std::size_t agent);
  void handle_agent_request(const std::shared_ptr<connection>& c, http::request<http::string_body> req);
  // Faults: executors' streams reset; an agent restart.
  std::size_t cut_executors_now(std::optional<std::size_t> agent);
  void restart_agent_now(std::size_t agent, std::chrono::milliseconds down);
  void mark_agent_gone_now(std::size_t agent);
  // The agent's executor port closed and its executors' connections reset.
  void close_agent_port(std::size_t agent);
  // A drain is DRAINED once no task of the agent runs and every task's last
  // update was acknowledged (the agent's status-update manager is empty).
  bool drained(std::size_t agent) const;
  // A draining agent with mark_gone is marked gone once drained.
  void mark_gone_if_drained(std::size_t agent);

  // phases.cpp: leadership, restarts, killed masters.
  void elect_now(std::size_t master);
  void unelect_now();
  void restart_now(std::size_t master, std::chrono::milliseconds down);
  void kill_now(std::size_t master);
  void start_master_now(std::size_t master);
  void close_master(sim_master& m, bool reset);
  void reopen_master(sim_master& m);
  void take_over_from(std::size_t dead);
  // The master stays `recovering` (503s) for recovery_time, then serves.
  void recover_then_serve(sim_master& m);

  // faults.cpp: injected faults on the leader's event streams.
  void cut_now();
  void error_now(const std::string& message);
  void garbage_now();
  void reset_now();
  Event fake_offers(const std::string& framework_id, std::size_t n);
  void burst_now(std::size_t n);
  std::size_t flood_now(std::size_t events, flood_shape shape, std::size_t per_event);
};

}  // namespace mesoshttp::sim
