#include "zk_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace mesoshttp::test {

namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::string find_java() {
  if (const char* java = std::getenv("MESOSHTTP_JAVA"); java && *java) return java;
  if (fs::exists("/usr/bin/java")) return "/usr/bin/java";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((fs::path(dir) / "java").c_str(), X_OK) == 0) return (fs::path(dir) / "java").string();
  }
  return {};
}

// zookeeper.jar's manifest names its dependencies; slf4j-simple, when there,
// makes the server log (to server.log), which tests read for server-side
// events such as a session expiring.
std::string classpath() {
  std::string fallback = "/usr/share/java/zookeeper.jar";
  if (fs::exists("/usr/share/java/slf4j-simple.jar")) fallback += ":/usr/share/java/slf4j-simple.jar";
  return env_or("MESOSHTTP_ZOOKEEPER_CLASSPATH", fallback);
}

// A port the kernel just considered free on loopback. Another process could
// take it before the server binds; start() then fails with the server's log.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

void discard_log(const char*) {}

struct connect_probe {
  std::mutex mutex;
  std::condition_variable changed;
  bool connected = false;

  static void watcher(zhandle_t*, int type, int state, const char*, void* context) {
    if (type != ZOO_SESSION_EVENT || state != ZOO_CONNECTED_STATE) return;
    auto* self = static_cast<connect_probe*>(context);
    std::lock_guard lock(self->mutex);
    self->connected = true;
    self->changed.notify_all();
  }
};

}  // namespace

std::optional<std::string> zk_server::unavailable() {
  if (find_java().empty()) return "no java runtime (install default-jre-headless, or set MESOSHTTP_JAVA)";
  std::stringstream entries(classpath());
  for (std::string entry; std::getline(entries, entry, ':');) {
    if (!entry.empty() && !fs::exists(entry))
      return "ZooKeeper server jar " + entry +
             " not found (install the zookeeper package, or set MESOSHTTP_ZOOKEEPER_CLASSPATH)";
  }
  return std::nullopt;
}

zk_server::zk_server() {
  char pattern[] = "/tmp/mesoshttp-zk-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = free_port();
}

zk_server::~zk_server() {
  kill();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void zk_server::start(bool fresh_data, std::chrono::seconds deadline) {
  if (running()) return;
  if (fresh_data) fs::remove_all(dir_ / "data");
  fs::create_directories(dir_ / "data");
  {
    std::ofstream cfg(dir_ / "zoo.cfg");
    // A short tick lets tests use short sessions (the server allows 2 to 20
    // ticks unless told otherwise); the maximum is raised so a detector's
    // default 10 s timeout is granted as asked.
    cfg << "tickTime=200\n"
        << "dataDir=" << (dir_ / "data").string() << "\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "maxSessionTimeout=60000\n"
        << "admin.enableServer=false\n"
        // The data only has to survive the server's own death, not the machine's.
        << "forceSync=no\n";
  }
  const std::string java = find_java();
  const std::string cp = classpath();
  const std::string cfg_path = (dir_ / "zoo.cfg").string();
  const std::string log_path = (dir_ / "server.log").string();
  std::vector<std::string> args = {java,
                                   "-Xmx256m",
                                   "-XX:+UseSerialGC",
                                   "-XX:TieredStopAtLevel=1",
                                   "-Dzookeeper.admin.enableServer=false",
                                   "-Dzookeeper.jmx.log4j.disable=true",
                                   "-cp",
                                   cp,
                                   "org.apache.zookeeper.server.ZooKeeperServerMain",
                                   cfg_path};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, java.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + java + ": " + std::strerror(rc));
  pid_ = pid;

  // Ready when a client gets a session: listening alone is not enough (the
  // server accepts before it has loaded its data).
  connect_probe probe;
  zhandle_t* zh = zookeeper_init2(hosts().c_str(), &connect_probe::watcher, 4000, nullptr, &probe, ZOO_NO_LOG_CLIENTENV,
                                  &discard_log);
  if (!zh) {
    kill();
    throw std::runtime_error("zookeeper_init failed");
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  bool ok = false;
  std::string failure = "no session within the deadline";
  while (std::chrono::steady_clock::now() < until) {
    {
      std::unique_lock lock(probe.mutex);
      if (probe.changed.wait_for(lock, std::chrono::milliseconds(200), [&] { return probe.connected; })) {
        ok = true;
        break;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      failure = "the server exited";
      break;
    }
  }
  zookeeper_close(zh);
  if (!ok) {
    kill();
    throw std::runtime_error("ZooKeeper server on " + hosts() + " did not start: " + failure + "\n" + log_tail());
  }
}

void zk_server::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool zk_server::wait_log(const std::string& text, std::chrono::seconds deadline) const {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(dir_ / "server.log");
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (log.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string zk_server::log_tail() const {
  std::ifstream in(dir_ / "server.log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

}  // namespace mesoshttp::test
