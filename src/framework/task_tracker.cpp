#include "mesoshttp/framework/task_tracker.hpp"

#include "mesoshttp/calls.hpp"

namespace mesoshttp {

void task_tracker::launching(const std::string& task_id, const std::string& agent_id) {
  std::lock_guard lock(mutex_);
  auto& t = tasks_[task_id];
  t = tracked_task{};
  t.task_id = task_id;
  t.agent_id = agent_id;
}

task_tracker::update_kind task_tracker::on_update(const mesos::v1::TaskStatus& status) {
  std::lock_guard lock(mutex_);
  const std::string& id = status.task_id().value();
  auto it = tasks_.find(id);
  update_kind kind = update_kind::changed;
  if (it == tasks_.end()) {
    ++unknown_;
    kind = update_kind::unknown_task;
    it = tasks_.emplace(id, tracked_task{}).first;
    it->second.task_id = id;
  } else if (it->second.state == status.state() && it->second.state != mesos::v1::TASK_STAGING) {
    ++duplicates_;
    kind = update_kind::duplicate;
  }
  auto& t = it->second;
  t.state = status.state();
  if (status.has_agent_id()) t.agent_id = status.agent_id().value();
  t.message = status.message();
  t.has_reason = status.has_reason();
  if (status.has_reason()) t.reason = status.reason();
  if (calls::is_terminal(t.state) && !keep_terminal_) tasks_.erase(it);
  return kind;
}

void task_tracker::forget(const std::string& task_id) {
  std::lock_guard lock(mutex_);
  tasks_.erase(task_id);
}

std::optional<tracked_task> task_tracker::find(const std::string& task_id) const {
  std::lock_guard lock(mutex_);
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second;
}

std::vector<tracked_task> task_tracker::tasks() const {
  std::lock_guard lock(mutex_);
  std::vector<tracked_task> out;
  out.reserve(tasks_.size());
  for (const auto& [id, t] : tasks_) out.push_back(t);
  return out;
}

std::vector<tracked_task> task_tracker::live_tasks() const {
  std::lock_guard lock(mutex_);
  std::vector<tracked_task> out;
  for (const auto& [id, t] : tasks_)
    if (!calls::is_terminal(t.state)) out.push_back(t);
  return out;
}

std::map<mesos::v1::TaskState, std::size_t> task_tracker::counts_by_state() const {
  std::lock_guard lock(mutex_);
  std::map<mesos::v1::TaskState, std::size_t> out;
  for (const auto& [id, t] : tasks_) ++out[t.state];
  return out;
}

std::size_t task_tracker::size() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

std::size_t task_tracker::duplicates() const {
  std::lock_guard lock(mutex_);
  return duplicates_;
}

std::size_t task_tracker::unknown_tasks() const {
  std::lock_guard lock(mutex_);
  return unknown_;
}

}  // namespace mesoshttp
