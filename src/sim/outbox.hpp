// Where the simulated master's rules put what they emit, instead of writing
// to connections: an event for a framework's stream, the end of that stream,
// or an operator event for every operator API subscriber (SUBSCRIBE on
// /api/v1). The server's outbox (server.cpp) writes to the framework's
// current connection and to the leader's operator streams; the model's tests
// record what was emitted, without sockets.
#pragma once

#include <memory>
#include <string>

#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::sim {

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
};

}  // namespace mesoshttp::sim
