#include "process.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace mesoshttp::sim::detail {

std::variant<spawned, std::string> spawn(const mesos::v1::CommandInfo& command,
                                         const std::filesystem::path& sandbox) {
  std::error_code ec;
  std::filesystem::create_directories(sandbox, ec);
  if (ec) return "Failed to create sandbox " + sandbox.string() + ": " + ec.message();

  // Everything the child needs is prepared before fork: between fork and exec
  // only async-signal-safe calls are allowed (this process has threads).
  std::vector<std::string> args;
  if (command.shell()) {
    args = {"/bin/sh", "-c", command.value()};
  } else {
    if (command.arguments_size() == 0) args.push_back(command.value());
    for (const auto& a : command.arguments()) args.push_back(a);
  }
  if (args.empty() || (command.shell() ? command.value().empty() : command.value().empty()))
    return std::string("Command has no value");
  const std::string path = command.shell() ? std::string("/bin/sh") : command.value();
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  env.push_back("MESOS_SANDBOX=" + sandbox.string());
  for (const auto& v : command.environment().variables())
    env.push_back(v.name() + "=" + v.value());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out_path = (sandbox / "stdout").string();
  const std::string err_path = (sandbox / "stderr").string();
  const std::string dir = sandbox.string();

  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || devnull < 0) {
    const std::string why = std::strerror(errno);
    for (int fd : {out, err, devnull})
      if (fd >= 0) ::close(fd);
    return "Failed to open sandbox files: " + why;
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string why = std::strerror(errno);
    ::close(out);
    ::close(err);
    ::close(devnull);
    return "fork failed: " + why;
  }
  if (pid == 0) {
    // Own process group, so a kill reaches the shell's children too.
    ::setpgid(0, 0);
    ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execve(path.c_str(), argv.data(), envp.data());
    static constexpr char msg[] = "mesos-sim: exec failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent: no race with an early kill
  ::close(out);
  ::close(err);
  ::close(devnull);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const std::string why = std::strerror(errno);
    ::kill(pid, SIGKILL);
    reap(pid, true);
    return "pidfd_open failed: " + why;
  }
  return spawned{pid, pidfd};
}

int reap(pid_t pid, bool block) {
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno == EINTR) continue;
    return -1;
  }
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "Command exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* name = ::strsignal(WTERMSIG(wait_status));
    return std::string("Command terminated with signal ") + (name ? name : "unknown");
  }
  return "Command ended with wait status " + std::to_string(wait_status);
}

}  // namespace mesoshttp::sim::detail
