// What the scheduler API says about its own messages, for the scheduler
// client (scheduler/client_impl.hpp): the SUBSCRIBE call, which calls may be sent twice,
// and where a decoded Event lives. Pure functions: no I/O, no client state.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "mesoshttp/config.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::detail {

class arena_recycler;  // stream/arena_message.hpp

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
// resource and string, which profiled as a third of ingest. With `recycler`,
// an event of up to 64 KiB is freed on its strand (the client's), whichever
// thread lets go of it last.
std::shared_ptr<mesos::v1::scheduler::Event> make_arena_event(std::size_t wire_size,
                                                              std::shared_ptr<arena_recycler> recycler = nullptr);

// What an ERROR event means for the client. The scheduler API says a
// scheduler "should abort" on ERROR; the client still resubscribes after most
// (a rate limit, a refused SUBSCRIBE it may be configured out of), but two
// are final, and resubscribing after them does harm:
enum class error_event_meaning {
  resubscribe,  // any other text
  removed,      // "Framework has been removed": the id is dead; resubscribing with it fails forever
  failed_over,  // "Framework failed over": another scheduler took the id; taking it back starts a ping-pong
};
error_event_meaning classify_error_event(std::string_view message);

}  // namespace mesoshttp::detail
