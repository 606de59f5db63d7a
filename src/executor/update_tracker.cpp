#include "mesoshttp/executor/update_tracker.hpp"

#include <algorithm>

#include "mesoshttp/calls.hpp"

namespace mesoshttp::executor {

update_tracker::task_entry* update_tracker::find_task(std::string_view id) {
  auto it = std::find_if(tasks_.begin(), tasks_.end(), [&](const task_entry& t) { return t.id == id; });
  return it == tasks_.end() ? nullptr : &*it;
}

const update_tracker::task_entry* update_tracker::find_task(std::string_view id) const {
  auto it = std::find_if(tasks_.begin(), tasks_.end(), [&](const task_entry& t) { return t.id == id; });
  return it == tasks_.end() ? nullptr : &*it;
}

bool update_tracker::on_launch(const mesos::v1::TaskInfo& task) {
  if (!task.IsInitialized()) return false;
  if (task_entry* known = find_task(task.task_id().value())) {
    known->info = task;
    return true;
  }
  tasks_.push_back(task_entry{task.task_id().value(), task});
  return true;
}

std::size_t update_tracker::on_launch_group(const mesos::v1::TaskGroupInfo& group) {
  std::size_t kept = 0;
  for (const auto& task : group.tasks()) kept += on_launch(task) ? 1 : 0;
  return kept;
}

void update_tracker::on_update_sent(const Call::Update& update) {
  updates_.push_back(update);
  if (task_entry* task = find_task(update.status().task_id().value())) {
    if (calls::is_terminal(update.status().state())) task->terminal_sent = true;
  }
}

update_tracker::ack_result update_tracker::on_acknowledged(const mesos::v1::TaskID& task_id, const std::string& uuid) {
  // Both must match: a uuid is only unique per executor by chance of
  // randomness, and an agent acknowledges a task's update with its task id.
  auto it = std::find_if(updates_.begin(), updates_.end(), [&](const Call::Update& u) {
    return u.status().uuid() == uuid && u.status().task_id().value() == task_id.value();
  });
  if (it == updates_.end()) {
    ++unknown_acks_;
    return ack_result::unknown;
  }
  const bool terminal = calls::is_terminal(it->status().state());
  updates_.erase(it);
  if (task_entry* task = find_task(task_id.value())) {
    task->acknowledged_update = true;
    if (terminal) task->terminal_acknowledged = true;
    forget_if_done(task_id.value());
  }
  return ack_result::acknowledged;
}

update_tracker::ack_result update_tracker::on_acknowledged(const Event::Acknowledged& acknowledged) {
  return on_acknowledged(acknowledged.task_id(), acknowledged.uuid());
}

bool update_tracker::on_update_refused(const mesos::v1::TaskID& task_id, const std::string& uuid) {
  auto it = std::find_if(updates_.begin(), updates_.end(), [&](const Call::Update& u) {
    return u.status().uuid() == uuid && u.status().task_id().value() == task_id.value();
  });
  if (it == updates_.end()) return false;
  updates_.erase(it);
  if (task_entry* task = find_task(task_id.value()); task != nullptr && !task->terminal_acknowledged) {
    task->terminal_sent = std::any_of(updates_.begin(), updates_.end(), [&](const Call::Update& u) {
      return u.status().task_id().value() == task_id.value() && calls::is_terminal(u.status().state());
    });
  }
  return true;
}

void update_tracker::forget_if_done(std::string_view id) {
  const task_entry* task = find_task(id);
  if (task == nullptr || !task->terminal_acknowledged) return;
  // An earlier update of the task still waiting keeps it: the agent may yet
  // acknowledge it, and a resubscription carries it.
  const bool waiting = std::any_of(updates_.begin(), updates_.end(),
                                   [&](const Call::Update& u) { return u.status().task_id().value() == id; });
  if (waiting) return;
  std::erase_if(tasks_, [&](const task_entry& t) { return t.id == id; });
}

std::vector<mesos::v1::TaskInfo> update_tracker::unacknowledged_tasks() const {
  std::vector<mesos::v1::TaskInfo> out;
  for (const auto& task : tasks_) {
    if (!task.acknowledged_update) out.push_back(task.info);
  }
  return out;
}

std::vector<Call::Update> update_tracker::unacknowledged_updates() const { return updates_; }

Call update_tracker::resubscribe_call(const executor_ids& ids) const {
  return subscribe(ids, unacknowledged_tasks(), unacknowledged_updates());
}

std::vector<std::string> update_tracker::live_task_ids() const {
  std::vector<std::string> out;
  out.reserve(tasks_.size());
  for (const auto& task : tasks_) out.push_back(task.id);
  return out;
}

bool update_tracker::terminal_update_sent(std::string_view task_id) const {
  const task_entry* task = find_task(task_id);
  return task != nullptr && task->terminal_sent;
}

}  // namespace mesoshttp::executor
