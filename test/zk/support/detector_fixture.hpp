// What the leader detector's tests share (test/zk/detector_*_test.cpp): a
// recorder of a detector's reports and log lines, an executor on a thread of
// its own, and the fixture with a real ZooKeeper server (started on loopback)
// and simulated masters registered in it as real masters register.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "mesoshttp/zk/leader_detector.hpp"
#include "mesoshttp/zk/master_detector.hpp"
#include "registrar.hpp"
#include "zk_server.hpp"

// A namespace of its own: this `deadline` is longer than client_support.hpp's,
// and in mesoshttp::test the parameters named `deadline` of
// test/cli/subprocess.hpp would shadow it (-Wshadow).
namespace mesoshttp::test::zk_detector {

using namespace std::chrono_literals;
using mesoshttp::test::master_registrar;
using mesoshttp::test::zk_server;
using mesoshttp::zk::leader_detector;

// Generous: a loaded machine may take seconds to start a JVM or expire a session.
inline constexpr auto deadline = 60s;

struct report {
  std::error_code error;
  std::optional<std::string> leader;
  std::string reason;
};

inline std::string describe(const report& r) {
  return (r.error ? "error " + r.error.message() + " " : std::string()) + r.leader.value_or("(none)") + " [" +
         r.reason + "]";
}

// Collects a detector's reports and log lines; tests wait on conditions.
class recorder {
 public:
  void add(report r) {
    std::lock_guard lock(mutex_);
    reports_.push_back(std::move(r));
    changed_.notify_all();
  }
  void log(std::string line) {
    if (std::getenv("MESOSHTTP_TEST_LOG")) std::cerr << "[detector] " << line << "\n";
    std::lock_guard lock(mutex_);
    logs_.push_back(std::move(line));
    changed_.notify_all();
  }
  std::vector<report> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  // Waits for the report that satisfies `pred` after the first `from`.
  std::optional<report> wait(std::function<bool(const report&)> pred, std::size_t from = 0) {
    std::unique_lock lock(mutex_);
    std::optional<report> found;
    changed_.wait_for(lock, deadline, [&] {
      for (std::size_t i = from; i < reports_.size(); ++i)
        if (pred(reports_[i])) {
          found = reports_[i];
          return true;
        }
      return false;
    });
    if (!found) {
      std::string seen;
      for (const auto& r : reports_) seen += "\n  " + describe(r);
      ADD_FAILURE() << "no matching report within the deadline; reports:" << seen;
    }
    return found;
  }
  std::optional<report> wait_leader(const std::string& url, std::size_t from = 0) {
    return wait([&](const report& r) { return r.leader == url; }, from);
  }
  bool wait_log(const std::string& text, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] {
      std::size_t n = 0;
      for (const auto& line : logs_) n += line.find(text) != std::string::npos;
      return n >= count;
    });
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return reports_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<report> reports_;
  std::vector<std::string> logs_;
};

// Runs detectors' executor on a thread of its own.
class executor_thread {
 public:
  executor_thread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~executor_thread() {
    work_.reset();
    thread_.join();
  }
  boost::asio::any_io_executor get() { return io_.get_executor(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

inline std::shared_ptr<leader_detector> make_detector(executor_thread& io, const std::string& url, recorder& rec,
                                                      std::chrono::milliseconds session_timeout = 4000ms) {
  mesoshttp::zk::detector_config cfg;
  cfg.url = url;
  cfg.session_timeout = session_timeout;
  cfg.logger = [&rec](mesoshttp::log_level, std::string_view line) { rec.log(std::string(line)); };
  return leader_detector::create(io.get(), cfg,
                                 [&rec](std::error_code ec, std::optional<std::string> leader, std::string reason) {
                                   rec.add({ec, std::move(leader), std::move(reason)});
                                 });
}

class ZkDetector : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = zk_server::unavailable()) GTEST_SKIP() << "no ZooKeeper server available: " << *why;
    server_ = std::make_unique<zk_server>();
    server_->start();
    mesoshttp::sim::cluster_config cfg;
    cfg.masters = 3;
    cfg.heartbeat_interval = 200ms;
    sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg);
    sim_->start();
    registrar_ = std::make_unique<master_registrar>(server_->hosts(), path_, *sim_);
  }
  void TearDown() override {
    for (auto& weak : detectors_)
      if (auto d = weak.lock()) d->stop();
    registrar_.reset();
    sim_.reset();
    server_.reset();
  }
  std::string url() const { return "zk://" + server_->hosts() + path_; }
  std::shared_ptr<leader_detector> detector(recorder& rec) {
    auto d = make_detector(io_, url(), rec);
    detectors_.push_back(d);
    d->start();
    return d;
  }
  void register_all() {
    for (std::size_t i = 0; i < 3; ++i) registrar_->register_master(i);
  }
  // A client configuration that follows this test's ZooKeeper group.
  mesoshttp::client_config zk_client_config(const std::string& name) {
    mesoshttp::client_config cfg;
    cfg.masters = {url()};
    cfg.framework.set_user("tester");
    cfg.framework.set_name(name);
    cfg.framework.set_failover_timeout(60);
    cfg.reconnect.initial_wait = 10ms;
    cfg.reconnect.max_wait = 200ms;
    std::error_code ec;
    std::string why;
    EXPECT_TRUE(mesoshttp::zk::use_zookeeper(cfg, ec, &why)) << why;
    return cfg;
  }
  // The subscription at a master whose URL starts with `at`.
  static std::optional<mesoshttp::client_event> subscribed_at(mesoshttp::event_stream& events, const std::string& at) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::string last = "nothing";
    while (std::chrono::steady_clock::now() < until) {
      auto item = events.next(1s);
      if (item && item->type == mesoshttp::client_event::kind::subscribed && item->master.rfind(at, 0) == 0)
        return item;
      if (item && item->type == mesoshttp::client_event::kind::disconnected) last = item->message;
      if (item && item->type == mesoshttp::client_event::kind::closed) {
        last = "closed: " + item->message;
        break;
      }
    }
    ADD_FAILURE() << "not subscribed at " << at << " (last: " << last << ")";
    return std::nullopt;
  }

  std::string path_ = "/mesos";
  std::unique_ptr<zk_server> server_;
  std::unique_ptr<mesoshttp::sim::cluster> sim_;
  std::unique_ptr<master_registrar> registrar_;
  executor_thread io_;
  // Weak: each test's own handle decides the detector's life, so it ends
  // before the test's recorder (which its callbacks and logger write to).
  std::vector<std::weak_ptr<leader_detector>> detectors_;
};

}  // namespace mesoshttp::test::zk_detector
