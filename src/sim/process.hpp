// Runs a task's CommandInfo as a local process in its own process group, with
// stdout/stderr in the task's sandbox.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <variant>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::sim::detail {

struct spawned {
  pid_t pid = -1;
  int pidfd = -1;  // readable when the process exits (no SIGCHLD handler needed)
};

// The process, or why it could not be started.
std::variant<spawned, std::string> spawn(const mesos::v1::CommandInfo& command, const std::filesystem::path& sandbox);

// Reaps an exited process: its wait status, or -1 if it has not exited.
int reap(pid_t pid, bool block);

// "Command exited with status 3" / "Command terminated with signal Killed".
std::string describe_exit(int wait_status);

}  // namespace mesoshttp::sim::detail
