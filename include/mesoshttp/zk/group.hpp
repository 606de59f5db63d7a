// Reading a Mesos cluster's ZooKeeper group without any I/O: the zk:// URL,
// which znode names the leader, and the leader's MasterInfo. The detector
// (leader_detector.hpp) feeds these with what ZooKeeper returns, so every rule
// here is unit-tested without a ZooKeeper server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::zk {

struct zk_url {
  // The ZooKeeper client's connect string: "h1:2181,h2:2181" (a host given
  // without a port gets 2181, the ZooKeeper default).
  std::string hosts;
  // The cluster's znode, e.g. "/mesos": absolute, no trailing slash (ZooKeeper
  // rejects one), "/" for the root.
  std::string path;
  // "user:password" for ZooKeeper's digest scheme, when the URL had some.
  std::optional<std::string> credentials;

  // "zk://hosts/path" without the credentials: what may appear in a log.
  std::string redacted() const;
};

// Parses "zk://[user:password@]host[:port][,host[:port]...]/path". Fails with
// error::invalid_master_url and `why`, which never contains the credentials.
// A password cannot contain '/' (the authority ends at the first one).
std::error_code parse_zk_url(std::string_view url, zk_url& out, std::string* why = nullptr);

// The prefix of a master's znode; the rest is the 10-digit sequence number
// ZooKeeper appended when the master created it.
inline constexpr std::string_view master_node_prefix = "json.info_";

// The sequence number of a master's znode name, or nullopt if `child` is not
// one ("log_replicas", a malformed suffix, another prefix).
std::optional<std::uint64_t> master_node_sequence(std::string_view child);

// The leader's znode among the children of the cluster's path: the master
// node with the lowest sequence number (the first master still holding its
// ZooKeeper session). nullopt when there is none.
std::optional<std::string> leader_of(const std::vector<std::string>& children);

// Reads a master's znode data (MasterInfo as JSON, unknown fields ignored;
// the required id, ip and port must be there) into the URL a scheduler uses:
// "http://<host>:<port>". The host is address.hostname, else address.ip, else
// hostname, else the dotted form of ip; the port is address.port, else port.
// Errors: error::decode_failed (not JSON / not a MasterInfo / no usable
// host or port) or error::missing_required_fields, with `why`.
std::error_code parse_master_info_json(std::string_view text, std::string& url, std::string* why = nullptr,
                                       mesos::v1::MasterInfo* info = nullptr);

// The same from an already decoded MasterInfo.
std::error_code master_url(const mesos::v1::MasterInfo& info, std::string& url, std::string* why = nullptr);

}  // namespace mesoshttp::zk
