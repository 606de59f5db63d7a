#include "process.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

extern char** environ;

namespace mesoshttp::sim::detail {

std::variant<spawned, std::string> spawn(const mesos::v1::CommandInfo& command, const std::filesystem::path& sandbox,
                                         const std::optional<std::vector<std::string>>& environment) {
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
  if (args.empty() || command.value().empty()) return std::string("Command has no value");
  std::vector<std::string> env;
  if (environment)
    env = *environment;
  else
    for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  // The task's variables replace inherited ones of the same name rather than
  // follow them: with duplicates, which one a program sees depends on how it
  // reads its environment, and the PATH search below must agree with it.
  const auto set_env = [&env](const std::string& name, const std::string& value) {
    const std::string prefix = name + "=";
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(prefix); });
    env.push_back(prefix + value);
  };
  if (!environment) set_env("MESOS_SANDBOX", sandbox.string());
  for (const auto& v : command.environment().variables()) set_env(v.name(), v.value());

  // Where to exec. A Mesos agent's command executor runs the argv form with
  // execvp semantics: a name without '/' is searched on the task's PATH. The
  // search happens here, before fork, because execvp itself may allocate;
  // the child only tries the prepared candidates with execve.
  std::vector<std::string> candidates;
  if (command.shell()) {
    candidates.push_back("/bin/sh");
  } else if (command.value().find('/') != std::string::npos) {
    candidates.push_back(command.value());
  } else {
    std::string search = "/bin:/usr/bin";  // glibc's execvp default without PATH
    for (const auto& e : env)
      if (e.starts_with("PATH=")) search = e.substr(5);
    std::size_t begin = 0;
    for (;;) {
      const std::size_t end = search.find(':', begin);
      const std::string dir = search.substr(begin, end - begin);
      // An empty entry is the working directory, i.e. the sandbox.
      candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + command.value());
      if (end == std::string::npos) break;
      begin = end + 1;
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // A candidate that is not a binary nor has a #! line (ENOEXEC) is a shell
  // script to execvp: run as /bin/sh <candidate> <args after argv[0]>.
  std::string sh = "/bin/sh";
  std::vector<char*> sh_argv{sh.data(), nullptr};
  for (std::size_t i = 1; i < args.size(); ++i) sh_argv.push_back(args[i].data());
  sh_argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out_path = (sandbox / "stdout").string();
  const std::string err_path = (sandbox / "stderr").string();
  const std::string dir = sandbox.string();
  const int fd_limit = descriptor_limit();

  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || devnull < 0) {
    const std::string why = std::strerror(errno);
    for (int fd : {out, err, devnull})
      if (fd >= 0) ::close(fd);
    return "Failed to open sandbox files: " + why;
  }

  // Signals stay blocked from before the fork until the child has dropped
  // the parent's handlers: a kill that reaches the child before its exec
  // would otherwise run them there, and Asio's signal_set handler writes to
  // a pipe the parent reads (the parent would take the task's SIGTERM as its
  // own). posix_spawn's POSIX_SPAWN_SETSIGDEF does the same.
  sigset_t all_signals, parent_mask;
  ::sigfillset(&all_signals);
  ::pthread_sigmask(SIG_SETMASK, &all_signals, &parent_mask);
  const pid_t pid = ::fork();
  if (pid != 0) ::pthread_sigmask(SIG_SETMASK, &parent_mask, nullptr);
  if (pid < 0) {
    const std::string why = std::strerror(errno);
    ::close(out);
    ::close(err);
    ::close(devnull);
    return "fork failed: " + why;
  }
  if (pid == 0) {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigemptyset(&default_action.sa_mask);
    // SIGKILL, SIGSTOP and the C library's own signals refuse; harmless.
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Own process group, so a kill reaches the shell's children too.
    ::setpgid(0, 0);
    ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    close_inherited_descriptors(fd_limit);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    // execvp's rules: a candidate that does not exist is skipped, one that
    // exists but cannot be run is remembered, any other failure ends the search.
    int exec_errno = ENOENT;
    for (auto& candidate : candidates) {
      ::execve(candidate.c_str(), argv.data(), envp.data());
      if (errno == ENOEXEC) {
        sh_argv[1] = candidate.data();
        ::execve(sh_argv[0], sh_argv.data(), envp.data());
      }
      if (errno == EACCES) {
        exec_errno = EACCES;
        continue;
      }
      if (errno == ENOENT || errno == ENOTDIR || errno == ESTALE || errno == ENODEV || errno == ETIMEDOUT) continue;
      exec_errno = errno;
      break;
    }
    static constexpr char not_found[] = "mesos-sim: exec failed: command not found\n";
    static constexpr char denied[] = "mesos-sim: exec failed: permission denied\n";
    static constexpr char other[] = "mesos-sim: exec failed\n";
    const char* msg = exec_errno == ENOENT ? not_found : exec_errno == EACCES ? denied : other;
    [[maybe_unused]] auto n = ::write(2, msg, std::strlen(msg));
    ::_exit(exec_errno == EACCES ? 126 : 127);
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

int descriptor_limit() {
  const long open_max = ::sysconf(_SC_OPEN_MAX);
  return open_max > 0 && open_max < 1 << 20 ? static_cast<int>(open_max) : 1 << 16;
}

void close_inherited_descriptors(int limit) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return;
#endif
  for (int fd = 3; fd < limit; ++fd) ::close(fd);
}

void signal_group(pid_t pid, int signal) {
  ::kill(-pid, signal);
  ::kill(pid, signal);
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
  if (WIFEXITED(wait_status)) return "Command exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* name = ::strsignal(WTERMSIG(wait_status));
    return std::string("Command terminated with signal ") + (name ? name : "unknown");
  }
  return "Command ended with wait status " + std::to_string(wait_status);
}

}  // namespace mesoshttp::sim::detail
