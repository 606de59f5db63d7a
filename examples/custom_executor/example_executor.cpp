// A custom executor built with mesoshttp's executor client.
//
// The agent starts it (the ExecutorInfo's command) with the MESOS_* variables
// that say where the agent is and who the executor is. For every task it is
// given, it runs the task's shell command, which its framework puts in
// TaskInfo.data (a task that names a custom executor carries no CommandInfo),
// as a child process in a process group of its own, and reports:
//
//   TASK_STARTING, TASK_RUNNING, then TASK_FINISHED (exit 0), TASK_FAILED
//   (any other end) or TASK_KILLED (after a KILL).
//
// A KILL sends the task's process group SIGTERM, then SIGKILL once the kill
// policy's grace period (the KILL's, else the task's, else 3 s) has passed.
// A MESSAGE is answered with the MESSAGE "echo:<data>". SHUTDOWN (or losing
// the agent for good) kills every task within the shutdown grace period,
// reports them, and exits.
//
// Everything runs on one thread: the client's callbacks and the children's
// exits (each child's pidfd, waited on by Asio) are handlers of one
// io_context, so the task table needs no lock.
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "mesoshttp/executor/executor_client.hpp"

extern char** environ;

namespace exec = mesoshttp::executor;
using mesos::v1::TaskState;

namespace {

constexpr std::chrono::seconds default_kill_grace{3};

// One task and the process group running its command.
struct running_task {
  mesos::v1::TaskInfo info;
  pid_t pid = -1;
  std::unique_ptr<boost::asio::posix::stream_descriptor> exit_watch;  // the child's pidfd
  std::unique_ptr<boost::asio::steady_timer> kill_escalation;
  bool kill_requested = false;
};

class example_executor {
 public:
  example_executor(boost::asio::io_context& io, exec::executor_config config, exec::executor_client_options options)
      : io_(io), work_(io.get_executor()), client_(io.get_executor(), std::move(config), std::move(options)) {}

  int run() {
    auto consumer = client_.on_event([this](const exec::executor_event& item) { on_item(item); });
    client_.start();
    io_.run();
    return exit_code_;
  }

 private:
  void on_item(const exec::executor_event& item) {
    using kind = exec::executor_event::kind;
    switch (item.type) {
      case kind::event: on_event(*item.event); break;
      case kind::disconnected: std::cerr << "example_executor: lost the agent: " << item.message << "\n"; break;
      case kind::shutdown:
        // SHUTDOWN, or an agent that will not come back: the tasks must end
        // before `deadline`, when the client closes by itself.
        std::cerr << "example_executor: shutting down" << (item.message.empty() ? "" : ": " + item.message) << "\n";
        shutting_down_ = true;
        for (auto& [id, task] : tasks_) kill(task, grace_until(item.deadline));
        maybe_finish();
        break;
      case kind::closed:
        if (item.error && !shutting_down_) {
          std::cerr << "example_executor: " << item.message << "\n";
          exit_code_ = 1;
        }
        // Whatever still runs goes with us (destroying the watches and
        // timers cancels their waits, so io.run() returns).
        for (auto& [id, task] : tasks_) ::kill(-task.pid, SIGKILL);
        tasks_.clear();
        work_.reset();
        break;
      default: break;
    }
  }

  void on_event(const exec::Event& event) {
    switch (event.type()) {
      case exec::Event::SUBSCRIBED:
        std::cerr << "example_executor: subscribed to agent " << event.subscribed().agent_info().hostname() << "\n";
        break;
      case exec::Event::LAUNCH: launch(event.launch().task()); break;
      case exec::Event::LAUNCH_GROUP:
        for (const auto& task : event.launch_group().task_group().tasks()) launch(task);
        break;
      case exec::Event::KILL: {
        auto it = tasks_.find(event.kill().task_id().value());
        if (it == tasks_.end()) break;  // already ended and reported
        std::chrono::nanoseconds grace = default_kill_grace;
        if (event.kill().has_kill_policy() && event.kill().kill_policy().has_grace_period())
          grace = std::chrono::nanoseconds(event.kill().kill_policy().grace_period().nanoseconds());
        else if (it->second.info.has_kill_policy() && it->second.info.kill_policy().has_grace_period())
          grace = std::chrono::nanoseconds(it->second.info.kill_policy().grace_period().nanoseconds());
        kill(it->second, std::chrono::duration_cast<std::chrono::milliseconds>(grace));
        break;
      }
      case exec::Event::MESSAGE: client_.message("echo:" + event.message().data()); break;
      case exec::Event::ERROR:
        std::cerr << "example_executor: the agent says: " << event.error().message() << "\n";
        break;
      default: break;  // ACKNOWLEDGED: the client's update tracker takes it
    }
  }

  void launch(const mesos::v1::TaskInfo& info) {
    const std::string id = info.task_id().value();
    if (tasks_.count(id)) return;  // a resubscription may bring a task again
    report(id, mesos::v1::TASK_STARTING);
    if (info.data().empty()) {
      report(id, mesos::v1::TASK_FAILED, "no command: this executor runs TaskInfo.data as a shell command");
      return;
    }

    // sh -c <command>, in a new process group so that a kill reaches
    // everything the command starts.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    // The command gets stdin, stdout and stderr (the sandbox's files) and
    // none of the executor's connections to its agent (Asio's sockets are
    // not close-on-exec; a command outliving the executor would hold them).
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addclosefrom_np(&files, 3);
    std::string sh = "/bin/sh", dash_c = "-c", command = info.data();
    char* argv[] = {sh.data(), dash_c.data(), command.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, sh.c_str(), &files, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      report(id, mesos::v1::TASK_FAILED, std::string("cannot start the command: ") + std::strerror(rc));
      return;
    }

    // A pidfd becomes readable when the child exits: Asio waits for that
    // like for any descriptor, so no thread blocks in waitpid.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      report(id, mesos::v1::TASK_FAILED, std::string("cannot watch the command: ") + std::strerror(errno));
      return;
    }
    running_task& task = tasks_[id];
    task.info = info;
    task.pid = pid;
    task.exit_watch = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pidfd);
    task.exit_watch->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                [this, id](boost::system::error_code) { on_exit(id); });
    report(id, mesos::v1::TASK_RUNNING);
  }

  void kill(running_task& task, std::chrono::milliseconds grace) {
    if (task.kill_requested) return;
    task.kill_requested = true;
    ::kill(-task.pid, SIGTERM);
    task.kill_escalation = std::make_unique<boost::asio::steady_timer>(io_, grace);
    task.kill_escalation->async_wait([pid = task.pid](boost::system::error_code ec) {
      if (!ec) ::kill(-pid, SIGKILL);
    });
  }

  void on_exit(const std::string& id) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    int status = 0;
    ::waitpid(it->second.pid, &status, 0);
    ::kill(-it->second.pid, SIGKILL);  // what the command left behind in its group
    const bool killed = it->second.kill_requested;
    tasks_.erase(it);

    if (killed) {
      report(id, mesos::v1::TASK_KILLED, "killed");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      report(id, mesos::v1::TASK_FINISHED, "Command exited with status 0");
    } else if (WIFEXITED(status)) {
      report(id, mesos::v1::TASK_FAILED, "Command exited with status " + std::to_string(WEXITSTATUS(status)));
    } else {
      report(id, mesos::v1::TASK_FAILED, "command ended by signal " + std::to_string(WTERMSIG(status)));
    }
    maybe_finish();
  }

  // Sends an UPDATE; the client keeps it until the agent acknowledges it.
  void report(const std::string& task_id, TaskState state, std::string message = {}) {
    exec::status_details details;
    if (!message.empty()) details.message = std::move(message);
    ++updates_in_flight_;
    client_.async_update(exec::task_status(task_id, state, client_.config().executor_id, details),
                         [this, task_id, state](mesoshttp::call_result result) {
                           if (result.error)
                             std::cerr << "example_executor: " << mesos::v1::TaskState_Name(state) << " of " << task_id
                                       << " not sent: " << result.error.message() << "\n";
                           --updates_in_flight_;
                           maybe_finish();
                         });
  }

  // After SHUTDOWN: once every task has ended and its last update has been
  // answered, close (the agent has what it needs; nothing is left to do).
  void maybe_finish() {
    if (shutting_down_ && tasks_.empty() && updates_in_flight_ == 0) client_.shutdown();
  }

  // Kill within the shutdown's deadline, leaving a little for the reports.
  static std::chrono::milliseconds grace_until(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return std::clamp(left * 3 / 4, std::chrono::milliseconds(0), std::chrono::milliseconds(default_kill_grace));
  }

  boost::asio::io_context& io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  exec::executor_client client_;
  std::map<std::string, running_task> tasks_;
  int updates_in_flight_ = 0;
  bool shutting_down_ = false;
  int exit_code_ = 0;
};

}  // namespace

// example_executor [--encoding protobuf|json]
int main(int argc, char** argv) {
  exec::executor_client_options options;
  const std::string usage = "usage: example_executor [--encoding protobuf|json]";
  if (argc == 3 && std::string(argv[1]) == "--encoding" && std::string(argv[2]) == "json") {
    options.wire_encoding = mesoshttp::encoding::json;
  } else if (argc != 1 && !(argc == 3 && std::string(argv[1]) == "--encoding" && std::string(argv[2]) == "protobuf")) {
    std::cerr << usage << "\n";
    return 2;
  }
  // Everything else the executor needs comes from the agent, in the environment.
  auto environment = exec::executor_config_from_environment();
  if (!environment) {
    std::cerr << "example_executor: " << environment.message << "\n";
    return 2;
  }
  boost::asio::io_context io;
  example_executor executor(io, std::move(*environment.config), std::move(options));
  return executor.run();
}
