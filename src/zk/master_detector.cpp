#include "mesoshttp/zk/master_detector.hpp"

#include <algorithm>
#include <mutex>

#include "mesoshttp/error.hpp"
#include "mesoshttp/zk/group.hpp"

namespace mesoshttp::zk {

namespace {

class zookeeper_master_detector final : public mesoshttp::master_detector {
 public:
  explicit zookeeper_master_detector(detector_config config) : config_(std::move(config)) {}
  ~zookeeper_master_detector() override { stop(); }

  void start(boost::asio::any_io_executor executor, callback on_change) override {
    std::lock_guard lock(mutex_);
    if (detector_ || stopped_) return;
    detector_ = leader_detector::create(std::move(executor), config_, std::move(on_change));
    detector_->start();
  }

  // Also lets go of the leader_detector: its timers belong to the client's
  // executor, and this object usually lives on in the caller's
  // client_config after the client (and its io_context) are gone.
  void stop() override {
    std::shared_ptr<leader_detector> detector;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      detector = std::move(detector_);
      detector_.reset();
    }
    // Outside the lock: stop() waits for a running callback, which may call us.
    if (detector) detector->stop();
  }

 private:
  detector_config config_;
  std::mutex mutex_;
  std::shared_ptr<leader_detector> detector_;
  bool stopped_ = false;  // a detector serves one client, once
};

}  // namespace

std::shared_ptr<mesoshttp::master_detector> make_master_detector(detector_config config) {
  return std::make_shared<zookeeper_master_detector>(std::move(config));
}

bool use_zookeeper(client_config& config, std::error_code& ec, std::string* why) {
  ec.clear();
  const auto is_zk = [](const std::string& url) { return url.rfind("zk://", 0) == 0; };
  const auto zk_count = std::count_if(config.masters.begin(), config.masters.end(), is_zk);
  if (zk_count == 0) return false;
  if (zk_count > 1 || config.masters.size() > 1) {
    ec = mesoshttp::error::invalid_master_url;
    if (why) *why = "a zk:// master URL must be the only master (one ZooKeeper group per cluster)";
    return false;
  }
  zk_url parsed;
  if (auto err = parse_zk_url(config.masters.front(), parsed, why)) {
    ec = err;
    return false;
  }
  detector_config dc;
  dc.url = config.masters.front();
  if (config.logger) {
    // The client's level applies to its detector's lines too.
    dc.logger = [logger = config.logger, min = config.min_log_level](log_level level, std::string_view line) {
      if (level >= min) logger(level, line);
    };
  }
  config.detector = make_master_detector(std::move(dc));
  config.masters.clear();
  return true;
}

}  // namespace mesoshttp::zk
