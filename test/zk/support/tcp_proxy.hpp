// A loopback TCP forwarder that can cut its clients off: the network
// partition a ZooKeeper client sees while the server goes on (and expires the
// client's session once the cut outlasts its timeout).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace mesoshttp::test {

class tcp_proxy {
 public:
  explicit tcp_proxy(std::uint16_t upstream_port);
  ~tcp_proxy();
  std::uint16_t port() const { return port_; }
  // Closes every forwarded connection; new ones are accepted and closed at
  // once while `cut` is true.
  void set_cut(bool cut);

 private:
  void accept();
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t upstream_;
  std::uint16_t port_ = 0;
  bool cut_ = false;  // on io_ only
  std::vector<std::weak_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::thread thread_;
};

}  // namespace mesoshttp::test
