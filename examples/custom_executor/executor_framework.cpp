// A framework whose tasks run on a custom executor (example_executor, beside
// this file) instead of Mesos's command executor.
//
//   executor_framework [--master URL] [--executor PATH] [--tasks N] [--task-seconds S]
//                      [--encoding protobuf|json] [--timeout S]
//
// It launches N tasks, each with the executor's ExecutorInfo and its shell
// command in TaskInfo.data (where example_executor looks for it); all tasks
// on one agent share one executor process. When the first task runs it says
// "hello-executor" to the executor with a MESSAGE and waits for the answer
// "echo:hello-executor". A task that ends in any state but TASK_FINISHED is
// launched again (up to 3 attempts). It exits 0 once all N tasks have
// finished and the echo came back, after TEARDOWN (which makes the agent
// send the executor SHUTDOWN).
//
// The framework checkpoints, so the agent tells its executor to reconnect
// after losing it (MESOS_CHECKPOINT=1) rather than to give up.
//
// Without --master it starts a simulated cluster in this process whose agents
// run tasks and executors as local processes. --executor defaults to
// example_executor in this program's directory. --encoding applies to both
// the framework and its executors; --timeout (default 300 s) bounds the run.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace calls = mesoshttp::calls;
using mesos::v1::scheduler::Event;

namespace {

constexpr double task_cpus = 0.1, task_mem = 16;
constexpr double executor_cpus = 0.1, executor_mem = 32;
constexpr int max_attempts = 3;
const std::string hello = "hello-executor";

struct options {
  std::string master;
  std::string executor;
  int tasks = 3;
  double task_seconds = 0;
  mesoshttp::encoding wire = mesoshttp::encoding::protobuf;
  std::chrono::seconds timeout{300};
};

std::optional<options> parse(int argc, char** argv) {
  options o;
  o.executor = (std::filesystem::absolute(argv[0]).parent_path() / "example_executor").string();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "executor_framework: " << flag << " needs a value\n";
      return std::nullopt;
    }
    const std::string value = argv[++i];
    try {
      if (flag == "--master")
        o.master = value;
      else if (flag == "--executor")
        o.executor = std::filesystem::absolute(value).string();
      else if (flag == "--tasks")
        o.tasks = std::stoi(value);
      else if (flag == "--task-seconds")
        o.task_seconds = std::stod(value);
      else if (flag == "--timeout")
        o.timeout = std::chrono::seconds(std::stoi(value));
      else if (flag == "--encoding" && (value == "json" || value == "protobuf"))
        o.wire = value == "json" ? mesoshttp::encoding::json : mesoshttp::encoding::protobuf;
      else if (flag == "--encoding") {
        std::cerr << "executor_framework: --encoding is protobuf or json, not '" << value << "'\n";
        return std::nullopt;
      } else {
        std::cerr << "executor_framework: unknown option " << flag << "\n";
        return std::nullopt;
      }
    } catch (const std::exception&) {
      std::cerr << "executor_framework: " << flag << " '" << value << "' is not a number\n";
      return std::nullopt;
    }
  }
  if (o.tasks < 1 || o.task_seconds < 0) {
    std::cerr << "executor_framework: --tasks must be at least 1 and --task-seconds not negative\n";
    return std::nullopt;
  }
  return o;
}

// The executor every task names. Its command runs through `sh -c`, as the
// agent runs every command whose `shell` is unset: the path is quoted.
mesos::v1::ExecutorInfo executor_info(const options& o, const std::string& role) {
  mesos::v1::ExecutorInfo info;
  info.set_type(mesos::v1::ExecutorInfo::CUSTOM);
  *info.mutable_executor_id() = calls::executor_id("example-executor");
  info.set_name("example_executor");
  std::string quoted = "'";
  for (char c : o.executor) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  info.mutable_command()->set_value(quoted + " --encoding " + std::string(mesoshttp::to_string(o.wire)));
  *info.add_resources() = calls::scalar("cpus", executor_cpus, role);
  *info.add_resources() = calls::scalar("mem", executor_mem, role);
  return info;
}

std::string current_user() {
  const passwd* pw = ::getpwuid(::getuid());
  return pw ? pw->pw_name : "nobody";
}

}  // namespace

int main(int argc, char** argv) {
  const auto opts = parse(argc, argv);
  if (!opts) return 2;
  std::cout << std::unitbuf;  // each progress line as it happens, into a pipe too

  std::unique_ptr<mesoshttp::sim::cluster> sim;
  std::string master = opts->master;
  if (master.empty()) {
    mesoshttp::sim::cluster_config sim_config;
    sim_config.tasks = mesoshttp::sim::task_mode::local_process;
    sim = std::make_unique<mesoshttp::sim::cluster>(sim_config);
    sim->start();
    master = sim->url(0);
  }

  mesoshttp::client_config cfg;
  cfg.masters = {master};
  cfg.framework.set_user(current_user());  // executors and tasks run as this user
  cfg.framework.set_name("executor_framework");
  cfg.framework.set_checkpoint(true);
  cfg.wire_encoding = opts->wire;
  mesoshttp::scheduler_client client(cfg);

  // Task ids waiting for an offer, the current attempt of each task, and the
  // task id each attempt was launched as. Only the client's thread touches
  // these: callbacks run one at a time, in order.
  std::deque<int> waiting;
  for (int i = 0; i < opts->tasks; ++i) waiting.push_back(i);
  std::map<int, int> attempts;
  std::map<std::string, int> task_of;  // launched task id -> task number
  int finished = 0, given_up = 0;
  bool echo_received = false, suppressed = false, torn_down = false;
  std::optional<mesos::v1::AgentID> executor_agent;  // where an executor last ran a task
  std::promise<int> done;

  const auto shell_command = [&](int task) {
    std::string command = "echo task " + std::to_string(task) + " runs on example_executor";
    if (opts->task_seconds > 0) command += "; sleep " + std::to_string(opts->task_seconds);
    return command;
  };
  // MESSAGE is at most once (an executor whose connection is being cut
  // misses it), so hello is said again at every TASK_RUNNING until the echo
  // comes, and once more when all tasks are done.
  const auto say_hello = [&] {
    if (!echo_received && executor_agent)
      client.send(calls::message(*executor_agent, calls::executor_id("example-executor"), hello));
  };
  const auto maybe_done = [&] {
    if (torn_down || finished + given_up < opts->tasks) return;
    if (!echo_received) return say_hello();
    torn_down = true;
    client.teardown();  // the agent sends the executor SHUTDOWN
  };

  auto subscription = client.on_event([&](const mesoshttp::client_event& item) {
    if (item.type == mesoshttp::client_event::kind::closed) {
      if (item.error && !torn_down) std::cerr << "client closed: " << item.message << "\n";
      std::cout << finished << " of " << opts->tasks << " tasks finished on the custom executor; echo "
                << (echo_received ? "received" : "not received") << "\n";
      done.set_value(finished == opts->tasks && echo_received ? 0 : 1);
      return;
    }
    if (item.type != mesoshttp::client_event::kind::event) return;
    const Event& event = *item.event;

    if (event.type() == Event::OFFERS) {
      for (const auto& offer : event.offers().offers()) {
        const std::string role = offer.has_allocation_info() ? offer.allocation_info().role() : "*";
        // As many waiting tasks as the offer holds, next to the executor's own share.
        const double cpus = calls::scalar_total(offer, "cpus") - executor_cpus;
        const double mem = calls::scalar_total(offer, "mem") - executor_mem;
        const auto fit = static_cast<std::size_t>(
            std::max(0.0, std::min(std::floor(cpus / task_cpus + 1e-9), std::floor(mem / task_mem + 1e-9))));
        std::vector<mesos::v1::TaskInfo> tasks;
        while (!waiting.empty() && tasks.size() < fit) {
          const int n = waiting.front();
          waiting.pop_front();
          const std::string id = "task-" + std::to_string(n) + "-attempt-" + std::to_string(++attempts[n]);
          auto task = calls::task_from_offer(offer, id, "", task_cpus, task_mem, 0, id);
          if (!task) break;
          task->clear_command();  // a task names a command or an executor, never both
          *task->mutable_executor() = executor_info(*opts, role);
          task->set_data(shell_command(n));
          task_of[id] = n;
          tasks.push_back(std::move(*task));
        }
        if (tasks.empty()) {
          client.send(calls::decline({offer.id()}, calls::filters(waiting.empty() ? 3600 : 1)));
        } else {
          client.send(calls::accept({offer.id()}, {calls::ops::launch(std::move(tasks))}, calls::filters(0)));
        }
      }
      if (waiting.empty() && !suppressed) {
        suppressed = true;  // nothing to run: stop the offers
        client.send(calls::suppress());
      }
    } else if (event.type() == Event::UPDATE) {
      const auto& status = event.update().status();
      std::cout << status.task_id().value() << " " << mesos::v1::TaskState_Name(status.state())
                << (status.message().empty() ? "" : " (" + status.message() + ")") << "\n";
      // Until acknowledged, the agent resends the update and keeps the task's state.
      if (status.has_uuid()) client.send(calls::acknowledge(status));

      auto it = task_of.find(status.task_id().value());
      if (it == task_of.end()) return;  // an attempt already given up on
      const int n = it->second;
      if (status.state() == mesos::v1::TASK_RUNNING) {
        executor_agent = status.agent_id();
        say_hello();
      } else if (status.state() == mesos::v1::TASK_FINISHED) {
        task_of.erase(it);
        ++finished;
      } else if (calls::is_terminal(status.state())) {
        task_of.erase(it);
        if (attempts[n] < max_attempts) {
          waiting.push_back(n);
          suppressed = false;
          client.send(calls::revive());
        } else {
          ++given_up;
          std::cerr << "task " << n << " gave up after " << max_attempts << " attempts\n";
        }
      }
      maybe_done();
    } else if (event.type() == Event::MESSAGE) {
      std::cout << "executor says: " << event.message().data() << "\n";
      if (event.message().data() == "echo:" + hello) echo_received = true;
      maybe_done();
    } else if (event.type() == Event::FAILURE && event.failure().has_executor_id()) {
      std::cout << "executor " << event.failure().executor_id().value() << " ended (wait status "
                << event.failure().status() << ")\n";
    }
  });

  client.start();
  auto result = done.get_future();
  if (result.wait_for(opts->timeout) != std::future_status::ready) {
    std::cerr << "executor_framework: not done after " << opts->timeout.count() << " s\n";
    client.shutdown();  // `closed` reports how far it got
    result.wait();
    return 1;
  }
  return result.get();
}
