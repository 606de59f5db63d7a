// Where the simulated master's rules put what they emit, instead of writing
// to connections: an event for a framework's stream, the end of that stream,
// an operator event for every operator API subscriber (SUBSCRIBE on
// /api/v1), or an event for a custom executor's stream on its agent. The server's outbox (server.cpp) writes to the
// framework's current connection and to the leader's operator streams; the model's tests record what was emitted,
// without sockets.
#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <string>

#include "mesos/v1/executor/executor.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::sim {

// A custom executor as an agent knows it: executor ids are unique per
// framework on one agent only.
struct executor_key {
  std::size_t agent = 0;
  std::string framework_id;
  std::string executor_id;
  auto operator<=>(const executor_key&) const = default;
};

class outbox {
 public:
  virtual ~outbox() = default;
  // An event on the framework's stream; dropped when it has none open.
  virtual void send(const std::string& framework_id, const mesos::v1::scheduler::Event& event) = 0;
  // The framework's stream ends as a master ends it: the last chunk, then
  // the connection closes.
  virtual void end_stream(const std::string& framework_id) = 0;
  // An operator event (TASK_ADDED, FRAMEWORK_UPDATED, ...) on every operator
  // event stream of the leading master; dropped when there is none.
  virtual void operator_event(const mesos::v1::master::Event& event) = 0;
  // An event on the executor's current stream (SUBSCRIBE on the agent's
  // /api/v1/executor); dropped when it has none open.
  virtual void executor_event(const executor_key& key, const mesos::v1::executor::Event& event) = 0;
  // The executor's stream ends as an agent ends it: the last chunk, no event.
  virtual void end_executor_stream(const executor_key& key) = 0;
};

}  // namespace mesoshttp::sim
