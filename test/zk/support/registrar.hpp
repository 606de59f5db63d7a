// Registers simulated masters in ZooKeeper as real Mesos masters do: each
// master has its own ZooKeeper session and, under the cluster's path, an
// ephemeral sequential znode `json.info_NNNNNNNNNN` holding its MasterInfo as
// JSON. Removing a master closes its session, so its node goes the way it
// does when a real master's session ends. Drive the simulator's own leader
// (cluster.elect) together with these nodes.
#pragma once

#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mesoshttp/sim/cluster.hpp"

typedef struct _zhandle zhandle_t;
struct ACL_vector;

namespace mesoshttp::test {

// A synchronous ZooKeeper session for test set-up (never on a ZooKeeper thread).
class zk_session {
 public:
  // Waits up to `deadline` for the session; throws std::runtime_error.
  explicit zk_session(const std::string& hosts,
                      std::chrono::milliseconds session_timeout = std::chrono::milliseconds(4000),
                      std::chrono::seconds deadline = std::chrono::seconds(30));
  ~zk_session();  // closes the session: its ephemeral nodes are removed
  zk_session(const zk_session&) = delete;
  zk_session& operator=(const zk_session&) = delete;

  // Waits until connected (after a server restart); false at the deadline.
  bool wait_connected(std::chrono::seconds deadline = std::chrono::seconds(60));
  bool expired() const;

  // Adds "user:password" to the session (ZooKeeper's digest scheme) and
  // waits for the server's answer; from then on nodes this session creates
  // are readable by that user only (ZOO_CREATOR_ALL_ACL), as an operator
  // locks down a cluster's path.
  void authenticate_and_lock_down(const std::string& user_password);
  // Creates `path`'s missing ancestors and itself, persistent.
  void ensure_path(const std::string& path);
  // Returns the created node's path (with the sequence for sequential modes).
  std::string create(const std::string& path, const std::string& data, bool ephemeral, bool sequential);
  void set(const std::string& path, const std::string& data);
  void remove(const std::string& path);
  std::vector<std::string> children(const std::string& path);

 private:
  static void watcher(zhandle_t*, int type, int state, const char*, void* context);
  void check(int rc, const std::string& what) const;
  ACL_vector* acl() const;
  zhandle_t* zh_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int state_ = 0;
  bool creator_only_ = false;
};

class master_registrar {
 public:
  master_registrar(std::string hosts, std::string path, const sim::cluster& cluster);
  ~master_registrar();

  // Opens a session for master `i` (closing its previous one) and creates its
  // node; returns the node's name ("json.info_0000000003"). Registering in
  // order 0, 1, 2 makes 0 the leader, as the first master to start is.
  std::string register_master(std::size_t i);
  // Closes master `i`'s session: its node is gone when this returns.
  void remove(std::size_t i);
  std::string node(std::size_t i) const;
  zk_session& session(std::size_t i);
  // A session of no master, for nodes a test makes by hand; re-created if
  // the server forgot it.
  zk_session& admin();
  // MasterInfo JSON for a master listening on 127.0.0.1:`port`, in the form
  // a real master writes (address, hostname, ip, pid, port, version).
  static std::string master_info_json(std::uint16_t port, const std::string& id, const std::string& version = "1.11.0");

 private:
  std::string hosts_;
  std::string path_;
  const sim::cluster& cluster_;
  std::map<std::size_t, std::unique_ptr<zk_session>> sessions_;
  std::map<std::size_t, std::string> nodes_;
  std::unique_ptr<zk_session> admin_;
};

}  // namespace mesoshttp::test
