// The operator event stream into the cluster mirror: a RecordIO stream of
// mesos.v1.master.Events in either encoding (the first byte picks it). Each
// record that decodes is applied in order, whatever it names; nothing may
// crash, and after every event the mirror's own books must agree: task counts
// by state add up to the tasks it lists, and every agent's count of live
// tasks is the number of its listed tasks not in a terminal state (and the same for frameworks).
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "fuzz_input.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/operator/cluster_mirror.hpp"
#include "mesoshttp/recordio.hpp"

namespace {

void check_books(const mesoshttp::operator_api::cluster_mirror& mirror) {
  const auto tasks = mirror.tasks();
  std::size_t counted = 0;
  for (const auto& [state, n] : mirror.task_counts()) counted += n;
  if (counted != tasks.size()) std::abort();
  std::map<std::string, std::size_t> live_by_agent, live_by_framework;
  for (const auto& t : tasks) {
    if (mesoshttp::calls::is_terminal(t.state)) continue;
    ++live_by_agent[t.agent_id];
    ++live_by_framework[t.framework_id];
  }
  const auto expected = [](const std::map<std::string, std::size_t>& m, const std::string& id) {
    const auto it = m.find(id);
    return it == m.end() ? std::size_t{0} : it->second;
  };
  for (const auto& a : mirror.agents())
    if (a.active_tasks != expected(live_by_agent, a.id)) std::abort();
  for (const auto& f : mirror.frameworks())
    if (f.active_tasks != expected(live_by_framework, f.id)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  const auto enc = (in.byte() & 1) ? mesoshttp::encoding::json : mesoshttp::encoding::protobuf;
  // Small bounds, so eviction of completed tasks and frameworks is reached.
  mesoshttp::operator_api::cluster_mirror mirror(
      mesoshttp::operator_api::mirror_config{.max_completed_tasks = 3, .max_completed_frameworks = 2});
  mesoshttp::recordio::decoder decoder(1 << 20);
  std::uint64_t applied = 0;
  (void)decoder.feed(in.rest(), [&](std::string_view record) {
    mesos::v1::master::Event event;
    if (mesoshttp::decode(record, enc, event)) return;
    const auto result = mirror.apply(std::move(event));
    if (result.outcome == mesoshttp::operator_api::apply_outcome::skipped && result.skip_reason.empty()) std::abort();
    ++applied;
    check_books(mirror);
  });
  if (mirror.counters().events != applied) std::abort();
  return 0;
}
