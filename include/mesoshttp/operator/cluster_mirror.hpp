// A live copy of a cluster's state, kept from the master's operator event
// stream: SUBSCRIBED's whole state replaces it, every later event updates it.
// A tool asks it at any time for agents, frameworks and tasks (by state) and
// for the resources used and free on each agent, without a GET_STATE per
// question.
//
// Sans-I/O: it is fed decoded mesos.v1.master.Events (by an operator
// subscription's consumer, a test, a replayed capture) and never blocks on
// the network. Thread-safe: one thread applies, any number ask (a shared
// lock; answers are copies, never references into the mirror).
//
// What a real master sends decides what the mirror can know
// (../shared/mesos-api/operator-answers.md):
// - TASK_ADDED carries the task without statuses; TASK_UPDATED carries the
//   new state and the status. The mirror keeps each task's latest status only
//   (a master keeps them all; a mirror of 100,000 tasks would hold every
//   status ever sent).
// - FRAMEWORK_REMOVED follows the TASK_UPDATEDs of the framework's live tasks,
//   so the mirror moves the framework to the completed ones and leaves its
//   tasks to those updates.
// - AGENT_REMOVED is rare (a real 1.11.0 master sent none for MARK_AGENT_GONE);
//   the agent's tasks stay until their own updates arrive.
// - A connection that breaks ends with no event: the owner calls
//   mark_stale(), and the next SUBSCRIBED replaces everything.
// Events naming what the mirror does not know (an update for an unknown task,
// the removal of an unknown agent) are skipped and counted, never a crash:
// after a reconnect the stream can race a snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::operator_api {

// The scalar resources an operator looks at first. Other resources (ports,
// custom scalars) are in the protobuf a task() or agent() query returns.
struct scalar_resources {
  double cpus = 0;
  double mem = 0;   // MB
  double disk = 0;  // MB
  double gpus = 0;

  scalar_resources& operator+=(const scalar_resources& other);
  scalar_resources& operator-=(const scalar_resources& other);
  friend bool operator==(const scalar_resources&, const scalar_resources&) = default;
};

// Sums the scalars of `resources` by name (all roles and reservations).
scalar_resources sum_scalars(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources);

struct agent_view {
  std::string id;
  std::string hostname;
  bool active = false;
  bool deactivated = false;  // by an operator (DEACTIVATE_AGENT or DRAIN_AGENT)
  bool draining = false;     // drain_info is set
  scalar_resources total;
  // Used by the agent's tasks that are not in a terminal state, as the
  // stream reports them. An executor's own resources are not in the stream's
  // task events, so a command task's executor overhead is not counted.
  scalar_resources used;
  scalar_resources free;  // total - used
  std::size_t active_tasks = 0;
};

struct framework_view {
  std::string id;
  std::string name;
  std::vector<std::string> roles;
  bool active = false;
  bool connected = false;
  bool completed = false;  // removed (torn down, failover timeout)
  std::size_t active_tasks = 0;
  scalar_resources used;  // by its tasks not in a terminal state
};

struct task_view {
  std::string framework_id;
  std::string task_id;
  std::string name;
  std::string agent_id;
  mesos::v1::TaskState state = mesos::v1::TASK_STAGING;
  scalar_resources resources;
  std::string message;  // of the latest status, if any: what an operator reads first
};

// What apply() did with one event.
enum class apply_outcome {
  replaced,  // SUBSCRIBED: the whole state was replaced
  changed,   // the mirror changed
  ignored,   // HEARTBEAT, or an event type this version does not know
  skipped,   // named something the mirror does not know (counted, see skip_reason)
};

struct apply_result {
  apply_outcome outcome = apply_outcome::ignored;
  std::string skip_reason;  // for skipped: what was unknown, for a log line
};

struct mirror_config {
  // Terminal tasks kept for queries, oldest forgotten first (a real master
  // keeps 1000 completed tasks per framework by default: max_completed_tasks_per_framework).
  std::size_t max_completed_tasks = 10'000;
  // Removed frameworks kept for queries, oldest forgotten first (a master's
  // max_completed_frameworks defaults to 50).
  std::size_t max_completed_frameworks = 50;
};

struct mirror_counters {
  std::uint64_t events = 0;           // every event given to apply()
  std::uint64_t snapshots = 0;        // SUBSCRIBEDs applied
  std::uint64_t skipped = 0;          // events naming something unknown
  std::uint64_t forgotten_tasks = 0;  // terminal tasks dropped for max_completed_tasks
};

class cluster_mirror {
 public:
  explicit cluster_mirror(mirror_config config = {});
  ~cluster_mirror();
  cluster_mirror(const cluster_mirror&) = delete;
  cluster_mirror& operator=(const cluster_mirror&) = delete;

  // One event of the operator stream, in order. The rvalue overload moves
  // the large parts (tasks, statuses, the snapshot) instead of copying them.
  apply_result apply(const mesos::v1::master::Event& event);
  apply_result apply(mesos::v1::master::Event&& event);

  // Replaces everything with a GET_STATE answer (what SUBSCRIBED carries).
  void reset(const mesos::v1::master::Response::GetState& state);

  // The stream broke: what the mirror holds is no longer kept current. It
  // still answers (with the last known state) until the next SUBSCRIBED.
  void mark_stale();
  // A SUBSCRIBED was applied and no break was reported since.
  bool current() const;

  std::vector<agent_view> agents() const;
  std::optional<agent_view> agent(std::string_view agent_id) const;
  // The agent as the master described it, with the mirror's view of its use.
  std::optional<mesos::v1::master::Response::GetAgents::Agent> agent_info(std::string_view agent_id) const;

  // Active frameworks first, then the completed ones.
  std::vector<framework_view> frameworks() const;
  std::optional<framework_view> framework(std::string_view framework_id) const;

  // Every task the mirror knows (live and the completed ones it keeps), or
  // only those in `state`.
  std::vector<task_view> tasks(std::optional<mesos::v1::TaskState> state = std::nullopt) const;
  // The task as the master sent it, with its latest status in statuses(0).
  std::optional<mesos::v1::Task> task(std::string_view framework_id, std::string_view task_id) const;
  std::map<mesos::v1::TaskState, std::size_t> task_counts() const;

  // Every agent's resources added up.
  scalar_resources total_resources() const;
  scalar_resources used_resources() const;

  mirror_counters counters() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace mesoshttp::operator_api
