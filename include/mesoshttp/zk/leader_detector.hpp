// Finds the leading Mesos master through ZooKeeper, as a scheduler given
// --master=zk://... does: the leader is the master whose `json.info_` znode
// under the cluster's path has the lowest sequence number, and its URL comes
// from the MasterInfo JSON in that znode.
//
//   auto detector = mesoshttp::zk::leader_detector::create(io.get_executor(),
//       {.url = "zk://127.0.0.1:2181/mesos"},
//       [](std::error_code ec, std::optional<std::string> leader, std::string reason) { ... });
//   detector->start();
//   ...
//   detector->stop();
//
// Reports (the callback, on `executor`, one at a time, in order):
// - (ok, "http://host:port", reason): a leader was found, or the leader changed
//   (another master, or the same node's MasterInfo now names another address).
// - (ok, nullopt, reason): there is no leader: the cluster path has no master
//   node (or does not exist), the leader's data cannot be read or parsed, or
//   the ZooKeeper session expired (the detector then creates a new session and
//   reports again when it knows). Not final.
// - (error::invalid_master_url, nullopt, reason): the URL is not a usable
//   zk:// URL. Final: nothing follows.
// Only changes are reported: the same leader twice in a row is not.
//
// While ZooKeeper is merely unreachable (the session is still valid: the
// client is reconnecting), nothing is reported and leader() keeps the last
// known leader: the masters do not change leader because a client lost its
// ZooKeeper connection, so a framework should keep talking to that master.
// Only an expired session, which means the leader's own session may have
// ended unseen, makes the leader unknown.
//
// Reasons never contain the URL's credentials.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>

#include "mesoshttp/config.hpp"

namespace mesoshttp::zk {

struct detector_config {
  // "zk://[user:password@]host:port[,host:port...]/path"; the credentials, if
  // any, are added to the session with the digest scheme.
  std::string url;
  // Asked of ZooKeeper for the detector's session (the server clamps it to
  // its own bounds, by default 2 to 20 ticks).
  std::chrono::milliseconds session_timeout{10000};
  // Log sink (on the executor); nothing is logged when empty.
  mesoshttp::logger logger;
};

class leader_detector : public std::enable_shared_from_this<leader_detector> {
 public:
  using callback = std::function<void(std::error_code, std::optional<std::string> leader_url, std::string reason)>;

  // Calls `on_change` on `executor` (never on a ZooKeeper thread). The
  // executor's context must outlive the detector.
  static std::shared_ptr<leader_detector> create(boost::asio::any_io_executor executor, detector_config config,
                                                 callback on_change);

  // Closes the session (as stop()) without calling back.
  ~leader_detector();
  leader_detector(const leader_detector&) = delete;
  leader_detector& operator=(const leader_detector&) = delete;

  // Opens the ZooKeeper session and starts watching. Idempotent; safe from
  // any thread. An invalid URL is reported through the callback, never thrown.
  void start();

  // Closes the session. No callback runs after stop() returns, and one that
  // is running on another thread has finished; safe from inside the callback
  // (do not call it while holding a lock the callback takes). Idempotent.
  void stop();

  // The last leader reported, from any thread.
  std::optional<std::string> leader() const;

  struct impl;

 private:
  explicit leader_detector(std::shared_ptr<impl> impl);
  std::shared_ptr<impl> impl_;
};

}  // namespace mesoshttp::zk
