#include "mesoshttp/executor/calls.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <utility>

namespace mesoshttp::executor {

namespace v1 = mesos::v1;

namespace {

Call with_ids(const executor_ids& ids, Call::Type type) {
  Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(ids.framework_id);
  call.mutable_executor_id()->set_value(ids.executor_id);
  return call;
}

}  // namespace

executor_ids ids_of(const executor_config& config) { return {config.framework_id, config.executor_id}; }

Call subscribe(const executor_ids& ids, std::vector<v1::TaskInfo> unacknowledged_tasks,
               std::vector<Call::Update> unacknowledged_updates) {
  Call call = with_ids(ids, Call::SUBSCRIBE);
  // Present even when empty: the agent refuses a SUBSCRIBE without it (400
  // "Expecting 'subscribe' to be present").
  auto* subscribe = call.mutable_subscribe();
  for (auto& task : unacknowledged_tasks) *subscribe->add_unacknowledged_tasks() = std::move(task);
  for (auto& update : unacknowledged_updates) *subscribe->add_unacknowledged_updates() = std::move(update);
  return call;
}

Call update(const executor_ids& ids, v1::TaskStatus status) {
  Call call = with_ids(ids, Call::UPDATE);
  *call.mutable_update()->mutable_status() = std::move(status);
  return call;
}

Call message(const executor_ids& ids, std::string data) {
  Call call = with_ids(ids, Call::MESSAGE);
  call.mutable_message()->set_data(std::move(data));
  return call;
}

Call heartbeat(const executor_ids& ids) { return with_ids(ids, Call::HEARTBEAT); }

std::string random_uuid_bytes() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t word = engine();
    for (std::size_t j = 0; j < 8; ++j) {
      bytes[i + j] = static_cast<unsigned char>(word & 0xffU);
      word >>= 8;
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0fU) | 0x40U);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3fU) | 0x80U);  // RFC 4122 variant
  return {bytes.begin(), bytes.end()};
}

std::optional<std::string> update_refusal(const v1::TaskStatus& status) {
  if (!status.has_task_id() || status.task_id().value().empty()) return "the status has no task id";
  if (!status.has_uuid()) return "the status has no uuid (the agent expects 'uuid' to be present)";
  if (status.uuid().size() != 16) {
    return "the status' uuid is " + std::to_string(status.uuid().size()) +
           " bytes, not 16 (the agent answers 'Not a valid UUID')";
  }
  if (!status.has_source() || status.source() != v1::TaskStatus::SOURCE_EXECUTOR) {
    return "the status' source is not SOURCE_EXECUTOR (the only source an agent takes from an executor)";
  }
  if (status.state() == v1::TASK_STAGING) return "TASK_STAGING is not a state an executor may report";
  return std::nullopt;
}

v1::TaskStatus task_status(std::string_view task_id, v1::TaskState state, std::string_view executor_id,
                           const status_details& details, std::chrono::system_clock::time_point now) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value(std::string(task_id));
  status.set_state(state);
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_uuid(random_uuid_bytes());
  status.mutable_executor_id()->set_value(std::string(executor_id));
  const auto since_epoch = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch());
  status.set_timestamp(static_cast<double>(since_epoch.count()) / 1e6);
  if (details.message) status.set_message(*details.message);
  if (details.data) status.set_data(*details.data);
  if (details.healthy) status.set_healthy(*details.healthy);
  if (details.reason) status.set_reason(*details.reason);
  return status;
}

}  // namespace mesoshttp::executor
