// Soak: many producers and consumers on one scheduler_client against three
// simulated masters that keep injecting faults (cut streams, 503s, leader
// changes, restarts, heartbeat stalls, garbage, resets, slow answers, floods).
// Bounded in time: MESOSHTTP_SOAK_SECONDS (default 10; CI runs 60).
//
// What must hold however the faults fall:
//  - every call completes exactly once (an answer or an error);
//  - per consumer, generations never go back, nothing of a generation arrives
//    before its `subscribed`, and offers (ids numbered by the master's
//    counter) arrive at most once and in increasing order within a generation;
//  - after shutdown every consumer ends with `closed`, then end of stream;
//  - memory returns to its level after warm-up (ASan checks leaks instead).
#include <gtest/gtest.h>

#include <malloc.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MESOSHTTP_SOAK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MESOSHTTP_SOAK_SANITIZED 1
#endif
#endif

namespace {

using namespace std::chrono_literals;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::client_event;
using kind = client_event::kind;

std::chrono::seconds soak_duration() {
  const char* s = std::getenv("MESOSHTTP_SOAK_SECONDS");
  return std::chrono::seconds(s ? std::max(1, std::atoi(s)) : 10);
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// The master's offer counter, from an id "<master>-O<n>".
long long offer_number(const std::string& id) {
  const auto pos = id.rfind("-O");
  return pos == std::string::npos ? -1 : std::atoll(id.c_str() + pos + 2);
}

// Checks one consumer's view of the stream, item by item.
class stream_checker {
 public:
  void see(const client_event& item) {
    ++items_;
    if (closed_) fail("an item after closed");
    if (item.generation < generation_) fail("generation went back");
    if (item.generation > generation_) {
      generation_ = item.generation;
      subscribed_ = false;
      last_offer_ = -1;
    }
    switch (item.type) {
      case kind::connecting: break;
      case kind::subscribed: subscribed_ = true; break;
      case kind::event: {
        if (!subscribed_) fail("an event before subscribed in its generation");
        if (!item.event) {
          fail("an event item without an event");
          break;
        }
        if (item.event->type() == Event::OFFERS) {
          ++offers_events_;
          for (const auto& o : item.event->offers().offers()) {
            const auto n = offer_number(o.id().value());
            if (n <= last_offer_) fail("offer out of order within a generation: " + o.id().value());
            last_offer_ = n;
            if (!offers_.insert(o.id().value()).second) fail("offer delivered twice: " + o.id().value());
          }
        }
        break;
      }
      case kind::disconnected: ++disconnects_; break;
      case kind::closed: closed_ = true; break;
    }
  }
  void fail(const std::string& what) {
    if (failures_.size() < 10) failures_.push_back(what);
  }

  std::vector<std::string> failures_;
  bool closed_ = false;
  std::uint64_t generation_ = 0;
  bool subscribed_ = false;
  long long last_offer_ = -1;
  std::set<std::string> offers_;
  std::size_t items_ = 0, offers_events_ = 0, disconnects_ = 0;
};

mesoshttp::sim::cluster_config sim_config() {
  mesoshttp::sim::cluster_config cfg;
  cfg.masters = 3;
  cfg.heartbeat_interval = 100ms;
  cfg.offer_interval = 20ms;
  cfg.task_run_time = 20ms;
  cfg.status_update_retry = 200ms;
  cfg.restart_not_found = 20ms;
  cfg.recovery_time = 50ms;
  cfg.agents.resize(4);
  return cfg;
}

Call random_call(std::mt19937& rng, std::size_t n) {
  const std::string offer = "soak-offer-" + std::to_string(n);
  switch (rng() % 5) {
    case 0: return mesoshttp::calls::decline(std::vector<std::string>{offer});
    case 1: return mesoshttp::calls::revive();
    case 2: return mesoshttp::calls::reconcile({});
    case 3: return mesoshttp::calls::suppress();
    default: return mesoshttp::calls::accept(std::vector<std::string>{offer}, {});
  }
}

// One fault, picked at random; some undo themselves after a while.
void inject(mesoshttp::sim::cluster& sim, std::mt19937& rng) {
  switch (rng() % 11) {
    case 0: sim.cut_streams_mid_record(); break;
    case 1: sim.fail_next(1 + rng() % 3, rng() % 2 ? 503 : 500); break;
    case 2: sim.elect(rng() % sim.size()); break;
    case 3:
      sim.pause_heartbeats(true);
      std::this_thread::sleep_for(700ms);  // past the watchdog (5 x 100 ms)
      sim.pause_heartbeats(false);
      break;
    case 4: sim.send_garbage(); break;
    case 5: sim.reset_connections(); break;
    case 6:
      sim.delay_answers(30ms);
      std::this_thread::sleep_for(200ms);
      sim.delay_answers(0ms);
      break;
    case 7: sim.restart(sim.leader().value_or(0), 100ms); break;
    case 8: sim.flood(2000, mesoshttp::sim::flood_shape::update); break;
    case 9: sim.send_offers_burst(200); break;
    default:
      sim.unelect();
      std::this_thread::sleep_for(50ms);
      sim.elect(rng() % sim.size());
      break;
  }
}

TEST(Soak, CallsCompleteOnceEventsStayOrderedConsumersCloseMemoryReturns) {
  const auto duration = soak_duration();
  mesoshttp::sim::cluster sim(sim_config());
  sim.start();

  constexpr std::size_t pulling = 4, producers = 6, max_in_flight = 16;
  constexpr std::size_t max_calls = 2'000'000;
  auto completions = std::make_unique<std::array<std::atomic<int>, max_calls>>();
  // Out here, not beside the producers: call completions are posted, so some
  // run after shutdown() while the client's destructor waits for its thread.
  std::atomic<std::size_t> next_call{0}, completed{0}, answered{0}, in_flight{0};
  long baseline_kb = -1, after_kb = -1;

  std::vector<stream_checker> checkers(pulling + 1);
  {
    mesoshttp::client_config cfg;
    cfg.masters = sim.urls();
    cfg.framework.set_user("soak");
    cfg.framework.set_name("soak-test");
    cfg.framework.set_failover_timeout(600);
    cfg.reconnect.initial_wait = 5ms;
    cfg.reconnect.max_wait = 100ms;
    cfg.call_timeout = 5s;
    cfg.subscribe_timeout = 2s;
    cfg.connect_timeout = 1s;
    cfg.event_queue_size = 256;
    cfg.call_connections = 4;
    mesoshttp::scheduler_client client(cfg);

    std::vector<mesoshttp::event_stream> streams;
    for (std::size_t i = 0; i < pulling; ++i) streams.push_back(client.events());
    // The callback consumer runs on the client's strand: no lock needed.
    // It says when it has seen `closed`: the client hands `closed` to the
    // pulling consumers first, and a detach before the callback's turn would
    // (as documented) drop it.
    std::promise<void> callback_closed;
    auto subscription = client.on_event([&c = checkers[pulling], &callback_closed](const client_event& e) {
      const bool was_closed = c.closed_;
      c.see(e);
      if (!was_closed && c.closed_) callback_closed.set_value();
    });

    std::vector<std::thread> consumers;
    std::atomic<std::size_t> ended{0};
    for (std::size_t i = 0; i < pulling; ++i) {
      consumers.emplace_back([&, i] {
        std::mt19937 rng(static_cast<unsigned>(100 + i));
        for (;;) {
          std::error_code ec;
          auto item = streams[i].next(1s, &ec);
          if (!item) {
            if (ec == mesoshttp::error::wait_timeout) continue;  // nothing within 1 s; keep waiting
            break;
          }
          checkers[i].see(*item);
          // Consumer 0 now and then stalls, so backpressure pauses the stream.
          if (i == 0 && rng() % 5000 == 0) std::this_thread::sleep_for(300ms);
        }
        ++ended;
      });
    }

    client.start();
    std::atomic<bool> stop{false};
    std::vector<std::thread> producer_threads;
    for (std::size_t p = 0; p < producers; ++p) {
      producer_threads.emplace_back([&, p] {
        std::mt19937 rng(static_cast<unsigned>(p));
        while (!stop) {
          if (in_flight >= max_in_flight * producers) {
            std::this_thread::sleep_for(1ms);
            continue;
          }
          const std::size_t n = next_call++;
          if (n >= max_calls) break;
          ++in_flight;
          client.async_send(random_call(rng, n), [&, n](mesoshttp::call_result r) {
            completions->at(n).fetch_add(1);
            if (r.ok()) ++answered;
            ++completed;
            --in_flight;
          });
        }
      });
    }

    std::mt19937 rng(42);
    const auto start = std::chrono::steady_clock::now();
    const auto warm = start + std::min<std::chrono::steady_clock::duration>(duration / 5, 5s);
    while (std::chrono::steady_clock::now() < start + duration) {
      if (baseline_kb < 0 && std::chrono::steady_clock::now() > warm) {
        malloc_trim(0);
        baseline_kb = rss_kb();
      }
      inject(sim, rng);
      // The simulator logs every call for tests to inspect; that log is not
      // the client's memory, so keep it from growing with the run.
      sim.clear_calls();
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 150));
    }
    // Let the cluster settle with a leader, so the end is not only errors.
    sim.elect(0);
    stop = true;
    for (auto& t : producer_threads) t.join();
    client.shutdown();
    for (auto& t : consumers) t.join();  // each ends after its closed item
    EXPECT_EQ(ended.load(), pulling);
    EXPECT_EQ(callback_closed.get_future().wait_for(60s), std::future_status::ready)
        << "the callback consumer was not handed closed within 60 s of shutdown()";
  }  // the client's destructor joins its thread: no completion can come later

  const std::size_t sent = std::min(next_call.load(), max_calls);
  std::size_t never = 0, twice = 0;
  for (std::size_t i = 0; i < sent; ++i) {
    const int c = completions->at(i).load();
    if (c == 0) ++never;
    if (c > 1) ++twice;
  }
  EXPECT_EQ(never, 0u) << "calls that never completed, of " << sent;
  EXPECT_EQ(twice, 0u) << "calls completed more than once, of " << sent;
  EXPECT_EQ(completed.load(), sent);
  EXPECT_GT(answered.load(), 0u) << "no call was ever answered: the soak tested nothing";

  for (std::size_t i = 0; i < checkers.size(); ++i) {
    const auto& c = checkers[i];
    for (const auto& f : c.failures_) ADD_FAILURE() << "consumer " << i << ": " << f;
    EXPECT_TRUE(c.closed_) << "consumer " << i << " never got closed";
    EXPECT_GT(c.offers_events_, 0u) << "consumer " << i << " saw no offers";
    std::cout << "consumer " << i << ": " << c.items_ << " items, " << c.offers_events_ << " OFFERS, " << c.disconnects_
              << " disconnects, last generation " << c.generation_ << "\n";
  }
  std::cout << "calls: " << sent << " sent, " << answered.load() << " answered 2xx\n";

  sim.stop();
  malloc_trim(0);
  after_kb = rss_kb();
  std::cout << "RSS after warm-up " << baseline_kb << " kB, after shutdown " << after_kb << " kB\n";
#ifndef MESOSHTTP_SOAK_SANITIZED
  // The allocator keeps some pages; what must not happen is growth with the
  // length of the run (queues or caches that never shrink).
  ASSERT_GT(baseline_kb, 0);
  EXPECT_LT(after_kb, baseline_kb + 32 * 1024) << "memory did not return to its level after warm-up";
#endif
}

}  // namespace
