// What the scheduler API says about its own messages, for the scheduler
// client (src/client.cpp): the SUBSCRIBE call, which calls may be sent twice,
// and where a decoded Event lives. Pure functions: no I/O, no client state.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "mesoshttp/config.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::detail {

// Calls that can be sent twice without changing the outcome. Everything else
// (ACCEPT above all: it would launch tasks twice) is never retried.
bool is_idempotent(mesos::v1::scheduler::Call::Type type);

// SUBSCRIBE with the configured FrameworkInfo, failing over to `framework_id`
// when one is known.
mesos::v1::scheduler::Call subscribe_call(const client_config& config,
                                          const std::optional<mesos::v1::FrameworkID>& framework_id);

// An empty Event in its own arena, sized for a record of `wire_size` bytes.
// The event and all its parts are freed in one go when the last consumer
// lets go: a heap-allocated OFFERS event costs a malloc and a free per offer,
// resource and string, which profiled as a third of ingest.
std::shared_ptr<mesos::v1::scheduler::Event> make_arena_event(std::size_t wire_size);

}  // namespace mesoshttp::detail
