// mesoshttp::zk as an installed package: the detector links against the
// ZooKeeper C client the package config found. No server is needed: an
// invalid URL is reported through the callback without one.
#include <mesoshttp/error.hpp>
#include <mesoshttp/zk/group.hpp>
#include <mesoshttp/zk/leader_detector.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>

int main() {
  mesoshttp::zk::zk_url url;
  if (mesoshttp::zk::parse_zk_url("zk://h1:2181,h2/mesos", url) || url.hosts != "h1:2181,h2:2181") {
    std::fputs("FAILED: parse_zk_url\n", stderr);
    return 1;
  }

  boost::asio::io_context io;
  std::error_code reported;
  mesoshttp::zk::detector_config cfg;
  cfg.url = "http://not-zookeeper:5050";
  auto detector = mesoshttp::zk::leader_detector::create(
      io.get_executor(), cfg, [&](std::error_code ec, std::optional<std::string>, std::string) { reported = ec; });
  detector->start();
  io.run_for(std::chrono::seconds(10));
  detector->stop();
  if (reported != mesoshttp::error::invalid_master_url) {
    std::fprintf(stderr, "FAILED: expected invalid_master_url, got '%s'\n", reported.message().c_str());
    return 1;
  }
  std::puts("mesoshttp zk consumer: ok");
  return 0;
}
