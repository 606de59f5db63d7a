#include "mesoshttp/framework/acknowledgements.hpp"

#include "mesoshttp/calls.hpp"

namespace mesoshttp {

using mesos::v1::scheduler::Event;

std::optional<mesos::v1::scheduler::Call> acknowledgement_for(const Event& event) {
  if (event.type() == Event::UPDATE && event.has_update()) {
    const auto& status = event.update().status();
    if (!status.has_uuid() || status.uuid().empty()) return std::nullopt;
    return calls::acknowledge(status);
  }
  if (event.type() == Event::UPDATE_OPERATION_STATUS && event.has_update_operation_status()) {
    const auto& status = event.update_operation_status().status();
    // Only operations the framework gave an id get reliable updates.
    if (!status.has_uuid() || status.uuid().value().empty() || !status.has_operation_id()) return std::nullopt;
    return calls::acknowledge_operation_status(status);
  }
  return std::nullopt;
}

std::optional<mesos::v1::scheduler::Call> acknowledgement_for(const client_event& item) {
  if (item.type != client_event::kind::event || !item.event) return std::nullopt;
  return acknowledgement_for(*item.event);
}

}  // namespace mesoshttp
