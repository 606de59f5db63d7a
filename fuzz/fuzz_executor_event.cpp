// What an agent sends a custom executor: a RecordIO stream of
// mesos.v1.executor.Events in either encoding (the first byte picks it, and
// whether the framework checkpoints), through the units the executor client
// runs them through (src/executor/client_impl.hpp's on_record): the update
// tracker (LAUNCH, LAUNCH_GROUP, ACKNOWLEDGED) and the session's decisions
// (SUBSCRIBED, SHUTDOWN, ERROR). The executor answers every launched task with
// an update, as a real one would, so ACKNOWLEDGED has something to match.
// Nothing may crash, and the books must hold: an acknowledgement that matched
// drops exactly one kept update, an ended session decides nothing more, and
// the resubscription the client would send always encodes.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "executor/session_fsm.hpp"
#include "fuzz_input.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/executor/calls.hpp"
#include "mesoshttp/executor/update_tracker.hpp"
#include "mesoshttp/recordio.hpp"

namespace {

namespace ex = mesoshttp::executor;
using fsm = ex::detail::executor_session_fsm;

// A deterministic 16-byte uuid per update, so runs replay exactly.
std::string uuid_of(std::uint64_t n) {
  std::string u(16, '\0');
  for (int i = 0; i < 8; ++i) u[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return u;
}

void report(ex::update_tracker& tracker, const ex::executor_ids& ids, const mesos::v1::TaskInfo& task,
            std::uint64_t& sent) {
  auto status = ex::task_status(task.task_id().value(), mesos::v1::TASK_RUNNING, ids.executor_id);
  status.set_uuid(uuid_of(sent++));
  tracker.on_update_sent(ex::update(ids, status).update());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  const std::uint8_t flags = in.byte();
  const auto enc = (flags & 1) ? mesoshttp::encoding::json : mesoshttp::encoding::protobuf;
  ex::executor_config config;
  config.agent_endpoint = "127.0.0.1:5051";
  config.framework_id = "fuzz-framework";
  config.executor_id = "fuzz-executor";
  config.checkpoint = (flags & 2) != 0;
  const ex::executor_ids ids = ex::ids_of(config);

  ex::update_tracker tracker;
  fsm session(config, 1);
  auto now = fsm::clock::time_point{} + std::chrono::hours(1);
  (void)session.on_start(now);
  std::uint64_t sent = 0;

  mesoshttp::recordio::decoder decoder(1 << 20);
  (void)decoder.feed(in.rest(), [&](std::string_view record) {
    ex::Event event;
    if (mesoshttp::decode(record, enc, event)) return;
    now += std::chrono::milliseconds(10);
    const bool ended_before = session.current() == fsm::state::ended;
    fsm::action decided;
    switch (event.type()) {
      case ex::Event::SUBSCRIBED: decided = session.on_subscribed(now); break;
      case ex::Event::LAUNCH:
        // A task the tracker refuses (required fields missing) is not one
        // the executor would run or report.
        if (tracker.on_launch(event.launch().task())) report(tracker, ids, event.launch().task(), sent);
        break;
      case ex::Event::LAUNCH_GROUP:
        (void)tracker.on_launch_group(event.launch_group().task_group());
        for (const auto& task : event.launch_group().task_group().tasks())
          if (task.IsInitialized()) report(tracker, ids, task, sent);
        break;
      case ex::Event::ACKNOWLEDGED: {
        const auto before = tracker.unacknowledged_updates().size();
        const auto result = tracker.on_acknowledged(event.acknowledged());
        const auto after = tracker.unacknowledged_updates().size();
        if (result == ex::update_tracker::ack_result::acknowledged ? after + 1 != before : after != before)
          std::abort();
        break;
      }
      case ex::Event::SHUTDOWN: decided = session.on_shutdown_event(now); break;
      case ex::Event::ERROR: decided = session.on_error_event(now, event.error().message()); break;
      default: break;
    }
    if (ended_before && decided.what != fsm::action::kind::none) std::abort();
    // What a resubscription would carry always goes out, in either encoding.
    std::string body;
    if (mesoshttp::encode(tracker.resubscribe_call(ids), enc, body)) std::abort();
  });
  return 0;
}
