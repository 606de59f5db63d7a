// Runs a task's CommandInfo as a local process in its own process group, with
// stdout/stderr in the task's sandbox.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::sim::detail {

struct spawned {
  pid_t pid = -1;
  int pidfd = -1;  // readable when the process exits (no SIGCHLD handler needed)
};

// The process, or why it could not be started. It inherits this process's
// environment plus MESOS_SANDBOX, unless `environment` ("NAME=value" each)
// is given: then it gets exactly that (as an agent builds an executor's).
// The command's own variables are added either way.
std::variant<spawned, std::string> spawn(const mesos::v1::CommandInfo& command, const std::filesystem::path& sandbox,
                                         const std::optional<std::vector<std::string>>& environment = std::nullopt);

// A child between fork and exec keeps stdin, stdout and stderr only:
// Asio's sockets are not close-on-exec, and a listener a long-lived child
// inherited would keep its port (a restarted agent could not bind it again)
// and take connections no one answers. `limit` is descriptor_limit(), taken
// before the fork (sysconf is not async-signal-safe).
int descriptor_limit();
void close_inherited_descriptors(int limit);

// Sends `signal` to the process group a spawned process leads (what its
// command started goes too) and to the process itself.
void signal_group(pid_t pid, int signal);

// Reaps an exited process: its wait status, or -1 if it has not exited.
int reap(pid_t pid, bool block);

// "Command exited with status 3" / "Command terminated with signal Killed".
std::string describe_exit(int wait_status);

}  // namespace mesoshttp::sim::detail
