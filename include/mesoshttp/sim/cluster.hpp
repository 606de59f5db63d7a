// A simulated Apache Mesos cluster: one or more masters speaking the v1
// scheduler HTTP API over real sockets, with simulated agents and tasks.
// It answers as a real Mesos 1.11 master does (status codes, bodies, the 307
// form, the RecordIO event stream), so a scheduler can be tested against it
// without a real cluster, and it can inject the faults a real cluster shows
// only rarely (failover, cut streams, garbage, floods).
//
// All masters share one io_context running on a thread owned by the cluster.
// Every public method is thread-safe; methods that return a result wait for
// the I/O thread to compute it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::sim {

// One simulated agent. Its resources are offered to subscribed frameworks.
struct agent_spec {
  // Offer hostname; "agent-<n>" (n from 0) when empty, so offers are told apart.
  std::string hostname;
  // Defaults are a small but useful machine: enough for many small test tasks.
  double cpus = 4;
  double mem_mb = 8192;
  double disk_mb = 65536;
  // The port range a default Mesos agent offers.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ports = {{31000, 32000}};
  // TEXT attributes (name, value), offered as Offer.attributes.
  std::vector<std::pair<std::string, std::string>> attributes;
};

// How launched tasks behave.
enum class task_mode {
  simulated,      // no process: STARTING, RUNNING, then task_outcome after task_run_time
  local_process,  // the task's CommandInfo runs as a real local process
};

// Shapes of the events flood() sends.
enum class flood_shape {
  heartbeat,  // HEARTBEAT events (smallest possible records)
  update,     // UPDATE events of a fake task, without uuid (nothing to acknowledge)
  offers,     // OFFERS events with `offers_per_event` offers each (from fake agents)
};

struct cluster_config {
  // Address every master binds to. Loopback: the simulator is for tests and
  // local development, never meant to be reachable from elsewhere.
  std::string host = "127.0.0.1";
  // Number of masters in this process; master 0 leads at start.
  std::size_t masters = 1;
  // Port per master; missing entries or 0 = an ephemeral port (no clashes
  // between tests running in parallel).
  std::vector<std::uint16_t> ports;
  // Heartbeat period: 15 s as a real master; tests shorten it.
  std::chrono::milliseconds heartbeat_interval{15000};
  // Operator event stream subscribers one master keeps: 1000, a real
  // master's --max_operator_event_stream_subscribers. A SUBSCRIBE beyond it
  // closes the oldest stream, as a real master does (for proxies that never
  // close theirs); tests lower it.
  std::size_t max_operator_subscribers = 1000;
  // Agents; empty = one agent_spec{}.
  std::vector<agent_spec> agents;
  // How often the allocator runs: declined/unused resources come back this soon
  // (a real master allocates every second).
  std::chrono::milliseconds offer_interval{1000};
  // Outstanding offers are rescinded after this; 0 = never (the Mesos default).
  std::chrono::milliseconds offer_timeout{0};
  // An unacknowledged status update is resent after this (an agent's first
  // retry is 10 s; tests shorten it to see retries).
  std::chrono::milliseconds status_update_retry{10000};
  // How launched tasks behave.
  task_mode tasks = task_mode::simulated;
  // simulated mode: RUNNING lasts this long before task_outcome; 0 = until
  // killed. A task label "mesos-sim/run-ms" overrides it per task.
  std::chrono::milliseconds task_run_time{1000};
  // simulated mode: the final state; a task label "mesos-sim/outcome" (e.g.
  // "TASK_FAILED") overrides it per task.
  mesos::v1::TaskState task_outcome = mesos::v1::TASK_FINISHED;
  // local_process mode: sandboxes (<root>/<framework>/<task>/{stdout,stderr});
  // a fresh temporary directory when empty.
  std::filesystem::path sandbox_root;
  // local_process mode: SIGTERM then, after this grace (unless the kill policy
  // names one), SIGKILL. 3 s is the Mesos default grace period.
  std::chrono::milliseconds kill_grace{3000};
  // local_process mode, custom executors (a task with an ExecutorInfo):
  // an executor that has not subscribed this long after its launch is
  // killed and its tasks fail (REASON_EXECUTOR_REGISTRATION_TIMEOUT); a
  // real agent's --executor_registration_timeout defaults to 1 minute.
  std::chrono::milliseconds executor_registration_timeout{60000};
  // SHUTDOWN (the framework's TEARDOWN) leaves the executor this long to
  // exit before it is killed (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, 5secs).
  std::chrono::milliseconds executor_shutdown_grace{5000};
  // restart_agent(): a checkpointing framework's executor must subscribe
  // again within this (MESOS_RECOVERY_TIMEOUT, 15mins by default).
  std::chrono::milliseconds executor_recovery_timeout{std::chrono::minutes(15)};
  // MESOS_SUBSCRIPTION_BACKOFF_MAX given to checkpointing executors.
  std::chrono::milliseconds executor_subscription_backoff_max{2000};
  // A disconnected framework is kept for min(failover_timeout, this): real
  // frameworks ask for weeks, which a test never wants to wait for.
  std::chrono::milliseconds failover_timeout_cap{std::chrono::hours(24 * 7)};
  // Serve POST /sim/... on every master (fault injection from the command line).
  bool control_endpoint = true;
  // restart(): after the port reopens the master answers "404 Not Found." for
  // this long, then 503 "Master has not finished recovery" for
  // recovery_time, as a real master starting up does.
  std::chrono::milliseconds restart_not_found{100};
  std::chrono::milliseconds recovery_time{300};
  // kill() of the leader: the other masters keep answering 307 to the dead
  // leader (whose port refuses) for this long, as real masters do until the
  // dead leader's ZooKeeper session expires (Mesos's default session timeout
  // is 10 s; 8-12 s were seen). Then the lowest-numbered live master leads,
  // after its recovery_time of 503s. Tests shorten it.
  std::chrono::milliseconds leader_session_timeout{10000};
  // Request bodies above this get 413: nothing legitimate is near it, and it
  // bounds what a broken client can make the simulator buffer.
  std::size_t max_body_size = 16u * 1024u * 1024u;
  // Serve HTTPS with this certificate chain and private key (PEM files);
  // plain HTTP when empty. Redirects stay protocol-relative, as a real
  // master's, so they keep the scheme.
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
  // With TLS: require every client to present a certificate issued by a CA
  // in this PEM file (mutual TLS); no client certificate is asked for when
  // empty.
  std::filesystem::path tls_client_ca;
  // When either list is not empty, every scheduler request must
  // authenticate, as with Mesos's --authenticate_frameworks and HTTP
  // authentication: HTTP Basic with one of these (principal, secret) pairs,
  // or "Bearer <token>" with one of the tokens. Otherwise 401 with
  // WWW-Authenticate.
  std::vector<std::pair<std::string, std::string>> credentials;
  std::vector<std::string> bearer_tokens;
  // Version reported in MasterInfo.
  std::string version = "1.11.0";
};

class cluster {
 public:
  explicit cluster(cluster_config config = {});
  ~cluster();  // stops; safe at any time
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  // Binds all masters and runs the I/O thread; endpoints are valid on return.
  // Throws std::system_error if a port cannot be bound.
  void start();
  // Closes every connection, kills local processes, joins the I/O thread.
  void stop();

  std::size_t size() const;
  std::uint16_t port(std::size_t master) const;
  std::string url(std::size_t master) const;  // "http://127.0.0.1:<port>"
  std::vector<std::string> urls() const;
  std::optional<std::size_t> leader() const;

  // Leader change: the old leader's subscription streams end with a plain
  // EOF; every other master 307s to the new one. Frameworks are kept (as the
  // replicated log keeps them) and may resubscribe with their id.
  void elect(std::size_t master);
  // No leader: every master answers 503 "No leader elected".
  void unelect();
  // The master goes away (connections reset, port refuses) for `down`, then
  // answers 404, then 503 "Master has not finished recovery", then serves.
  // Frameworks are kept. Returns at once.
  void restart(std::size_t master, std::chrono::milliseconds down);
  // The master process dies: every connection ends (event streams with a
  // plain EOF) and its port refuses connections until start_master(). If it
  // led, the others answer 307 to it (never 503) for leader_session_timeout,
  // then the lowest-numbered live master leads after recovery_time of 503
  // "Master has not finished recovery". Frameworks are kept and may
  // resubscribe with their id. Returns at once; no effect on a dead master.
  void kill(std::size_t master);
  // A killed master starts again: its port opens, it answers 404 for
  // restart_not_found, then 503 for recovery_time, then serves if it leads
  // (a dead leader started within its session timeout leads again; with
  // every master dead, the first one started is elected) or answers 307.
  // No effect unless the master was killed.
  void start_master(std::size_t master);

  // Maintenance: `agent` will be unavailable from `start` for `duration`
  // (0 = indefinitely). Offers of it carry that Unavailability, and every
  // subscribed framework that uses the agent (tasks not yet terminal, or
  // outstanding offers), now or later, gets one INVERSE_OFFERS event for it
  // (an InverseOffer for the whole agent). A new schedule replaces the old
  // one. ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS are recorded.
  // Throws std::out_of_range for an unknown agent.
  void schedule_maintenance(std::size_t agent, std::chrono::system_clock::time_point start,
                            std::chrono::nanoseconds duration);
  // The maintenance is off: unanswered inverse offers get RESCIND_INVERSE_OFFER.
  void cancel_maintenance(std::size_t agent);

  // Faults (on the leader; thread-safe).
  void cut_streams_mid_record();  // half a record into each stream, then close
  void pause_heartbeats(bool paused);
  void send_error_event(const std::string& message);
  // The next n scheduler requests (any master) get `status` and `body`.
  void fail_next(std::size_t n, unsigned status = 503, std::string body = "Master has not finished recovery");
  // Every scheduler answer waits this long first; 0 = no delay.
  void delay_answers(std::chrono::milliseconds delay);
  // One OFFERS event to each subscriber with one offer per fake agent.
  void send_offers_burst(std::size_t agents);
  void send_garbage();       // non-RecordIO bytes into each stream
  void reset_connections();  // RST every open connection, on every master
  // `events` events into each subscriber stream, as fast as the socket takes
  // them. Returns the number of streams flooded.
  std::size_t flood(std::size_t events, flood_shape shape = flood_shape::heartbeat, std::size_t offers_per_event = 1);

  // Custom executors (local_process mode). Each agent serves the executor
  // API on its own listener: "127.0.0.1:<port>", what MESOS_AGENT_ENDPOINT
  // carries; empty when the agent has none (simulated task mode).
  std::string agent_endpoint(std::size_t agent) const;
  // RST every executor's event stream (of one agent, or all); the
  // executors may subscribe again. Returns how many were cut.
  std::size_t cut_executor_streams(std::optional<std::size_t> agent = std::nullopt);
  // The agent restarts: its listener closes (connections reset) for `down`.
  // Executors of checkpointing frameworks keep running and must subscribe
  // again within executor_recovery_timeout; the others are killed and their
  // tasks reported TASK_LOST (REASON_AGENT_RESTARTED). Returns at once.
  void restart_agent(std::size_t agent, std::chrono::milliseconds down);

  // Observation, for tests.
  struct call_record {
    std::string type;          // Call.Type name ("SUBSCRIBE"), or "" if it did not parse
    unsigned status;           // HTTP status answered
    std::string stream_id;     // Mesos-Stream-Id header of the request (or the new stream's)
    std::string framework_id;  // Call.framework_id, or the assigned id for SUBSCRIBE
    std::size_t master;        // which master answered
  };
  std::vector<call_record> calls() const;
  void clear_calls();
  std::size_t subscribers() const;  // open scheduler SUBSCRIBE streams on all masters
  // Open operator event streams (SUBSCRIBE on /api/v1) on all masters.
  std::size_t operator_subscribers() const;

  struct framework_record {
    std::string id;
    std::string name;
    std::string principal;  // FrameworkInfo.principal as subscribed
    bool connected;
    // The roles it is offered resources for (FrameworkInfo.roles with
    // MULTI_ROLE, else FrameworkInfo.role, "*" by default), in its order.
    std::vector<std::string> roles;
    // Those of its roles that get no offers until revived (SUPPRESS,
    // subscribe.suppressed_roles, update_framework.suppressed_roles), sorted.
    std::vector<std::string> suppressed_roles;
  };
  std::vector<framework_record> frameworks() const;

  struct task_record {
    std::string framework_id;
    std::string task_id;
    std::string agent_id;
    mesos::v1::TaskState state;     // latest state
    std::size_t unacknowledged;     // updates not yet acknowledged
    std::filesystem::path sandbox;  // local_process mode only
  };
  std::vector<task_record> tasks() const;

  // Offer operations that carried an id (operation feedback), until their
  // status is acknowledged. Invalid ones (OPERATION_ERROR) are never kept.
  struct operation_record {
    std::string framework_id;
    std::string operation_id;
    std::string agent_id;
    mesos::v1::OperationState state;  // latest state
    bool unacknowledged;              // its status is being resent
  };
  std::vector<operation_record> operations() const;

  // Every inverse offer made, with the framework's answer.
  struct inverse_offer_record {
    enum class status { outstanding, accepted, declined, rescinded };
    std::string id;
    std::string framework_id;
    std::string agent_id;
    // rescinded: the maintenance was cancelled or replaced (with an event),
    // or the framework disconnected or the leader changed (without one).
    status state;
  };
  std::vector<inverse_offer_record> inverse_offers() const;
  std::size_t offers_outstanding() const;
  // Each agent's unreserved + reserved resources as the master now sees them.
  std::vector<mesos::v1::Resource> agent_resources(std::size_t agent) const;
  std::string agent_id(std::size_t agent) const;

  const cluster_config& config() const noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace mesoshttp::sim
