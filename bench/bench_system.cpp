// System benchmarks over loopback against the simulated master, each beside
// its floor in the same run (the machine is shared: ratios, not absolutes,
// are what we judge). Prints one JSON object on stdout.
//
//   bench_system ingest   [--events N] [--rounds R]
//   bench_system calls    [--seconds S]
//   bench_system failover [--rounds R]
//   bench_system memory   [--stall-seconds S]
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/use_future.hpp>

#include "bare_http.hpp"
#include "events.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::client_event;
namespace bench = mesoshttp::bench;

std::map<std::string, std::string> g_args;

long arg(const std::string& name, long fallback) {
  auto it = g_args.find(name);
  return it == g_args.end() ? fallback : std::stol(it->second);
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

// Fails loudly: a benchmark that silently measures nothing is worse than none.
[[noreturn]] void die(const std::string& why) {
  std::cerr << "bench_system: " << why << "\n";
  std::exit(1);
}

template <class Pred>
void wait_until(Pred pred, std::chrono::seconds limit, const char* what) {
  const auto end = clock_type::now() + limit;
  while (!pred()) {
    if (clock_type::now() > end) die(std::string("timed out waiting for ") + what);
    std::this_thread::sleep_for(1ms);
  }
}

mesoshttp::client_config client_config(const std::vector<std::string>& masters) {
  mesoshttp::client_config cfg;
  cfg.masters = masters;
  cfg.framework.set_user("bench");
  cfg.framework.set_name("mesoshttp-bench");
  cfg.framework.set_failover_timeout(60);
  return cfg;
}

// The event type a flood of `shape` consists of.
Event::Type flooded_type(mesoshttp::sim::flood_shape shape) {
  return shape == mesoshttp::sim::flood_shape::update   ? Event::UPDATE
         : shape == mesoshttp::sim::flood_shape::offers ? Event::OFFERS
                                                        : Event::HEARTBEAT;
}

// Waits on `stream` for the subscribed item.
void await_subscribed(mesoshttp::event_stream& stream) {
  const auto end = clock_type::now() + 20s;
  while (clock_type::now() < end) {
    auto item = stream.next(1s);
    if (item && item->type == client_event::kind::subscribed) return;
  }
  die("client did not subscribe");
}

std::string subscribe_body(mesoshttp::encoding enc) {
  Call call;
  call.set_type(Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("bench");
  info->set_name("bare-reader");
  return bench::encoded(call, enc);
}

// ------------------------------------------------------------------ ingest

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
double client_callback_ingest(mesoshttp::sim::cluster& sim, std::size_t events, mesoshttp::sim::flood_shape shape) {
  const Event::Type wanted = flooded_type(shape);
  double rate = 0;
  {
    mesoshttp::scheduler_client client(client_config(sim.urls()));
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
      // --consumers N: only that configuration (profiling runs).
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
  out << "]}";
  std::cout << out.str() << std::endl;
}

// ------------------------------------------------------------------ calls

struct call_stats {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::size_t completed = 0;
  std::size_t failed = 0;
};

Call reconcile_call(const std::string& framework_id) {
  Call call;
  call.set_type(Call::RECONCILE);
  call.mutable_framework_id()->set_value(framework_id);
  call.mutable_reconcile();
  return call;
}

template <class OneCall>
call_stats closed_loop(std::size_t producers, double seconds, OneCall one_call) {
  std::vector<std::vector<double>> latencies(producers);
  std::vector<std::size_t> failures(producers, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = clock_type::now();
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = clock_type::now();
        const bool ok = one_call();
        if (ok)
          latencies[p].push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
        else
          ++failures[p];
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = seconds_since(start);
  call_stats s;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  for (auto f : failures) s.failed += f;
  s.completed = all.size();
  s.per_second = static_cast<double>(all.size()) / elapsed;
  s.p50_ms = percentile(all, 0.5);
  s.p99_ms = percentile(all, 0.99);
  return s;
}

// The connection-per-call design: connect, POST, read the answer, close.
bool connection_per_call(std::uint16_t port, const std::string& request) {
  const int fd = bench::connect_loopback(port);
  if (fd < 0) return false;
  bool ok = bench::write_all(fd, request);
  std::string headers, rest;
  ok = ok && bench::read_head(fd, headers, rest) == 202;
  ::close(fd);
  return ok;
}

struct wrk_stats {
  bool ran = false;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::size_t non_2xx = 0;
};

double wrk_time_ms(const std::string& s) {
  const double v = std::atof(s.c_str());
  if (s.find("us") != std::string::npos) return v / 1000;
  if (s.find("ms") != std::string::npos) return v;
  if (s.find('s') != std::string::npos) return v * 1000;
  return v;
}

wrk_stats run_wrk(std::uint16_t port, const std::string& body, const std::string& stream_id, std::size_t conns,
                  double seconds) {
  wrk_stats w;
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) return w;
  const std::string dir = std::filesystem::temp_directory_path() / ("mesoshttp-wrk-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir + "/body.bin", std::ios::binary) << body;
    std::ofstream lua(dir + "/post.lua");
    lua << "wrk.method = \"POST\"\n"
        << "local f = io.open(\"" << dir << "/body.bin\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n"
        << "wrk.headers[\"Content-Type\"] = \"application/x-protobuf\"\n"
        << "wrk.headers[\"Accept\"] = \"application/x-protobuf\"\n"
        << "wrk.headers[\"Mesos-Stream-Id\"] = \"" << stream_id << "\"\n";
  }
  const std::size_t threads = std::min<std::size_t>(conns, 2);
  const std::string cmd = "wrk --latency -t" + std::to_string(threads) + " -c" + std::to_string(conns) + " -d" +
                          std::to_string(static_cast<int>(seconds)) + "s -s " + dir +
                          "/post.lua http://127.0.0.1:" + std::to_string(port) + "/api/v1/scheduler 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return w;
  std::string text;
  char line[512];
  while (std::fgets(line, sizeof line, p)) text += line;
  ::pclose(p);
  std::filesystem::remove_all(dir);
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    std::istringstream ls(l);
    std::string first, second;
    ls >> first >> second;
    if (first == "Requests/sec:") {
      w.per_second = std::atof(second.c_str());
      w.ran = true;
    } else if (first == "50%") {
      w.p50_ms = wrk_time_ms(second);
    } else if (first == "99%") {
      w.p99_ms = wrk_time_ms(second);
    } else if (l.find("Non-2xx or 3xx responses:") != std::string::npos) {
      w.non_2xx = static_cast<std::size_t>(std::atol(l.substr(l.find(':') + 1).c_str()));
    }
  }
  if (!w.ran) std::cerr << "wrk output not understood:\n" << text;
  return w;
}

std::string stats_json(const call_stats& s) {
  std::ostringstream o;
  o << "{\"calls_per_s\":" << s.per_second << ",\"p50_ms\":" << s.p50_ms << ",\"p99_ms\":" << s.p99_ms
    << ",\"completed\":" << s.completed << ",\"failed\":" << s.failed << "}";
  return o.str();
}

void run_calls() {
  const double seconds = static_cast<double>(arg("seconds", 3));
  mesoshttp::sim::cluster sim;
  sim.start();
  std::ostringstream out;
  out << "{\"benchmark\":\"calls\",\"seconds\":" << seconds << ",\"results\":[";
  bool first = true;
  for (std::size_t producers : {1u, 8u, 64u}) {
    auto cfg = client_config(sim.urls());
    // As many keep-alive connections as producers, as wrk and the
    // connection-per-call client get: the same concurrency on the wire.
    cfg.call_connections = producers;
    mesoshttp::scheduler_client client(cfg);
    auto stream = client.events();
    client.start();
    await_subscribed(stream);
    // Drain events so backpressure never stalls anything.
    std::atomic<bool> draining{true};
    std::thread drain([&] {
      while (draining) stream.next(50ms);
    });
    const std::string fid = client.framework_id()->value();
    std::string stream_id;
    for (const auto& c : sim.calls())
      if (c.type == "SUBSCRIBE" && c.framework_id == fid) stream_id = c.stream_id;
    if (stream_id.empty()) die("no stream id recorded for the client's SUBSCRIBE");
    const Call call = reconcile_call(fid);
    const std::string body = bench::encoded(call, mesoshttp::encoding::protobuf);
    const std::string request = bench::post_request(sim.port(0), body, mesoshttp::protobuf_content_type,
                                                    mesoshttp::protobuf_content_type, stream_id, false);

    sim.clear_calls();
    const call_stats ours = closed_loop(producers, seconds, [&] {
      auto f = client.async_send(call, boost::asio::use_future);
      const auto r = f.get();
      return r.ok() && r.status == 202;
    });
    sim.clear_calls();
    const call_stats per_call =
        closed_loop(producers, seconds, [&] { return connection_per_call(sim.port(0), request); });
    sim.clear_calls();
    const wrk_stats w = run_wrk(sim.port(0), body, stream_id, producers, seconds);
    sim.clear_calls();
    draining = false;
    drain.join();
    client.shutdown();

    out << (first ? "" : ",") << "{\"producers\":" << producers << ",\"client\":" << stats_json(ours)
        << ",\"connection_per_call\":" << stats_json(per_call) << ",\"wrk\":{\"ran\":" << (w.ran ? "true" : "false")
        << ",\"calls_per_s\":" << w.per_second << ",\"p50_ms\":" << w.p50_ms << ",\"p99_ms\":" << w.p99_ms
        << ",\"non_2xx\":" << w.non_2xx
        << "},\"ratio_vs_connection_per_call\":" << ours.per_second / std::max(per_call.per_second, 1e-9)
        << ",\"ratio_vs_wrk\":" << (w.ran ? ours.per_second / std::max(w.per_second, 1e-9) : 0) << "}";
    first = false;
    std::cerr << "calls producers=" << producers << " client=" << ours.per_second << "/s (p50 " << ours.p50_ms
              << " ms, p99 " << ours.p99_ms << " ms, failed " << ours.failed << ") per-call=" << per_call.per_second
              << "/s (failed " << per_call.failed << ") wrk=" << w.per_second << "/s non2xx=" << w.non_2xx << "\n";
    if (ours.failed) die("client calls failed during the benchmark");
  }
  out << "]}";
  std::cout << out.str() << std::endl;
}

// ------------------------------------------------------------------ failover

void run_failover() {
  const auto rounds = static_cast<int>(arg("rounds", 20));
  mesoshttp::sim::cluster_config scfg;
  scfg.masters = 3;
  mesoshttp::sim::cluster sim(scfg);
  sim.start();
  auto cfg = client_config(sim.urls());
  cfg.reconnect.initial_wait = 0ms;
  cfg.reconnect.custom_delay = [](std::size_t) { return 0ms; };
  mesoshttp::scheduler_client client(cfg);
  auto stream = client.events();
  client.start();
  await_subscribed(stream);
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    const std::size_t next = (*sim.leader() + 1) % sim.size();
    const std::string want = sim.url(next);
    const auto t0 = clock_type::now();
    sim.elect(next);
    for (;;) {
      auto item = stream.next(20s);
      if (!item) die("no resubscription after a leader change");
      if (item->type == client_event::kind::subscribed) {
        if (item->master.rfind(want, 0) != 0) die("subscribed to " + item->master + ", not the new leader " + want);
        break;
      }
    }
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
  }
  client.shutdown();
  std::cout << "{\"benchmark\":\"failover\",\"rounds\":" << rounds << ",\"p50_ms\":" << median(ms)
            << ",\"max_ms\":" << percentile(ms, 1.0) << ",\"min_ms\":" << percentile(ms, 0.0) << "}" << std::endl;
  std::cerr << "failover p50=" << median(ms) << " ms max=" << percentile(ms, 1.0) << " ms\n";
}

// ------------------------------------------------------------------ memory

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n + 1);
  return -1;
}

bool reset_peak() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

bool control(std::uint16_t port, const std::string& json) {
  const int fd = bench::connect_loopback(port);
  if (fd < 0) return false;
  bool ok = bench::write_all(fd, bench::post_request(port, json, "application/json", "*/*", {}, false, "/sim/fault"));
  std::string h, rest;
  ok = ok && bench::read_head(fd, h, rest) == 200;
  ::close(fd);
  return ok;
}

void run_memory() {
  const auto stall_s = arg("stall-seconds", 10);
  // The simulator runs in a child process, so its buffers are not counted
  // in our RSS; it is driven through its /sim/fault control endpoint.
  int ports[2], quit[2];
  if (::pipe(ports) != 0 || ::pipe(quit) != 0) die("pipe");
  const pid_t child = ::fork();
  if (child < 0) die("fork");
  if (child == 0) {
    ::close(ports[0]);
    ::close(quit[1]);
    mesoshttp::sim::cluster sim;
    sim.start();
    const std::uint16_t p = sim.port(0);
    if (::write(ports[1], &p, sizeof p) != sizeof p) std::_Exit(1);
    char c;
    while (::read(quit[0], &c, 1) > 0) {
    }
    sim.stop();
    std::_Exit(0);
  }
  ::close(ports[1]);
  ::close(quit[0]);
  std::uint16_t port = 0;
  if (::read(ports[0], &port, sizeof port) != sizeof port) die("simulator child did not start");

  const std::size_t queue = 1024;
  auto cfg = client_config({"http://127.0.0.1:" + std::to_string(port)});
  cfg.event_queue_size = queue;
  std::ostringstream out;
  {
    mesoshttp::scheduler_client client(cfg);
    auto drained = client.events();
    auto stalled = client.events();
    client.start();
    await_subscribed(drained);
    await_subscribed(stalled);
    const long rss0 = status_kb("VmRSS:");
    const bool peak_reset = reset_peak();
    const long hwm0 = status_kb("VmHWM:");

    // 1. Bursts of OFFERS from 10,000 agents, both consumers keeping up.
    const int bursts = 5;
    auto drain_offers = [&](mesoshttp::event_stream& s, int want, std::size_t& offers) {
      int seen = 0;
      while (seen < want) {
        auto item = s.next(60s);
        if (!item) die("offers burst not delivered");
        if (item->type == client_event::kind::event && item->event->type() == Event::OFFERS &&
            item->event->offers().offers_size() >= 10000) {
          ++seen;
          offers = static_cast<std::size_t>(item->event->ByteSizeLong());
        }
      }
    };
    std::size_t burst_bytes = 0, ignored = 0;
    std::thread other([&] { drain_offers(stalled, bursts, ignored); });
    for (int i = 0; i < bursts; ++i)
      if (!control(port, "{\"fault\":\"offers_burst\",\"agents\":10000}")) die("offers_burst failed");
    drain_offers(drained, bursts, burst_bytes);
    other.join();
    const long hwm_burst = status_kb("VmHWM:");
    const long rss_burst = status_kb("VmRSS:");

    // 2. One consumer stalls while a flood keeps coming; the other drains.
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> drained_events{0};
    std::thread drainer([&] {
      while (!stop) {
        auto item = drained.next(100ms);
        if (item) ++drained_events;
      }
    });
    if (!control(port, "{\"fault\":\"flood\",\"shape\":\"update\",\"events\":5000000}")) die("flood failed");
    long rss_stall_max = 0;
    const auto until = clock_type::now() + std::chrono::seconds(stall_s);
    while (clock_type::now() < until) {
      rss_stall_max = std::max(rss_stall_max, status_kb("VmRSS:"));
      std::this_thread::sleep_for(100ms);
    }
    const std::size_t stalled_queue = stalled.queued();
    const std::size_t during_stall = drained_events.load();
    // The stalled consumer resumes; everything flows again.
    std::size_t resumed = 0;
    while (resumed < 2 * queue) {
      if (stalled.next(30s))
        ++resumed;
      else
        die("stalled consumer got nothing after resuming");
    }
    stop = true;
    drainer.join();
    const long hwm_stall = status_kb("VmHWM:");
    const long update_bytes = static_cast<long>(bench::update_event(1).SpaceUsedLong());
    client.shutdown();
    out << "{\"benchmark\":\"memory\",\"queue_size\":" << queue << ",\"peak_reset\":" << (peak_reset ? "true" : "false")
        << ",\"rss_baseline_kb\":" << rss0 << ",\"hwm_baseline_kb\":" << hwm0
        << ",\"burst\":{\"agents\":10000,\"bursts\":" << bursts << ",\"record_bytes\":" << burst_bytes
        << ",\"hwm_kb\":" << hwm_burst << ",\"rss_after_kb\":" << rss_burst << "}"
        << ",\"stall\":{\"seconds\":" << stall_s << ",\"rss_max_kb\":" << rss_stall_max << ",\"hwm_kb\":" << hwm_stall
        << ",\"stalled_queue\":" << stalled_queue << ",\"drained_during_stall\":" << during_stall
        << ",\"event_space_bytes\":" << update_bytes << "}}";
  }
  ::close(quit[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::cout << out.str() << std::endl;
  std::cerr << out.str() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_system ingest|calls|failover|memory [--name value]...\n";
    return 2;
  }
  for (int i = 2; i + 1 < argc; i += 2) g_args[std::string(argv[i]).substr(2)] = argv[i + 1];
  const std::string what = argv[1];
  if (what == "ingest")
    run_ingest();
  else if (what == "calls")
    run_calls();
  else if (what == "failover")
    run_failover();
  else if (what == "memory")
    run_memory();
  else {
    std::cerr << "unknown benchmark " << what << "\n";
    return 2;
  }
  return 0;
}
