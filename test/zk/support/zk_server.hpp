// A real ZooKeeper server for tests: Debian's `zookeeper` package run as
// `java ... ZooKeeperServerMain` on 127.0.0.1 at a free port, with its data in
// a temporary directory. Killed (SIGKILL, as a crash) by kill() and the
// destructor; start() again reuses the port and, unless told otherwise, the data.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace mesoshttp::test {

class zk_server {
 public:
  // Why the server cannot run here (no java, no server jar), or nullopt.
  // MESOSHTTP_JAVA and MESOSHTTP_ZOOKEEPER_CLASSPATH override the defaults
  // (/usr/bin/java or java on PATH; /usr/share/java/zookeeper.jar, whose
  // manifest names the jars it depends on).
  static std::optional<std::string> unavailable();

  zk_server();
  ~zk_server();
  zk_server(const zk_server&) = delete;
  zk_server& operator=(const zk_server&) = delete;

  // Starts the server and waits (up to `deadline`) until a ZooKeeper client
  // session is established against it. `fresh_data` wipes its data first: it
  // then knows no session and no node, as a server that lost its disk.
  // Throws std::runtime_error with the server's log tail on failure.
  void start(bool fresh_data = false, std::chrono::seconds deadline = std::chrono::seconds(90));
  void kill();
  bool running() const { return pid_ > 0; }

  std::uint16_t port() const { return port_; }
  std::string hosts() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log_tail() const;
  // Waits until the server's log (kept only with slf4j-simple on the class
  // path) contains `text`; false at the deadline.
  bool wait_log(const std::string& text, std::chrono::seconds deadline = std::chrono::seconds(60)) const;

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace mesoshttp::test
