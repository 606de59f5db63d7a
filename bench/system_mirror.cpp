// mirror: what the operator API's cluster mirror costs, without sockets.
// - apply rate of TASK_UPDATED events (decoded, as a consumer gets them) on
//   one thread, beside its floor: a bare hash map from (framework, task) to
//   state that does the least any mirror must (find the task, set its state,
//   keep the status), fed the same events. Goal: >= 1M events/s.
// - a SUBSCRIBED snapshot of a large cluster applied whole (the time a tool
//   waits after each reconnect).
// - heap bytes per task held (glibc's mallinfo2, the snapshot's tasks each
//   with resources and one status).
// - decoding that cluster's GET_STATE answer as operator_api::master_client
//   does (mesoshttp::decode), beside its floors: bare ParseFromArray
//   (protobuf; goal >= 0.9 of it) and protobuf's own JSON parser (JSON).
// Rounds alternate mirror and floor so drift hits both alike; medians.
#include <malloc.h>

#include <google/protobuf/util/json_util.h>

#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_system.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/operator/cluster_mirror.hpp"

namespace bench_system {
namespace {

namespace master = mesos::v1::master;
using mesoshttp::operator_api::cluster_mirror;

std::string framework_id(std::size_t i) { return "2b1c6b6e-1f3e-4a7e-9d62-5f0a3c0b2d11-" + std::to_string(i % 20); }
std::string task_id(std::size_t i) { return "task-" + std::to_string(i); }
std::string agent_id(std::size_t i) { return "2b1c6b6e-1f3e-4a7e-9d62-5f0a3c0b2d11-S" + std::to_string(i); }

mesos::v1::TaskStatus status(std::size_t task, mesos::v1::TaskState state, std::size_t agents) {
  mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value(task_id(task));
  s.set_state(state);
  s.set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  s.mutable_agent_id()->set_value(agent_id(task % agents));
  s.mutable_executor_id()->set_value(task_id(task));
  s.set_timestamp(1796067127.635154);
  s.set_uuid(std::string(16, static_cast<char>(task & 0x7f)));
  return s;
}

master::Event snapshot(std::size_t agents, std::size_t tasks) {
  master::Event e;
  e.set_type(master::Event::SUBSCRIBED);
  auto* state = e.mutable_subscribed()->mutable_get_state();
  for (std::size_t a = 0; a < agents; ++a) {
    auto* agent = state->mutable_get_agents()->add_agents();
    agent->mutable_agent_info()->mutable_id()->set_value(agent_id(a));
    agent->mutable_agent_info()->set_hostname("agent-" + std::to_string(a) + ".example");
    agent->set_active(true);
    agent->set_version("1.11.0");
    *agent->add_total_resources() = mesoshttp::calls::scalar("cpus", 64, "*");
    *agent->add_total_resources() = mesoshttp::calls::scalar("mem", 262144, "*");
  }
  for (std::size_t f = 0; f < 20; ++f) {
    auto* fw = state->mutable_get_frameworks()->add_frameworks();
    fw->mutable_framework_info()->mutable_id()->set_value(framework_id(f));
    fw->mutable_framework_info()->set_name("framework-" + std::to_string(f));
    fw->mutable_framework_info()->set_user("root");
    fw->set_active(true);
    fw->set_connected(true);
    fw->set_recovered(false);
  }
  for (std::size_t t = 0; t < tasks; ++t) {
    auto* task = state->mutable_get_tasks()->add_tasks();
    task->set_name("web-" + std::to_string(t));
    task->mutable_task_id()->set_value(task_id(t));
    task->mutable_framework_id()->set_value(framework_id(t));
    task->mutable_agent_id()->set_value(agent_id(t % agents));
    task->set_state(mesos::v1::TASK_RUNNING);
    *task->add_resources() = mesoshttp::calls::scalar("cpus", 0.1, "*");
    *task->add_resources() = mesoshttp::calls::scalar("mem", 32, "*");
    *task->add_statuses() = status(t, mesos::v1::TASK_RUNNING, agents);
  }
  return e;
}

// Updates that keep every task live (RUNNING again, as a health check
// update does), so the mirror's size stays put across rounds.
std::vector<master::Event> updates(std::size_t count, std::size_t tasks, std::size_t agents) {
  std::vector<master::Event> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t t = (i * 7919) % tasks;
    auto& e = out[i];
    e.set_type(master::Event::TASK_UPDATED);
    auto* u = e.mutable_task_updated();
    u->mutable_framework_id()->set_value(framework_id(t));
    u->set_state(mesos::v1::TASK_RUNNING);
    *u->mutable_status() = status(t, mesos::v1::TASK_RUNNING, agents);
  }
  return out;
}

// The least a mirror does per event: find the task by both ids, set its
// state, keep the status.
struct floor_task {
  mesos::v1::TaskState state;
  mesos::v1::TaskStatus status;
};

// Small blocks in the arena plus the large ones glibc maps on their own
// (hash tables' bucket arrays, the snapshot's repeated fields).
std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Decode rates of one GET_STATE answer, library beside floor, alternating.
struct decode_rates {
  double library_mb_per_s = 0;
  double floor_mb_per_s = 0;
  std::size_t bytes = 0;
};

template <class Library, class Floor>
decode_rates time_decodes(const std::string& body, int rounds, Library library, Floor floor) {
  std::vector<double> lib, bare;
  const double mb = static_cast<double>(body.size()) / 1e6;
  for (int r = 0; r < rounds; ++r) {
    {
      master::Response out;
      const auto t0 = clock_type::now();
      library(body, out);
      lib.push_back(mb / seconds_since(t0));
      if (out.get_state().get_tasks().tasks_size() == 0) die("the library decoded no tasks");
    }
    {
      master::Response out;
      const auto t0 = clock_type::now();
      floor(body, out);
      bare.push_back(mb / seconds_since(t0));
      if (out.get_state().get_tasks().tasks_size() == 0) die("the floor decoded no tasks");
    }
  }
  return {median(lib), median(bare), body.size()};
}

}  // namespace

void run_mirror() {
  const auto tasks = static_cast<std::size_t>(arg("tasks", 100'000));
  const auto agents = static_cast<std::size_t>(arg("agents", 10'000));
  const auto events = static_cast<std::size_t>(arg("events", 1'000'000));
  const auto rounds = static_cast<int>(arg("rounds", 3));

  // Memory: the heap a mirror keeps after a snapshot was built, moved into it
  // and dropped, with the tasks less without them (same agents and
  // frameworks), per task.
  std::vector<double> snapshot_seconds;
  auto heap_kept = [&](cluster_mirror& m, std::size_t with_tasks) {
    const std::size_t before = heap_in_use();
    auto e = snapshot(agents, with_tasks);
    const auto t0 = clock_type::now();
    m.apply(std::move(e));
    if (with_tasks) snapshot_seconds.push_back(seconds_since(t0));
    e = master::Event();  // the shells the moves left behind go
    const std::size_t after = heap_in_use();
    return static_cast<double>(after) - static_cast<double>(before);
  };
  cluster_mirror without_tasks;
  const double base = heap_kept(without_tasks, 0);
  cluster_mirror mirror;
  const double full = heap_kept(mirror, tasks);
  const double bytes_per_task = (full - base) / static_cast<double>(tasks);
  if (mirror.tasks(mesos::v1::TASK_RUNNING).size() != tasks) die("the mirror lost tasks of the snapshot");
  // The heap the snapshot event itself takes, for the reader's scale.
  std::size_t event_bytes = 0;
  {
    const std::size_t before = heap_in_use();
    auto e = snapshot(agents, tasks);
    event_bytes = heap_in_use() - before;
    for (int r = 1; r < rounds; ++r) {
      cluster_mirror again;
      auto copy = e;
      const auto t0 = clock_type::now();
      again.apply(std::move(copy));
      snapshot_seconds.push_back(seconds_since(t0));
    }
  }

  std::unordered_map<std::string, std::unordered_map<std::string, floor_task>> floor;
  for (std::size_t t = 0; t < tasks; ++t) floor[framework_id(t)][task_id(t)] = {mesos::v1::TASK_RUNNING, {}};

  std::vector<double> mirror_rates, floor_rates;
  for (int r = 0; r < rounds; ++r) {
    {
      auto batch = updates(events, tasks, agents);
      const auto t0 = clock_type::now();
      for (auto& e : batch) mirror.apply(std::move(e));
      mirror_rates.push_back(static_cast<double>(events) / seconds_since(t0));
    }
    {
      auto batch = updates(events, tasks, agents);
      const auto t0 = clock_type::now();
      for (auto& e : batch) {
        auto* u = e.mutable_task_updated();
        auto& f = floor[u->framework_id().value()];
        auto it = f.find(u->status().task_id().value());
        if (it == f.end()) die("floor lost a task");
        it->second.state = u->state();
        it->second.status.Swap(u->mutable_status());
      }
      floor_rates.push_back(static_cast<double>(events) / seconds_since(t0));
    }
  }
  // GET_STATE as a master answers it, in both encodings.
  decode_rates protobuf_decode, json_decode;
  {
    master::Response answer;
    answer.set_type(master::Response::GET_STATE);
    *answer.mutable_get_state() = snapshot(agents, tasks).subscribed().get_state();
    std::string body;
    if (mesoshttp::encode(answer, mesoshttp::encoding::protobuf, body)) die("cannot encode GET_STATE");
    protobuf_decode = time_decodes(
        body, rounds,
        [](const std::string& b, master::Response& out) {
          if (mesoshttp::decode(b, mesoshttp::encoding::protobuf, out)) die("library: GET_STATE does not decode");
        },
        [](const std::string& b, master::Response& out) {
          if (!out.ParseFromArray(b.data(), static_cast<int>(b.size()))) die("floor: GET_STATE does not parse");
        });
    if (mesoshttp::encode(answer, mesoshttp::encoding::json, body)) die("cannot encode GET_STATE as JSON");
    json_decode = time_decodes(
        body, rounds,
        [](const std::string& b, master::Response& out) {
          if (mesoshttp::decode(b, mesoshttp::encoding::json, out)) die("library: JSON GET_STATE does not decode");
        },
        [](const std::string& b, master::Response& out) {
          google::protobuf::util::JsonParseOptions options;
          options.ignore_unknown_fields = true;
          if (!google::protobuf::util::JsonStringToMessage(b, &out, options).ok())
            die("floor: JSON GET_STATE does not parse");
        });
  }

  const auto counters = mirror.counters();
  if (counters.skipped != 0) die("the mirror skipped events of its own snapshot's tasks");

  std::ostringstream out;
  out << "{\"tasks\":" << tasks << ",\"agents\":" << agents << ",\"events\":" << events << ",\"rounds\":" << rounds
      << ",\"update_events_per_s\":" << median(mirror_rates) << ",\"floor_events_per_s\":" << median(floor_rates)
      << ",\"ratio\":" << median(mirror_rates) / median(floor_rates)
      << ",\"snapshot_apply_s\":" << median(snapshot_seconds) << ",\"bytes_per_task\":" << bytes_per_task
      << ",\"snapshot_event_bytes\":" << event_bytes << ",\"get_state_protobuf_bytes\":" << protobuf_decode.bytes
      << ",\"get_state_protobuf_mb_per_s\":" << protobuf_decode.library_mb_per_s
      << ",\"get_state_protobuf_floor_mb_per_s\":" << protobuf_decode.floor_mb_per_s
      << ",\"get_state_json_bytes\":" << json_decode.bytes
      << ",\"get_state_json_mb_per_s\":" << json_decode.library_mb_per_s
      << ",\"get_state_json_floor_mb_per_s\":" << json_decode.floor_mb_per_s << "}";
  std::cout << out.str() << std::endl;
}

}  // namespace bench_system
