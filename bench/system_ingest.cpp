// ingest: events per second through the client's consumers (streams and a
// callback), beside the floor of a bare blocking reader of the same flood.
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bare_http.hpp"
#include "bench_system.hpp"
#include "events.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace bench_system {
namespace {

namespace bench = mesoshttp::bench;

// The event type a flood of `shape` consists of.
Event::Type flooded_type(mesoshttp::sim::flood_shape shape) {
  return shape == mesoshttp::sim::flood_shape::update   ? Event::UPDATE
         : shape == mesoshttp::sim::flood_shape::offers ? Event::OFFERS
                                                        : Event::HEARTBEAT;
}

std::string subscribe_body(mesoshttp::encoding enc) {
  Call call;
  call.set_type(Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("bench");
  info->set_name("bare-reader");
  return bench::encoded(call, enc);
}

// The floor: SUBSCRIBE over a blocking socket, de-chunk, split, ParseFromArray.
double bare_ingest(mesoshttp::sim::cluster& sim, std::size_t events, mesoshttp::sim::flood_shape shape) {
  const int fd = bench::connect_loopback(sim.port(0));
  if (fd < 0) die("bare reader cannot connect");
  const std::string body = subscribe_body(mesoshttp::encoding::protobuf);
  if (!bench::write_all(fd, bench::post_request(sim.port(0), body, mesoshttp::protobuf_content_type,
                                                mesoshttp::protobuf_content_type, {}, true)))
    die("bare reader cannot send");
  std::string headers, rest;
  if (bench::read_head(fd, headers, rest) != 200) die("bare SUBSCRIBE not answered 200");
  bench::bare_stream_splitter splitter;
  Event event;
  std::size_t seen = 0;
  bool subscribed = false;
  const Event::Type wanted = flooded_type(shape);
  clock_type::time_point start;
  auto on_record = [&](const char* p, std::size_t n) {
    if (!event.ParseFromArray(p, static_cast<int>(n))) die("bare reader: bad record");
    if (event.type() == Event::SUBSCRIBED) subscribed = true;
    if (event.type() == wanted) ++seen;
  };
  splitter.feed(rest.data(), rest.size(), on_record);
  std::vector<char> buf(64 * 1024);
  bool flooded = false;
  while (seen < events) {
    if (subscribed && !flooded) {
      flooded = true;
      start = clock_type::now();
      if (sim.flood(events, shape, 10) != 1) die("flood did not reach exactly one stream");
    }
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) die("bare reader: stream ended");
    splitter.feed(buf.data(), static_cast<std::size_t>(n), on_record);
  }
  const double t = seconds_since(start);
  ::close(fd);
  wait_until([&] { return sim.subscribers() == 0; }, 20s, "the bare stream to close");
  return static_cast<double>(events) / t;
}

double client_ingest(mesoshttp::sim::cluster& sim, std::size_t events, std::size_t consumers,
                     mesoshttp::sim::flood_shape shape) {
  const Event::Type wanted = flooded_type(shape);
  double rate = 0;
  {
    mesoshttp::scheduler_client client(client_config(sim.urls()));
    std::vector<mesoshttp::event_stream> streams;
    for (std::size_t i = 0; i < consumers; ++i) streams.push_back(client.events());
    client.start();
    for (auto& s : streams) await_subscribed(s);
    std::atomic<std::size_t> done{0};
    std::vector<std::thread> threads;
    for (auto& s : streams) {
      threads.emplace_back([&s, &done, events, wanted] {
        pthread_setname_np(pthread_self(), "consumer");  // perf report --sort comm tells them apart
        std::size_t seen = 0;
        while (seen < events) {
          auto item = s.next(30s);
          if (!item) die("consumer stream ended or stalled");
          if (item->type == client_event::kind::event && item->event->type() == wanted) ++seen;
        }
        ++done;
      });
    }
    const auto start = clock_type::now();
    if (sim.flood(events, shape, 10) != 1) die("flood did not reach exactly one stream");
    for (auto& t : threads) t.join();
    rate = static_cast<double>(events) / seconds_since(start);
    client.shutdown();
  }
  wait_until([&] { return sim.subscribers() == 0; }, 20s, "the client stream to close");
  return rate;
}

// As client_ingest with one consumer, but an on_event callback: no queue and
// no hand-off to another thread, the event is seen on the client's own.
// `metrics` off: the client records nothing (what its metrics cost).
double client_callback_ingest(mesoshttp::sim::cluster& sim, std::size_t events, mesoshttp::sim::flood_shape shape,
                              bool metrics = true) {
  const Event::Type wanted = flooded_type(shape);
  double rate = 0;
  {
    auto cfg = client_config(sim.urls());
    cfg.record_metrics = metrics;
    mesoshttp::scheduler_client client(cfg);
    std::promise<void> subscribed, all_seen;
    std::size_t seen = 0;  // only on the client's thread
    bool announced = false;
    auto subscription = client.on_event([&](const client_event& item) {
      if (item.type == client_event::kind::subscribed && !std::exchange(announced, true)) subscribed.set_value();
      if (item.type == client_event::kind::event && item.event->type() == wanted && ++seen == events)
        all_seen.set_value();
    });
    client.start();
    if (subscribed.get_future().wait_for(20s) != std::future_status::ready) die("client did not subscribe");
    auto done = all_seen.get_future();
    const auto start = clock_type::now();
    if (sim.flood(events, shape, 10) != 1) die("flood did not reach exactly one stream");
    if (done.wait_for(60s) != std::future_status::ready) die("callback consumer stalled");
    rate = static_cast<double>(events) / seconds_since(start);
    client.shutdown();
  }
  wait_until([&] { return sim.subscribers() == 0; }, 20s, "the client stream to close");
  return rate;
}

}  // namespace

void run_ingest() {
  const auto events = static_cast<std::size_t>(arg("events", 200000));
  const auto rounds = static_cast<int>(arg("rounds", 3));
  mesoshttp::sim::cluster sim;
  sim.start();
  std::ostringstream out;
  out << "{\"benchmark\":\"ingest\",\"events\":" << events << ",\"results\":[";
  bool first = true;
  auto write_row = [&](const std::string& shape_name, std::size_t consumers, const char* consumer_kind, double b,
                       double o) {
    out << (first ? "" : ",") << "{\"shape\":\"" << shape_name << "\",\"consumers\":" << consumers << ",\"consumer\":\""
        << consumer_kind << "\",\"bare_events_per_s\":" << b << ",\"client_events_per_s\":" << o
        << ",\"ratio\":" << o / b << "}";
    first = false;
    std::cerr << "ingest " << shape_name << " consumers=" << consumers << " (" << consumer_kind << ") bare=" << b
              << "/s client=" << o << "/s ratio=" << o / b << "\n";
  };
  for (auto shape : {mesoshttp::sim::flood_shape::update, mesoshttp::sim::flood_shape::offers}) {
    const std::string shape_name = shape == mesoshttp::sim::flood_shape::update ? "update" : "offers10";
    const std::size_t n = shape == mesoshttp::sim::flood_shape::update ? events : events / 10;
    if (arg("offers", 1) == 0 && shape == mesoshttp::sim::flood_shape::offers) continue;
    for (std::size_t consumers : {1u, 4u, 16u}) {
      // --consumers N: only that configuration, and no metrics or hub rows
      // but for N = 1 (profiling runs).
      if (arg("consumers", 0) != 0 && static_cast<long>(consumers) != arg("consumers", 0)) continue;
      // Interleaved rounds, so drift of the machine's load hits both sides alike.
      std::vector<double> bare, ours;
      for (int r = 0; r < rounds; ++r) {
        bare.push_back(bare_ingest(sim, n, shape));
        ours.push_back(client_ingest(sim, n, consumers, shape));
      }
      write_row(shape_name, consumers, "events()", median(bare), median(ours));
    }
    if (arg("consumers", 0) == 0 || arg("consumers", 0) == 1) {
      std::vector<double> bare, ours;
      for (int r = 0; r < rounds; ++r) {
        bare.push_back(bare_ingest(sim, n, shape));
        ours.push_back(client_callback_ingest(sim, n, shape));
      }
      write_row(shape_name, 1, "on_event", median(bare), median(ours));
    }
  }
  // The metrics' cost on the ingest path: the same callback consumer with
  // and without them, interleaved (the goal: under 3 %). Three times the
  // rounds: a 3 % goal on a host whose runs swing by more than that (0.95 to
  // 1.55 in three rounds); a round is well under a second.
  out << "],\"metrics\":[";
  first = true;
  for (auto shape : {mesoshttp::sim::flood_shape::update, mesoshttp::sim::flood_shape::heartbeat}) {
    if (arg("consumers", 0) > 1) break;
    const std::string shape_name = shape == mesoshttp::sim::flood_shape::update ? "update" : "heartbeat";
    std::vector<double> without, with;
    for (int r = 0; r < 3 * rounds; ++r) {
      without.push_back(client_callback_ingest(sim, events, shape, false));
      with.push_back(client_callback_ingest(sim, events, shape, true));
    }
    const double w = median(without), m = median(with);
    out << (first ? "" : ",") << "{\"shape\":\"" << shape_name << "\",\"without_events_per_s\":" << w
        << ",\"with_events_per_s\":" << m << ",\"ratio\":" << m / w << "}";
    first = false;
    std::cerr << "ingest metrics " << shape_name << " without=" << w << "/s with=" << m << "/s ratio=" << m / w << "\n";
  }
  // The hub's goals are ratios between the client's own consumers: 4 and 16
  // pull consumers against one, one against the callback consumer. Measured
  // here in rounds of their own, all four in each round (the rows above run
  // them minutes apart, and the pipeline's rate swings by a factor of 2 on a
  // shared host), twice as many rounds.
  out << "],\"hub\":[";
  first = true;
  for (auto shape : {mesoshttp::sim::flood_shape::update, mesoshttp::sim::flood_shape::offers}) {
    if (arg("offers", 1) == 0 && shape == mesoshttp::sim::flood_shape::offers) continue;
    if (arg("consumers", 0) > 1) break;
    const std::string shape_name = shape == mesoshttp::sim::flood_shape::update ? "update" : "offers10";
    const std::size_t n = shape == mesoshttp::sim::flood_shape::update ? events : events / 10;
    std::vector<double> pull, pull4, pull16, callback;
    for (int r = 0; r < 2 * rounds; ++r) {
      pull.push_back(client_ingest(sim, n, 1, shape));
      pull4.push_back(client_ingest(sim, n, 4, shape));
      pull16.push_back(client_ingest(sim, n, 16, shape));
      callback.push_back(client_callback_ingest(sim, n, shape));
    }
    const double p = median(pull), p4 = median(pull4), p16 = median(pull16), c = median(callback);
    out << (first ? "" : ",") << "{\"shape\":\"" << shape_name << "\",\"pull_events_per_s\":" << p
        << ",\"pull4_events_per_s\":" << p4 << ",\"pull16_events_per_s\":" << p16 << ",\"callback_events_per_s\":" << c
        << ",\"ratio\":" << p / c << ",\"ratio4\":" << p4 / p << ",\"ratio16\":" << p16 / p << "}";
    first = false;
    std::cerr << "ingest hub " << shape_name << " events()=" << p << "/s on_event=" << c << "/s ratio=" << p / c
              << " 4v1=" << p4 / p << " 16v1=" << p16 / p << "\n";
  }
  out << "]}";
  std::cout << out.str() << std::endl;
}

}  // namespace bench_system
