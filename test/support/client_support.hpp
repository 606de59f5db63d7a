// What the scheduler client's socket tests share: the wait for a condition on
// an event stream, the client and simulator configurations they start from.
// No timing assertions: every wait is for a condition, with a generous
// deadline that only bounds a failing test.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace mesoshttp::test {

using namespace std::chrono_literals;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::call_result;
using mesoshttp::client_event;
using mesoshttp::connection_state;
using mesoshttp::encoding;
using mesoshttp::error;
using mesoshttp::event_stream;
using mesoshttp::scheduler_client;
using kind = client_event::kind;

inline constexpr auto deadline = 20s;  // bounds a failing wait; never reached by a passing test

inline std::string describe(const client_event& e) {
  switch (e.type) {
    case kind::connecting: return "connecting " + e.master;
    case kind::subscribed: return "subscribed " + e.framework_id;
    case kind::event: return "event " + Event::Type_Name(e.event->type());
    case kind::disconnected: return "disconnected: " + e.message;
    case kind::closed: return "closed: " + e.error.message() + " " + e.message;
  }
  return "?";
}

// Pulls items until one satisfies `pred`; fails the test on timeout or end.
template <class Pred>
client_event wait_for(event_stream& stream, Pred pred, std::vector<client_event>* seen = nullptr) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::string last = "nothing";
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    auto item = stream.next(1s, &ec);
    if (!item) {
      if (ec == error::wait_timeout) continue;
      ADD_FAILURE() << "stream ended: " << ec.message() << " (last item: " << last << ")";
      return {};
    }
    last = describe(*item);
    if (seen) seen->push_back(*item);
    if (pred(*item)) return *item;
  }
  ADD_FAILURE() << "condition not met within the deadline (last item: " << last << ")";
  return {};
}

// Polls `pred` every 10 ms until it holds or `limit` has passed; the last
// answer.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Calls of `type` the simulated master answered (with `status`, when not 0).
inline std::size_t calls_of(const mesoshttp::sim::cluster& sim, const std::string& type, unsigned status = 0) {
  std::size_t n = 0;
  for (const auto& c : sim.calls())
    if (c.type == type && (status == 0 || c.status == status)) ++n;
  return n;
}

inline auto is_kind(kind k) {
  return [k](const client_event& e) { return e.type == k; };
}
inline auto is_event(Event::Type t) {
  return [t](const client_event& e) { return e.type == kind::event && e.event->type() == t; };
}

inline mesoshttp::client_config base_config(encoding wire, std::vector<std::string> masters) {
  mesoshttp::client_config cfg;
  cfg.masters = std::move(masters);
  cfg.framework.set_user("tester");
  cfg.framework.set_name("client-test");
  cfg.framework.set_failover_timeout(60);
  cfg.wire_encoding = wire;
  cfg.reconnect.initial_wait = 10ms;
  cfg.reconnect.max_wait = 200ms;
  cfg.call_timeout = 15s;
  if (std::getenv("MESOSHTTP_TEST_LOG")) {
    cfg.min_log_level = mesoshttp::log_level::debug;
    cfg.logger = [](mesoshttp::log_level level, std::string_view text) {
      std::cerr << "[" << mesoshttp::to_string(level) << "] " << text << "\n";
    };
  }
  return cfg;
}

inline mesoshttp::sim::cluster_config sim_config(std::size_t masters = 1) {
  mesoshttp::sim::cluster_config cfg;
  cfg.masters = masters;
  cfg.heartbeat_interval = 200ms;
  cfg.offer_interval = 50ms;
  cfg.task_run_time = 50ms;
  cfg.status_update_retry = 500ms;
  return cfg;
}

inline call_result send_and_wait(scheduler_client& client, Call call) {
  auto future = client.async_send(std::move(call), boost::asio::use_future);
  if (future.wait_for(deadline) != std::future_status::ready) {
    ADD_FAILURE() << "call did not complete";
    return {};
  }
  return future.get();
}

}  // namespace mesoshttp::test
