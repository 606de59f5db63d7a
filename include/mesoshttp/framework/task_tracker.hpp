// The latest state of each task the framework launched, from its status
// updates, and the reconciler's list of what to ask the master about.
// Bounded by what the master has said: one entry per task, replaced by each
// update; terminal tasks are dropped once handled unless the framework keeps
// them. Duplicates (a resent update, a reconciliation answer that says what
// we know) and updates of tasks we never launched are counted, never a crash.
// Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp {

struct tracked_task {
  std::string task_id;
  std::string agent_id;  // empty until known
  mesos::v1::TaskState state = mesos::v1::TASK_STAGING;
  std::string message;  // of the latest update
  mesos::v1::TaskStatus::Reason reason = mesos::v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED;
  bool has_reason = false;
};

class task_tracker {
 public:
  // keep_terminal: keep finished tasks (forget() drops them); by default a
  // terminal update is the task's last entry.
  explicit task_tracker(bool keep_terminal = false) : keep_terminal_(keep_terminal) {}

  // The framework launches (or is about to launch) a task: TASK_STAGING
  // until the master says otherwise. Call it before ACCEPT, so that an update
  // racing the ACCEPT's answer finds the task.
  void launching(const std::string& task_id, const std::string& agent_id = {});

  enum class update_kind {
    changed,       // a new state (or first news of a launched task)
    duplicate,     // the state we knew (resent, or a reconciliation answer)
    unknown_task,  // a task we never launched (recorded: the master knows it)
  };
  update_kind on_update(const mesos::v1::TaskStatus& status);

  void forget(const std::string& task_id);

  std::optional<tracked_task> find(const std::string& task_id) const;
  std::vector<tracked_task> tasks() const;
  // Tasks not yet in a terminal state (calls::is_terminal): what
  // reconciliation asks about.
  std::vector<tracked_task> live_tasks() const;
  std::map<mesos::v1::TaskState, std::size_t> counts_by_state() const;
  std::size_t size() const;

  std::size_t duplicates() const;
  std::size_t unknown_tasks() const;

 private:
  mutable std::mutex mutex_;
  bool keep_terminal_;
  std::unordered_map<std::string, tracked_task> tasks_;
  std::size_t duplicates_ = 0;
  std::size_t unknown_ = 0;
};

}  // namespace mesoshttp
