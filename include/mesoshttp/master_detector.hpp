// Where the leading master is, when the client is not to find it by itself
// from a list of URLs: e.g. ZooKeeper (mesoshttp::zk::master_detector).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>

namespace mesoshttp {

class master_detector {
 public:
  // `leader_url` is "http(s)://host:port", or nullopt while no leader is
  // known (`reason` says why). A non-empty error_code is final: the detector
  // cannot work (a bad URL, say) and the client closes with it.
  using callback = std::function<void(std::error_code, std::optional<std::string> leader_url, std::string reason)>;

  virtual ~master_detector() = default;
  // Reports the leader, and every change of it, by calling `on_change` on
  // `executor` (never on another thread).
  virtual void start(boost::asio::any_io_executor executor, callback on_change) = 0;
  // No call of `on_change` after this returns; safe from inside it.
  virtual void stop() = 0;
};

}  // namespace mesoshttp
