// Builders for executor API calls, and the TaskStatus an executor reports.
//
// Unlike the scheduler's builders (mesoshttp/calls.hpp), these fill in the
// framework and executor ids: an executor knows both from its environment
// before it subscribes, and both are proto2 required fields of every call
// (an agent answers a call without framework_id with 400 "Missing required
// fields", executor-answers.md). The results are plain protobuf messages
// that mesoshttp::encode serialises in either encoding.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mesos/v1/executor/executor.pb.h"
#include "mesos/v1/mesos.pb.h"
#include "mesoshttp/executor/environment.hpp"

namespace mesoshttp::executor {

using mesos::v1::executor::Call;
using mesos::v1::executor::Event;

// The two ids every call carries.
struct executor_ids {
  std::string framework_id;
  std::string executor_id;
};

executor_ids ids_of(const executor_config& config);

// SUBSCRIBE. A first subscription carries nothing; a resubscription carries
// the tasks launched but without an acknowledged update and the updates not
// yet acknowledged (update_tracker keeps both): an agent answers a
// resubscription that leaves out a task it launched, before any update for
// it, with SHUTDOWN and reports the task TASK_LOST (executor-answers.md,
// "Subscribing again").
Call subscribe(const executor_ids& ids, std::vector<mesos::v1::TaskInfo> unacknowledged_tasks = {},
               std::vector<Call::Update> unacknowledged_updates = {});

// UPDATE with `status`. The agent refuses (400) a status without a 16-byte
// uuid, with a source other than SOURCE_EXECUTOR, or in TASK_STAGING; build
// it with task_status() to get those right; update_refusal() checks one.
Call update(const executor_ids& ids, mesos::v1::TaskStatus status);

// MESSAGE to the scheduler: opaque bytes, delivered as they are.
Call message(const executor_ids& ids, std::string data);

// HEARTBEAT (the agent answers 202; it sends none itself).
Call heartbeat(const executor_ids& ids);

// What a status carries besides its task and state; all optional.
struct status_details {
  std::optional<std::string> message;  // human-readable, shown by the scheduler
  std::optional<std::string> data;     // opaque bytes for the scheduler
  std::optional<bool> healthy;         // the task's health check result, when it has one
  std::optional<mesos::v1::TaskStatus::Reason> reason;
};

// A TaskStatus for an UPDATE: task id, state, source SOURCE_EXECUTOR, a fresh
// random uuid (16 bytes, a version-4 UUID as Mesos makes them), the
// executor's id (the agent does not add it; schedulers that look for it find
// it) and `now` as the timestamp (seconds since the epoch; the agent would
// otherwise stamp its own arrival time).
mesos::v1::TaskStatus task_status(std::string_view task_id, mesos::v1::TaskState state, std::string_view executor_id,
                                  const status_details& details = {},
                                  std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Why an agent would refuse an UPDATE with `status` (400 "Failed to validate
// Executor::Call", executor-answers.md, "Bad executor requests"), or nullopt
// if it would take it: a uuid that is not 16 bytes, a source other than
// SOURCE_EXECUTOR, the state TASK_STAGING, or no task id. Checked before
// sending, so the mistake is the executor's own error, not a 400 to decode.
std::optional<std::string> update_refusal(const mesos::v1::TaskStatus& status);

// 16 random bytes laid out as a version-4 (random) UUID.
std::string random_uuid_bytes();

}  // namespace mesoshttp::executor
