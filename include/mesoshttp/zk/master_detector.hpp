// ZooKeeper as the client's master detector: follow the leader a Mesos
// cluster publishes in ZooKeeper, live.
//
//   mesoshttp::client_config cfg;
//   cfg.masters = {"zk://10.0.0.1:2181,10.0.0.2:2181/mesos"};
//   mesoshttp::zk::use_zookeeper(cfg);   // before constructing the client
//   mesoshttp::scheduler_client client(cfg);
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include "mesoshttp/config.hpp"
#include "mesoshttp/master_detector.hpp"
#include "mesoshttp/zk/leader_detector.hpp"

namespace mesoshttp::zk {

// A master_detector backed by a leader_detector (one ZooKeeper session).
std::shared_ptr<mesoshttp::master_detector> make_master_detector(detector_config config);

// If `config.masters` holds a zk:// URL, installs a ZooKeeper detector for it
// (using config.logger) and removes it from the list. Several zk:// URLs, or
// zk:// mixed with http(s):// masters, are refused: a cluster has one
// ZooKeeper group. Returns whether a detector was installed; errors
// (error::invalid_master_url) come with `why`, never naming credentials.
bool use_zookeeper(client_config& config, std::error_code& ec, std::string* why = nullptr);

}  // namespace mesoshttp::zk
