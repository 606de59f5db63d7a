// Runs a command as a child process with its stdout and stderr captured, for
// tests of command-line programs. Deadlines only bound a failing test.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/process.hpp"

namespace mesoshttp::test {

class subprocess {
 public:
  explicit subprocess(const std::vector<std::string>& argv, const std::string& input = {}) {
    int out_pipe[2], err_pipe[2], in[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    const int fd_limit = mesoshttp::sim::detail::descriptor_limit();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out_pipe[1], 1);
      ::dup2(err_pipe[1], 2);
      // Nothing of the test's own: a simulator in the test process has
      // listeners the child must not hold.
      mesoshttp::sim::detail::close_inherited_descriptors(fd_limit);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(in[0]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    // Small inputs fit the pipe buffer; closing gives the child its EOF.
    if (!input.empty()) {
      [[maybe_unused]] const auto n = ::write(in[1], input.data(), input.size());
    }
    ::close(in[1]);
  }
  ~subprocess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int s;
      ::waitpid(pid_, &s, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  subprocess(const subprocess&) = delete;
  subprocess& operator=(const subprocess&) = delete;

  void signal(int sig) { ::kill(pid_, sig); }

  // Reads until stdout contains `text`; false if the child ended or the
  // deadline passed first.
  bool wait_for_output(const std::string& text, std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (out.find(text) == std::string::npos) {
      if (!pump(until)) return out.find(text) != std::string::npos;
    }
    return true;
  }

  // The same for stderr.
  bool wait_for_error_output(const std::string& text, std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (err.find(text) == std::string::npos) {
      if (!pump(until)) return err.find(text) != std::string::npos;
    }
    return true;
  }

  // Reads everything and reaps the child: its exit code, 128 + signal if it
  // was killed, or nullopt if it did not end before the deadline (it is then
  // killed).
  std::optional<int> wait(std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (pump(until)) {
    }
    if (out_fd_ >= 0 || err_fd_ >= 0) return std::nullopt;  // deadline
    int s = 0;
    ::waitpid(pid_, &s, 0);
    status_ = s;
    if (WIFEXITED(s)) return WEXITSTATUS(s);
    return 128 + WTERMSIG(s);
  }

  std::string out;
  std::string err;

 private:
  // One round of reading; false once both pipes are closed or at the deadline.
  bool pump(std::chrono::steady_clock::time_point until) {
    if (out_fd_ < 0 && err_fd_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n <= 0) return true;
    read_from(fds[0], out_fd_, out);
    read_from(fds[1], err_fd_, err);
    return true;
  }
  static void read_from(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) return;
    char buf[4096];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
    } else {
      ::close(fd);
      fd = -1;
    }
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::optional<int> status_;
};

}  // namespace mesoshttp::test
