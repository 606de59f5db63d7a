// What an executor must remember for a resubscription: the UPDATEs the agent
// has not acknowledged, and the tasks it launched that have no acknowledged
// update yet.
//
// Why both: an agent that restarts (or a stream that breaks) may have lost an
// update in flight, so each is kept until the agent's ACKNOWLEDGED for its
// uuid, and a resubscription carries the rest as unacknowledged_updates. A
// task the executor was given but for which the agent has acknowledged no
// update is one the agent may consider "launched during agent restart": a
// resubscription without it gets SHUTDOWN and the task TASK_LOST, one with
// its TaskInfo in unacknowledged_tasks keeps it (executor-answers.md,
// "Subscribing again").
//
// Sans-I/O and not thread-safe: the executor client feeds it from its one
// event loop. Order is kept: resubscribe_call() lists tasks in launch order
// and updates in the order they were sent, as the agent forwards them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mesos/v1/executor/executor.pb.h"
#include "mesos/v1/mesos.pb.h"
#include "mesoshttp/executor/calls.hpp"

namespace mesoshttp::executor {

class update_tracker {
 public:
  // LAUNCH (and each task of LAUNCH_GROUP): the task is live and, until an
  // update of it is acknowledged, an unacknowledged task. A second launch of
  // a task id already live replaces its TaskInfo in place. A task that lacks
  // a required field (a LAUNCH without its `launch`, from a broken or hostile
  // agent) is not kept, and false returned: a resubscription carrying it could
  // not be encoded, and the executor could never subscribe again.
  bool on_launch(const mesos::v1::TaskInfo& task);
  // The number of the group's tasks kept.
  std::size_t on_launch_group(const mesos::v1::TaskGroupInfo& group);

  // The executor sends `update` (keep it before sending, so an ACKNOWLEDGED
  // racing the call's answer finds it). An update of a task never launched
  // is still kept: the agent forwards those too.
  void on_update_sent(const Call::Update& update);

  enum class ack_result {
    acknowledged,  // an update was waiting for it and is dropped
    unknown,       // no update with this task id and uuid: counted, ignored
  };
  // ACKNOWLEDGED: drops the update with this task id and uuid. The task
  // stops being an unacknowledged task; if the update was terminal the task
  // is forgotten (once no other update of it waits).
  ack_result on_acknowledged(const mesos::v1::TaskID& task_id, const std::string& uuid);
  ack_result on_acknowledged(const Event::Acknowledged& acknowledged);

  // The agent refused the UPDATE with this task id and uuid (a 400: it
  // failed the agent's checks): it will never be acknowledged, and a
  // resubscription must not carry it. The task's terminal_update_sent()
  // then counts only the updates still kept. Returns whether it was kept.
  bool on_update_refused(const mesos::v1::TaskID& task_id, const std::string& uuid);

  // Launched tasks without an acknowledged update, in launch order.
  std::vector<mesos::v1::TaskInfo> unacknowledged_tasks() const;
  // Sent updates without an ACKNOWLEDGED, in the order sent.
  std::vector<Call::Update> unacknowledged_updates() const;
  // SUBSCRIBE carrying both of the above.
  Call resubscribe_call(const executor_ids& ids) const;

  // Tasks launched and not forgotten (no acknowledged terminal update), in
  // launch order: what a shutdown has to kill, unless they already ended.
  std::vector<std::string> live_task_ids() const;
  // Whether an update in a terminal state has been sent for the task (it
  // needs no kill, only the acknowledgement).
  bool terminal_update_sent(std::string_view task_id) const;

  std::size_t unknown_acknowledgements() const noexcept { return unknown_acks_; }

 private:
  struct task_entry {
    std::string id;
    mesos::v1::TaskInfo info;
    bool acknowledged_update = false;    // an update of it was acknowledged: no longer an unacknowledged task
    bool terminal_sent = false;          // a terminal update of it was sent
    bool terminal_acknowledged = false;  // ... and acknowledged: forget once nothing of it waits
  };

  task_entry* find_task(std::string_view id);
  const task_entry* find_task(std::string_view id) const;
  void forget_if_done(std::string_view id);

  // Vectors, not maps: an executor runs a handful of tasks, and the order
  // matters more than lookup speed.
  std::vector<task_entry> tasks_;
  std::vector<Call::Update> updates_;
  std::size_t unknown_acks_ = 0;
};

}  // namespace mesoshttp::executor
