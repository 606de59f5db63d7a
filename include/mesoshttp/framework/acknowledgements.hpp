// Which events the framework must acknowledge, and with which call. A status
// update that carries a uuid is resent by the master until it is
// acknowledged (reliably delivered); one without a uuid (a reconciliation
// answer, a master-generated update) must not be. The client can send these
// itself, only once a consumer has handled the event: see
// auto_acknowledge in client.hpp.
#pragma once

#include <optional>

#include "mesoshttp/client.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp {

// ACKNOWLEDGE for an UPDATE whose status has a uuid,
// ACKNOWLEDGE_OPERATION_STATUS for an UPDATE_OPERATION_STATUS whose status
// has one; nullopt for everything else.
std::optional<mesos::v1::scheduler::Call> acknowledgement_for(const mesos::v1::scheduler::Event& event);
// The same for a consumer's item: nothing for connection changes.
std::optional<mesos::v1::scheduler::Call> acknowledgement_for(const client_event& item);

}  // namespace mesoshttp
