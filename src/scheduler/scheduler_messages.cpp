#include "scheduler/scheduler_messages.hpp"

#include <algorithm>

#include "stream/arena_message.hpp"

namespace mesoshttp::detail {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

bool is_idempotent(Call::Type type) {
  switch (type) {
    case Call::DECLINE:
    case Call::DECLINE_INVERSE_OFFERS:
    case Call::REVIVE:
    case Call::SUPPRESS:
    case Call::RECONCILE:
    case Call::RECONCILE_OPERATIONS:
    case Call::ACKNOWLEDGE:
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
    case Call::KILL:
    case Call::SHUTDOWN:
    case Call::UPDATE_FRAMEWORK:
    case Call::REQUEST: return true;
    default: return false;
  }
}

Call subscribe_call(const client_config& config, const std::optional<mesos::v1::FrameworkID>& framework_id) {
  Call subscribe;
  subscribe.set_type(Call::SUBSCRIBE);
  auto* info = subscribe.mutable_subscribe()->mutable_framework_info();
  *info = config.framework;
  // Mesos refuses a framework whose principal differs from the one it
  // authenticated; with Basic credentials there is only one right answer.
  if (config.credentials && !config.authorization && !info->has_principal()) {
    info->set_principal(config.credentials->principal);
  }
  if (framework_id) {
    *info->mutable_id() = *framework_id;
    *subscribe.mutable_framework_id() = *framework_id;
  }
  return subscribe;
}

std::shared_ptr<Event> make_arena_event(std::size_t wire_size, std::shared_ptr<arena_recycler> recycler) {
  return make_arena_message<Event>(wire_size, std::move(recycler));
}

error_event_meaning classify_error_event(std::string_view message) {
  // The texts of Mesos 1.x masters (src/master/master.cpp).
  if (message.find("has been removed") != std::string_view::npos) return error_event_meaning::removed;
  if (message.rfind("Framework failed over", 0) == 0) return error_event_meaning::failed_over;
  return error_event_meaning::resubscribe;
}

}  // namespace mesoshttp::detail
